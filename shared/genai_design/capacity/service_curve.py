"""One replica's measured behaviour, and the replicas a steady load needs (framework step 5).

A `ServiceCurve` maps the number of requests in flight on one replica to the latency each
sees and the throughput the replica delivers, interpolated between measured points (step 5's
load tests produce them). `replicas_needed` turns it into a steady-state pool size for a
request rate and a latency SLO; `autoscale.simulate` replays traffic against such a pool.
Left out on purpose: curves that depend on request size (prompt and output lengths).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from itertools import pairwise
from typing import Any

import numpy as np


@dataclass(frozen=True)
class ServiceCurve:
    """Measured behaviour of ONE replica at each concurrency, linearly interpolated."""

    concurrency: tuple[int, ...]  # requests in flight on the replica, strictly increasing, >= 1
    latency_s: tuple[float, ...]  # per-request latency at that concurrency, seconds
    throughput_rps: tuple[float, ...]  # completed requests per second at that concurrency
    max_concurrency: int  # the replica admits at most this many requests; the rest queue

    def __post_init__(self) -> None:
        n = len(self.concurrency)
        if n == 0 or len(self.latency_s) != n or len(self.throughput_rps) != n:
            raise ValueError("concurrency, latency_s and throughput_rps must be non-empty and of equal length")
        if self.concurrency[0] < 1 or any(b <= a for a, b in pairwise(self.concurrency)):
            raise ValueError(f"concurrency must be strictly increasing and >= 1, got {self.concurrency}")
        if min(self.latency_s) <= 0 or min(self.throughput_rps) <= 0:
            raise ValueError("latency_s and throughput_rps must be > 0")
        if self.max_concurrency < 1:
            raise ValueError(f"max_concurrency must be >= 1, got {self.max_concurrency}")

    @classmethod
    def from_lists(
        cls,
        concurrency: Sequence[int],
        latency_s: Sequence[float],
        throughput_rps: Sequence[float] | None = None,
        max_concurrency: int | None = None,
    ) -> ServiceCurve:
        """Build from measured lists; throughput defaults to Little's law, concurrency / latency."""
        if len(concurrency) != len(latency_s):
            raise ValueError(f"concurrency and latency_s differ in length: {len(concurrency)} vs {len(latency_s)}")
        if throughput_rps is None:
            throughput_rps = [c / lat for c, lat in zip(concurrency, latency_s, strict=True)]
        return cls(
            tuple(int(c) for c in concurrency), tuple(float(x) for x in latency_s),
            tuple(float(x) for x in throughput_rps),
            int(max_concurrency if max_concurrency is not None else max(concurrency)),
        )

    def latency_s_at(self, concurrency: float) -> float:
        """Interpolated latency; flat beyond the measured range."""
        return float(np.interp(concurrency, self.concurrency, self.latency_s))

    def throughput_rps_at(self, concurrency: float) -> float:
        """Interpolated throughput; flat beyond the measured range."""
        return float(np.interp(concurrency, self.concurrency, self.throughput_rps))

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable view."""
        return asdict(self)


def replicas_needed(curve: ServiceCurve, qps: float, slo_ms: float, headroom_fraction: float = 0.0) -> int:
    """Steady-state replicas for `qps` with every replica run at the busiest point that meets `slo_ms`.

    A fluid estimate: it ignores the queueing that Poisson bursts add, which
    `headroom_fraction` (extra capacity, e.g. 0.2) stands in for.
    """
    if qps < 0 or slo_ms <= 0 or headroom_fraction < 0:
        raise ValueError("qps and headroom_fraction must be >= 0 and slo_ms > 0")
    ok = [c for c in range(1, curve.max_concurrency + 1) if curve.latency_s_at(c) * 1e3 <= slo_ms]
    if not ok:
        raise ValueError(f"no concurrency meets slo_ms={slo_ms}: even one request takes "
                         f"{curve.latency_s_at(1) * 1e3:.0f} ms on this replica")
    per_replica = max(curve.throughput_rps_at(c) for c in ok)
    return max(1, math.ceil(qps * (1 + headroom_fraction) / per_replica))
