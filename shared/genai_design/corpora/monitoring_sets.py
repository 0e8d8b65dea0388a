"""Labelled question sets for monitoring (framework step 8: deploy and monitor).

Two sets over the Quillmere help centre (``shop-help``), both in ``data/monitoring/``:

- ``cache_pairs.yaml``, for choosing the similarity threshold of a semantic response cache.
  Each *anchor* is a factual version-1 question of the eval set (``data/eval/shop_help.jsonl``)
  whose reference answer stands in the cache. Against it stand two *paraphrases* (the same
  request in other words: serving the cached answer is right) and two *near-misses* (many
  shared words, but another answer: serving it is a false hit). ``load_cache_pairs`` turns
  them into :class:`CachePair` records, one per (anchor, new question), ready for
  ``genai_design.monitoring.cache.pair_similarities`` and ``cache_curve``.
- ``query_windows.yaml``, for detecting a drifting query distribution: three windows of
  customer messages, ``january`` and ``february`` (help-centre version 1, the same topic mix)
  and ``august`` (version 2, about half about what the update changed), each labelled with the
  article that answers it. ``load_query_windows`` returns them as :class:`WindowQuery` records.

Both loaders check the files as they read them and raise ``ValueError`` listing every problem
(an unknown anchor id, a missing or unknown field, empty text, an article slug that the
help-centre version lacks). Whether a near-miss really needs another answer stays a human
review; the data files say in one line what differs. Embedding, thresholds and drift tests are
``genai_design.monitoring``'s job, not this module's.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from genai_design.corpora.documents import data_dir
from genai_design.corpora.eval_sets import EvalQuestion, read_eval_file
from genai_design.corpora.knowledge_bases import KNOWLEDGE_BASES, load_kb

KB = "shop-help"
ID_PREFIX = f"{KB}/"  # document id = prefix + slug
ANCHOR_KB_VERSION = 1  # anchors and near-miss gold refer to help-centre version 1
NO_TOPIC = "none"  # topic of a window query the help centre does not answer
ANCHOR_KEYS = ("anchor", "paraphrases", "near_misses")
NEAR_MISS_KEYS = ("question", "gold", "why")
WINDOW_KEYS = ("kb_version", "queries")
QUERY_KEYS = ("question", "topic")


@dataclass(frozen=True)
class CachePair:
    """A new question set against a cached (anchor) question, labelled by whether the anchor's
    answer is right for it."""

    anchor_id: str  # id of the anchor in data/eval/shop_help.jsonl, e.g. "shop-008"
    anchor_question: str  # the anchor's question text, as in the eval set
    query: str  # the new question
    same_answer: bool  # True: a paraphrase (the anchor's reference answer is right for it)
    gold: tuple[str, ...]  # document ids ("shop-help/<slug>", version 1) that answer the query
    why: str  # near-miss: what differs in its answer; "" for a paraphrase


@dataclass(frozen=True)
class WindowQuery:
    """One customer message of a query window."""

    window: str  # window name, e.g. "january"
    question: str  # the message as typed
    topic: str  # slug of the article answering it in that window's version, or "none"
    kb_version: int  # help-centre version live in that window (1 or 2)


def _monitoring_file(name: str, path: str | Path | None) -> Path:
    return Path(path) if path is not None else data_dir() / "monitoring" / name


def _read_yaml(file: Path, list_key: str) -> Mapping[str, Any]:
    try:
        doc = yaml.safe_load(file.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise ValueError(f"{file.name}: not valid YAML ({err})") from err
    if not isinstance(doc, dict) or not doc.get(list_key):
        raise ValueError(f"{file.name}: expected a mapping with a non-empty {list_key!r} entry")
    return doc


def _text(value: Any) -> bool:
    """True for a string with something other than whitespace in it."""
    return isinstance(value, str) and bool(value.strip())


def _keys_problems(where: str, raw: Any, keys: tuple[str, ...]) -> list[str]:
    if not isinstance(raw, dict):
        return [f"{where}: expected a mapping with keys {list(keys)}, got {raw!r}"]
    missing = [k for k in keys if k not in raw]
    unknown = [k for k in raw if k not in keys]
    if missing or unknown:
        return [f"{where}: missing fields {missing}, unknown fields {unknown}; "
                f"expected {list(keys)}"]
    return []


def _slugs(version: int) -> set[str]:
    return {doc.id.removeprefix(ID_PREFIX) for doc in load_kb(KB, version)}


def _raise(file: Path, problems: list[str]) -> None:
    if problems:
        raise ValueError("\n".join([f"{len(problems)} problem(s) in {file.name}:", *problems]))


def _anchor_questions(eval_path: str | Path | None) -> dict[str, EvalQuestion]:
    file = Path(eval_path) if eval_path is not None else data_dir() / "eval" / "shop_help.jsonl"
    return {q.id: q for q in read_eval_file(file)
            if q.kb == KB and q.kb_version == ANCHOR_KB_VERSION}


def load_cache_pairs(path: str | Path | None = None,
                     eval_path: str | Path | None = None) -> list[CachePair]:
    """The cache pairs (default ``data/monitoring/cache_pairs.yaml``), anchor by anchor in file
    order: its paraphrases (``same_answer=True``, gold = the anchor's gold ids), then its
    near-misses (``same_answer=False``). Anchors are looked up in ``eval_path`` (default
    ``data/eval/shop_help.jsonl``) and must be shop-help version-1 questions; near-miss gold
    slugs must be articles of help-centre version 1. Raises ValueError listing every problem."""
    file = _monitoring_file("cache_pairs.yaml", path)
    doc = _read_yaml(file, "anchors")
    if not isinstance(doc["anchors"], list):
        raise ValueError(f"{file.name}: 'anchors' must be a list")
    anchors = _anchor_questions(eval_path)
    slugs = _slugs(ANCHOR_KB_VERSION)
    problems: list[str] = []
    pairs: list[CachePair] = []
    seen: set[str] = set()
    for n, raw in enumerate(doc["anchors"], start=1):
        where = f"anchor #{n}"
        found = _keys_problems(where, raw, ANCHOR_KEYS)
        if found:
            problems += found
            continue
        anchor_id = raw["anchor"]
        where = f"anchor #{n} ({anchor_id!r})"
        anchor = anchors.get(anchor_id) if isinstance(anchor_id, str) else None
        if anchor is None:
            problems.append(f"{where}: unknown anchor id; it must be the id of a {KB} "
                            f"version-{ANCHOR_KB_VERSION} question of the eval set")
            continue
        if anchor_id in seen:
            problems.append(f"{where}: anchor listed twice")
        seen.add(anchor_id)
        paraphrases, near_misses = raw["paraphrases"], raw["near_misses"]
        if not isinstance(paraphrases, list) or not paraphrases:
            problems.append(f"{where}: paraphrases must be a non-empty list of questions")
            paraphrases = []
        if not isinstance(near_misses, list) or not near_misses:
            problems.append(f"{where}: near_misses must be a non-empty list")
            near_misses = []
        for i, query in enumerate(paraphrases, start=1):
            if not _text(query):
                problems.append(f"{where}: paraphrase {i} is empty or not a string: {query!r}")
                continue
            pairs.append(CachePair(anchor_id, anchor.question, query.strip(), True,
                                   anchor.gold_ids, ""))
        for i, miss in enumerate(near_misses, start=1):
            at = f"{where}, near-miss {i}"
            found = _keys_problems(at, miss, NEAR_MISS_KEYS)
            if found:
                problems += found
                continue
            bad = [k for k in ("question", "why") if not _text(miss[k])]
            if bad:
                problems.append(f"{at}: empty or non-string {bad}")
            gold = miss["gold"]
            if (not isinstance(gold, list) or not gold or not all(_text(g) for g in gold)
                    or len(set(gold)) != len(gold)):
                problems.append(f"{at}: gold must be a non-empty list of distinct article slugs, "
                                f"got {gold!r}")
                continue
            unknown = [g for g in gold if g not in slugs]
            if unknown:
                problems.append(f"{at}: gold slugs not in {KB} version {ANCHOR_KB_VERSION}: "
                                f"{unknown} (slugs have no {ID_PREFIX!r} prefix)")
            if bad or unknown:
                continue
            pairs.append(CachePair(anchor_id, anchor.question, miss["question"].strip(), False,
                                   tuple(ID_PREFIX + g for g in gold), miss["why"].strip()))
    _raise(file, problems)
    return pairs


def load_query_windows(path: str | Path | None = None) -> dict[str, list[WindowQuery]]:
    """The query windows (default ``data/monitoring/query_windows.yaml``): window name -> its
    queries, in file order. Every topic must be ``"none"`` or the slug of an article of the
    help-centre version the window names. Raises ValueError listing every problem."""
    file = _monitoring_file("query_windows.yaml", path)
    doc = _read_yaml(file, "windows")
    if not isinstance(doc["windows"], dict):
        raise ValueError(f"{file.name}: 'windows' must map a window name to its queries")
    problems: list[str] = []
    windows: dict[str, list[WindowQuery]] = {}
    slugs: dict[int, set[str]] = {}
    for name, raw in doc["windows"].items():
        where = f"window {name!r}"
        found = _keys_problems(where, raw, WINDOW_KEYS)
        if found:
            problems += found
            continue
        version, queries = raw["kb_version"], raw["queries"]
        if isinstance(version, bool) or version not in KNOWLEDGE_BASES[KB].versions:
            problems.append(f"{where}: kb_version must be one of "
                            f"{list(KNOWLEDGE_BASES[KB].versions)}, got {version!r}")
            continue
        if not isinstance(queries, list) or not queries:
            problems.append(f"{where}: queries must be a non-empty list")
            continue
        known = slugs.setdefault(version, _slugs(version))
        windows[name] = []
        for i, query in enumerate(queries, start=1):
            at = f"{where}, query {i}"
            found = _keys_problems(at, query, QUERY_KEYS)
            if found:
                problems += found
                continue
            bad = [k for k in QUERY_KEYS if not _text(query[k])]
            if bad:
                problems.append(f"{at}: empty or non-string {bad}")
                continue
            topic = query["topic"].strip()
            if topic != NO_TOPIC and topic not in known:
                problems.append(f"{at}: topic {topic!r} is neither {NO_TOPIC!r} nor an article "
                                f"slug of {KB} version {version}")
                continue
            windows[name].append(WindowQuery(name, query["question"].strip(), topic, version))
    _raise(file, problems)
    return windows
