"""Reading a vLLM server's Prometheus metrics (framework step 5).

vLLM publishes counters and gauges at ``/metrics`` in the Prometheus text format. A load
test reads them before and after a run: counters only grow, so the difference between two
snapshots is what the run did (for example how many prompt tokens the prefix cache served).

:func:`parse_prometheus` flattens the text into ``{metric name: value}``. A metric usually
has several samples, one per label set (``model_name=...``, ``engine=...``); they are
**summed**, which is right for counters and for a gauge on a single-engine server (the
course's case) and would add up percentages across engines on a multi-engine one.
Histogram buckets (``*_bucket``) are skipped because summing them over ``le`` means nothing;
their ``*_sum`` and ``*_count`` are kept. Left out on purpose: labels, timestamps, and a
Prometheus server (the book scrapes by hand to show what a dashboard would plot).
"""

from __future__ import annotations

import math
import re
import urllib.request

from genai_design.serving import Endpoint

# name, optional {labels} (greedy: values hold no '}'), value, optional timestamp
_SAMPLE = re.compile(r"^([A-Za-z_:][A-Za-z0-9_:]*)(\{.*\})?\s+(\S+)(?:\s+-?\d+)?\s*$")

PREFIX_HITS = "vllm:prefix_cache_hits"  # tokens served from the prefix cache
PREFIX_QUERIES = "vllm:prefix_cache_queries"  # prompt tokens looked up in the prefix cache
# Fraction of the KV cache in use (0-1 despite the name); older vLLM called it gpu_cache_...
KV_USAGE_NAMES = ("vllm:kv_cache_usage_perc", "vllm:gpu_cache_usage_perc")


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
