"""Reading a vLLM server's Prometheus metrics (framework step 5).

vLLM publishes counters and gauges at ``/metrics`` in the Prometheus text format. A load
test reads them before and after a run: counters only grow, so the difference between two
snapshots is what the run did (for example how many prompt tokens the prefix cache served).

:func:`parse_prometheus` flattens the text into ``{metric name: value}``. A metric usually
has several samples, one per label set (``model_name=...``, ``engine=...``); they are
**summed**, which is right for counters and for a gauge on a single-engine server (the
course's case) and would add up percentages across engines on a multi-engine one.
Histogram buckets (``*_bucket``) are skipped because summing them over ``le`` means nothing;
their ``*_sum`` and ``*_count`` are kept.

Gauges such as ``vllm:num_requests_running`` change within a run, so two snapshots miss them:
:class:`MetricsWatch` scrapes every ``interval_s`` in a background thread while a ``with``
block runs, and :meth:`MetricsWatch.series` returns one metric over time, ready to plot. A
failed scrape is counted, not raised, so a hiccup does not end the load test it watches.

Left out on purpose: labels, timestamps, and a Prometheus server (the book scrapes by hand to
show what a dashboard would plot); the watch keeps every sample in memory and scrapes one at
a time (a scrape slower than the interval delays the next).
"""

from __future__ import annotations

import math
import re
import threading
import time
import urllib.request
from types import TracebackType

from genai_design.serving import Endpoint

# name, optional {labels} (greedy: values hold no '}'), value, optional timestamp
_SAMPLE = re.compile(r"^([A-Za-z_:][A-Za-z0-9_:]*)(\{.*\})?\s+(\S+)(?:\s+-?\d+)?\s*$")

PREFIX_HITS = "vllm:prefix_cache_hits"  # tokens served from the prefix cache
PREFIX_QUERIES = "vllm:prefix_cache_queries"  # prompt tokens looked up in the prefix cache
# Fraction of the KV cache in use (0-1 despite the name); older vLLM called it gpu_cache_...
KV_USAGE_NAMES = ("vllm:kv_cache_usage_perc", "vllm:gpu_cache_usage_perc")
RUNNING = "vllm:num_requests_running"  # gauge: requests in the running batch now
WAITING = "vllm:num_requests_waiting"  # gauge: requests queued for a place in the batch
KV_USAGE = "kv_cache_usage"  # MetricsWatch.series name for kv_cache_usage() under either name


def parse_prometheus(text: str) -> dict[str, float]:
    """Prometheus text exposition -> ``{metric name: value summed over its label sets}``.

    Comments (``# HELP``, ``# TYPE``) and blank lines are skipped, as are histogram
    ``_bucket`` samples. ``NaN``/``+Inf`` values parse as floats. A line that is not a
    sample raises ValueError naming it.
    """
    totals: dict[str, float] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _SAMPLE.match(line)
        if match is None:
            raise ValueError(f"line {number} is not a Prometheus sample: {raw!r}")
        name, _, value = match.groups()
        if name.endswith("_bucket"):
            continue
        try:
            number_value = float(value)
        except ValueError:
            raise ValueError(f"line {number} has a value that is not a number: {raw!r}") from None
        totals[name] = totals.get(name, 0.0) + number_value
    return totals


def metrics_text(endpoint: Endpoint, timeout_s: float = 5.0) -> str:
    """The raw text of ``endpoint.metrics_url`` now (the one place the course fetches it)."""
    request = urllib.request.Request(endpoint.metrics_url)
    request.add_header("Authorization", f"Bearer {endpoint.api_key}")
    with urllib.request.urlopen(request, timeout=timeout_s) as response:
        return response.read().decode("utf-8", errors="replace")


def scrape(endpoint: Endpoint, timeout_s: float = 5.0) -> dict[str, float]:
    """Fetch ``endpoint.metrics_url`` now and parse it (one snapshot)."""
    return parse_prometheus(metrics_text(endpoint, timeout_s))


def info_labels(text: str, name: str) -> dict[str, str]:
    """The labels of an info metric, whose facts sit in labels (``vllm:cache_config_info``).

    Raises ValueError when ``text`` has no sample of ``name``.
    """
    for line in text.splitlines():
        match = _SAMPLE.match(line.strip())
        if match and match.group(1) == name and match.group(2):
            return dict(re.findall(r'(\w+)="([^"]*)"', match.group(2)))
    raise ValueError(f"the metrics have no sample of {name}")


def counter(snapshot: dict[str, float], name: str) -> float:
    """A counter's value, whether the snapshot names it with ``_total`` or without."""
    base = name.removesuffix("_total")
    for key in (base + "_total", base):
        if key in snapshot:
            return snapshot[key]
    raise ValueError(f"the snapshot has no counter {base}_total (nor {base}); "
                     f"it has {len(snapshot)} metrics, e.g. {sorted(snapshot)[:5]}")


def prefix_cache_hit_rate(before: dict[str, float], after: dict[str, float]) -> float | None:
    """Share of prompt tokens served from the prefix cache between two snapshots.

    ``(hits_after - hits_before) / (queries_after - queries_before)``; None when no prompt
    token was looked up in between (no traffic, or prefix caching turned off).
    """
    queries = counter(after, PREFIX_QUERIES) - counter(before, PREFIX_QUERIES)
    hits = counter(after, PREFIX_HITS) - counter(before, PREFIX_HITS)
    if queries < 0 or hits < 0:
        raise ValueError("a counter went down between the snapshots: was the server restarted? "
                         "pass the snapshot taken first as `before`")
    return None if queries == 0 else hits / queries


def kv_cache_usage(snapshot: dict[str, float]) -> float:
    """Fraction (0-1) of the KV cache in use at the moment of the snapshot."""
    for name in KV_USAGE_NAMES:
        if name in snapshot and not math.isnan(snapshot[name]):
            return snapshot[name]
    raise ValueError(f"the snapshot has none of {KV_USAGE_NAMES}; is it from a vLLM server?")


class MetricsWatch:
    """Scrape ``endpoint`` every ``interval_s`` in a daemon thread while a ``with`` block runs.

    Typical use::

        with MetricsWatch(endpoint, interval_s=0.5) as watch:
            run_load(endpoint, requests, concurrency=8)
        times_s, running = watch.series("vllm:num_requests_running")

    The first scrape happens on entry; leaving the block stops the thread. ``samples`` holds
    ``(seconds since entry, snapshot)`` pairs; ``failed_scrapes`` and ``last_error`` tell how
    many scrapes failed (a refused connection, a timeout, text that does not parse) and why.
    """

    def __init__(self, endpoint: Endpoint, interval_s: float = 0.5,
                 timeout_s: float = 5.0) -> None:
        if interval_s <= 0 or timeout_s <= 0:
            raise ValueError(f"interval_s and timeout_s must be positive, "
                             f"got {interval_s} and {timeout_s}")
        self.endpoint = endpoint  # the server whose metrics_url is scraped
        self.interval_s = interval_s  # seconds between the starts of two scrapes
        self.timeout_s = timeout_s  # limit on one scrape
        self.failed_scrapes = 0  # scrapes that raised; they add no sample
        self.last_error: str | None = None  # the latest failure, "Type: message"
        self._samples: list[tuple[float, dict[str, float]]] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> MetricsWatch:
        if self._thread is not None:
            raise RuntimeError("this MetricsWatch has already run; make a new one")
        self._thread = threading.Thread(target=self._run, name="metrics-watch", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.timeout_s + 1.0)

    def _run(self) -> None:
        started = time.perf_counter()
        due = started
        while not self._stop.is_set():
            at_s = time.perf_counter() - started
            try:
                snapshot = scrape(self.endpoint, self.timeout_s)
            except Exception as error:  # counted, not raised: the watched run goes on
                with self._lock:
                    self.failed_scrapes += 1
                    self.last_error = f"{type(error).__name__}: {error}"
            else:
                with self._lock:
                    self._samples.append((at_s, snapshot))
            due += self.interval_s
            now = time.perf_counter()
            if due < now:  # a slow scrape: skip the missed slots rather than bunch up
                due = now + self.interval_s - (now - due) % self.interval_s
            self._stop.wait(due - now)

    @property
    def samples(self) -> list[tuple[float, dict[str, float]]]:
        """``(seconds since entry, snapshot)`` for every successful scrape so far (a copy)."""
        with self._lock:
            return list(self._samples)

    def series(self, name: str) -> tuple[list[float], list[float]]:
        """``(times_s, values)`` of one metric over the samples that have it.

        ``name`` is a metric as :func:`parse_prometheus` names it (``vllm:num_requests_running``),
        or ``"kv_cache_usage"`` for :func:`kv_cache_usage` (either vLLM name). Raises ValueError
        when samples exist but none has the metric (a typo, or another server's metrics).
        """
        times: list[float] = []
        values: list[float] = []
        samples = self.samples
        for at_s, snapshot in samples:
            if name == KV_USAGE:
                try:
                    value = kv_cache_usage(snapshot)
                except ValueError:
                    continue
            elif name in snapshot:
                value = snapshot[name]
            else:
                continue
            times.append(at_s)
            values.append(value)
        if samples and not times:
            known = sorted(samples[-1][1])
            raise ValueError(f"no sample has {name!r}; the last one has {len(known)} metrics, "
                             f"e.g. {known[:5]}")
        return times, values
