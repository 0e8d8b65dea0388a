"""Tests of genai_design.loadtest.vllm_bench: the command line and reading its JSON.

The sample below has the keys a real ``vllm bench serve`` run (vLLM 0.32, openai-chat
backend, ``--metric-percentiles 50,95,99``) wrote; the values are round numbers.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import pytest

from genai_design.loadtest import SLO, read_vllm_bench, vllm_bench_command, vllm_bench_env
from genai_design.serving import Endpoint

ENDPOINT = Endpoint("http://127.0.0.1:8123/v1", "secret-key", "smollm2", "cpu")

SAMPLE = {
    "date": "20260101-120000", "backend": "openai-chat", "model_id": "smollm2",
    "num_prompts": 12, "request_rate": "inf", "max_concurrency": 3,
    "duration": 2.0, "completed": 10, "failed": 2, "total_input_tokens": 240,
    "total_output_tokens": 80, "request_throughput": 5.0, "request_goodput": 4.0,
    "output_throughput": 40.0, "total_token_throughput": 160.0, "latencies": [0.1] * 12,
    **{f"{stat}_{metric}_ms": value
       for metric, base in (("ttft", 100.0), ("tpot", 10.0), ("itl", 11.0), ("e2el", 200.0))
       for stat, value in (("mean", base), ("median", base + 1), ("std", 1.0),
                           ("p50", base + 1), ("p95", base + 5), ("p99", base + 9))},
}


def _flag(argv: list[str], name: str) -> str:
    return argv[argv.index(name) + 1]


def test_command_targets_the_chat_endpoint_with_our_workload(tmp_path: Path) -> None:
    argv = vllm_bench_command(ENDPOINT, input_len=32, output_len=8, num_prompts=12,
                              concurrency=3, result_path=tmp_path / "out" / "r.json",
                              tokenizer="tok-folder")
    assert argv[:5] == [sys.executable, "-m", "vllm.entrypoints.cli.main", "bench", "serve"]
    assert _flag(argv, "--backend") == "openai-chat"
    assert _flag(argv, "--base-url") == "http://127.0.0.1:8123"  # the tool appends --endpoint
    assert _flag(argv, "--endpoint") == "/v1/chat/completions"
    assert _flag(argv, "--model") == "smollm2"
    assert (_flag(argv, "--random-input-len"), _flag(argv, "--random-output-len")) == ("32", "8")
    assert (_flag(argv, "--num-prompts"), _flag(argv, "--max-concurrency")) == ("12", "3")
    assert _flag(argv, "--result-dir") == str(tmp_path / "out")
    assert _flag(argv, "--result-filename") == "r.json"
    assert _flag(argv, "--tokenizer") == "tok-folder"
    assert "--ignore-eos" in argv and "--save-result" in argv and "--goodput" not in argv
    assert "secret-key" not in " ".join(argv)  # the key travels in the environment
    assert vllm_bench_env(ENDPOINT)["OPENAI_API_KEY"] == "secret-key"


def test_command_passes_the_slo_as_goodput(tmp_path: Path) -> None:
    argv = vllm_bench_command(ENDPOINT, 8, 8, 4, 1, tmp_path / "r.json",
                              slo=SLO(ttft_ms=200, e2e_ms=1500.5))
    start = argv.index("--goodput")
    assert argv[start + 1:start + 3] == ["ttft:200", "e2el:1500.5"]


def test_command_refuses_bad_sizes(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="num_prompts"):
        vllm_bench_command(ENDPOINT, 8, 8, 0, 1, tmp_path / "r.json")


def test_read_maps_fields(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_text(json.dumps(SAMPLE))
    result = read_vllm_bench(path, slo=SLO(ttft_ms=150))
    assert (result.concurrency, result.num_requests, result.num_errors) == (3, 12, 2)
    assert (result.duration_s, result.total_output_tokens) == (2.0, 80)
    assert (result.request_throughput_rps, result.output_tokens_per_s) == (5.0, 40.0)
    assert (result.goodput_rps, result.slo_ttft_ms) == (4.0, 150)
    assert (result.mean_ttft_ms, result.p50_ttft_ms, result.p99_ttft_ms) == (100, 101, 109)
    assert (result.mean_e2e_ms, result.p95_e2e_ms) == (200, 205)  # from *_e2el_ms
    assert (result.p95_tpot_ms, result.p95_itl_ms) == (15, 16)


def test_read_fills_gaps(tmp_path: Path) -> None:
    """Default percentiles (99 only): p50 from the median, p95 NaN, goodput = throughput."""
    data = {k: v for k, v in SAMPLE.items() if not k.startswith(("p50_", "p95_"))}
    data["request_goodput"] = None
    path = tmp_path / "r.json"
    path.write_text(json.dumps(data))
    result = read_vllm_bench(path)
    assert result.p50_ttft_ms == 101 and math.isnan(result.p95_ttft_ms)
    assert result.goodput_rps == 5.0
    path.write_text(json.dumps({"hello": 1}))
    with pytest.raises(ValueError, match="vllm bench serve"):
        read_vllm_bench(path)
