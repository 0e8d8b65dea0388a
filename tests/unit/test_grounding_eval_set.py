"""Checks of data/guardrails/grounding_eval.yaml, the course's labelled set for the grounding
check of step 6 (guardrails): its schema, its counts, that every source is a real help-centre
article (shop-help, version 1), that each ungrounded answer names its one unsupported sentence
exactly, and that paraphrased answers do not copy their sources while extractive ones do.

The checks are small functions that return the problems they find; the last tests feed them
planted bad items, so a check that could never fail would show up there.

Sentence rule (deliberately rough and lenient): an answer is split after ".", "?" or "!"
followed by whitespace, so "€4.95" or "15:00" do not split; the answer must end with one of
those marks and have 2 to 4 sentences. The data avoids abbreviations such as "e.g." that this
rule would count as a sentence end.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from genai_design.corpora import load_kb
from genai_design.guardrails.grounding import numbers_in

PATH = Path(__file__).resolve().parents[2] / "data" / "guardrails" / "grounding_eval.yaml"

KEYS = {"id", "question", "sources", "answer", "grounded", "unsupported", "kind"}
TRUE_KINDS = {"paraphrase", "extractive"}
FALSE_KINDS = {"wrong_number", "invented_policy", "wrong_entity", "contradiction"}
MIN_PER_LABEL = 22
MIN_PER_TRUE_KIND = 10
MIN_PER_FALSE_KIND = 5
MIN_ARTICLES = 12
MIN_SENTENCES, MAX_SENTENCES = 2, 4
MAX_SOURCES = 2
# Word runs shared with the sources: a paraphrase copies at most MAX_PARAPHRASE_RUN words in a
# row (dates and product names need a few); an extractive answer copies at least
# MIN_EXTRACTIVE_RUN words in a row somewhere.
MAX_PARAPHRASE_RUN = 6
MIN_EXTRACTIVE_RUN = 10
ID_RE = re.compile(r"g-\d{2,3}")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
WORD = re.compile(r"[\w€]+")


def load() -> dict[str, Any]:
    with PATH.open(encoding="utf-8") as f:
        return yaml.safe_load(f)


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return load()


@pytest.fixture(scope="module")
def items(doc: dict[str, Any]) -> list[dict[str, Any]]:
    assert isinstance(doc.get("items"), list) and doc["items"], "items must be a non-empty list"
    return doc["items"]


@pytest.fixture(scope="module")
def kb() -> dict[str, str]:
    """Article id -> text of the help centre, version 1."""
    return {d.id: d.text for d in load_kb("shop-help", 1)}


# ---- the checks ---------------------------------------------------------------------------


def sentences(text: str) -> list[str]:
    """The sentences of text by the module's rough rule."""
    return [s for s in SENTENCE_END.split(text.strip()) if s]


def longest_shared_run(text: str, source: str) -> int:
    """Most words in a row (lower-cased, punctuation ignored) that text shares with source."""
    a = WORD.findall(text.lower())
    b = WORD.findall(source.lower())
    best = 0
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0] * (len(b) + 1)
        for j, y in enumerate(b, start=1):
            if x == y:
                cur[j] = prev[j - 1] + 1
                best = max(best, cur[j])
        prev = cur
    return best


def schema_problems(item: Any, article_ids: set[str]) -> list[str]:
    """What is wrong with one item's keys, values and label fields (empty when nothing)."""
    if not isinstance(item, dict):
        return [f"not a mapping: {item!r}"]
    if set(item) != KEYS:
        return [f"keys {sorted(item)} are not {sorted(KEYS)}"]
    problems = []
    for key in ("id", "question", "answer", "kind"):
        if not isinstance(item[key], str) or not item[key].strip():
            problems.append(f"{key} must be a non-empty string, got {item[key]!r}")
    if not isinstance(item["grounded"], bool):
        problems.append(f"grounded must be true or false, got {item['grounded']!r}")
    sources = item["sources"]
    if not isinstance(sources, list) or not 1 <= len(sources) <= MAX_SOURCES:
        problems.append(f"sources must be a list of 1-{MAX_SOURCES} article ids, got {sources!r}")
    else:
        if len(set(map(str, sources))) != len(sources):
            problems.append(f"sources repeat an id: {sources}")
        unknown = [s for s in sources if s not in article_ids]
        if unknown:
            problems.append(f"sources not in load_kb('shop-help', 1): {unknown}")
    if problems:
        return problems
    if not ID_RE.fullmatch(item["id"]):
        problems.append(f"id {item['id']!r} is not like 'g-01'")
    answer, unsupported = item["answer"], item["unsupported"]
    split = sentences(answer)
    if not MIN_SENTENCES <= len(split) <= MAX_SENTENCES:
        problems.append(f"answer has {len(split)} sentences, not {MIN_SENTENCES}-{MAX_SENTENCES}")
    if not answer.rstrip().endswith((".", "?", "!")):
        problems.append("answer does not end with . ? or !")
    if item["grounded"]:
        if item["kind"] not in TRUE_KINDS:
            problems.append(f"grounded kind {item['kind']!r} not in {sorted(TRUE_KINDS)}")
        if unsupported is not None:
            problems.append(f"a grounded answer has unsupported {unsupported!r}, must be null")
    else:
        if item["kind"] not in FALSE_KINDS:
            problems.append(f"ungrounded kind {item['kind']!r} not in {sorted(FALSE_KINDS)}")
        if not isinstance(unsupported, str) or not unsupported.strip():
            problems.append(f"unsupported must be a non-empty string, got {unsupported!r}")
        elif unsupported not in answer:
            problems.append(f"unsupported {unsupported!r} does not occur verbatim in the answer")
        elif unsupported not in split:
            problems.append(f"unsupported {unsupported!r} is not one whole sentence of the answer")
    return problems


def count_problems(items: list[dict[str, Any]]) -> list[str]:
    """Where the set falls short of the minimum counts per label, kind and article."""
    problems = []
    labels = Counter(item["grounded"] for item in items)
    for label in (True, False):
        if labels[label] < MIN_PER_LABEL:
            problems.append(f"grounded={label}: {labels[label]} items, need {MIN_PER_LABEL}")
    kinds = Counter(item["kind"] for item in items)
    for kind in sorted(TRUE_KINDS):
        if kinds[kind] < MIN_PER_TRUE_KIND:
            problems.append(f"{kind}: {kinds[kind]} items, need {MIN_PER_TRUE_KIND}")
    for kind in sorted(FALSE_KINDS):
        if kinds[kind] < MIN_PER_FALSE_KIND:
            problems.append(f"{kind}: {kinds[kind]} items, need {MIN_PER_FALSE_KIND}")
    articles = {s for item in items for s in item["sources"]}
    if len(articles) < MIN_ARTICLES:
        problems.append(f"{len(articles)} distinct articles, need {MIN_ARTICLES}")
    return problems


def source_problems(item: dict[str, Any], kb: dict[str, str]) -> list[str]:
    """The answer against its sources' text: numbers, copying and the labelled sentence."""
    text = "\n".join(kb[s] for s in item["sources"])
    problems = []
    run = longest_shared_run(item["answer"], text)
    if item["kind"] == "paraphrase" and run > MAX_PARAPHRASE_RUN:
        problems.append(f"a paraphrase copies {run} words in a row from its sources")
    if item["kind"] == "extractive" and run < MIN_EXTRACTIVE_RUN:
        problems.append(f"an extractive answer copies at most {run} words in a row")
    if item["grounded"]:
        # A grounded answer only states numbers its sources state.
        unstated = numbers_in(item["answer"]) - numbers_in(text)
        if unstated:
            problems.append(f"a grounded answer states numbers no source states: {unstated}")
    else:
        sentence = item["unsupported"]
        if sentence.casefold() in text.casefold():
            problems.append("the unsupported sentence is copied verbatim from a source")
        if item["kind"] == "wrong_number" and not numbers_in(sentence):
            problems.append("a wrong_number sentence holds no number in digits")
    return problems


# ---- the data -----------------------------------------------------------------------------


def test_version_and_description(doc: dict[str, Any]) -> None:
    assert doc.get("version") == 1
    assert isinstance(doc.get("description"), str) and doc["description"].strip()
    assert set(doc) == {"version", "description", "items"}, sorted(doc)


def test_knowledge_base_is_there(kb: dict[str, str]) -> None:
    assert len(kb) >= MIN_ARTICLES and all(text.strip() for text in kb.values())


def test_every_item_has_the_schema(items: list[dict[str, Any]], kb: dict[str, str]) -> None:
    problems = {i: p for i, item in enumerate(items) if (p := schema_problems(item, set(kb)))}
    assert not problems, problems


def test_ids_unique(items: list[dict[str, Any]]) -> None:
    dupes = [k for k, n in Counter(item["id"] for item in items).items() if n > 1]
    assert not dupes, dupes


def test_answers_unique(items: list[dict[str, Any]]) -> None:
    dupes = [k for k, n in Counter(item["answer"].strip().casefold() for item in items).items()
             if n > 1]
    assert not dupes, dupes


def test_minimum_counts(items: list[dict[str, Any]]) -> None:
    problems = count_problems(items)
    assert not problems, problems


def test_answers_against_their_sources(items: list[dict[str, Any]], kb: dict[str, str]) -> None:
    problems = {item["id"]: p for item in items if (p := source_problems(item, kb))}
    assert not problems, problems


# ---- the checks catch what they should ----------------------------------------------------

IDS = {"shop-help/pickup-points", "shop-help/return-policy", "shop-help/cookies"}
ANSWER = "The parcel waits 7 days. After that, it comes back to our warehouse."
GOOD_TRUE = {"id": "g-01", "question": "How long does it wait?",
             "sources": ["shop-help/pickup-points"], "answer": ANSWER,
             "grounded": True, "unsupported": None, "kind": "extractive"}
GOOD_FALSE = {**GOOD_TRUE, "answer": "The parcel waits 9 days. After that, it comes back.",
              "grounded": False, "unsupported": "The parcel waits 9 days.",
              "kind": "wrong_number"}


@pytest.mark.parametrize("change", [
    {"extra": "x"}, {"id": "G 1"}, {"question": "  "}, {"grounded": "yes"},
    {"kind": "wrong_number"}, {"unsupported": "After that, it comes back to our warehouse."},
    {"sources": []}, {"sources": "shop-help/pickup-points"},
    {"sources": ["shop-help/pickup-points", "shop-help/cookies", "shop-help/return-policy"]},
    {"sources": ["shop-help/pickup-points", "shop-help/pickup-points"]},
    {"sources": ["shop-help/pickup-point"]},
    {"answer": "The parcel waits 7 days."},
    {"answer": "One. Two. Three. Four. Five."},
    {"answer": "The parcel waits 7 days. After that, it comes back to our warehouse"},
])
def test_schema_check_catches_in_grounded(change: dict[str, Any]) -> None:
    assert not schema_problems(GOOD_TRUE, IDS)
    assert schema_problems({**GOOD_TRUE, **change}, IDS)
    assert schema_problems({k: v for k, v in GOOD_TRUE.items() if k != "unsupported"}, IDS)


@pytest.mark.parametrize("change", [
    {"kind": "paraphrase"}, {"kind": "made_up"}, {"unsupported": None}, {"unsupported": " "},
    {"unsupported": "The parcel waits 8 days."},  # not in the answer
    {"unsupported": "waits 9 days"},  # in the answer, but not a whole sentence
])
def test_schema_check_catches_in_ungrounded(change: dict[str, Any]) -> None:
    assert not schema_problems(GOOD_FALSE, IDS)
    assert schema_problems({**GOOD_FALSE, **change}, IDS)


def test_sentence_rule() -> None:
    assert sentences("It costs €4.95 before 15:00. Free from €50! Is that clear?") == [
        "It costs €4.95 before 15:00.", "Free from €50!", "Is that clear?"]
    assert len(sentences("See Settings, then Privacy.\nThen confirm.")) == 2


def test_count_check_catches() -> None:
    def make(grounded: bool, kind: str, n: int) -> list[dict[str, Any]]:
        return [{"grounded": grounded, "kind": kind, "sources": [f"{kind}-{i}"]}
                for i in range(n)]

    full = (make(True, "paraphrase", 11) + make(True, "extractive", 11)
            + make(False, "wrong_number", 6) + make(False, "invented_policy", 6)
            + make(False, "wrong_entity", 5) + make(False, "contradiction", 5))
    assert not count_problems(full)
    assert count_problems(full[1:])  # 21 grounded
    assert count_problems([i for i in full if i["kind"] != "wrong_entity"]
                          + make(False, "contradiction", 5))  # no wrong_entity left
    assert count_problems([i for i in full if i["kind"] != "extractive"]
                          + make(True, "paraphrase", 11))  # no extractive left
    one_article = [{**i, "sources": ["x"]} for i in full]
    assert count_problems(one_article)


def test_source_check_catches() -> None:
    kb = {"s": "Cost: €4.95, free for orders of €50 or more. The parcel waits 7 days at the "
               "pickup point, and after that it comes back to our warehouse in Tilburg."}
    grounded = {"sources": ["s"], "grounded": True, "unsupported": None, "kind": "paraphrase",
                "answer": "Delivery is €4.95. Spend €50 and it costs nothing."}
    assert not source_problems(grounded, kb)
    assert source_problems({**grounded, "answer": "Delivery is €5.95. Over €50 it is free."}, kb)
    copied = "The parcel waits 7 days at the pickup point, and after that it comes back."
    assert source_problems({**grounded, "answer": copied}, kb)  # copies, yet called paraphrase
    assert not source_problems({**grounded, "answer": copied, "kind": "extractive"}, kb)
    assert source_problems({**grounded, "kind": "extractive"}, kb)  # copies too little
    wrong = {"sources": ["s"], "grounded": False, "kind": "wrong_number",
             "answer": "It waits 9 days. Then it returns.", "unsupported": "It waits 9 days."}
    assert not source_problems(wrong, kb)
    assert source_problems({**wrong, "unsupported": "It waits a week."}, kb)  # no digits
    verbatim = "Cost: €4.95, free for orders of €50 or more."
    assert source_problems({**wrong, "kind": "contradiction", "unsupported": verbatim}, kb)


def test_longest_shared_run() -> None:
    assert longest_shared_run("Free, for ORDERS of €50!", "free for orders of €50 or more") == 5
    assert longest_shared_run("nothing in common", "free for orders") == 0
