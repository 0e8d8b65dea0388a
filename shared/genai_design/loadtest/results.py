"""Load-test results: latency percentiles, throughput and goodput (framework step 5).

:func:`summarise` turns the per-request records of one run into a :class:`LoadTestResult`
whose field names carry their unit and statistic, after vLLM's benchmark metrics:

- TTFT, time to first token: queueing plus prefill, what a chat user waits before text appears.
- ITL, inter-token latency: every gap between streamed chunks, pooled over all requests.
- TPOT, time per output token: per request, ``(e2e - ttft) / (output_tokens - 1)``.
- E2E: send to last token.
- goodput: completed requests per second that met every bound of an :class:`SLO`.

A result says which load produced it: a closed loop at a concurrency (:func:`run_load`) or
an open loop at an offered rate (:func:`run_open_loop`), where TTFT and E2E count from each
request's scheduled arrival rather than its send. Throughputs divide by the run's duration,
from the first send (open loop: the first scheduled arrival) to the last finish.
Statistics that have no samples (every request failed) are NaN, written as ``null`` in JSON.
Left out on purpose: confidence intervals and warm-up trimming; repeat runs to see the spread.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np

from genai_design.loadtest.runner import RequestRecord

_STATS = ("mean", "p50", "p95", "p99")
_MODES = ("closed", "open")
# Fields for which None is a value (unbounded, not applicable) rather than a missing statistic.
_NONE_ALLOWED = ("concurrency", "offered_rate_rps", "mode")


@dataclass(frozen=True)
class SLO:
    """Per-request latency bounds for goodput; None leaves that latency unbounded."""

    ttft_ms: float | None = None  # the first token must arrive within this many ms
    tpot_ms: float | None = None  # mean time per output token (after the first) at most this
    e2e_ms: float | None = None  # the whole response within this many ms

    def __post_init__(self) -> None:
        for name in ("ttft_ms", "tpot_ms", "e2e_ms"):
            value = getattr(self, name)
            if value is not None and not value > 0:
                raise ValueError(f"SLO {name} must be a positive number of ms or None, got {value}")

    def met_by(self, record: RequestRecord) -> bool:
        """True when ``record`` completed and meets every bound that is set."""
        if not record.ok:
            return False
        if self.ttft_ms is not None and (record.ttft_ms is None or record.ttft_ms > self.ttft_ms):
            return False
        tpot = request_tpot_ms(record)
        if self.tpot_ms is not None and tpot is not None and tpot > self.tpot_ms:
            return False
        return self.e2e_ms is None or record.e2e_ms <= self.e2e_ms


@dataclass(frozen=True)
class LoadTestResult:
    """Summary of one load-test run: closed loop at one concurrency, or open loop at one rate."""

    concurrency: int | None  # closed loop: most requests in flight; open loop: the cap, if any
    num_requests: int  # requests sent and finished or failed (cancelled ones not included)
    num_errors: int  # of those, requests that failed (HTTP error, broken stream, ...)
    num_cancelled: int  # requests in flight (or queued) when the wall-clock limit stopped the run
    duration_s: float  # first send (open loop: first scheduled arrival) to last finish
    total_output_tokens: int  # output tokens of the successful requests
    request_throughput_rps: float  # successful requests per second
    output_tokens_per_s: float  # output tokens of successful requests per second
    goodput_rps: float  # successful requests per second that met the SLO
    slo_ttft_ms: float | None  # the SLO goodput was computed under (None: unbounded)
    slo_tpot_ms: float | None
    slo_e2e_ms: float | None
    mean_ttft_ms: float  # time to first token over successes (open loop: from the arrival)
    p50_ttft_ms: float
    p95_ttft_ms: float
    p99_ttft_ms: float
    mean_itl_ms: float  # gaps between streamed chunks, pooled over requests
    p50_itl_ms: float
    p95_itl_ms: float
    p99_itl_ms: float
    mean_tpot_ms: float  # per-request time per output token after the first
    p50_tpot_ms: float
    p95_tpot_ms: float
    p99_tpot_ms: float
    mean_e2e_ms: float  # end-to-end latency over successes (open loop: from the arrival)
    p50_e2e_ms: float
    p95_e2e_ms: float
    p99_e2e_ms: float
    # the last two have defaults so that results saved before open loops existed still load
    mode: str = "closed"  # "closed": concurrency-limited loop; "open": scheduled arrivals
    offered_rate_rps: float | None = None  # open loop: the arrival rate sent at; closed: None

    def __post_init__(self) -> None:
        if self.mode not in _MODES:
            raise ValueError(f"mode must be one of {_MODES}, got {self.mode!r}")
        closed_ok = self.concurrency is not None and self.offered_rate_rps is None
        if self.mode == "closed" and not closed_ok:
            raise ValueError("a closed-loop result needs a concurrency and no offered_rate_rps")
        if self.mode == "open" and self.offered_rate_rps is None:
            raise ValueError("an open-loop result needs its offered_rate_rps")

    @property
    def load(self) -> str:
        """The load that produced it: 'closed loop, 8 in flight' or 'open loop, 2 req/s'."""
        if self.mode == "closed":
            return f"closed loop, {self.concurrency} in flight"
        cap = f", at most {self.concurrency} in flight" if self.concurrency is not None else ""
        return f"open loop, {self.offered_rate_rps:g} req/s{cap}"

    def to_dict(self) -> dict[str, Any]:
        """Plain dict; NaN statistics become None so the JSON is standard."""
        return {k: None if isinstance(v, float) and math.isnan(v) else v
                for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LoadTestResult:
        """Inverse of :meth:`to_dict` (None statistics become NaN again)."""
        names = {f.name for f in fields(cls)}
        unknown = set(data) - names
        if unknown:
            raise ValueError(f"unknown LoadTestResult fields {sorted(unknown)}; "
                             f"accepted: {sorted(names)}")
        values = dict(data)
        for name in names:
            if name.startswith("slo_") or name in _NONE_ALLOWED:
                continue  # None stays None; absent takes the field's default
            if values.get(name) is None:
                values[name] = math.nan
        return cls(**values)


def request_tpot_ms(record: RequestRecord) -> float | None:
    """Time per output token after the first, or None with fewer than two tokens."""
    if record.ttft_ms is None or record.output_tokens < 2:
        return None
    return (record.e2e_ms - record.ttft_ms) / (record.output_tokens - 1)


def _stats(values: Sequence[float]) -> tuple[float, float, float, float]:
    """Mean, p50, p95, p99 (linear interpolation, as numpy and vLLM's benchmark do)."""
    if not values:
        return (math.nan,) * 4  # type: ignore[return-value]
    array = np.asarray(values, dtype=float)
    p50, p95, p99 = np.percentile(array, [50, 95, 99])
    return float(array.mean()), float(p50), float(p95), float(p99)


def _check_mode(records: Sequence[RequestRecord], concurrency: int | None,
                rate_rps: float | None) -> None:
    """Refuse a mode the arguments or the records contradict."""
    if concurrency is not None and (isinstance(concurrency, bool) or concurrency < 1):
        raise ValueError(f"concurrency must be a positive integer, got {concurrency}")
    if rate_rps is not None and not (math.isfinite(rate_rps) and rate_rps > 0):
        raise ValueError(f"rate_rps must be a finite number of requests per second > 0, "
                         f"got {rate_rps}")
    scheduled = {r.scheduled_s is not None for r in records}
    if scheduled == {True, False}:
        raise ValueError("records mix open-loop (scheduled) and closed-loop requests; "
                         "summarise one run at a time")
    if scheduled == {True} and rate_rps is None:
        raise ValueError("these records come from an open-loop run (they have scheduled "
                         "times): pass its rate_rps=")
    if scheduled == {False} and rate_rps is not None:
        raise ValueError("these records come from a closed-loop run (no scheduled times): "
                         "pass concurrency= and no rate_rps")
    if rate_rps is None and concurrency is None:
        raise ValueError("pass concurrency= for a closed-loop run (run_load) or rate_rps= "
                         "for an open-loop run (run_open_loop)")


def summarise(records: Sequence[RequestRecord], concurrency: int | None = None,
              slo: SLO | None = None, *, rate_rps: float | None = None) -> LoadTestResult:
    """Summarise one run's records into a :class:`LoadTestResult`.

    Records from :func:`run_load` need the ``concurrency`` they ran at; records from
    :func:`run_open_loop` need the ``rate_rps`` their arrival times were drawn at (and
    ``concurrency`` only if the run had a ``max_in_flight`` cap, to report it).
    """
    _check_mode(records, concurrency, rate_rps)
    slo = slo or SLO()
    finished = [r for r in records if not r.cancelled]
    good = [r for r in finished if r.ok]
    if records:
        start = min(r.origin_s for r in records)
        end = max(r.origin_s + r.e2e_ms / 1000.0 for r in records)
        duration_s = end - start
    else:
        duration_s = 0.0

    def rate(count: float) -> float:
        return count / duration_s if duration_s > 0 else math.nan

    total_output = sum(r.output_tokens for r in good)
    columns = {
        "ttft": [r.ttft_ms for r in good if r.ttft_ms is not None],
        "itl": [gap for r in good for gap in r.itl_ms],
        "tpot": [t for t in (request_tpot_ms(r) for r in good) if t is not None],
        "e2e": [r.e2e_ms for r in good],
    }
    stat_fields = {f"{stat}_{name}_ms": value
                   for name, values in columns.items()
                   for stat, value in zip(_STATS, _stats(values), strict=True)}
    return LoadTestResult(
        concurrency=concurrency, num_requests=len(finished),
        num_errors=len(finished) - len(good), num_cancelled=len(records) - len(finished),
        duration_s=duration_s, total_output_tokens=total_output,
        request_throughput_rps=rate(len(good)), output_tokens_per_s=rate(total_output),
        goodput_rps=rate(sum(slo.met_by(r) for r in good)),
        slo_ttft_ms=slo.ttft_ms, slo_tpot_ms=slo.tpot_ms, slo_e2e_ms=slo.e2e_ms,
        **stat_fields,
        mode="closed" if rate_rps is None else "open",
        offered_rate_rps=None if rate_rps is None else float(rate_rps),
    )


def save_json(results: LoadTestResult | Sequence[LoadTestResult], path: str | Path) -> Path:
    """Write one result or a list of results as a JSON list; returns the path."""
    items = [results] if isinstance(results, LoadTestResult) else list(results)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps([r.to_dict() for r in items], indent=1, allow_nan=False) + "\n")
    return path


def load_json(path: str | Path) -> list[LoadTestResult]:
    """Read what :func:`save_json` wrote (always a list)."""
    data = json.loads(Path(path).read_text())
    if isinstance(data, dict):
        data = [data]
    return [LoadTestResult.from_dict(item) for item in data]
