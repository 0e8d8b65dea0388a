"""How sure is a comparison? Intervals, paired tests, sample sizes and the peeking problem
(framework step 7, comparing prompts, models and retrieval strategies).

Offline comparisons in this course are *paired*: both systems answer the same questions, so
the per-question differences carry the signal and the questions' own difficulty cancels.

- :func:`bootstrap_ci` and :func:`paired_bootstrap`: percentile bootstrap intervals of a mean
  and of a difference of means (questions resampled jointly for both systems).
- :func:`paired_permutation_test`: two-sided p-value for "the mean difference is zero", by
  flipping the sign of each question's difference at random (exact when there are few).
- :func:`mcnemar_test`: the exact McNemar test for paired right/wrong outcomes; only the
  questions where the two systems disagree count.
- :func:`sample_size_two_proportions` and :func:`power_two_proportions`: an online A/B test
  between two rates (normal approximation, two-sided).
- :func:`peeking_false_positive_rate`: simulated A/A tests checked after every day against
  checked once at the end, to show how looking early inflates false positives.

Left out: multiple-comparison corrections beyond the warning in the book, sequential tests
that allow peeking (mSPRT, alpha spending) and Bayesian A/B analysis.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy import stats as sps


@dataclass(frozen=True)
class Interval:
    """A point estimate with a confidence interval."""

    estimate: float  # the statistic on the data as observed
    low: float  # lower end of the interval
    high: float  # upper end of the interval
    confidence: float  # e.g. 0.95

    def excludes(self, value: float = 0.0) -> bool:
        """True if ``value`` lies outside the interval."""
        return value < self.low or value > self.high

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        return f"{self.estimate:+.3f} [{self.low:+.3f}, {self.high:+.3f}]"


@dataclass(frozen=True)
class PairedComparison:
    """System B against system A on the same items."""

    n: int  # paired items
    mean_a: float  # mean score of A
    mean_b: float  # mean score of B
    difference: Interval  # mean(B - A) with its bootstrap interval
    p_value: float  # two-sided paired permutation test of "no difference"
    alpha: float  # significance level the verdict uses

    @property
    def significant(self) -> bool:
        """Whether the difference is significant at ``alpha``."""
        return self.p_value < self.alpha

    def verdict(self, name_a: str = "A", name_b: str = "B", metric: str = "score") -> str:
        """One sentence: which is better, by how much, and whether that is more than noise."""
        d = self.difference
        level = f"{d.confidence:.0%} CI"
        if not self.significant:
            return (f"{name_b} and {name_a} differ by {d.estimate:+.3f} in {metric} on {self.n} items "
                    f"({level} {d.low:+.3f} to {d.high:+.3f}, {format_p(self.p_value)}): not significant")
        better = name_b if d.estimate > 0 else name_a
        return (f"{better} is better by {abs(d.estimate):.3f} in {metric} on {self.n} items "
                f"({level} {d.low:+.3f} to {d.high:+.3f}, {format_p(self.p_value)})")

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "significant": self.significant}


def format_p(p: float) -> str:
    """A p-value as prose writes it: "p = 0.031", or "p < 0.001"."""
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def _vector(values: Sequence[float], name: str) -> np.ndarray:
    x = np.asarray(values, dtype=float)
    if x.ndim != 1 or x.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D sequence, got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} holds NaN or infinite values")
    return x


def _check_level(confidence: float) -> None:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")


def bootstrap_ci(values: Sequence[float], confidence: float = 0.95, n_resamples: int = 2000,
                 seed: int = 0, statistic: Callable[[np.ndarray], Any] = np.mean) -> Interval:
    """Percentile bootstrap interval of ``statistic`` (default: the mean) of ``values``."""
    _check_level(confidence)
    x = _vector(values, "values")
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, x.size, size=(n_resamples, x.size))
    draws = np.array([statistic(x[row]) for row in idx]) if statistic is not np.mean else x[idx].mean(axis=1)
    tail = 100 * (1 - confidence) / 2
    return Interval(float(statistic(x)), float(np.percentile(draws, tail)),
                    float(np.percentile(draws, 100 - tail)), confidence)


def paired_permutation_test(a: Sequence[float], b: Sequence[float], n_permutations: int = 10_000,
                            seed: int = 0) -> float:
    """Two-sided p-value for mean(b - a) = 0, flipping the sign of each paired difference.

    With at most 16 non-zero differences every sign pattern is enumerated (exact); otherwise
    ``n_permutations`` random patterns are drawn and the p-value is (hits + 1) / (draws + 1).
    """
    if len(a) != len(b):
        raise ValueError(f"paired samples must have the same length, got {len(a)} and {len(b)}")
    d = _vector(b, "b") - _vector(a, "a")
    d = d[d != 0]
    if d.size == 0:
        return 1.0
    observed = abs(d.mean())
    tol = 1e-12 * max(1.0, observed)
    if d.size <= 16:
        signs = np.array(list(itertools.product((-1.0, 1.0), repeat=d.size)))
        return float(np.mean(np.abs(signs @ d / d.size) >= observed - tol))
    rng = np.random.default_rng(seed)
    signs = rng.choice((-1.0, 1.0), size=(n_permutations, d.size))
    hits = int(np.sum(np.abs(signs @ d / d.size) >= observed - tol))
    return (hits + 1) / (n_permutations + 1)


def paired_bootstrap(a: Sequence[float], b: Sequence[float], confidence: float = 0.95,
                     n_resamples: int = 2000, seed: int = 0, alpha: float = 0.05) -> PairedComparison:
    """Compare B with A on the same items: mean difference, its interval, a permutation p-value."""
    x, y = _vector(a, "a"), _vector(b, "b")
    if x.size != y.size:
        raise ValueError(f"paired samples must have the same length, got {x.size} and {y.size}")
    return PairedComparison(n=int(x.size), mean_a=float(x.mean()), mean_b=float(y.mean()),
                            difference=bootstrap_ci(y - x, confidence, n_resamples, seed),
                            p_value=paired_permutation_test(x, y, seed=seed), alpha=alpha)


def paired_by_id(a: Mapping[str, float], b: Mapping[str, float], confidence: float = 0.95,
                 seed: int = 0, what: str = "the two systems") -> PairedComparison:
    """:func:`paired_bootstrap` over the items both ``a`` and ``b`` scored (item id -> score),
    in ``a``'s order; ``what`` names the systems in the error when they share no item."""
    shared = [item for item in a if item in b]
    if not shared:
        raise ValueError(f"{what} scored no item in common")
    return paired_bootstrap([a[i] for i in shared], [b[i] for i in shared], confidence, seed=seed)


@dataclass(frozen=True)
class McNemarResult:
    """Paired right/wrong outcomes of two systems."""

    n: int  # paired items
    only_a_right: int  # items A got right and B wrong
    only_b_right: int  # items B got right and A wrong
    p_value: float  # exact two-sided binomial test on the disagreements

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def mcnemar_test(a_correct: Sequence[bool], b_correct: Sequence[bool]) -> McNemarResult:
    """Exact McNemar test: under no difference, each disagreement is a fair coin."""
    if len(a_correct) != len(b_correct) or len(a_correct) == 0:
        raise ValueError(f"need two non-empty sequences of the same length, got {len(a_correct)} "
                         f"and {len(b_correct)}")
    only_a = sum(bool(x) and not bool(y) for x, y in zip(a_correct, b_correct))
    only_b = sum(bool(y) and not bool(x) for x, y in zip(a_correct, b_correct))
    n_dis = only_a + only_b
    p = 1.0 if n_dis == 0 else float(sps.binomtest(only_a, n_dis, 0.5).pvalue)
    return McNemarResult(len(a_correct), only_a, only_b, min(1.0, p))


def _check_rate(name: str, p: float) -> None:
    if not 0 < p < 1:
        raise ValueError(f"{name} must be a rate strictly between 0 and 1, got {p}")


def sample_size_two_proportions(p_base: float, p_new: float, alpha: float = 0.05,
                                power: float = 0.8) -> int:
    """Users per arm for a two-sided test of two rates to detect ``p_new`` against ``p_base``.

    The usual normal approximation: n = (z_{1-a/2} sqrt(2 p q) + z_{power} sqrt(p1 q1 + p2 q2))^2
    / (p1 - p2)^2, with p the mean of the two rates, rounded up.
    """
    _check_rate("p_base", p_base)
    _check_rate("p_new", p_new)
    _check_level(alpha)
    _check_level(power)
    if p_base == p_new:
        raise ValueError("the two rates are equal: no sample size detects a zero difference")
    p_bar = (p_base + p_new) / 2
    z_a, z_b = sps.norm.ppf(1 - alpha / 2), sps.norm.ppf(power)
    spread = z_a * np.sqrt(2 * p_bar * (1 - p_bar)) + z_b * np.sqrt(p_base * (1 - p_base) + p_new * (1 - p_new))
    return int(np.ceil(spread ** 2 / (p_base - p_new) ** 2))


def power_two_proportions(p_base: float, p_new: float, n_per_arm: int, alpha: float = 0.05) -> float:
    """Probability that a two-sided test at ``alpha`` with ``n_per_arm`` users per arm detects the
    difference (the same approximation as :func:`sample_size_two_proportions`)."""
    _check_rate("p_base", p_base)
    _check_rate("p_new", p_new)
    if n_per_arm < 1:
        raise ValueError(f"n_per_arm must be at least 1, got {n_per_arm}")
    p_bar = (p_base + p_new) / 2
    z_a = sps.norm.ppf(1 - alpha / 2)
    sd_alt = np.sqrt(p_base * (1 - p_base) + p_new * (1 - p_new))
    z = (abs(p_base - p_new) * np.sqrt(n_per_arm) - z_a * np.sqrt(2 * p_bar * (1 - p_bar))) / sd_alt
    return float(sps.norm.cdf(z))


def two_proportion_p_values(success_a: np.ndarray, success_b: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Two-sided pooled z-test p-values, element-wise, for equal arm sizes ``n``."""
    pooled = (success_a + success_b) / (2 * n)
    se = np.sqrt(pooled * (1 - pooled) * 2 / n)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(se > 0, (success_b - success_a) / n / se, 0.0)
    return 2 * sps.norm.sf(np.abs(z))


@dataclass(frozen=True)
class PeekingResult:
    """A/A experiments (no real difference) judged two ways."""

    n_experiments: int  # simulated experiments
    n_days: int  # days each one runs; a peeker tests after every day
    users_per_arm_per_day: int  # users who arrive in each arm each day
    rate: float  # the true conversion rate of both arms
    alpha: float  # significance level of each test
    fpr_checked_once: float  # experiments declared significant when tested once, at the end
    fpr_checked_daily: float  # experiments declared significant at any daily look
    fpr_by_looks: tuple[float, ...]  # false-positive rate of a peeker who stops after day d

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def peeking_false_positive_rate(n_days: int = 14, users_per_arm_per_day: int = 200, rate: float = 0.1,
                                alpha: float = 0.05, n_experiments: int = 4000,
                                seed: int = 0) -> PeekingResult:
    """Simulate A/A tests: how often does a daily look find a "significant" difference that is not there?"""
    if n_days < 1 or users_per_arm_per_day < 1 or n_experiments < 1:
        raise ValueError("n_days, users_per_arm_per_day and n_experiments must be at least 1")
    _check_rate("rate", rate)
    rng = np.random.default_rng(seed)
    daily = rng.binomial(users_per_arm_per_day, rate, size=(2, n_experiments, n_days))
    cum = daily.cumsum(axis=2)
    n = users_per_arm_per_day * np.arange(1, n_days + 1)
    significant = two_proportion_p_values(cum[0], cum[1], n) < alpha  # (experiments, days)
    ever = np.cumsum(significant, axis=1) > 0  # significant at this look or an earlier one
    return PeekingResult(n_experiments, n_days, users_per_arm_per_day, rate, alpha,
                         fpr_checked_once=float(significant[:, -1].mean()),
                         fpr_checked_daily=float(ever[:, -1].mean()),
                         fpr_by_looks=tuple(float(v) for v in ever.mean(axis=0)))
