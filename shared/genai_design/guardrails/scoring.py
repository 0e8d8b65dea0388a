"""Scoring a detector: precision, recall, false-positive rate, ROC, and a threshold chosen on
one labelled set to be judged on another (framework step 6, and step 7's habits).

A detector gives each text a score in [0, 1] (higher: more likely an attack); a threshold
turns scores into decisions. :func:`threshold_for_fpr` picks the lowest threshold whose
false-positive rate on a *tuning* set stays within a budget (how many legitimate users a
guard may block), and :func:`detection_metrics` judges that threshold on a *different* set,
so the reported recall is not flattered by the choice.
Left out on purpose: confidence intervals (step 7) and costs per error type.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class DetectionMetrics:
    """Decisions at one threshold against the labels."""

    threshold: float  # score at or above which a text is flagged
    precision: float  # flagged texts that were attacks (1.0 when nothing was flagged)
    recall: float  # attacks that were flagged
    fpr: float  # benign texts that were flagged
    tp: int  # attacks flagged
    fp: int  # benign texts flagged
    fn: int  # attacks missed
    tn: int  # benign texts passed

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _check(scores: Sequence[float], labels: Sequence[bool]) -> tuple[np.ndarray, np.ndarray]:
    s, y = np.asarray(scores, dtype=float), np.asarray(labels, dtype=bool)
    if s.shape != y.shape or s.ndim != 1 or s.size == 0:
        raise ValueError("scores and labels need the same non-zero length")
    if y.all() or not y.any():
        raise ValueError("labels need both attacks (True) and benign texts (False)")
    return s, y


def detection_metrics(scores: Sequence[float], labels: Sequence[bool], threshold: float
                      ) -> DetectionMetrics:
    """Precision, recall and false-positive rate of flagging ``scores >= threshold``."""
    s, y = _check(scores, labels)
    flagged = s >= threshold
    tp, fp = int(np.sum(flagged & y)), int(np.sum(flagged & ~y))
    fn, tn = int(np.sum(~flagged & y)), int(np.sum(~flagged & ~y))
    return DetectionMetrics(float(threshold), tp / (tp + fp) if tp + fp else 1.0, tp / (tp + fn),
                            fp / (fp + tn), tp, fp, fn, tn)


def roc(scores: Sequence[float], labels: Sequence[bool]) -> tuple[np.ndarray, np.ndarray, float]:
    """(false-positive rates, true-positive rates, area under the curve) over every threshold."""
    from sklearn.metrics import roc_auc_score, roc_curve

    s, y = _check(scores, labels)
    fpr, tpr, _ = roc_curve(y, s)
    return fpr, tpr, float(roc_auc_score(y, s))


def threshold_for_fpr(scores: Sequence[float], labels: Sequence[bool], max_fpr: float) -> float:
    """The lowest threshold whose false-positive rate on these labels is at most ``max_fpr``
    (the most recall the budget allows). Above every score when no threshold qualifies."""
    if not 0 <= max_fpr <= 1:
        raise ValueError(f"max_fpr must be in [0, 1], got {max_fpr}")
    s, y = _check(scores, labels)
    for t in np.unique(s):  # ascending: the first that fits the budget flags the most
        if np.mean(s[~y] >= t) <= max_fpr:
            return float(t)
    return float(np.nextafter(s.max(), np.inf))
