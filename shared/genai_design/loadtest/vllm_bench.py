"""The same measurement with vLLM's own tool, ``vllm bench serve`` (framework step 5).

Our :mod:`runner` is small enough to read in a chapter; ``vllm bench serve`` is what
engineers run in practice. :func:`vllm_bench_command` builds its command line for the
OpenAI chat backend with random prompts of fixed lengths, and :func:`read_vllm_bench` maps
the JSON it saves onto :class:`LoadTestResult`, so the two can sit in one table.
:func:`compare_with_vllm_bench` runs our harness and then the tool at one concurrency, and
reads the server's prompt-token counter around each, so both are seen through the same eyes.

The API key is not put on the command line (where ``ps`` would show it): the tool reads it
from ``$OPENAI_API_KEY``, which :func:`vllm_bench_env` sets. Left out on purpose: the
tool's other datasets (ShareGPT, HF, ...).
"""

from __future__ import annotations

import json
import math
import os
import resource
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from genai_design.loadtest.metrics import counter, scrape
from genai_design.loadtest.results import SLO, LoadTestResult, summarise
from genai_design.loadtest.runner import run_load
from genai_design.loadtest.workloads import RequestSpec
from genai_design.serving import Endpoint

# Our field -> the key of vllm bench serve's result JSON. Percentiles come from
# --metric-percentiles 50,95,99; the tool's median equals our p50.
FIELD_MAP: dict[str, str] = {
    "duration_s": "duration",
    "total_output_tokens": "total_output_tokens",
    "request_throughput_rps": "request_throughput",
    "output_tokens_per_s": "output_throughput",
    "goodput_rps": "request_goodput",
    **{f"{stat}_{ours}_ms": f"{stat}_{theirs}_ms"
       for ours, theirs in (("ttft", "ttft"), ("itl", "itl"), ("tpot", "tpot"), ("e2e", "e2el"))
       for stat in ("mean", "p50", "p95", "p99")},
}


def vllm_bench_command(endpoint: Endpoint, input_len: int, output_len: int, num_prompts: int,
                       concurrency: int, result_path: str | Path,
                       tokenizer: str | None = None, slo: SLO | None = None,
                       seed: int = 0) -> list[str]:
    """``vllm bench serve`` argv: random prompts, chat backend, ignore_eos, JSON saved.

    ``slo``: bounds for the tool's goodput (``--goodput ttft:MS tpot:MS e2el:MS``).
    ``tokenizer``: a local tokenizer folder (e.g. ``prepare_model(...).path``). The tool
    needs one to build prompts of ``input_len`` tokens; without it the tool loads one named
    after the served model, which works only when that name is a Hub id and we are online.
    """
    for name, value in (("input_len", input_len), ("output_len", output_len),
                        ("num_prompts", num_prompts), ("concurrency", concurrency)):
        if value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value}")
    result = Path(result_path)
    argv = [
        sys.executable, "-m", "vllm.entrypoints.cli.main", "bench", "serve",  # `vllm bench serve`
        "--backend", "openai-chat",
        "--base-url", endpoint.base_url.removesuffix("/v1"),
        "--endpoint", "/v1/chat/completions",
        "--model", endpoint.model,
        "--dataset-name", "random",
        "--random-input-len", str(input_len),
        "--random-output-len", str(output_len),
        "--num-prompts", str(num_prompts),
        "--max-concurrency", str(concurrency),
        "--request-rate", "inf",
        "--ignore-eos",
        "--seed", str(seed),
        "--percentile-metrics", "ttft,tpot,itl,e2el",
        "--metric-percentiles", "50,95,99",
        "--save-result",
        "--result-dir", str(result.parent),
        "--result-filename", result.name,
    ]
    if tokenizer is not None:
        argv += ["--tokenizer", tokenizer]
    if slo is not None:
        bounds = [f"{key}:{value:g}" for key, value in
                  (("ttft", slo.ttft_ms), ("tpot", slo.tpot_ms), ("e2el", slo.e2e_ms))
                  if value is not None]
        if bounds:
            argv += ["--goodput", *bounds]
    return argv


def vllm_bench_env(endpoint: Endpoint) -> dict[str, str]:
    """Environment for the command: this process's, plus the key and offline switches."""
    return {**os.environ, "OPENAI_API_KEY": endpoint.api_key, "HF_HUB_OFFLINE": "1",
            "VLLM_NO_USAGE_STATS": "1"}


def read_vllm_bench(path: str | Path, concurrency: int | None = None,
                    slo: SLO | None = None) -> LoadTestResult:
    """Map a ``vllm bench serve`` result JSON onto :class:`LoadTestResult`.

    Statistics the file lacks (e.g. p95 without ``--metric-percentiles``) become NaN;
    ``concurrency`` defaults to the file's ``max_concurrency``; ``slo`` is the one the
    command was built with (the file does not record it), kept in the result's slo fields.
    """
    data: dict[str, Any] = json.loads(Path(path).read_text())
    if "completed" not in data or "duration" not in data:
        raise ValueError(f"{path} does not look like a vllm bench serve result "
                         "(no 'completed'/'duration' keys)")
    concurrency = concurrency or data.get("max_concurrency")
    if not concurrency:
        raise ValueError(f"{path} names no max_concurrency; pass concurrency=")
    failed = int(data.get("failed") or 0)
    values: dict[str, Any] = {}
    for ours, theirs in FIELD_MAP.items():
        value = data.get(theirs)
        if value is None and theirs.startswith("p50_"):
            value = data.get("median_" + theirs.removeprefix("p50_"))
        values[ours] = math.nan if value is None else float(value)
    values["total_output_tokens"] = int(data.get("total_output_tokens") or 0)
    if data.get("request_goodput") is None:  # run without --goodput: every success counts
        values["goodput_rps"] = values["request_throughput_rps"]
    slo = slo or SLO()
    return LoadTestResult(
        concurrency=int(concurrency), num_requests=int(data["completed"]) + failed,
        num_errors=failed, num_cancelled=0,
        slo_ttft_ms=slo.ttft_ms, slo_tpot_ms=slo.tpot_ms, slo_e2e_ms=slo.e2e_ms, **values,
    )


@dataclass(frozen=True)
class BenchComparison:
    """Our harness and ``vllm bench serve`` at one concurrency, back to back on one server."""

    concurrency: int  # requests in flight, for both clients
    ours: LoadTestResult  # our runner, run just before the tool
    theirs: LoadTestResult  # the tool's result JSON, mapped onto the same fields
    prompt_tokens_ours: float  # prompt tokens per request, as the server counted them
    prompt_tokens_theirs: float  # the same for the tool (its extra test request discounted)
    client_cpu_s_ours: float  # CPU seconds this process spent driving our run
    client_cpu_s_theirs: float  # CPU seconds of the tool's process, its start-up included

    def ratio(self, field: str) -> float:
        """``ours.field / theirs.field`` (1.0: the two clients agree)."""
        return getattr(self.ours, field) / getattr(self.theirs, field)


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def compare_with_vllm_bench(endpoint: Endpoint, requests: Sequence[RequestSpec], concurrency: int,
                            input_len: int, result_path: str | Path, tokenizer: str,
                            slo: SLO | None = None, seed: int = 0,
                            timeout_s: float = 600.0) -> BenchComparison:
    """Run ``requests`` through our runner, then ``vllm bench serve`` with as many random
    prompts of ``input_len`` tokens (and the same output budget), and compare the two.

    Raises RuntimeError with the tool's output when it fails.
    """
    if not requests:
        raise ValueError("requests is empty: pass the workload our runner should send")
    output_len = requests[0].max_tokens
    before = scrape(endpoint)
    cpu_started = time.process_time()
    ours = summarise(run_load(endpoint, requests, concurrency, progress=False), concurrency, slo)
    cpu_ours = time.process_time() - cpu_started
    middle = scrape(endpoint)
    children_before = _children_cpu_s()
    argv = vllm_bench_command(endpoint, input_len, output_len, len(requests), concurrency,
                              result_path, tokenizer=tokenizer, slo=slo, seed=seed)
    done = subprocess.run(argv, env=vllm_bench_env(endpoint), capture_output=True, text=True,
                          timeout=timeout_s)
    if done.returncode != 0:
        raise RuntimeError(f"vllm bench serve failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    after = scrape(endpoint)
    prompt = "vllm:prompt_tokens"
    return BenchComparison(
        concurrency=concurrency, ours=ours, theirs=read_vllm_bench(result_path, slo=slo),
        prompt_tokens_ours=(counter(middle, prompt) - counter(before, prompt)) / len(requests),
        # the tool sends one extra test request before it starts timing
        prompt_tokens_theirs=(counter(after, prompt) - counter(middle, prompt)) / (len(requests) + 1),
        client_cpu_s_ours=cpu_ours, client_cpu_s_theirs=_children_cpu_s() - children_before,
    )
