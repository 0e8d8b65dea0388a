"""Autoscaling a pool of model replicas, simulated event by event (framework step 5).

One replica's behaviour comes from measurement: a `ServiceCurve` maps the number of
requests in flight on it to the latency each of them sees (and the throughput it then
delivers). `simulate` replays `Traffic` against a pool of such replicas: a request goes
to the least-loaded ready replica, takes the curve's latency at that replica's new
concurrency, and waits in one FIFO queue when every replica is at `max_concurrency`. An
autoscaling policy looks every `interval_s` at what happened and asks for more or fewer
replicas; new ones serve only after `cold_start_s`, and only idle ones are removed.

Deliberately left out: re-timing a request when its replica's concurrency changes while
it runs (the latency is fixed when it starts), request sizes, scale-to-zero, routing by
prefix-cache affinity, and failures.
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from itertools import pairwise
from typing import Any

import numpy as np

from genai_design.capacity.traffic import Traffic, arrival_times


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


@dataclass(frozen=True)
class AutoscaleConfig:
    """An autoscaling policy and its limits."""

    policy: str = "qps"  # key of POLICIES: "qps" or "utilization"
    target: float = 5.0  # qps: requests/s per replica; utilization: fraction of max_concurrency busy
    interval_s: float = 15.0  # seconds between policy evaluations
    min_replicas: int = 1  # never fewer (scale to zero is left out)
    max_replicas: int = 20  # never more, whatever the policy asks
    cold_start_s: float = 60.0  # seconds from launching a replica to it serving (image, weights, warm-up)
    initial_replicas: int | None = None  # replicas ready at t=0; None means min_replicas
    scale_down_window_s: float = 0.0  # scale down only to the highest desire seen in this window

    def __post_init__(self) -> None:
        if self.policy not in POLICIES:
            raise ValueError(f"unknown policy {self.policy!r}; known: {', '.join(POLICIES)}")
        if self.target <= 0 or self.interval_s <= 0 or self.cold_start_s < 0 or self.scale_down_window_s < 0:
            raise ValueError("target and interval_s must be > 0; cold_start_s and scale_down_window_s >= 0")
        if not 1 <= self.min_replicas <= self.max_replicas:
            raise ValueError(f"need 1 <= min_replicas <= max_replicas, got {self.min_replicas}, {self.max_replicas}")
        if self.initial_replicas is not None and not 1 <= self.initial_replicas <= self.max_replicas:
            raise ValueError(f"initial_replicas must be in 1..max_replicas, got {self.initial_replicas}")


@dataclass(frozen=True)
class ScalingObservation:
    """What a policy sees at one evaluation, averaged over the last interval."""

    arrival_rate_rps: float  # arrivals in the interval / interval_s
    mean_busy_slots: float  # time-averaged requests in flight plus queued
    queue_len: int  # requests waiting now
    ready_replicas: int  # replicas serving now
    starting_replicas: int  # replicas still in cold start
    max_concurrency: int  # slots per replica


def _qps_policy(obs: ScalingObservation, cfg: AutoscaleConfig) -> int:
    return math.ceil(obs.arrival_rate_rps / cfg.target)


def _utilization_policy(obs: ScalingObservation, cfg: AutoscaleConfig) -> int:
    return math.ceil(obs.mean_busy_slots / (cfg.target * obs.max_concurrency))


# Each policy maps an observation to the replica count it wants (before min/max clamping).
POLICIES: dict[str, Callable[[ScalingObservation, AutoscaleConfig], int]] = {
    "qps": _qps_policy,
    "utilization": _utilization_policy,
}


@dataclass(frozen=True)
class AutoscaleResult:
    """Outcome of one simulation; times in ms or s as named."""

    num_requests: int  # requests that arrived (all are served before the run ends)
    latency_mean_ms: float  # arrival to completion, queueing included
    latency_p50_ms: float
    latency_p95_ms: float
    latency_p99_ms: float
    slo_ms: float  # the latency objective used for goodput
    goodput_fraction: float  # share of requests with latency <= slo_ms
    replica_seconds: float  # billed replica time, cold starts included (the cost proxy)
    mean_replicas: float  # replica_seconds / simulated seconds
    peak_replicas: int  # most replicas billed at once
    scale_ups: int  # replicas launched after t=0
    timeline_t_s: tuple[float, ...]  # policy evaluation times
    timeline_replicas: tuple[int, ...]  # replicas billed (ready + starting) at each time
    timeline_ready_replicas: tuple[int, ...]  # replicas serving at each time
    timeline_queue_len: tuple[int, ...]  # requests waiting at each time
    latencies_ms: np.ndarray = field(repr=False, compare=False)  # per request, arrival order

    def to_dict(self, include_latencies: bool = False) -> dict[str, Any]:
        """JSON-serialisable view; per-request latencies only on request."""
        d = {k: v for k, v in asdict(self).items() if k != "latencies_ms"}
        if include_latencies:
            d["latencies_ms"] = self.latencies_ms.tolist()
        return d


class _Replica:
    __slots__ = ("in_flight", "launched_s", "removed_s")

    def __init__(self, launched_s: float) -> None:
        self.in_flight, self.launched_s = 0, launched_s
        self.removed_s: float | None = None


def simulate(
    curve: ServiceCurve,
    traffic: Traffic,
    config: AutoscaleConfig,
    slo_ms: float,
    seed: int = 0,
    arrival_process: str = "poisson",
) -> AutoscaleResult:
    """Replay `traffic` against an autoscaled pool of replicas that behave like `curve`."""
    if slo_ms <= 0:
        raise ValueError(f"slo_ms must be > 0, got {slo_ms!r}")
    arrivals = arrival_times(traffic, seed, arrival_process)
    n_req, max_c = arrivals.size, curve.max_concurrency
    service_s = [0.0] + [curve.latency_s_at(c) for c in range(1, max_c + 1)]
    finish = np.zeros(n_req)
    decide = POLICIES[config.policy]

    pool = [_Replica(0.0) for _ in range(config.initial_replicas or config.min_replicas)]
    ready = list(pool)
    starting: list[_Replica] = []
    queue: deque[int] = deque()
    events: list[tuple[float, int, int, Any]] = []  # (time, kind, tiebreak, payload); kind 0 done, 1 ready, 2 tick
    counter, busy, area, last_t, arrived_since_tick = 0, 0, 0.0, 0.0, 0
    desire_history: deque[tuple[float, int]] = deque()
    timeline: list[tuple[float, int, int, int]] = []
    heapq.heappush(events, (config.interval_s, 2, 0, None))
    scale_ups, peak, i = 0, len(pool), 0

    def start(req: int, rep: _Replica, now: float) -> None:
        nonlocal counter
        rep.in_flight += 1
        counter += 1
        heapq.heappush(events, (now + service_s[rep.in_flight], 0, counter, (req, rep)))

    payload: Any
    rep: _Replica
    while i < n_req or busy > 0:
        if i < n_req and (not events or arrivals[i] < events[0][0]):
            now, kind, payload = float(arrivals[i]), 3, i
            i += 1
        else:
            now, kind, _, payload = heapq.heappop(events)
        area += busy * (now - last_t)
        last_t = now
        if kind == 3:  # arrival
            busy += 1
            arrived_since_tick += 1
            best = min(ready, key=lambda r: r.in_flight, default=None)
            if best is not None and best.in_flight < max_c:
                start(payload, best, now)
            else:
                queue.append(payload)
        elif kind == 0:  # completion
            req, rep = payload
            finish[req] = now
            busy -= 1
            rep.in_flight -= 1
            if queue:
                start(queue.popleft(), rep, now)
        elif kind == 1:  # cold start over
            rep = payload
            if rep.removed_s is not None:
                continue
            starting.remove(rep)
            ready.append(rep)
            while queue and rep.in_flight < max_c:
                start(queue.popleft(), rep, now)
        else:  # policy tick
            obs = ScalingObservation(arrived_since_tick / config.interval_s, area / config.interval_s,
                                     len(queue), len(ready), len(starting), max_c)
            area, arrived_since_tick = 0.0, 0
            want = min(max(decide(obs, config), config.min_replicas), config.max_replicas)
            desire_history.append((now, want))
            while desire_history[0][0] < now - config.scale_down_window_s:
                desire_history.popleft()
            have = len(ready) + len(starting)
            if want > have:
                for _ in range(want - have):
                    rep = _Replica(now)
                    pool.append(rep)
                    starting.append(rep)
                    counter += 1
                    heapq.heappush(events, (now + config.cold_start_s, 1, counter, rep))
                scale_ups += want - have
            else:
                surplus = have - max(d for _, d in desire_history)
                while surplus > 0 and starting:
                    _retire(starting.pop(), now)
                    surplus -= 1
                for rep in [r for r in reversed(ready) if r.in_flight == 0][:max(surplus, 0)]:
                    ready.remove(rep)
                    _retire(rep, now)
            peak = max(peak, len(ready) + len(starting))
            timeline.append((now, len(ready) + len(starting), len(ready), len(queue)))
            if i < n_req or busy:
                heapq.heappush(events, (now + config.interval_s, 2, 0, None))

    end_s = max(traffic.duration_s, last_t)
    replica_s = sum((end_s if r.removed_s is None else r.removed_s) - r.launched_s for r in pool)
    lat_ms = (finish - arrivals) * 1e3
    met = lat_ms <= slo_ms * (1 + 1e-9)  # slack so a latency equal to the SLO survives float rounding
    pct = np.percentile(lat_ms, [50, 95, 99]) if n_req else np.zeros(3)
    t, reps, rdy, q = zip(*timeline, strict=True) if timeline else ((), (), (), ())
    return AutoscaleResult(
        num_requests=int(n_req), latency_mean_ms=float(lat_ms.mean()) if n_req else 0.0,
        latency_p50_ms=float(pct[0]), latency_p95_ms=float(pct[1]), latency_p99_ms=float(pct[2]),
        slo_ms=float(slo_ms), goodput_fraction=float(np.mean(met)) if n_req else 1.0,
        replica_seconds=float(replica_s), mean_replicas=float(replica_s / end_s), peak_replicas=peak,
        scale_ups=scale_ups, timeline_t_s=tuple(map(float, t)), timeline_replicas=tuple(reps),
        timeline_ready_replicas=tuple(rdy), timeline_queue_len=tuple(q), latencies_ms=lat_ms,
    )


def _retire(rep: _Replica, now: float) -> None:
    rep.removed_s = now


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
