"""Load testing an OpenAI-compatible endpoint (framework step 5, inference infrastructure).

A sub-package, one module per concept:

- :mod:`.workloads`: what to send (:class:`RequestSpec` and three workload builders).
- :mod:`.arrivals`: when to send it in an open loop (Poisson arrival times).
- :mod:`.runner`: sending it over streaming, closed or open loop, and timing every token.
- :mod:`.results`: turning the timings into TTFT/ITL/TPOT/E2E percentiles and goodput.
- :mod:`.sweep`: the same workload at several concurrencies, and its plot.
- :mod:`.metrics`: the server's own Prometheus counters (prefix-cache hits, KV usage), and
  :class:`MetricsWatch`, which samples its gauges over time while a run goes on.
- :mod:`.prefill`: time to first token against prompt length, and its fitted line.
- :mod:`.vllm_bench`: the same measurement with ``vllm bench serve``.

Typical use::

    from genai_design.loadtest import fixed_prompts, run_load, summarise
    records = run_load(endpoint, fixed_prompts(32, max_tokens=64), concurrency=8, timeout_s=120)
    print(summarise(records, concurrency=8).to_dict())

    # open loop: requests arrive at 2 per second whether or not the server keeps up
    times = poisson_arrival_times(32, rate_rps=2.0, seed=0)
    records = run_open_loop(endpoint, fixed_prompts(32, max_tokens=64), times, timeout_s=120)
    print(summarise(records, rate_rps=2.0).to_dict())

Left out on purpose: distributed load generation.
"""

from genai_design.loadtest.arrivals import check_arrival_times, poisson_arrival_times
from genai_design.loadtest.prefill import FILLER, PrefillFit, filler_prompt, measure_prefill
from genai_design.loadtest.metrics import (
    PREFIX_HITS,
    PREFIX_QUERIES,
    MetricsWatch,
    counter,
    info_labels,
    kv_cache_usage,
    metrics_text,
    parse_prometheus,
    prefix_cache_hit_rate,
    scrape,
)
from genai_design.loadtest.results import (
    SLO,
    LoadTestResult,
    load_json,
    request_tpot_ms,
    save_json,
    summarise,
)
from genai_design.loadtest.runner import (
    RequestRecord,
    run_load,
    run_load_async,
    run_open_loop,
    run_open_loop_async,
)
from genai_design.loadtest.sweep import plot_sweep, sweep
from genai_design.loadtest.vllm_bench import (
    BenchComparison,
    compare_with_vllm_bench,
    read_vllm_bench,
    vllm_bench_command,
    vllm_bench_env,
)
from genai_design.loadtest.workloads import (
    RequestSpec,
    fixed_prompts,
    mixed_output_lengths,
    shared_prefix,
)

__all__ = [
    "FILLER", "PrefillFit", "filler_prompt", "measure_prefill", "MetricsWatch",
    "PREFIX_HITS", "PREFIX_QUERIES", "SLO", "BenchComparison", "compare_with_vllm_bench", "LoadTestResult", "RequestRecord", "RequestSpec",
    "check_arrival_times", "counter", "fixed_prompts", "info_labels", "kv_cache_usage",
    "metrics_text", "load_json", "mixed_output_lengths", "parse_prometheus",
    "plot_sweep", "poisson_arrival_times", "prefix_cache_hit_rate", "read_vllm_bench",
    "request_tpot_ms", "run_load", "run_load_async", "run_open_loop", "run_open_loop_async",
    "save_json", "scrape", "shared_prefix", "summarise", "sweep",
    "vllm_bench_command", "vllm_bench_env",
]
