"""The hybrid of step 0: a cheap classifier first, the LLM only where it is unsure
(framework step 0).

For a confidence threshold ``t``, every item whose top class probability is at least ``t``
keeps the classifier's answer; the others go to the LLM. :func:`cascade_curve` computes,
from answers already collected for every item by both models, the accuracy, the share sent
to the LLM and the cost per 1,000 items at each threshold, so the whole curve costs no
extra requests. ``t = 0`` is the classifier alone; ``t > 1`` is the classifier plus the LLM
on every item (the classifier still runs, and is paid for, first).
:func:`best_point` reads the design decision off the curve.
Left out on purpose: cascades of more than two stages and learned deferral rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class CascadePoint:
    """The hybrid at one confidence threshold."""

    threshold: float  # items with classifier confidence >= threshold stay with the classifier
    llm_share: float  # share of items sent to the LLM
    accuracy: float  # share of items answered correctly by whichever model answered
    cost_per_1k_usd: float  # classifier on every item plus the LLM on the share it gets

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def cascade_curve(confidence: Sequence[float], classifier_pred: Sequence[str],
                  llm_pred: Sequence[str], truth: Sequence[str], classifier_cost_usd: float,
                  llm_cost_usd: float, thresholds: Sequence[float] | None = None
                  ) -> list[CascadePoint]:
    """The hybrid's accuracy and cost at each threshold (costs are per item)."""
    conf = np.asarray(confidence, dtype=float)
    clf, llm, y = np.asarray(classifier_pred), np.asarray(llm_pred), np.asarray(truth)
    if not len(conf) == len(clf) == len(llm) == len(y) > 0:
        raise ValueError("confidence, both predictions and truth need the same non-zero length")
    if classifier_cost_usd < 0 or llm_cost_usd < 0:
        raise ValueError("costs must be >= 0")
    if thresholds is None:  # every distinct confidence, so no step of the curve is skipped
        thresholds = [0.0, *np.unique(conf).tolist(), 1.01]
    points = []
    for t in sorted(set(float(x) for x in thresholds)):
        to_llm = conf < t
        answer = np.where(to_llm, llm, clf)
        share = float(to_llm.mean())
        points.append(CascadePoint(t, share, float(np.mean(answer == y)),
                                   1000 * (classifier_cost_usd + share * llm_cost_usd)))
    return points


def best_point(points: Sequence[CascadePoint], min_accuracy: float | None = None) -> CascadePoint:
    """The cheapest point that reaches ``min_accuracy`` (default: the best accuracy on the
    curve); ties on cost go to the more accurate point."""
    if not points:
        raise ValueError("points is empty")
    target = max(p.accuracy for p in points) if min_accuracy is None else min_accuracy
    eligible = [p for p in points if p.accuracy >= target - 1e-12]
    if not eligible:
        raise ValueError(f"no point reaches accuracy {target}")
    return min(eligible, key=lambda p: (p.cost_per_1k_usd, -p.accuracy))
