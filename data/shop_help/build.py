"""Build the Quillmere help centre (two versions), its change log and its eval set.

Framework steps 3a (knowledge base) and 3d (evaluation dataset). Quillmere is a fictional
online shop for home, kitchen and outdoor goods, written for this course. Its content is
data next to this file: ``articles/<slug>.md`` (YAML front matter, then a Markdown body
hard-wrapped for reading), ``contents.yaml`` (categories and article order of version 1),
``changes.yaml`` (what version 2 edits by exact text edits, removes and adds) and
``questions.yaml`` (the evaluation questions). ``python data/shop_help/build.py``, run from
the repository root, checks that content and rewrites byte for byte (under ``--out DIR``
instead of ``data/`` if given):

- ``data/shop_help/v1.jsonl``   the help centre as first published (all version 1)
- ``data/shop_help/v2.jsonl``   the help centre six months later (edits, additions, removal)
- ``data/shop_help/CHANGES.md`` the table of what changed between the two
- ``data/eval/shop_help.jsonl`` questions with gold article ids and reference answers

Deliberately left out: loading and validating the outputs for the course (that is
``genai_design.corpora``), chunking, embeddings, and any real company's policies.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import re
import sys
import textwrap
from pathlib import Path

import yaml

KB_NAME = "shop-help"  # the "kb" value in the eval set and the id prefix
SOURCE_DIR = Path(__file__).resolve().parent
QUESTION_TYPES = ("factual", "multi-hop", "unanswerable", "ambiguous", "adversarial")
# The keys of each kind of YAML mapping, and the type of each value.
FRONT_MATTER = {"slug": str, "title": str, "category": str, "updated": datetime.date}
EDITED = {"slug": str, "updated": datetime.date, "changes": list}  # one edited article
CHANGE = {"field": str, "old": str, "new": str, "edits": list}  # one row of the change table
EDIT = {"find": str, "replace": str}  # one exact text edit
QUESTION = {"id": str, "kb_version": int, "type": str, "question": str, "gold": list,
            "answer": str, "notes": str}  # notes is optional


class ContentError(ValueError):
    """A content file is malformed; the message names the file and what is wrong."""


@dataclasses.dataclass(frozen=True)
class Article:
    """One help-centre article in one version."""

    slug: str  # the file name without .md; the id is "shop-help/<slug>"
    title: str  # the article's title
    category: str  # one of the categories in contents.yaml
    updated: str  # last edit date, YYYY-MM-DD
    body: str  # markdown, one line per paragraph, list item, table row or heading
    version: int = 1  # 2 once edited for version 2 of the help centre


@dataclasses.dataclass(frozen=True)
class Change:
    """One row of the change table: what changed in one article, in words."""

    slug: str  # article that changed
    field: str  # what changed
    old: str  # the value in version 1
    new: str  # the value in version 2


@dataclasses.dataclass(frozen=True)
class Content:
    """Everything the outputs are built from, loaded and checked."""

    v1: tuple[Article, ...]  # the help centre as first published, in order
    v2: tuple[Article, ...]  # six months later: edits applied, removals dropped, additions last
    changes: tuple[Change, ...]  # rows of the change table, in order
    questions: tuple[dict, ...]  # evaluation records, ready to write


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe YAML loader that refuses a key given twice (PyYAML would keep the last)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        keys = [self.construct_object(key_node, deep=deep) for key_node, _ in node.value]
        for (key_node, _), key in zip(node.value, keys):
            if keys.count(key) > 1:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark)
        return super().construct_mapping(node, deep)


def _yaml(text: str, where: str) -> object:
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader: plain data only
    except (yaml.YAMLError, ValueError) as error:  # ValueError: a date such as 2025-13-01
        raise ContentError(f"{where}: not valid YAML: {error}") from None


def _check(value: object, spec: dict[str, type], where: str) -> dict:
    """Check that a YAML mapping has the keys of ``spec`` (notes may be left out), typed so."""
    if not isinstance(value, dict):
        raise ContentError(f"{where}: expected a mapping with keys {list(spec)}, got {value!r}")
    missing = [key for key in spec if key not in value and key != "notes"]
    unknown = [key for key in value if key not in spec]
    if missing:
        raise ContentError(f"{where}: missing fields {missing}")
    if unknown:
        raise ContentError(f"{where}: unknown fields {unknown}; the fields are {list(spec)}")
    for key, kind in spec.items():
        if key in value and not isinstance(value[key], kind):
            hint = " (quote it)" if kind is str else ""
            raise ContentError(f"{where}: {key} must be a {kind.__name__}, "
                               f"got {value[key]!r}{hint}")
    return value


def _slugs(value: object, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(slug, str) for slug in value):
        raise ContentError(f"{where}: expected a list of article slugs, got {value!r}")
    if len(set(value)) < len(value):
        raise ContentError(f"{where}: a slug is listed twice: {value}")
    return value


def _unwrap(text: str) -> str:
    """Join hard-wrapped lines: one line per paragraph, list item, table row or heading."""
    blocks = []
    for block in textwrap.dedent(text).strip().split("\n\n"):
        items: list[str] = []
        for raw in block.splitlines():
            line = raw.strip()
            starts_item = line.startswith(("- ", "## ", "|")) or re.match(r"\d+\. ", line)
            if starts_item or not items or items[-1].startswith(("## ", "|")):
                items.append(line)
            else:
                items[-1] += " " + line
        blocks.append("\n".join(items))
    return "\n\n".join(blocks)


def load_article(path: Path) -> Article:
    """Read one ``articles/<slug>.md``: front matter between '---' lines, then the body."""
    where = f"articles/{path.name}"
    match = re.fullmatch(r"---\n(.*?)\n---\n(.*)", path.read_text(encoding="utf-8"), re.DOTALL)
    if match is None:
        raise ContentError(f"{where}: must start with YAML front matter between '---' lines")
    meta = _check(_yaml(match[1], where), FRONT_MATTER, f"{where} front matter")
    if meta["slug"] != path.stem or not match[2].strip():
        raise ContentError(f"{where}: the slug must be the file name and the body not empty")
    return Article(path.stem, meta["title"], meta["category"], meta["updated"].isoformat(),
                   _unwrap(match[2]))


def _edit(article: Article, entry: dict) -> tuple[Article, list[Change]]:
    """Apply one entry of the ``edited`` list of changes.yaml to its version-1 article."""
    body, changes, where = article.body, [], f"changes.yaml edited {article.slug}"
    for row in entry["changes"] or [None]:
        row = _check(row, CHANGE, f"{where} change")
        for edit in row["edits"] or [None]:
            find = _check(edit, EDIT, f"{where} edit")["find"]
            if body.count(find) != 1:
                raise ContentError(f"{where}: each find must occur exactly once in the article "
                                   f"body, found {body.count(find)} times: {find!r}")
            body = body.replace(find, edit["replace"])
        changes.append(Change(article.slug, row["field"], row["old"], row["new"]))
    edited = dataclasses.replace(article, version=2, updated=entry["updated"].isoformat(),
                                 body=body)
    return edited, changes


def _question(raw: object, number: int, versions: dict[int, set[str]]) -> dict:
    """One entry of questions.yaml, checked, as its eval-set record."""
    q = _check(raw, QUESTION, f"questions.yaml #{number}")
    where = f"questions.yaml {q['id']}"
    if not re.fullmatch(r"shop-\d{3,}", q["id"]) or q["type"] not in QUESTION_TYPES:
        raise ContentError(f"{where}: the id must look like shop-001 and the type be one of "
                           f"{QUESTION_TYPES}, got type {q['type']!r}")
    missing = [s for s in _slugs(q["gold"], where) if s not in versions.get(q["kb_version"], ())]
    if q["kb_version"] not in versions or missing:
        raise ContentError(f"{where}: kb_version must be 1 or 2 and hold every gold article; "
                           f"not in version {q['kb_version']}: {missing}")
    record = {"id": q["id"], "kb": KB_NAME, "kb_version": q["kb_version"],
              "question": q["question"], "gold_ids": [f"{KB_NAME}/{s}" for s in q["gold"]],
              "reference_answer": q["answer"], "type": q["type"]}
    return record | ({"notes": q["notes"]} if "notes" in q else {})


def load_content(source: Path = SOURCE_DIR) -> Content:
    """Load the content files under ``source``, check them together and derive version 2."""
    def read(name: str) -> object:
        return _yaml((source / name).read_text(encoding="utf-8"), name)

    articles = {path.stem: load_article(path) for path in sorted(source.glob("articles/*.md"))}
    contents = read("contents.yaml")
    if not isinstance(contents, dict):
        raise ContentError("contents.yaml: expected a mapping from category to article slugs")
    v1 = [slug for category, slugs in contents.items()
          for slug in _slugs(slugs, f"contents.yaml {category}")]
    raw = _check(read("changes.yaml"), {"edited": list, "removed": list, "added": list},
                 "changes.yaml")
    edited = [_check(entry, EDITED, f"changes.yaml edited #{n}")["slug"]
              for n, entry in enumerate(raw["edited"], start=1)]
    removed = _slugs(raw["removed"], "changes.yaml removed")
    added = _slugs(raw["added"], "changes.yaml added")
    problems = [
        *(f"contents.yaml: {s!r} has no file articles/{s}.md" for s in v1 if s not in articles),
        *(f"contents.yaml: {s!r} is listed twice" for s in set(v1) if v1.count(s) > 1),
        *(f"articles/{s}.md: category {articles[s].category!r} should be {c!r}"
          for c, slugs in contents.items() for s in slugs
          if s in articles and articles[s].category != c),
        *(f"articles/{s}.md is in neither contents.yaml nor changes.yaml added"
          for s in articles if s not in v1 and s not in added),
        *(f"changes.yaml edited: {s!r} is not an article of version 1, or edited twice"
          for s in edited if s not in v1 or edited.count(s) > 1),
        *(f"changes.yaml removed: {s!r} is not an unedited article of version 1"
          for s in removed if s not in v1 or s in edited),
        *(f"changes.yaml added: {s!r} needs a file in articles/ and must not be in version 1"
          for s in added if s in v1 or s not in articles),
        *(f"articles/{s}.md: category {articles[s].category!r} is not in contents.yaml"
          for s in added if s in articles and articles[s].category not in contents),
    ]
    if problems:
        raise ContentError("\n".join(problems))
    new, changes = {}, []
    for entry in raw["edited"]:
        new[entry["slug"]], rows = _edit(articles[entry["slug"]], entry)
        changes += rows
    v2 = [new.get(s, articles[s]) for s in v1 if s not in removed] + [articles[s] for s in added]
    versions = {1: set(v1), 2: {a.slug for a in v2}}
    questions = read("questions.yaml")
    if not isinstance(questions, list):
        raise ContentError("questions.yaml: expected a list of questions")
    records = tuple(_question(q, n, versions) for n, q in enumerate(questions, start=1))
    ids = [r["id"] for r in records]
    if len(set(ids)) < len(ids):
        twice = sorted({i for i in ids if ids.count(i) > 1})
        raise ContentError(f"questions.yaml: ids used more than once: {twice}")
    return Content(tuple(articles[s] for s in v1), tuple(v2), tuple(changes), records)


def changes_markdown(content: Content) -> str:
    """The change table between v1 and v2, as markdown."""
    v1, v2 = {a.slug: a for a in content.v1}, {a.slug: a for a in content.v2}
    lines = [
        "# Changes between help-centre version 1 and version 2",
        "",
        "Version 1 is the help centre as first published (snapshot of 31 January 2025);",
        "version 2 is the same help centre six months later (snapshot of 31 July 2025).",
        "Generated by `build.py`; edit that file, not this one. Articles not listed are",
        "identical in both versions.",
        "",
        "| article id | field | old (v1) | new (v2) |",
        "|---|---|---|---|",
        *(f"| {KB_NAME}/{c.slug} | {c.field} | {c.old} | {c.new} |" for c in content.changes),
        *(f"| {KB_NAME}/{s} | article | present | removed |" for s in v1 if s not in v2),
        *(f"| {KB_NAME}/{s} | article | absent | added |" for s in v2 if s not in v1),
        "",
        "Every edited article has `version` 2 and a new `updated` date in v2; the two new",
        "articles start at `version` 1.",
        "",
        "| article id | updated (v1) | updated (v2) |",
        "|---|---|---|",
        *(f"| {KB_NAME}/{s} | {v1[s].updated} | {v2[s].updated} |"
          for s in dict.fromkeys(c.slug for c in content.changes)),
    ]
    return "\n".join(lines) + "\n"


def _jsonl(records: list[dict]) -> str:
    """One JSON object per line, with a trailing newline."""
    return "\n".join(json.dumps(record, ensure_ascii=False) for record in records) + "\n"


def _record(a: Article) -> dict:
    """The JSONL record of one article."""
    return {"id": f"{KB_NAME}/{a.slug}", "version": a.version, "title": a.title,
            "category": a.category, "updated": a.updated, "body": a.body}


def render(content: Content) -> dict[str, str]:
    """Every output's text, by its path relative to the data folder."""
    return {
        "shop_help/v1.jsonl": _jsonl([_record(a) for a in content.v1]),
        "shop_help/v2.jsonl": _jsonl([_record(a) for a in content.v2]),
        "shop_help/CHANGES.md": changes_markdown(content),
        "eval/shop_help.jsonl": _jsonl(list(content.questions)),
    }


def main(argv: list[str] | None = None) -> int:
    """Check the content and write the outputs; 1 with a message if the content is malformed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=SOURCE_DIR.parent, metavar="DIR",
                        help="data folder to write shop_help/ and eval/ into (default: data/)")
    args = parser.parse_args(argv)
    try:
        outputs = render(load_content(SOURCE_DIR))
    except ContentError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for name, text in outputs.items():
        path = args.out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
