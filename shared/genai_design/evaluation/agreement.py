"""How far two sets of labels agree: a judge against people, or one person against another
(framework step 7, calibrating judges).

- :func:`confusion_matrix`: counts of (label from A, label from B) over the same items.
- :func:`percent_agreement`: the share of items both gave the same label.
- :func:`cohen_kappa`: agreement corrected for the agreement two labellers would reach by
  chance with their own label frequencies, kappa = (p_o - p_e) / (1 - p_e); 1 is perfect, 0 is
  chance, below 0 worse than chance.
- :func:`kappa_interval`: a percentile bootstrap interval of kappa over items, because a kappa
  from fifty items is a rough number.

Left out: weighted kappa for ordinal scales, Fleiss' kappa and Krippendorff's alpha for more
than two labellers.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from genai_design.evaluation.stats import Interval


def _paired(a: Sequence[str], b: Sequence[str]) -> None:
    if len(a) != len(b) or not a:
        raise ValueError(f"need two non-empty label sequences of the same length, got {len(a)} "
                         f"and {len(b)}")


def label_set(a: Sequence[str], b: Sequence[str]) -> list[str]:
    """Every label either side used, sorted."""
    return sorted(set(a) | set(b))


def confusion_matrix(a: Sequence[str], b: Sequence[str],
                     labels: Sequence[str] | None = None) -> list[list[int]]:
    """``m[i][j]``: items A labelled ``labels[i]`` and B labelled ``labels[j]``."""
    _paired(a, b)
    labels = list(labels) if labels is not None else label_set(a, b)
    index = {label: i for i, label in enumerate(labels)}
    unknown = sorted((set(a) | set(b)) - set(index))
    if unknown:
        raise ValueError(f"labels {unknown} are not in {labels}")
    m = [[0] * len(labels) for _ in labels]
    for x, y in zip(a, b):
        m[index[x]][index[y]] += 1
    return m


def percent_agreement(a: Sequence[str], b: Sequence[str]) -> float:
    """Share of items with the same label from both sides."""
    _paired(a, b)
    return sum(x == y for x, y in zip(a, b)) / len(a)


def cohen_kappa(a: Sequence[str], b: Sequence[str]) -> float:
    """Cohen's kappa of two labellers over the same items (1.0 when both always give one label)."""
    m = np.array(confusion_matrix(a, b), dtype=float)
    n = m.sum()
    p_o = np.trace(m) / n
    p_e = float((m.sum(axis=1) / n) @ (m.sum(axis=0) / n))
    if p_e == 1.0:  # both used a single, identical label throughout: nothing to correct for
        return 1.0
    return float((p_o - p_e) / (1 - p_e))


def kappa_interval(a: Sequence[str], b: Sequence[str], confidence: float = 0.95,
                   n_resamples: int = 2000, seed: int = 0) -> Interval:
    """Cohen's kappa with a percentile bootstrap interval over items."""
    _paired(a, b)
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")
    x, y = np.asarray(a, dtype=object), np.asarray(b, dtype=object)
    rng = np.random.default_rng(seed)
    draws = [cohen_kappa(list(x[i]), list(y[i]))
             for i in rng.integers(0, len(x), size=(n_resamples, len(x)))]
    tail = 100 * (1 - confidence) / 2
    return Interval(cohen_kappa(a, b), float(np.percentile(draws, tail)),
                    float(np.percentile(draws, 100 - tail)), confidence)
