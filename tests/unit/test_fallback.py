"""The fallback policy, the abstention curve and its threshold picker (guardrails.fallback)."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest

from genai_design.corpora import EvalQuestion
from genai_design.guardrails.fallback import (
    AbstentionCurve,
    FallbackPolicy,
    abstention_curve,
    outcome_at,
    retrieval_confidences,
    threshold_for_wrong_rate,
)

# Five questions, confidence ascending: an unanswerable one, an answerable one whose top
# document is wrong, two right ones and a second unanswerable one with high confidence.
CONF = [0.1, 0.2, 0.5, 0.7, 0.9]
ANSWERABLE = [False, True, True, True, False]
TOP_GOLD = [False, False, True, True, False]


# --- FallbackPolicy.decide -------------------------------------------------------------------

def test_decide_answers_when_confident_and_no_grounding_check() -> None:
    decision, reasons = FallbackPolicy(min_confidence=0.45).decide(0.62)
    assert decision == "answer"
    assert reasons == ["retrieval confidence 0.62 >= 0.45"]


def test_decide_abstains_below_min_confidence() -> None:
    decision, reasons = FallbackPolicy(min_confidence=0.45).decide(0.31)
    assert decision == "abstain"
    assert reasons == ["retrieval confidence 0.31 < 0.45"]


def test_decide_threshold_is_inclusive() -> None:
    assert FallbackPolicy(0.45).decide(0.45) == ("answer", ["retrieval confidence 0.45 >= 0.45"])


def test_reasons_show_enough_decimals_to_tell_close_numbers_apart() -> None:
    assert FallbackPolicy(0.0320).decide(0.0327)[1] == ["retrieval confidence 0.033 >= 0.032"]
    assert FallbackPolicy(0.0320).decide(0.03204)[1] == ["retrieval confidence 0.03204 >= 0.03200"]
    assert FallbackPolicy(0.0320).decide(0.0318)[1] == ["retrieval confidence 0.0318 < 0.0320"]


@pytest.mark.parametrize("confidence", [None, float("nan")])
def test_decide_abstains_on_unknown_confidence(confidence: float | None) -> None:
    decision, reasons = FallbackPolicy(0.45, max_grounding_risk=0.5).decide(confidence, 0.1)
    assert decision == "abstain"
    assert "retrieval confidence unknown" in reasons


def test_decide_escalates_when_grounding_risk_is_high() -> None:
    decision, reasons = FallbackPolicy(0.45, max_grounding_risk=0.5).decide(0.8, 0.7)
    assert decision == "escalate"
    assert reasons == ["retrieval confidence 0.80 >= 0.45", "grounding risk 0.70 > 0.50"]


def test_decide_answers_when_grounding_risk_is_low_or_not_measured_yet() -> None:
    policy = FallbackPolicy(0.45, max_grounding_risk=0.5)
    assert policy.decide(0.8, 0.5) == ("answer", ["retrieval confidence 0.80 >= 0.45",
                                                  "grounding risk 0.50 <= 0.50"])
    assert policy.decide(0.8, None)[0] == "answer"  # before the answer is written


def test_decide_escalates_on_nan_grounding_risk_and_ignores_risk_without_a_limit() -> None:
    assert FallbackPolicy(0.45, max_grounding_risk=0.5).decide(0.8, float("nan"))[0] == "escalate"
    assert FallbackPolicy(0.45).decide(0.8, 0.99)[0] == "answer"


def test_low_confidence_abstains_even_when_grounding_also_fails() -> None:
    decision, reasons = FallbackPolicy(0.45, max_grounding_risk=0.5).decide(0.2, 0.9)
    assert decision == "abstain" and len(reasons) == 2


@pytest.mark.parametrize("kwargs", [{"min_confidence": float("nan")},
                                    {"min_confidence": 0.5, "max_grounding_risk": 1.5},
                                    {"min_confidence": 0.5, "max_grounding_risk": -0.1}])
def test_policy_refuses_bad_limits(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        FallbackPolicy(**kwargs)


# --- the curve ------------------------------------------------------------------------------

def test_curve_on_a_hand_made_example() -> None:
    curve = abstention_curve(CONF, ANSWERABLE, TOP_GOLD)
    assert np.allclose(curve.thresholds[:5], CONF) and curve.thresholds[5] > 0.9
    # threshold 0.1 answers all: 2 right, 3 wrong; each step abstains on one more question
    assert np.allclose(curve.abstain_rate, [0, 0.2, 0.4, 0.6, 0.8, 1.0])
    assert np.allclose(curve.correct_rate, [0.4, 0.4, 0.4, 0.2, 0.0, 0.0])
    assert np.allclose(curve.wrong_rate, [0.6, 0.4, 0.2, 0.2, 0.2, 0.0])
    assert np.allclose(curve.unanswerable_caught, [0, 0.5, 0.5, 0.5, 0.5, 1.0])
    assert np.allclose(curve.abstain_rate + curve.wrong_rate + curve.correct_rate, 1.0)


def test_curve_ties_share_one_threshold_and_no_unanswerable_gives_nan() -> None:
    curve = abstention_curve([0.3, 0.3, 0.6], [True, True, True], [True, False, True])
    assert len(curve.thresholds) == 3
    assert np.allclose(curve.abstain_rate, [0, 2 / 3, 1])
    assert np.isnan(curve.unanswerable_caught).all()


def test_threshold_for_wrong_rate_picks_the_fewest_abstentions_within_budget() -> None:
    curve = abstention_curve(CONF, ANSWERABLE, TOP_GOLD)
    assert threshold_for_wrong_rate(curve, 0.6) == pytest.approx(0.1)  # answer everything
    assert threshold_for_wrong_rate(curve, 0.4) == pytest.approx(0.2)
    assert threshold_for_wrong_rate(curve, 0.25) == pytest.approx(0.5)  # not 0.7 or 0.9
    assert threshold_for_wrong_rate(curve, 0.0) > 0.9  # only abstaining on all fits


def test_threshold_for_wrong_rate_refuses_bad_budgets_and_curves() -> None:
    curve = abstention_curve(CONF, ANSWERABLE, TOP_GOLD)
    for budget in (-0.1, 1.1):
        with pytest.raises(ValueError, match="max_wrong_rate"):
            threshold_for_wrong_rate(curve, budget)
    partial = AbstentionCurve(*(np.array([0.5]) for _ in range(5)))
    with pytest.raises(ValueError, match="budget"):
        threshold_for_wrong_rate(partial, 0.1)


def test_outcome_at_matches_the_curve_and_no_fallback() -> None:
    at = outcome_at(0.5, CONF, ANSWERABLE, TOP_GOLD)
    assert at["questions"] == 5 and at["threshold"] == 0.5
    assert at["abstain_rate"] == pytest.approx(0.4) and at["wrong_rate"] == pytest.approx(0.2)
    assert at["correct_rate"] == pytest.approx(0.4)
    assert at["unanswerable_caught"] == pytest.approx(0.5) and at["correct_withheld"] == 0
    none = outcome_at(-math.inf, CONF, ANSWERABLE, TOP_GOLD)
    assert none["abstain_rate"] == 0 and none["wrong_rate"] == pytest.approx(0.6)
    assert none["unanswerable_caught"] == 0
    assert outcome_at(0.8, CONF, ANSWERABLE, TOP_GOLD)["correct_withheld"] == pytest.approx(1.0)


@pytest.mark.parametrize("args, message", [
    (([0.1, 0.2], [True], [True]), "same length"),
    (([], [], []), "empty"),
    (([0.1, float("nan")], [True, True], [True, False]), "NaN"),
    (([0.1, 0.2], [False, True], [True, False]), "unanswerable"),
])
def test_validation_errors(args: tuple, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        abstention_curve(*args)
    with pytest.raises(ValueError, match=message):
        outcome_at(0.5, *args)


def test_outcome_at_refuses_a_nan_threshold() -> None:
    with pytest.raises(ValueError, match="NaN"):
        outcome_at(float("nan"), CONF, ANSWERABLE, TOP_GOLD)


# --- confidences from a retriever ------------------------------------------------------------

def _question(qid: str, gold: tuple[str, ...], version: int = 1) -> EvalQuestion:
    return EvalQuestion(qid, "shop-help", f"question {qid}", gold, "ref",
                        "factual" if gold else "unanswerable", kb_version=version)


class _FakeRetriever:
    version = 1

    def __init__(self, ranked: dict[str, list[tuple[str, float]]]) -> None:
        self.ranked = ranked

    def search(self, query: str, top_k: int = 5) -> list[SimpleNamespace]:
        return [SimpleNamespace(doc_id=d, score=s) for d, s in self.ranked[query][:top_k]]


def test_retrieval_confidences_reads_top_score_margin_and_gold() -> None:
    retriever = _FakeRetriever({"question a": [("d1", 0.8), ("d2", 0.5), ("d3", 0.1)],
                                "question b": [("d4", 0.4), ("d1", 0.35)],
                                "question c": [("d2", 0.3)]})
    got = retrieval_confidences(retriever, [_question("a", ("d1",)), _question("b", ("d1",)),
                                            _question("c", ())])
    assert [(c.top_doc, c.top_is_gold, c.answerable) for c in got] == [
        ("d1", True, True), ("d4", False, True), ("d2", False, False)]
    assert got[0].top_score == pytest.approx(0.8) and got[0].margin == pytest.approx(0.3)
    assert got[1].margin == pytest.approx(0.05) and math.isnan(got[2].margin)
    assert got[0].to_dict()["question_id"] == "a"


def test_retrieval_confidences_refuses_another_kb_version() -> None:
    retriever = _FakeRetriever({"question a": [("d1", 0.8)]})
    with pytest.raises(ValueError, match="version"):
        retrieval_confidences(retriever, [_question("a", ("d1",), version=2)])
