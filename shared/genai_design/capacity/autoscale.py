"""Autoscaling a pool of model replicas, simulated event by event (framework step 5).

One replica's behaviour comes from measurement: a `ServiceCurve` (module
`service_curve`) maps the number of requests in flight on it to the latency each of them
sees (and the throughput it then delivers). `simulate` replays `Traffic` against a pool of such replicas: a request goes
to the least-loaded ready replica, takes the curve's latency at that replica's new
concurrency, and waits in one FIFO queue when every replica is at `max_concurrency`. An
autoscaling policy looks every `interval_s` at what happened and asks for more or fewer
replicas; new ones serve only after `cold_start_s`, and only idle ones are removed.
The "utilization" policy scales on `UTILIZATION_SIGNAL`: requests running plus requests
waiting, named as the two vLLM gauges whose per-pod sum the Kubernetes autoscaler in
`deploy/kubernetes/hpa.yaml` scales on. Running alone could not see a queue: it stops at
a replica's concurrency limit however many requests wait behind it.
The clock jumps from event to event (`events.EventQueue`); `EventKind` lists the events
and the order in which those due at the same instant are handled.

Deliberately left out: re-timing a request when its replica's concurrency changes while
it runs (the latency is fixed when it starts), request sizes, scale-to-zero, routing by
prefix-cache affinity, and failures.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any

import numpy as np

from genai_design.capacity.events import Event, EventQueue
from genai_design.capacity.service_curve import ServiceCurve
from genai_design.capacity.traffic import Traffic, arrival_times

RUNNING = "vllm:num_requests_running"  # vLLM's gauge of requests being processed on a server
WAITING = "vllm:num_requests_waiting"  # vLLM's gauge of requests queued on a server for a slot
# The load the "utilization" policy scales on: the sum of these gauges, pool-wide and averaged
# over each interval. deploy/kubernetes/hpa.yaml scales on the same sum per pod, and a unit test
# keeps the two in agreement; `simulate` counts exactly the gauges named here.
UTILIZATION_SIGNAL: tuple[str, ...] = (RUNNING, WAITING)


@dataclass(frozen=True)
class AutoscaleConfig:
    """An autoscaling policy and its limits."""

    policy: str = "qps"  # key of POLICIES: "qps" or "utilization"
    target: float = 5.0  # qps: requests/s per replica; utilization: signal per replica / max_concurrency
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
    mean_busy_slots: float  # UTILIZATION_SIGNAL over the pool, time-averaged: running plus waiting
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


class EventKind(Enum):
    """What can happen to the pool. The value ranks events due at the same instant, lowest
    first, so a finishing request frees its slot before anything else looks at the pool."""

    COMPLETION = 0  # a request finishes; its replica takes the oldest waiting request
    REPLICA_READY = 1  # a launched replica's cold start is over; it starts serving
    POLICY_TICK = 2  # the autoscaler reviews the last interval and resizes the pool
    ARRIVAL = 3  # a request arrives (known in advance, never queued; after events at the same instant)


@dataclass(slots=True, eq=False)  # eq=False: two replicas with equal fields are still two replicas
class _Replica:
    """One replica, from launch to retirement."""

    launched_s: float  # when it was launched; billing starts here, cold start included
    in_flight: int = 0  # requests running on it now, at most max_concurrency
    removed_s: float | None = None  # when it was retired; None while it is billed


@dataclass(slots=True)
class _Job:
    """A request running on a replica: the payload of its COMPLETION event."""

    request: int  # index into the arrival times
    replica: _Replica  # the replica running it


def simulate(curve: ServiceCurve, traffic: Traffic, config: AutoscaleConfig, slo_ms: float, seed: int = 0,
             arrival_process: str = "poisson") -> AutoscaleResult:
    """Replay `traffic` against an autoscaled pool of replicas that behave like `curve`."""
    if slo_ms <= 0:
        raise ValueError(f"slo_ms must be > 0, got {slo_ms!r}")
    unknown = set(UTILIZATION_SIGNAL) - {RUNNING, WAITING}
    if unknown:
        raise ValueError(f"cannot simulate gauges {sorted(unknown)}; only {RUNNING} and {WAITING}")
    # Which gauges the policy's load adds up (both, for running plus waiting).
    counts_running, counts_waiting = RUNNING in UTILIZATION_SIGNAL, WAITING in UTILIZATION_SIGNAL
    arrivals = arrival_times(traffic, seed, arrival_process)
    n_req, max_c = arrivals.size, curve.max_concurrency
    # A request's latency is set by its replica's concurrency when it starts: tabulate it once.
    service_s = [0.0] + [curve.latency_s_at(c) for c in range(1, max_c + 1)]
    finish = np.zeros(n_req)  # completion time of each request
    decide = POLICIES[config.policy]

    pool = [_Replica(0.0) for _ in range(config.initial_replicas or config.min_replicas)]  # every launch
    ready = list(pool)  # replicas serving, in the order they became ready
    starting: list[_Replica] = []  # launched, still in cold start
    queue: deque[int] = deque()  # requests waiting for a slot; non-empty only while all ready ones are full
    events = EventQueue(rank_by_kind=True)
    events.push(config.interval_s, EventKind.POLICY_TICK)
    i = 0  # the next request to arrive
    busy = 0  # requests arrived and not finished: running plus waiting
    area, last_t = 0.0, 0.0  # integral of the policy's load since the last tick; time of the last event
    arrived_since_tick = 0
    desire_history: deque[tuple[float, int]] = deque()  # (tick time, replicas wanted) in the window
    timeline: list[tuple[float, int, int, int]] = []  # (tick time, billed, ready, waiting)
    scale_ups, peak = 0, len(pool)

    def start(request: int, rep: _Replica, now: float) -> None:
        # Its latency is the curve's at the replica's concurrency counting this request.
        rep.in_flight += 1
        events.push(now + service_s[rep.in_flight], EventKind.COMPLETION, _Job(request, rep))

    # Until every request has arrived and finished (later ticks and cold starts are not simulated).
    while i < n_req or busy > 0:
        # The next happening: the next arrival if it comes strictly before every scheduled
        # event, else the earliest scheduled event.
        if i < n_req and arrivals[i] < events.next_time():
            event = Event(float(arrivals[i]), EventKind.ARRIVAL, i)
            i += 1
        else:
            event = events.pop()
        now = event.time
        # Nothing changed since the last event: the load held for the whole gap. Of the `busy`
        # requests, len(queue) wait and the rest run; the load adds up the gauges that
        # UTILIZATION_SIGNAL names.
        waiting = len(queue)
        area += (counts_running * (busy - waiting) + counts_waiting * waiting) * (now - last_t)
        last_t = now

        if event.kind is EventKind.ARRIVAL:
            # To the least-loaded ready replica (the longest ready on a tie). If even that one is
            # full, all are, and the request waits in the one FIFO queue.
            busy += 1
            arrived_since_tick += 1
            best = min(ready, key=lambda r: r.in_flight, default=None)
            if best is not None and best.in_flight < max_c:
                start(event.payload, best, now)
            else:
                queue.append(event.payload)

        elif event.kind is EventKind.COMPLETION:
            # The freed slot goes to the oldest waiting request, on this same replica.
            job: _Job = event.payload
            finish[job.request] = now
            busy -= 1
            job.replica.in_flight -= 1
            if queue:
                start(queue.popleft(), job.replica, now)

        elif event.kind is EventKind.REPLICA_READY:
            # A replica retired during its cold start never serves. Any other joins the ready
            # set and takes waiting requests up to its concurrency limit.
            rep: _Replica = event.payload
            if rep.removed_s is None:
                starting.remove(rep)
                ready.append(rep)
                while queue and rep.in_flight < max_c:
                    start(queue.popleft(), rep, now)

        else:  # EventKind.POLICY_TICK
            # 1. What the policy sees: the interval just ended, as rates and time averages.
            obs = ScalingObservation(arrived_since_tick / config.interval_s, area / config.interval_s,
                                     len(queue), len(ready), len(starting), max_c)
            area, arrived_since_tick = 0.0, 0
            # 2. The replica count it wants, clamped to [min_replicas, max_replicas], is
            # remembered; wishes older than the scale-down window are forgotten.
            want = min(max(decide(obs, config), config.min_replicas), config.max_replicas)
            desire_history.append((now, want))
            while desire_history[0][0] < now - config.scale_down_window_s:
                desire_history.popleft()
            have = len(ready) + len(starting)
            if want > have:
                # 3a. Scale up at once: launch the difference; each serves after its cold start.
                for _ in range(want - have):
                    rep = _Replica(now)
                    pool.append(rep)
                    starting.append(rep)
                    events.push(now + config.cold_start_s, EventKind.REPLICA_READY, rep)
                scale_ups += want - have
            else:
                # 3b. Scale down only to the most wanted within the window, and only idle
                # replicas: still-starting ones first, then idle ready ones; newest first.
                surplus = have - max(d for _, d in desire_history)
                while surplus > 0 and starting:
                    starting.pop().removed_s = now
                    surplus -= 1
                for rep in [r for r in reversed(ready) if r.in_flight == 0][:max(surplus, 0)]:
                    ready.remove(rep)
                    rep.removed_s = now
            # 4. Record the pool; the next tick comes only while requests remain.
            peak = max(peak, len(ready) + len(starting))
            timeline.append((now, len(ready) + len(starting), len(ready), len(queue)))
            if i < n_req or busy:
                events.push(now + config.interval_s, EventKind.POLICY_TICK)

    # Billing runs to the end of the traffic (or the last completion, if later).
    end_s = max(traffic.duration_s, last_t)
    replica_s = sum((end_s if r.removed_s is None else r.removed_s) - r.launched_s for r in pool)
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
