"""The course's three knowledge bases and their loaders (framework step 3a).

- ``python-reference``: the 79 topics of Python's language reference, read from the
  snapshot ``data/python_reference/topics.json`` (frozen so results do not move with the
  Python version).
- ``shop-help``: a fictional shop's help centre in two versions, ``data/shop_help/v1.jsonl``
  and ``v2.jsonl`` (after a policy update), for the knowledge-base drift chapter.
- ``tech-support``: the question/answer conversations of the ``chatterbot-corpus``
  package's ``tech_support.yml``, read from the installed package.

Each loader returns documents in source order. Left out on purpose: chunking, cleaning
and de-duplication (the tech-support file repeats a handful of pairs; each repeat is its
own document, with ``canonical_id`` metadata naming the first copy, so the course can show
the problem rather than hide it).
"""

import importlib.util
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

from genai_design.corpora.documents import Document, data_dir

SHOP_HELP_FIELDS = ("id", "version", "title", "category", "updated", "body")  # required keys


def _load_python_reference(version: int) -> list[Document]:
    path = data_dir() / "python_reference" / "topics.json"
    if not path.is_file():
        raise FileNotFoundError(f"Python reference snapshot missing: {path}")
    snapshot = json.loads(path.read_text(encoding="utf-8"))
    meta = {"source": snapshot["source"], "python_version": snapshot["python_version"]}
    return [
        Document(id=f"python-reference/{name}", title=name, text=text, kb="python-reference",
                 version=version, metadata=meta)
        for name, text in sorted(snapshot["topics"].items())
    ]


def _load_shop_help(version: int) -> list[Document]:
    path = data_dir() / "shop_help" / f"v{version}.jsonl"
    if not path.is_file():
        raise FileNotFoundError(f"shop help centre version {version} missing: {path}")
    docs: list[Document] = []
    seen: set[str] = set()
    for line_no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path.name} line {line_no}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as err:
            raise ValueError(f"{where}: not valid JSON ({err})") from err
        missing = [key for key in SHOP_HELP_FIELDS if key not in row]
        if missing:
            raise ValueError(
                f"{where}: missing fields {missing}; required: {list(SHOP_HELP_FIELDS)}")
        if not str(row["id"]).startswith("shop-help/"):
            raise ValueError(f"{where}: id {row['id']!r} must start with 'shop-help/'")
        if not isinstance(row["version"], int) or not 1 <= row["version"] <= version:
            raise ValueError(
                f"{where}: article version {row['version']!r} must be an int in 1..{version}")
        if row["id"] in seen:
            raise ValueError(f"{where}: duplicate id {row['id']!r}")
        seen.add(row["id"])
        docs.append(Document(
            id=row["id"], title=row["title"], text=row["body"], kb="shop-help",
            version=row["version"],
            metadata={"category": row["category"], "updated": row["updated"],
                      "kb_version": version},
        ))
    return docs


def tech_support_path() -> Path:
    """Path of ``tech_support.yml`` inside the installed ``chatterbot_corpus`` package."""
    spec = importlib.util.find_spec("chatterbot_corpus")
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError(
            "the tech-support KB needs the 'chatterbot-corpus' package "
            "(import name chatterbot_corpus)"
        )
    path = Path(spec.origin).parent / "data" / "english" / "tech_support.yml"
    if not path.is_file():
        raise FileNotFoundError(f"chatterbot_corpus is installed but has no {path.name} at {path}")
    return path


def _load_tech_support(version: int) -> list[Document]:
    path = tech_support_path()
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    conversations = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)["conversations"]
    docs: list[Document] = []
    first_copy: dict[tuple[str, ...], str] = {}
    for index, turns in enumerate(conversations):
        lines = tuple(str(turn) for turn in turns)
        if len(lines) < 2:
            raise ValueError(f"{path.name}: conversation {index} has {len(lines)} turns; need >= 2")
        doc_id = f"tech-support/{index}"
        canonical = first_copy.setdefault(lines, doc_id)
        docs.append(Document(
            id=doc_id, title=lines[0], text=lines[0] + "\n\n" + "\n".join(lines[1:]),
            kb="tech-support", version=version,
            metadata={"index": index, "canonical_id": canonical},
        ))
    return docs


@dataclass(frozen=True)
class KnowledgeBase:
    """A registry entry: how to load one knowledge base and which versions exist."""

    loader: Callable[[int], list[Document]]  # version -> documents, in source order
    versions: tuple[int, ...]  # the versions that can be asked for
    description: str  # one line for listings


KNOWLEDGE_BASES: dict[str, KnowledgeBase] = {
    "python-reference": KnowledgeBase(
        _load_python_reference, (1,), "Python language reference, 79 topics (snapshot)"),
    "shop-help": KnowledgeBase(
        _load_shop_help, (1, 2), "fictional shop help centre; v2 follows a policy update"),
    "tech-support": KnowledgeBase(
        _load_tech_support, (1,), "chatterbot-corpus tech-support Q/A conversations"),
}


def check_kb(name: str, version: int = 1) -> KnowledgeBase:
    """Return the registry entry, or raise ValueError naming what is accepted."""
    if name not in KNOWLEDGE_BASES:
        raise ValueError(f"unknown knowledge base {name!r}; known: {sorted(KNOWLEDGE_BASES)}")
    entry = KNOWLEDGE_BASES[name]
    if isinstance(version, bool) or not isinstance(version, int) or version not in entry.versions:
        raise ValueError(f"knowledge base {name!r} has no version {version!r}; "
                         f"available: {list(entry.versions)}")
    return entry


def load_kb(name: str, version: int = 1) -> list[Document]:
    """Load every document of knowledge base ``name`` at ``version``, in source order."""
    return check_kb(name, version).loader(version)
