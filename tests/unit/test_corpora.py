"""Tests of genai_design.corpora: the knowledge bases and the evaluation sets."""

import json
import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from genai_design.corpora import (
    DATA_ENV_VAR,
    KNOWLEDGE_BASES,
    Document,
    EvalQuestion,
    data_dir,
    kb_stats,
    load_eval_set,
    load_kb,
    read_eval_file,
    tech_support_path,
    validate_eval_file,
    validate_eval_set,
)

EVAL_FILES = {  # file name -> KB it covers
    "python_reference.jsonl": "python-reference",
    "tech_support.jsonl": "tech-support",
    "shop_help.jsonl": "shop-help",
}
MIN_PER_TYPE = {  # minimum number of questions per type, per file (from the course plan)
    "python_reference.jsonl": {"factual": 40, "multi-hop": 8, "unanswerable": 6,
                               "ambiguous": 5, "adversarial": 5},
    "tech_support.jsonl": {"factual": 15, "unanswerable": 2, "adversarial": 2},
}
MIN_TOTAL = {"python_reference.jsonl": 70, "tech_support.jsonl": 30}


def _shop_file(version: int) -> Path:
    return data_dir() / "shop_help" / f"v{version}.jsonl"


def _all_kbs() -> dict[str | tuple[str, int], list[Document]]:
    kbs: dict[str | tuple[str, int], list[Document]] = {
        "python-reference": load_kb("python-reference"),
        "tech-support": load_kb("tech-support"),
    }
    for version in (1, 2):
        if _shop_file(version).is_file():
            kbs[("shop-help", version)] = load_kb("shop-help", version)
    return kbs


@pytest.fixture(scope="module")
def kbs() -> dict[str | tuple[str, int], list[Document]]:
    return _all_kbs()


# --- knowledge bases -------------------------------------------------------------------

def test_snapshot_has_79_topics_and_matches_loader() -> None:
    path = data_dir() / "python_reference" / "topics.json"
    snapshot = json.loads(path.read_text(encoding="utf-8"))
    assert snapshot["source"] == "pydoc_data.topics"
    assert snapshot["python_version"] == "3.11.7"
    assert len(snapshot["topics"]) == 79
    docs = load_kb("python-reference")
    ids = [doc.id for doc in docs]
    assert len(ids) == len(set(ids)) == 79
    assert {doc.id: doc.text for doc in docs} == {
        f"python-reference/{name}": text for name, text in snapshot["topics"].items()}
    assert all(doc.title == doc.id.removeprefix("python-reference/") for doc in docs)
    assert kb_stats(docs).total_chars == sum(len(text) for text in snapshot["topics"].values())


def test_tech_support_count_matches_yaml_counted_independently() -> None:
    raw = tech_support_path().read_text(encoding="utf-8")
    # independent count: every conversation starts a line with "- - " in this file
    starts = len(re.findall(r"^- - ", raw, flags=re.MULTILINE))
    conversations = yaml.safe_load(raw)["conversations"]
    assert starts == len(conversations)
    docs = load_kb("tech-support")
    assert len(docs) == starts
    assert [doc.id for doc in docs] == [f"tech-support/{i}" for i in range(starts)]
    first = conversations[0]
    assert docs[0].title == first[0]
    assert docs[0].text == first[0] + "\n\n" + "\n".join(first[1:])
    # canonical_id groups exact repeats: one group per distinct conversation
    distinct = {tuple(c) for c in conversations}
    assert len({doc.meta("canonical_id") for doc in docs}) == len(distinct)


@pytest.mark.parametrize("version", [1, 2])
def test_shop_help_loads_every_line(version: int) -> None:
    path = _shop_file(version)
    assert path.is_file(), f"{path} is missing: run python data/shop_help/build.py"
    lines = path.read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines if line.strip()]
    docs = load_kb("shop-help", version)
    assert [doc.id for doc in docs] == [row["id"] for row in rows]
    assert [doc.version for doc in docs] == [row["version"] for row in rows]
    assert all(doc.meta("kb_version") == version for doc in docs)
    if version == 1:
        assert {doc.version for doc in docs} == {1}


def test_unknown_kb_and_bad_version_raise() -> None:
    with pytest.raises(ValueError, match="known:.*python-reference"):
        load_kb("wikipedia")
    with pytest.raises(ValueError, match="available: \\[1\\]"):
        load_kb("python-reference", version=2)
    with pytest.raises(ValueError, match="no version 3"):
        load_kb("shop-help", version=3)
    with pytest.raises(ValueError, match="unknown knowledge base"):
        load_eval_set("wikipedia")


def test_document_is_frozen_and_hashable_with_normalised_metadata() -> None:
    a = Document(id="kb/1", title="t", text="abc", kb="kb", metadata={"b": 2, "a": "x"})
    b = Document(id="kb/1", title="t", text="abc", kb="kb", metadata=[("a", "x"), ("b", 2)])
    assert a == b and hash(a) == hash(b)
    assert a.metadata == (("a", "x"), ("b", 2))
    assert a.meta("b") == 2 and a.meta("missing") is None
    assert a.to_dict()["metadata"] == {"a": "x", "b": 2}
    with pytest.raises(AttributeError):
        a.text = "changed"  # type: ignore[misc]


def test_kb_stats_by_hand() -> None:
    docs = [Document(id=f"kb/{i}", title="", text="x" * n, kb="kb")
            for i, n in enumerate([3, 5, 10])]
    stats = kb_stats(docs)
    assert (stats.num_docs, stats.total_chars, stats.max_chars) == (3, 18, 10)
    assert stats.mean_chars == pytest.approx(6.0)
    empty = {"num_docs": 0, "total_chars": 0, "mean_chars": 0.0, "max_chars": 0}
    assert kb_stats([]).to_dict() == empty


def test_data_dir_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "eval").mkdir()
    row = {"id": "x-1", "kb": "tech-support", "question": "q?", "gold_ids": [],
           "reference_answer": "not covered", "type": "unanswerable"}
    (tmp_path / "eval" / "mine.jsonl").write_text(json.dumps(row) + "\n", encoding="utf-8")
    monkeypatch.setenv(DATA_ENV_VAR, str(tmp_path))
    assert data_dir() == tmp_path
    assert [q.id for q in load_eval_set()] == ["x-1"]
    monkeypatch.setenv(DATA_ENV_VAR, str(tmp_path / "missing"))
    with pytest.raises(FileNotFoundError, match=DATA_ENV_VAR):
        data_dir()


# --- evaluation sets -------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(EVAL_FILES))
def test_eval_file_validates(name: str, kbs: dict) -> None:
    path = data_dir() / "eval" / name
    assert path.is_file(), f"{path} is missing: every file in EVAL_FILES must be committed"
    questions = read_eval_file(path)
    assert questions, f"{name} is empty"
    assert {q.kb for q in questions} == {EVAL_FILES[name]}
    assert validate_eval_set(questions, kbs) == []


def test_all_eval_files_together_have_unique_ids(kbs: dict) -> None:
    questions = load_eval_set()
    assert len({q.id for q in questions}) == len(questions)
    assert validate_eval_set(questions, kbs) == []


@pytest.mark.parametrize("name", sorted(MIN_PER_TYPE))
def test_counts_by_type_meet_minimums(name: str) -> None:
    questions = read_eval_file(data_dir() / "eval" / name)
    counts = Counter(q.type for q in questions)
    assert len(questions) >= MIN_TOTAL[name]
    for qtype, minimum in MIN_PER_TYPE[name].items():
        assert counts[qtype] >= minimum, f"{name}: {counts[qtype]} {qtype} < {minimum}"


@pytest.mark.parametrize("name", sorted(MIN_PER_TYPE))
def test_unanswerable_answers_say_not_covered(name: str) -> None:
    for q in read_eval_file(data_dir() / "eval" / name):
        if q.type == "unanswerable":
            assert re.search(r"not cover|no entry|does not answer", q.reference_answer, re.I), q.id


def test_tech_support_gold_lists_every_repeat() -> None:
    """A gold conversation's repeats answer equally well, so all must be listed."""
    docs = load_kb("tech-support")
    repeats: dict[str, set[str]] = {}
    for doc in docs:
        repeats.setdefault(str(doc.meta("canonical_id")), set()).add(doc.id)
    canonical = {doc.id: str(doc.meta("canonical_id")) for doc in docs}
    for q in read_eval_file(data_dir() / "eval" / "tech_support.jsonl"):
        groups = {canonical[g] for g in q.gold_ids}
        assert set(q.gold_ids) == set().union(*(repeats[c] for c in groups)), q.id


# --- the validator catches each kind of problem ------------------------------------------

def _q(qid: str, **overrides: object) -> EvalQuestion:
    fields: dict[str, object] = {"id": qid, "kb": "tech-support", "question": "why?",
                                 "gold_ids": ("tech-support/0",), "reference_answer": "because",
                                 "type": "factual"}
    fields.update(overrides)
    return EvalQuestion(**fields)  # type: ignore[arg-type]


TINY_KBS = {"tech-support": [Document(id=f"tech-support/{i}", title="q", text="q\n\na",
                                      kb="tech-support") for i in range(2)]}


@pytest.mark.parametrize("bad, fragment", [
    (_q("a", type="trivia"), "unknown type 'trivia'"),
    (_q("a", gold_ids=("tech-support/99",)), "gold id 'tech-support/99' not in"),
    (_q("a", type="multi-hop"), "multi-hop question needs >= 2 gold ids"),
    (_q("a", type="unanswerable"), "unanswerable question with gold ids"),
    (_q("a", question="  "), "empty question"),
    (_q("a", reference_answer=""), "empty reference answer"),
    (_q("a", kb="wikipedia"), "unknown kb 'wikipedia'"),
    (_q("a", kb_version=2), "has no version 2"),
    (_q("a", gold_ids=()), "factual question without gold ids"),
    (_q("a", kb="python-reference", gold_ids=("python-reference/assert",)), "no documents given"),
])
def test_validator_catches(bad: EvalQuestion, fragment: str) -> None:
    good = _q("ok", gold_ids=("tech-support/0", "tech-support/1"), type="multi-hop")
    assert validate_eval_set([good], TINY_KBS) == []
    problems = validate_eval_set([good, bad], TINY_KBS)
    assert len(problems) == 1 and fragment in problems[0], problems


def test_validator_catches_duplicate_ids() -> None:
    problems = validate_eval_set([_q("dup"), _q("dup")], TINY_KBS)
    assert len(problems) == 1 and "duplicate id" in problems[0]


def test_validate_eval_file_raises_with_every_problem(tmp_path: Path) -> None:
    rows = [_q("a", type="trivia").to_dict(), _q("b", reference_answer="").to_dict(),
            _q("c").to_dict()]
    with pytest.raises(ValueError) as err:
        validate_eval_file(_write(tmp_path / "bad.jsonl", rows), TINY_KBS)
    message = str(err.value)
    assert "2 problem(s)" in message and "trivia" in message and "empty reference answer" in message
    good = validate_eval_file(_write(tmp_path / "ok.jsonl", rows[2:]), TINY_KBS)
    assert [q.id for q in good] == ["c"]


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_read_eval_file_reports_malformed_lines(tmp_path: Path) -> None:
    good = _q("a").to_dict()
    no_answer = {k: v for k, v in good.items() if k != "reference_answer"}
    extra = {**good, "id": "b", "score": 1}
    path = tmp_path / "broken.jsonl"
    path.write_text("\n".join([json.dumps(good), "{not json", json.dumps(no_answer),
                               json.dumps(extra)]) + "\n", encoding="utf-8")
    with pytest.raises(ValueError) as err:
        read_eval_file(path)
    message = str(err.value)
    assert "3 malformed line(s)" in message
    assert all(f"broken.jsonl:{n}" in message for n in (2, 3, 4))
    assert "broken.jsonl:1" not in message
    assert "missing fields ['reference_answer']" in message
    assert "unknown fields ['score']" in message


def test_registry_lists_three_kbs() -> None:
    assert sorted(KNOWLEDGE_BASES) == ["python-reference", "shop-help", "tech-support"]
    assert KNOWLEDGE_BASES["shop-help"].versions == (1, 2)


def test_shop_help_loader_on_tiny_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The shop-help format, on hand-made files: versions, metadata and bad rows."""
    def article(slug: str, version: int, updated: str) -> dict[str, object]:
        return {"id": f"shop-help/{slug}", "version": version, "title": slug.title(),
                "category": "orders", "updated": updated, "body": f"## {slug}\nText."}
    (tmp_path / "shop_help").mkdir()
    _write(tmp_path / "shop_help" / "v1.jsonl",
           [article("returns", 1, "2024-01-01"), article("gifts", 1, "2024-01-01")])
    _write(tmp_path / "shop_help" / "v2.jsonl",
           [article("returns", 2, "2024-06-01"), article("vouchers", 1, "2024-06-01")])
    monkeypatch.setenv(DATA_ENV_VAR, str(tmp_path))
    v1, v2 = load_kb("shop-help", 1), load_kb("shop-help", 2)
    assert [(d.id, d.version) for d in v1] == [("shop-help/returns", 1), ("shop-help/gifts", 1)]
    assert [(d.id, d.version) for d in v2] == [("shop-help/returns", 2), ("shop-help/vouchers", 1)]
    assert v2[0].text == "## returns\nText." and v2[0].title == "Returns"
    assert dict(v2[0].metadata) == {"category": "orders", "updated": "2024-06-01", "kb_version": 2}
    question = _q("s1", kb="shop-help", kb_version=2, gold_ids=("shop-help/gifts",))
    problems = validate_eval_set([question])  # loads the KB itself: gifts was removed in v2
    assert len(problems) == 1 and "not in shop-help v2" in problems[0]
    _write(tmp_path / "shop_help" / "v1.jsonl", [article("returns", 2, "2024-01-01")])
    with pytest.raises(ValueError, match="must be an int in 1..1"):
        load_kb("shop-help", 1)
    _write(tmp_path / "shop_help" / "v1.jsonl", [{"id": "shop-help/x", "version": 1}])
    with pytest.raises(ValueError, match="missing fields"):
        load_kb("shop-help", 1)


def test_held_out_questions_validate_and_stay_out_of_the_eval_set(kbs: dict) -> None:
    path = data_dir() / "eval" / "holdout" / "python_reference.jsonl"
    questions = read_eval_file(path)
    assert len(questions) == 60 and {q.kb for q in questions} == {"python-reference"}
    assert validate_eval_set(questions, kbs) == []
    assert {q.type for q in questions} == {"factual", "multi-hop"}  # every one answerable
    # Not read by load_eval_set: a held-out question must never reach tuning by accident.
    assert not {q.id for q in questions} & {q.id for q in load_eval_set()}
