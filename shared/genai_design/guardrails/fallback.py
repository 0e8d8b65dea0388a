"""Fallback: abstain when retrieval is unsure, escalate when an answer is ungrounded
(framework step 6: guardrails and fallback).

A RAG assistant that always answers is wrong whenever its retriever found nothing useful,
and on an unanswerable question it is wrong every time. Two signals can stop it:

- before the answer is written, the retriever's *confidence* (its top score, or the gap to
  the runner-up: :func:`retrieval_confidences` reads both off one search per question); below
  a threshold the assistant *abstains*: it says it does not know and offers a person;
- after the answer is written, its *grounding risk* (from
  :class:`~genai_design.guardrails.grounding.GroundingChecker`); above a threshold the answer
  is *escalated* to a human queue instead of being sent.

:class:`FallbackPolicy` makes that decision for one question. The threshold comes from a
measured curve: :func:`abstention_curve` sweeps it over labelled questions and gives, at each
value, the share answered correctly, answered wrongly and abstained on;
:func:`threshold_for_wrong_rate` picks the lowest threshold whose wrong-answer rate fits a
budget (on a tuning set), and :func:`outcome_at` judges it (on another set).
Here "correct" means only that the top-ranked document is a gold document, a stand-in for a
right answer that needs no LLM. Left out on purpose: costs per outcome (a wrong refund policy
may cost more than a handover), confidence intervals (step 7) and calibrating scores into
probabilities.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

ANSWER, ABSTAIN, ESCALATE = "answer", "abstain", "escalate"  # the three decisions


def _compared(value: float, sign: str, limit: float) -> str:
    """"0.31 < 0.45": two decimals, more (up to six) when two decimals would print two
    different numbers alike, as happens on small score scales such as fused ranks."""
    for decimals in range(2, 7):
        shown = f"{value:.{decimals}f}", f"{limit:.{decimals}f}"
        if shown[0] != shown[1] or value == limit:
            break
    return f"{shown[0]} {sign} {shown[1]}"


@dataclass(frozen=True)
class FallbackPolicy:
    """When to answer, abstain ("I don't know; shall I get a colleague?") or escalate."""

    min_confidence: float  # abstain when the retrieval confidence is below this
    max_grounding_risk: float | None = None  # escalate when an answer's risk is above; None: off

    def __post_init__(self) -> None:
        if not math.isfinite(self.min_confidence):
            raise ValueError(f"min_confidence must be a finite number, got {self.min_confidence}")
        risk = self.max_grounding_risk
        if risk is not None and not 0 <= risk <= 1:
            raise ValueError(f"max_grounding_risk must be in [0, 1] or None, got {risk}")

    def decide(self, confidence: float | None, grounding_risk: float | None = None
               ) -> tuple[str, list[str]]:
        """("answer" | "abstain" | "escalate", the reasons, one short sentence per check).

        A missing or NaN confidence abstains (nothing says the sources fit). A ``None``
        grounding risk means no answer has been checked yet (call again once it has); a NaN
        one, with a grounding limit set, escalates: the check failed to measure.
        """
        reasons: list[str] = []
        if confidence is None or math.isnan(confidence):
            reasons.append("retrieval confidence unknown")
            low = True
        else:
            low = confidence < self.min_confidence
            reasons.append("retrieval confidence "
                           + _compared(confidence, "<" if low else ">=", self.min_confidence))
        risky = False
        if self.max_grounding_risk is not None and grounding_risk is not None:
            if math.isnan(grounding_risk):
                risky = True
                reasons.append("grounding risk unknown")
            else:
                risky = grounding_risk > self.max_grounding_risk
                reasons.append("grounding risk " + _compared(
                    grounding_risk, ">" if risky else "<=", self.max_grounding_risk))
        if low:
            return ABSTAIN, reasons
        return (ESCALATE if risky else ANSWER), reasons


@dataclass(frozen=True)
class RetrievalConfidence:
    """What one search says about one eval question, before any answer is written."""

    question_id: str  # eval question id, e.g. "shop-017"
    type: str  # question type (factual, unanswerable, ...)
    answerable: bool  # the question has gold documents
    top_doc: str  # id of the top-ranked document
    top_is_gold: bool  # the top-ranked document is one of the gold documents
    top_score: float  # the strategy's score of the top document (cosine, RRF sum, logit...)
    margin: float  # top score minus the second document's; NaN with a single hit

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form."""
        return asdict(self)


def retrieval_confidences(retriever: Any, questions: Sequence[Any]) -> list[RetrievalConfidence]:
    """Search each question once with ``retriever`` (anything with ``search(query, top_k)``
    returning ranked hits) and read off its confidence signals.

    ``questions`` are :class:`~genai_design.corpora.EvalQuestion`. A retriever that names its
    KB version (``retriever.version``) refuses questions about another version.
    """
    version = getattr(retriever, "version", None)
    other = sorted({q.id for q in questions if version is not None and q.kb_version != version})
    if other:
        raise ValueError(f"questions {other[:5]} are about another version than the "
                         f"retriever's ({version}); search each version with its own index")
    out = []
    for q in questions:
        hits = retriever.search(q.question, top_k=2)
        if not hits:
            raise ValueError(f"the retriever found nothing for {q.id}")
        margin = hits[0].score - hits[1].score if len(hits) > 1 else float("nan")
        out.append(RetrievalConfidence(q.id, q.type, bool(q.gold_ids), hits[0].doc_id,
                                       hits[0].doc_id in q.gold_ids, float(hits[0].score),
                                       float(margin)))
    return out


@dataclass(frozen=True, eq=False)
class AbstentionCurve:
    """Outcomes over every threshold; abstain when confidence < threshold. Rates are shares
    of all questions, except ``unanswerable_caught`` (of the unanswerable ones)."""

    thresholds: np.ndarray  # ascending: each distinct confidence, then one above them all
    abstain_rate: np.ndarray  # questions abstained on
    wrong_rate: np.ndarray  # questions answered when unanswerable or with a non-gold top document
    correct_rate: np.ndarray  # answerable questions answered with a gold top document
    unanswerable_caught: np.ndarray  # unanswerable questions abstained on (NaN if none)


def _inputs(confidences: Sequence[float], answerable: Sequence[bool],
            top_is_gold: Sequence[bool]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    c = np.asarray(confidences, dtype=float)
    a, g = np.asarray(answerable, dtype=bool), np.asarray(top_is_gold, dtype=bool)
    if c.ndim != 1 or c.shape != a.shape or c.shape != g.shape:
        raise ValueError(f"confidences, answerable and top_is_gold need the same length, got "
                         f"{len(c)}, {len(a)} and {len(g)}")
    if c.size == 0:
        raise ValueError("no questions: the inputs are empty")
    if not np.isfinite(c).all():
        raise ValueError(f"confidences must be finite numbers; {int(np.sum(~np.isfinite(c)))} "
                         "are NaN or infinite")
    if np.any(g & ~a):
        raise ValueError("top_is_gold is True for an unanswerable question (it has no gold ids)")
    return c, a, g


def _rates(threshold: float, c: np.ndarray, a: np.ndarray, g: np.ndarray) -> dict[str, float]:
    abstain = c < threshold
    correct = a & g
    return {"abstain_rate": float(abstain.mean()),
            "wrong_rate": float(np.mean(~abstain & ~correct)),
            "correct_rate": float(np.mean(~abstain & correct)),
            "unanswerable_caught": float(abstain[~a].mean()) if (~a).any() else float("nan"),
            "correct_withheld": float(abstain[correct].mean()) if correct.any() else float("nan")}


def abstention_curve(confidences: Sequence[float], answerable: Sequence[bool],
                     top_is_gold: Sequence[bool]) -> AbstentionCurve:
    """Abstention, wrong-answer and correct-answer rates at every distinct threshold, from
    answering everything (the lowest confidence) to abstaining on everything."""
    c, a, g = _inputs(confidences, answerable, top_is_gold)
    thresholds = np.append(np.unique(c), np.nextafter(c.max(), np.inf))
    rows = [_rates(t, c, a, g) for t in thresholds]
    return AbstentionCurve(thresholds, *(np.array([r[k] for r in rows]) for k in (
        "abstain_rate", "wrong_rate", "correct_rate", "unanswerable_caught")))


def threshold_for_wrong_rate(curve: AbstentionCurve, max_wrong_rate: float) -> float:
    """The lowest threshold whose wrong-answer rate is at most ``max_wrong_rate``: the fewest
    abstentions the budget allows (above every confidence if only abstaining on all fits)."""
    if not 0 <= max_wrong_rate <= 1:
        raise ValueError(f"max_wrong_rate must be in [0, 1], got {max_wrong_rate}")
    fits = np.flatnonzero(curve.wrong_rate <= max_wrong_rate)
    if fits.size == 0:  # only a curve built by hand can lack the abstain-on-all point
        raise ValueError("no threshold on this curve fits the budget")
    return float(curve.thresholds[fits[0]])


def outcome_at(threshold: float, confidences: Sequence[float], answerable: Sequence[bool],
               top_is_gold: Sequence[bool]) -> dict[str, float]:
    """Rates at one threshold (``-inf``: no fallback, answer everything): ``abstain_rate``,
    ``wrong_rate``, ``correct_rate`` (shares of all questions), ``unanswerable_caught`` (of
    the unanswerable ones) and ``correct_withheld`` (of those that would have been right);
    plus ``threshold`` and ``questions``."""
    if math.isnan(threshold):
        raise ValueError("the threshold is NaN")
    c, a, g = _inputs(confidences, answerable, top_is_gold)
    return {"threshold": float(threshold), "questions": int(c.size), **_rates(threshold, c, a, g)}
