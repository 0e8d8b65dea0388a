"""Checks of the step-8 (deploy and monitor) question sets in data/monitoring/: the cache pairs
for choosing a semantic cache's threshold and the query windows for query-distribution drift.

Counts, unique ids and texts (no question repeats anywhere, nor copies an eval-set question),
every article slug present in the help-centre version it refers to, an august window that
leans on what the July 2025 update changed, january and february with the same topic mix, and
loader errors on corrupted copies written to tmp_path.
"""

from __future__ import annotations

import copy
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from genai_design.corpora import load_eval_set, load_kb
from genai_design.corpora.monitoring_sets import (
    NO_TOPIC,
    CachePair,
    WindowQuery,
    load_cache_pairs,
    load_query_windows,
)

DATA = Path(__file__).resolve().parents[2] / "data"
PAIRS_PATH = DATA / "monitoring" / "cache_pairs.yaml"
WINDOWS_PATH = DATA / "monitoring" / "query_windows.yaml"
CHANGES_PATH = DATA / "shop_help" / "changes.yaml"

MIN_ANCHORS = 35
PARAPHRASES_PER_ANCHOR = 2
NEAR_MISSES_PER_ANCHOR = 2
MIN_ANCHOR_ARTICLES = 25  # anchors spread over at least this many distinct gold articles
MIN_PER_WINDOW = 35
WINDOW_VERSIONS = {"january": 1, "february": 1, "august": 2}
MIN_AUGUST_CHANGED_SHARE = 0.40  # of august topics: articles edited or added in v2
# January and February are the "no drift" pair: no topic (article slug, or "none") may take a
# share of its window that differs by more than TOPIC_MARGIN, and no help-centre category by
# more than CATEGORY_MARGIN. At 40 questions a window, 0.05 is two questions.
TOPIC_MARGIN = 0.05
CATEGORY_MARGIN = 0.05
WORD = re.compile(r"[\w€]+")


def norm(text: str) -> str:
    """Case-folded, whitespace collapsed: the form in which no two questions may be equal."""
    return " ".join(text.casefold().split())


def shares(labels: list[str]) -> dict[str, float]:
    counts = Counter(labels)
    return {label: n / len(labels) for label, n in counts.items()}


def share_gaps(a: list[str], b: list[str], margin: float) -> dict[str, tuple[float, float]]:
    """Labels whose share differs by more than margin between a and b: label -> (share a, b)."""
    sa, sb = shares(a), shares(b)
    return {k: (sa.get(k, 0.0), sb.get(k, 0.0)) for k in sorted(set(sa) | set(sb))
            if abs(sa.get(k, 0.0) - sb.get(k, 0.0)) > margin + 1e-9}


# ---- fixtures -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def raw_pairs() -> dict[str, Any]:
    return yaml.safe_load(PAIRS_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def raw_windows() -> dict[str, Any]:
    return yaml.safe_load(WINDOWS_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def pairs() -> list[CachePair]:
    return load_cache_pairs()


@pytest.fixture(scope="module")
def windows() -> dict[str, list[WindowQuery]]:
    return load_query_windows()


@pytest.fixture(scope="module")
def articles() -> dict[int, dict[str, str]]:
    """Help-centre version -> slug -> category."""
    return {v: {d.id.removeprefix("shop-help/"): str(d.meta("category"))
                for d in load_kb("shop-help", v)} for v in (1, 2)}


@pytest.fixture(scope="module")
def eval_questions() -> dict[str, Any]:
    return {q.id: q for q in load_eval_set("shop-help")}


@pytest.fixture(scope="module")
def changed_in_v2() -> set[str]:
    changes = yaml.safe_load(CHANGES_PATH.read_text(encoding="utf-8"))
    return {e["slug"] for e in changes["edited"]} | set(changes["added"])


# ---- cache pairs --------------------------------------------------------------------------


def test_pairs_file_header(raw_pairs: dict[str, Any]) -> None:
    assert set(raw_pairs) == {"version", "description", "anchors"}, sorted(raw_pairs)
    assert raw_pairs["version"] == 1
    assert isinstance(raw_pairs["description"], str) and raw_pairs["description"].strip()


def test_anchor_counts(pairs: list[CachePair]) -> None:
    anchors = {p.anchor_id for p in pairs}
    assert len(anchors) >= MIN_ANCHORS, len(anchors)
    per_anchor = Counter((p.anchor_id, p.same_answer) for p in pairs)
    wrong = {a: (per_anchor[(a, True)], per_anchor[(a, False)]) for a in anchors
             if (per_anchor[(a, True)], per_anchor[(a, False)])
             != (PARAPHRASES_PER_ANCHOR, NEAR_MISSES_PER_ANCHOR)}
    assert not wrong, f"anchor -> (paraphrases, near-misses): {wrong}"


def test_anchor_ids_unique(raw_pairs: dict[str, Any]) -> None:
    dupes = [k for k, n in Counter(a["anchor"] for a in raw_pairs["anchors"]).items() if n > 1]
    assert not dupes, dupes


def test_anchors_are_factual_v1_questions_over_many_articles(
        pairs: list[CachePair], eval_questions: dict[str, Any]) -> None:
    anchors = {eval_questions[p.anchor_id] for p in pairs}
    not_factual = sorted(q.id for q in anchors if q.type != "factual" or q.kb_version != 1)
    assert not not_factual, not_factual
    gold_articles = {g for q in anchors for g in q.gold_ids}
    assert len(gold_articles) >= MIN_ANCHOR_ARTICLES, len(gold_articles)
    for p in pairs:
        assert p.anchor_question == eval_questions[p.anchor_id].question


def test_pair_labels(pairs: list[CachePair], eval_questions: dict[str, Any],
                     articles: dict[int, dict[str, str]]) -> None:
    for p in pairs:
        if p.same_answer:
            assert p.gold == eval_questions[p.anchor_id].gold_ids and p.why == "", p
        else:
            assert p.gold and p.why.strip() and "\n" not in p.why, p
            assert len(set(p.gold)) == len(p.gold), p
            unknown = [g for g in p.gold
                       if not g.startswith("shop-help/")
                       or g.removeprefix("shop-help/") not in articles[1]]
            assert not unknown, (p.query, unknown)


def test_near_misses_look_like_their_anchor(pairs: list[CachePair]) -> None:
    """A near-miss shares words with its anchor (that is what makes it a trap): at least two."""
    few = {p.query: sorted(set(WORD.findall(p.query.casefold()))
                           & set(WORD.findall(p.anchor_question.casefold())))
           for p in pairs if not p.same_answer}
    few = {q: shared for q, shared in few.items() if len(shared) < 2}
    assert not few, few


# ---- query windows ------------------------------------------------------------------------


def test_windows_file_header(raw_windows: dict[str, Any]) -> None:
    assert set(raw_windows) == {"version", "description", "windows"}, sorted(raw_windows)
    assert raw_windows["version"] == 1
    assert isinstance(raw_windows["description"], str) and raw_windows["description"].strip()


def test_window_names_versions_and_counts(windows: dict[str, list[WindowQuery]]) -> None:
    assert list(windows) == list(WINDOW_VERSIONS)
    for name, queries in windows.items():
        assert len(queries) >= MIN_PER_WINDOW, (name, len(queries))
        assert {(q.window, q.kb_version) for q in queries} == {(name, WINDOW_VERSIONS[name])}


def test_topics_exist_in_the_windows_version(windows: dict[str, list[WindowQuery]],
                                             articles: dict[int, dict[str, str]]) -> None:
    unknown = [(q.window, q.question, q.topic) for qs in windows.values() for q in qs
               if q.topic != NO_TOPIC and q.topic not in articles[q.kb_version]]
    assert not unknown, unknown


def test_august_is_about_the_update(windows: dict[str, list[WindowQuery]],
                                    articles: dict[int, dict[str, str]],
                                    changed_in_v2: set[str]) -> None:
    assert changed_in_v2 <= set(articles[2]), changed_in_v2 - set(articles[2])
    august = [q.topic for q in windows["august"]]
    share = sum(t in changed_in_v2 for t in august) / len(august)
    assert share >= MIN_AUGUST_CHANGED_SHARE, share
    added = set(articles[2]) - set(articles[1])
    assert added and added <= set(august), added - set(august)  # the new articles are asked about


def test_january_and_february_have_the_same_mix(windows: dict[str, list[WindowQuery]],
                                                articles: dict[int, dict[str, str]]) -> None:
    jan = [q.topic for q in windows["january"]]
    feb = [q.topic for q in windows["february"]]
    assert not share_gaps(jan, feb, TOPIC_MARGIN)
    category = {**articles[1], NO_TOPIC: NO_TOPIC}
    gaps = share_gaps([category[t] for t in jan], [category[t] for t in feb], CATEGORY_MARGIN)
    assert not gaps, gaps
    assert len(set(jan) & set(feb)) >= len(set(jan)) // 2  # the same kinds of topic


def test_the_mix_check_sees_the_august_drift(windows: dict[str, list[WindowQuery]]) -> None:
    jan = [q.topic for q in windows["january"]]
    aug = [q.topic for q in windows["august"]]
    assert share_gaps(jan, aug, TOPIC_MARGIN)
    assert not share_gaps(jan, list(jan), TOPIC_MARGIN)


# ---- across both sets ---------------------------------------------------------------------


def test_no_question_repeats_anywhere(pairs: list[CachePair],
                                      windows: dict[str, list[WindowQuery]],
                                      eval_questions: dict[str, Any]) -> None:
    new = [p.query for p in pairs] + [q.question for qs in windows.values() for q in qs]
    assert all(text.strip() for text in new)
    dupes = [k for k, n in Counter(map(norm, new)).items() if n > 1]
    assert not dupes, dupes
    in_eval = {norm(q.question) for q in eval_questions.values()}
    copied = [text for text in new if norm(text) in in_eval]
    assert not copied, copied


# ---- the loaders reject corrupted copies --------------------------------------------------


def write(tmp_path: Path, doc: Any, name: str = "bad.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def corrupt_anchor(raw: dict[str, Any], change: Any) -> dict[str, Any]:
    doc = copy.deepcopy(raw)
    change(doc["anchors"][0])
    return doc


@pytest.mark.parametrize("change, message", [
    (lambda a: a.update(anchor="shop-999"), "unknown anchor id"),
    (lambda a: a.update(anchor="shop-066"), "unknown anchor id"),  # a version-2 question
    (lambda a: a.pop("near_misses"), "missing fields"),
    (lambda a: a.update(extra=1), "unknown fields"),
    (lambda a: a["paraphrases"].__setitem__(0, "   "), "paraphrase 1 is empty"),
    (lambda a: a.update(paraphrases=[]), "paraphrases must be"),
    (lambda a: a["near_misses"][0].update(why=""), "empty or non-string ['why']"),
    (lambda a: a["near_misses"][0].update(question=None), "empty or non-string ['question']"),
    (lambda a: a["near_misses"][0].pop("gold"), "missing fields ['gold']"),
    (lambda a: a["near_misses"][0].update(gold=[]), "gold must be"),
    (lambda a: a["near_misses"][0].update(gold=["no-such-article"]), "not in shop-help"),
    (lambda a: a["near_misses"][0].update(gold=["shop-help/return-policy"]), "not in shop-help"),
    (lambda a: a["near_misses"][0].update(gold=["same-day-delivery"]), "not in shop-help"),
])
def test_cache_loader_rejects(tmp_path: Path, raw_pairs: dict[str, Any], change: Any,
                              message: str) -> None:
    assert load_cache_pairs(write(tmp_path, raw_pairs))  # an unchanged copy loads
    with pytest.raises(ValueError, match=re.escape(message)):
        load_cache_pairs(write(tmp_path, corrupt_anchor(raw_pairs, change)))


def test_cache_loader_rejects_a_repeated_anchor_and_broken_files(
        tmp_path: Path, raw_pairs: dict[str, Any]) -> None:
    doc = copy.deepcopy(raw_pairs)
    doc["anchors"].append(copy.deepcopy(doc["anchors"][0]))
    with pytest.raises(ValueError, match="anchor listed twice"):
        load_cache_pairs(write(tmp_path, doc))
    with pytest.raises(ValueError, match="non-empty 'anchors'"):
        load_cache_pairs(write(tmp_path, {"version": 1, "anchors": []}))
    bad = tmp_path / "broken.yaml"
    bad.write_text("anchors: [\n  - anchor: shop-001\n", encoding="utf-8")
    with pytest.raises(ValueError, match="not valid YAML"):
        load_cache_pairs(bad)


def corrupt_window(raw: dict[str, Any], window: str, change: Any) -> dict[str, Any]:
    doc = copy.deepcopy(raw)
    change(doc["windows"][window])
    return doc


@pytest.mark.parametrize("window, change, message", [
    ("january", lambda w: w["queries"][0].update(topic="no-such-article"), "is neither"),
    ("january", lambda w: w["queries"][0].update(topic="same-day-delivery"), "is neither"),
    ("august", lambda w: w["queries"][0].update(topic="bank-transfer"), "is neither"),
    ("august", lambda w: w["queries"][0].update(question=" "), "empty or non-string"),
    ("february", lambda w: w["queries"][0].pop("topic"), "missing fields ['topic']"),
    ("february", lambda w: w.pop("kb_version"), "missing fields ['kb_version']"),
    ("february", lambda w: w.update(kb_version=3), "kb_version must be"),
    ("january", lambda w: w.update(queries=[]), "queries must be"),
])
def test_window_loader_rejects(tmp_path: Path, raw_windows: dict[str, Any], window: str,
                               change: Any, message: str) -> None:
    assert load_query_windows(write(tmp_path, raw_windows))  # an unchanged copy loads
    with pytest.raises(ValueError, match=re.escape(message)):
        load_query_windows(write(tmp_path, corrupt_window(raw_windows, window, change)))
