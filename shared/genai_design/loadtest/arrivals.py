"""When open-loop requests are due: Poisson send times and their checks (framework step 5).

An open-loop load test sends each request at its own arrival time, as independent users
would, instead of waiting for an earlier request to finish. :func:`poisson_arrival_times`
gives the first ``n`` arrival times of a Poisson process at a constant rate, drawn with
:func:`genai_design.capacity.traffic.arrival_times` (the course's one arrival generator, also
used by the capacity simulations), so a load test and a simulation at the same rate and seed
see traffic of the same kind. :func:`check_arrival_times` validates a schedule given by hand.

Left out on purpose: rates that vary over time (build a ``Traffic`` and call
``arrival_times`` directly, then pass the times to the runner) and bursts beyond Poisson.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

import numpy as np

from genai_design.capacity.traffic import Traffic, arrival_times


def poisson_arrival_times(n: int, rate_rps: float,
                          seed: int | np.random.Generator = 0) -> tuple[float, ...]:
    """The first ``n`` arrival times, in seconds from 0, of a Poisson process at ``rate_rps``.

    Times are drawn window by window, each window long enough for about ``n`` arrivals,
    until ``n`` have come; arrivals in separate windows are independent, so the result is
    exactly a Poisson process cut after its ``n``-th arrival. Same ``seed``, same times.
    """
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
        raise ValueError(f"n must be a positive integer (one time per request), got {n!r}")
    if not (isinstance(rate_rps, numbers.Real) and math.isfinite(rate_rps) and rate_rps > 0):
        raise ValueError(f"rate_rps must be a finite number of requests per second > 0, "
                         f"got {rate_rps!r}")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    n, window_s = int(n), n / float(rate_rps)
    times: list[float] = []
    offset_s = 0.0
    while len(times) < n:
        drawn = arrival_times(Traffic((float(rate_rps),), step_s=window_s), rng, process="poisson")
        times.extend(float(offset_s + t) for t in drawn)
        offset_s += window_s
    return tuple(times[:n])


def check_arrival_times(arrival_times_s: Sequence[float], n: int) -> tuple[float, ...]:
    """``arrival_times_s`` as a tuple of floats, or ValueError saying what is wrong with it.

    A schedule needs one time per request (``n``), each finite and >= 0 seconds after the
    run starts, in non-decreasing order (requests are sent in workload order).
    """
    times = tuple(float(t) for t in arrival_times_s)
    if len(times) != n:
        raise ValueError(f"arrival_times_s must hold one time per request: got {len(times)} "
                         f"times for {n} requests")
    bad = [t for t in times if not math.isfinite(t) or t < 0]
    if bad:
        raise ValueError(f"arrival times must be finite and >= 0 seconds, got {bad[0]!r}")
    for i in range(1, len(times)):
        if times[i] < times[i - 1]:
            raise ValueError(f"arrival times must be sorted (non-decreasing): time {i} "
                             f"({times[i]:g} s) comes before time {i - 1} ({times[i - 1]:g} s)")
    return times
