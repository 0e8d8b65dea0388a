"""Request traffic for capacity simulations (framework steps 1 and 5).

A `Traffic` is an arrival rate in requests per second, piecewise constant over steps of
`step_s` seconds. Helpers build the shapes a capacity plan is tested against (constant,
ramp, daily cycle, sudden spike, or any function of time), and `arrival_times` turns a
rate into concrete request times from a seeded numpy Generator.

Deliberately left out: sessions and think time (closed-loop users), request sizes (see
`disagg` for prompt and output lengths), and burstiness beyond Poisson.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Traffic:
    """An arrival rate over time, piecewise constant."""

    rate_rps: tuple[float, ...]  # mean arrivals per second in each step
    step_s: float = 1.0  # length of one step, seconds

    def __post_init__(self) -> None:
        object.__setattr__(self, "rate_rps", tuple(float(r) for r in self.rate_rps))
        if self.step_s <= 0:
            raise ValueError(f"step_s must be > 0 seconds, got {self.step_s!r}")
        if not self.rate_rps:
            raise ValueError("rate_rps must hold at least one step")
        if any(not math.isfinite(r) or r < 0 for r in self.rate_rps):
            raise ValueError("rate_rps must be finite and >= 0 in every step")

    @property
    def duration_s(self) -> float:
        """Total length of the traffic, seconds."""
        return len(self.rate_rps) * self.step_s

    @property
    def mean_rate_rps(self) -> float:
        """Average arrival rate over the whole duration."""
        return float(np.mean(self.rate_rps))

    def rate_at(self, t_s: float) -> float:
        """The arrival rate at time `t_s` (0 outside the duration)."""
        i = int(t_s // self.step_s)
        return float(self.rate_rps[i]) if 0 <= i < len(self.rate_rps) else 0.0


def _poisson_arrivals(traffic: Traffic, rng: np.random.Generator) -> np.ndarray:
    rates = np.asarray(traffic.rate_rps, dtype=float)
    counts = rng.poisson(rates * traffic.step_s)
    starts = np.repeat(np.arange(len(rates)) * traffic.step_s, counts)
    return np.sort(starts + rng.random(starts.size) * traffic.step_s)


def _uniform_arrivals(traffic: Traffic, rng: np.random.Generator) -> np.ndarray:
    """Evenly spaced arrivals at the given rate: the k-th comes when k + 0.5 are expected."""
    rates = np.asarray(traffic.rate_rps, dtype=float)
    cumulative = np.concatenate([[0.0], np.cumsum(rates * traffic.step_s)])
    targets = np.arange(math.floor(cumulative[-1] - 0.5) + 1) + 0.5
    steps = np.searchsorted(cumulative, targets, side="right") - 1
    return steps * traffic.step_s + (targets - cumulative[steps]) / rates[steps]


# How arrival times are drawn from a rate. "poisson": memoryless, the usual open-loop
# model; "uniform": evenly spaced, no randomness, useful to isolate queueing effects.
ARRIVAL_PROCESSES: dict[str, Callable[[Traffic, np.random.Generator], np.ndarray]] = {
    "poisson": _poisson_arrivals,
    "uniform": _uniform_arrivals,
}


def arrival_times(traffic: Traffic, seed: int | np.random.Generator = 0, process: str = "poisson") -> np.ndarray:
    """Sorted request arrival times in seconds, drawn from `traffic` with the named process."""
    if process not in ARRIVAL_PROCESSES:
        raise ValueError(f"unknown arrival process {process!r}; known: {', '.join(ARRIVAL_PROCESSES)}")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    return ARRIVAL_PROCESSES[process](traffic, rng)


def _steps(duration_s: float, step_s: float) -> np.ndarray:
    if duration_s <= 0 or step_s <= 0:
        raise ValueError(f"duration_s and step_s must be > 0, got {duration_s!r} and {step_s!r}")
    return np.arange(max(1, round(duration_s / step_s))) * step_s


def traffic_from_function(rate_fn: Callable[[float], float], duration_s: float, step_s: float = 1.0) -> Traffic:
    """Sample `rate_fn(t)` (requests/s) at the middle of each step."""
    return Traffic(tuple(rate_fn(t + step_s / 2) for t in _steps(duration_s, step_s)), step_s)


def constant_traffic(rate_rps: float, duration_s: float, step_s: float = 1.0) -> Traffic:
    """The same rate throughout."""
    return Traffic(tuple(rate_rps for _ in _steps(duration_s, step_s)), step_s)


def ramp_traffic(start_rps: float, end_rps: float, duration_s: float, step_s: float = 1.0) -> Traffic:
    """A linear ramp from `start_rps` to `end_rps`."""
    t = _steps(duration_s, step_s) + step_s / 2
    return Traffic(tuple(start_rps + (end_rps - start_rps) * t / duration_s), step_s)


def daily_traffic(
    peak_rps: float,
    trough_rps: float,
    duration_s: float = 86_400.0,
    period_s: float = 86_400.0,
    peak_at_s: float = 50_400.0,
    step_s: float = 60.0,
) -> Traffic:
    """A cosine day: `peak_rps` at `peak_at_s` (default 14:00), `trough_rps` half a period away."""
    if trough_rps > peak_rps:
        raise ValueError(f"trough_rps ({trough_rps}) must not exceed peak_rps ({peak_rps})")
    t = _steps(duration_s, step_s) + step_s / 2
    mid, half = (peak_rps + trough_rps) / 2, (peak_rps - trough_rps) / 2
    return Traffic(tuple(mid + half * np.cos(2 * np.pi * (t - peak_at_s) / period_s)), step_s)


def spike_traffic(
    base_rps: float,
    spike_rps: float,
    spike_start_s: float,
    spike_duration_s: float,
    duration_s: float,
    step_s: float = 1.0,
) -> Traffic:
    """`base_rps`, jumping to `spike_rps` for `spike_duration_s` from `spike_start_s`."""
    t = _steps(duration_s, step_s)
    in_spike = (t >= spike_start_s) & (t < spike_start_s + spike_duration_s)
    return Traffic(tuple(np.where(in_spike, spike_rps, base_rps)), step_s)
