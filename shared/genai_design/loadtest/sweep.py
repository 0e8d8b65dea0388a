"""Concurrency sweeps: the throughput-latency trade-off of one endpoint (framework step 5).

Raising the number of requests in flight raises throughput (the server batches them) until
the hardware saturates, and from then on only adds queueing to every request's time to
first token. :func:`sweep` runs the same workload at several concurrencies and
:func:`plot_sweep` draws both curves side by side, the picture chapter 5 sizes a
deployment from. Left out on purpose: searching for the knee automatically and request-rate
(open-loop) sweeps.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from genai_design.loadtest.results import SLO, LoadTestResult, summarise
from genai_design.loadtest.runner import run_load
from genai_design.loadtest.workloads import RequestSpec
from genai_design.serving import Endpoint


def sweep(endpoint: Endpoint, requests_for: Callable[[int], Sequence[RequestSpec]],
          concurrencies: Sequence[int], *, slo: SLO | None = None, timeout_s: float = 600.0,
          progress: bool = True) -> list[LoadTestResult]:
    """One :func:`run_load` + :func:`summarise` per concurrency, in the order given.

    ``requests_for(concurrency)`` builds that run's workload, so larger concurrencies can
    send more requests (e.g. ``lambda c: fixed_prompts(4 * c)``). ``timeout_s`` bounds each
    run separately.
    """
    if not concurrencies:
        raise ValueError("concurrencies is empty: pass at least one positive integer")
    results = []
    for concurrency in concurrencies:
        records = run_load(endpoint, requests_for(concurrency), concurrency,
                           timeout_s=timeout_s, progress=progress)
        results.append(summarise(records, concurrency, slo))
    return results


def plot_sweep(results: Sequence[LoadTestResult], title: str | None = None) -> Any:
    """Two panels against concurrency: output tokens/s and p95 TTFT (ms). Returns the Figure."""
    import matplotlib.pyplot as plt

    if not results:
        raise ValueError("results is empty: pass the list that sweep() returned")
    if any(r.mode != "closed" for r in results):
        raise ValueError("plot_sweep draws closed-loop results against concurrency; "
                         "open-loop results have no concurrency to plot against")
    ordered = sorted(results, key=lambda r: r.concurrency)
    x = [r.concurrency for r in ordered]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8))
    left.plot(x, [r.output_tokens_per_s for r in ordered], marker="o")
    left.set(xlabel="concurrency (requests in flight)", ylabel="output throughput (tokens/s)",
             title="Throughput")
    right.plot(x, [r.p95_ttft_ms for r in ordered], marker="o", color="tab:red")
    right.set(xlabel="concurrency (requests in flight)", ylabel="p95 time to first token (ms)",
              title="Latency")
    for ax in (left, right):
        ax.set_xscale("log", base=2)
        ax.set_xticks(x, [str(c) for c in x])
        ax.grid(True, alpha=0.3)
        ax.set_ylim(bottom=0)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig
