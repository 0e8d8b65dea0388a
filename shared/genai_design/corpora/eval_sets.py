"""Evaluation questions and their validator (framework step 3d: eval dataset).

Every ``data/eval/*.jsonl`` file holds ground-truth questions for one knowledge base:
the question, the ids of the documents that answer it (``gold_ids``), a short reference
answer and a type (factual, multi-hop, unanswerable, ambiguous, adversarial). The format
is described in ``data/eval/SCHEMA.md``. The validator checks structure and that every
gold id exists in the named KB version; it cannot check that an answer is *true*, which
stays a human review. Scoring retrieval or answers is step 7 and not done here.
"""

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any
from pathlib import Path

from genai_design.corpora.documents import Document, data_dir
from genai_design.corpora.knowledge_bases import KNOWLEDGE_BASES, load_kb

QUESTION_TYPES = ("factual", "multi-hop", "unanswerable", "ambiguous", "adversarial")
REQUIRED_FIELDS = ("id", "kb", "question", "gold_ids", "reference_answer", "type")
OPTIONAL_FIELDS = ("kb_version", "notes")

# docs for validation: keyed by KB name (meaning version 1) or by (name, version)
KBDocs = Mapping[str | tuple[str, int], Iterable[Document]]


@dataclass(frozen=True)
class EvalQuestion:
    """One ground-truth question; mirrors a line of an eval JSONL file."""

    id: str  # unique across all eval files, e.g. "py-001"
    kb: str  # knowledge base the question is asked of, a key of KNOWLEDGE_BASES
    question: str  # what the user asks, in their own words
    gold_ids: tuple[str, ...]  # ids of documents that answer it; () when unanswerable
    reference_answer: str  # short correct answer (or "not covered" for unanswerable)
    type: str  # one of QUESTION_TYPES
    kb_version: int = 1  # KB version the gold ids refer to (only shop-help has > 1)
    notes: str | None = None  # free-text remark for reviewers
    source: str = field(default="", compare=False)  # file and line it came from, for messages

    def __post_init__(self) -> None:
        object.__setattr__(self, "gold_ids", tuple(self.gold_ids))

    @classmethod
    def from_dict(cls, row: Mapping[str, Any], source: str = "") -> "EvalQuestion":
        """Build from a parsed JSON row; raise ValueError on missing or unknown fields."""
        missing = [key for key in REQUIRED_FIELDS if key not in row]
        unknown = [key for key in row if key not in REQUIRED_FIELDS + OPTIONAL_FIELDS]
        if missing or unknown:
            raise ValueError(f"{source}: missing fields {missing}, unknown fields {unknown}; "
                             f"allowed: {list(REQUIRED_FIELDS + OPTIONAL_FIELDS)}")
        gold = row["gold_ids"]
        if not isinstance(gold, list) or not all(isinstance(g, str) for g in gold):
            raise ValueError(f"{source}: gold_ids must be a list of strings, got {gold!r}")
        kb_version = row.get("kb_version", 1)
        if isinstance(kb_version, bool) or not isinstance(kb_version, int):
            raise ValueError(f"{source}: kb_version must be an int, got {kb_version!r}")
        for key in ("id", "kb", "question", "reference_answer", "type"):
            if not isinstance(row[key], str):
                raise ValueError(f"{source}: {key} must be a string, got {row[key]!r}")
        notes = row.get("notes")
        return cls(id=row["id"], kb=row["kb"], question=row["question"], gold_ids=tuple(gold),
                   reference_answer=row["reference_answer"], type=row["type"],
                   kb_version=kb_version, notes=None if notes is None else str(notes),
                   source=source)

    def to_dict(self) -> dict[str, object]:
        """JSON-serialisable form in the file's field order (without ``source``)."""
        out = asdict(self)
        out.pop("source")
        out["gold_ids"] = list(self.gold_ids)
        if out["notes"] is None:
            out.pop("notes")
        return out


def read_eval_file(path: str | Path) -> list[EvalQuestion]:
    """Parse one eval JSONL file; raise ValueError listing every malformed line."""
    path = Path(path)
    questions: list[EvalQuestion] = []
    errors: list[str] = []
    for line_no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        source = f"{path.name}:{line_no}"
        try:
            questions.append(EvalQuestion.from_dict(json.loads(line), source=source))
        except json.JSONDecodeError as err:
            errors.append(f"{source}: not valid JSON ({err})")
        except ValueError as err:
            errors.append(str(err))
    if errors:
        raise ValueError(f"{len(errors)} malformed line(s) in {path.name}:\n" + "\n".join(errors))
    return questions


def eval_files() -> list[Path]:
    """Every ``data/eval/*.jsonl`` file, sorted by name."""
    return sorted((data_dir() / "eval").glob("*.jsonl"))


def load_eval_set(kb: str | None = None) -> list[EvalQuestion]:
    """Read every eval file; keep only questions about ``kb`` when it is given."""
    if kb is not None and kb not in KNOWLEDGE_BASES:
        raise ValueError(f"unknown knowledge base {kb!r}; known: {sorted(KNOWLEDGE_BASES)}")
    questions = [q for path in eval_files() for q in read_eval_file(path)]
    return [q for q in questions if kb is None or q.kb == kb]


def _known_ids(kbs: KBDocs | None, needed: set[tuple[str, int]]) -> dict[tuple[str, int], set[str]]:
    """Document ids per (kb, version): from ``kbs`` when given, else loaded."""
    known: dict[tuple[str, int], set[str]] = {}
    if kbs is None:
        for name, version in needed:
            if version in KNOWLEDGE_BASES[name].versions:
                known[(name, version)] = {doc.id for doc in load_kb(name, version)}
        return known
    for key, docs in kbs.items():
        known[key if isinstance(key, tuple) else (key, 1)] = {doc.id for doc in docs}
    return known


def validate_eval_set(questions: Sequence[EvalQuestion], kbs: KBDocs | None = None) -> list[str]:
    """Return human-readable problems with ``questions`` (empty list: all good).

    ``kbs`` maps a KB name (version 1) or a ``(name, version)`` pair to its documents;
    when None, the KBs the questions need are loaded with ``load_kb``.
    """
    problems: list[str] = []
    needed = {(q.kb, q.kb_version) for q in questions if q.kb in KNOWLEDGE_BASES}
    known = _known_ids(kbs, needed)
    seen: dict[str, str] = {}
    for q in questions:
        where = f"{q.id or '<no id>'}" + (f" ({q.source})" if q.source else "")
        if not q.id.strip():
            problems.append(f"{where}: empty id")
        elif q.id in seen:
            first = seen[q.id] or "an earlier row"
            problems.append(f"{where}: duplicate id, first seen at {first}")
        else:
            seen[q.id] = q.source
        if q.type not in QUESTION_TYPES:
            problems.append(f"{where}: unknown type {q.type!r}; accepted: {list(QUESTION_TYPES)}")
        if not q.question.strip():
            problems.append(f"{where}: empty question")
        if not q.reference_answer.strip():
            problems.append(f"{where}: empty reference answer")
        if len(set(q.gold_ids)) != len(q.gold_ids):
            problems.append(f"{where}: repeated gold id")
        if q.type == "unanswerable" and q.gold_ids:
            problems.append(f"{where}: unanswerable question with gold ids {list(q.gold_ids)}")
        if q.type == "multi-hop" and len(set(q.gold_ids)) < 2:
            problems.append(
                f"{where}: multi-hop question needs >= 2 gold ids, has {len(q.gold_ids)}")
        if q.type == "factual" and not q.gold_ids:
            problems.append(f"{where}: factual question without gold ids")
        if q.kb not in KNOWLEDGE_BASES:
            problems.append(f"{where}: unknown kb {q.kb!r}; known: {sorted(KNOWLEDGE_BASES)}")
            continue
        if q.kb_version not in KNOWLEDGE_BASES[q.kb].versions:
            problems.append(f"{where}: kb {q.kb!r} has no version {q.kb_version}; "
                            f"available: {list(KNOWLEDGE_BASES[q.kb].versions)}")
            continue
        ids = known.get((q.kb, q.kb_version))
        if ids is None:
            problems.append(f"{where}: no documents given for kb {q.kb!r} version {q.kb_version}")
            continue
        for gold in q.gold_ids:
            if gold not in ids:
                problems.append(f"{where}: gold id {gold!r} not in {q.kb} v{q.kb_version}")
    return problems


def validate_eval_file(path: str | Path, kbs: KBDocs | None = None) -> list[EvalQuestion]:
    """Parse and validate one file; raise ValueError listing all problems, else return it."""
    questions = read_eval_file(path)
    problems = validate_eval_set(questions, kbs)
    if problems:
        header = f"{len(problems)} problem(s) in {Path(path).name}:"
        raise ValueError("\n".join([header, *problems]))
    return questions
