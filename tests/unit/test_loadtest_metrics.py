"""Tests of genai_design.loadtest.metrics on hand-written Prometheus text."""

from __future__ import annotations

import math

import pytest

from genai_design.loadtest import kv_cache_usage, parse_prometheus, prefix_cache_hit_rate

BEFORE = """# HELP vllm:prefix_cache_queries Prompt tokens looked up (hand-written sample).
# TYPE vllm:prefix_cache_queries counter
vllm:prefix_cache_queries_total{engine="0",model_name="m"} 1000.0
vllm:prefix_cache_queries_created{engine="0",model_name="m"} 1.7e9
# TYPE vllm:prefix_cache_hits counter
vllm:prefix_cache_hits_total{engine="0",model_name="m"} 200.0
# TYPE vllm:kv_cache_usage_perc gauge
vllm:kv_cache_usage_perc{engine="0",model_name="m"} 0.0
# TYPE vllm:e2e_request_latency_seconds histogram
vllm:e2e_request_latency_seconds_bucket{le="0.5",model_name="m"} 3.0
vllm:e2e_request_latency_seconds_bucket{le="+Inf",model_name="m"} 4.0
vllm:e2e_request_latency_seconds_sum{model_name="m"} 2.5
vllm:e2e_request_latency_seconds_count{model_name="m"} 4.0
vllm:request_success_total{finished_reason="length",model_name="m"} 3.0
vllm:request_success_total{finished_reason="stop",model_name="m"} 1.0 1700000000000
odd_label{path="a }b",x="1"} NaN

"""

AFTER = BEFORE.replace("} 1000.0", "} 1800.0").replace("} 200.0", "} 800.0").replace(
    "kv_cache_usage_perc{engine=\"0\",model_name=\"m\"} 0.0",
    "kv_cache_usage_perc{engine=\"0\",model_name=\"m\"} 0.25")


def test_parse_sums_label_sets_and_skips_comments_and_buckets() -> None:
    parsed = parse_prometheus(BEFORE)
    assert parsed["vllm:prefix_cache_queries_total"] == 1000.0
    assert parsed["vllm:request_success_total"] == 4.0  # 3 + 1, timestamp ignored
    assert parsed["vllm:e2e_request_latency_seconds_count"] == 4.0
    assert parsed["vllm:e2e_request_latency_seconds_sum"] == 2.5
    assert not any(name.endswith("_bucket") for name in parsed)
    assert math.isnan(parsed["odd_label"])  # braces and spaces inside a quoted label value
    assert len(parsed) == 8


def test_malformed_line_is_reported() -> None:
    with pytest.raises(ValueError, match="line 2"):
        parse_prometheus("ok 1\nthis is not a sample\n")
    with pytest.raises(ValueError, match="not a number"):
        parse_prometheus("ok one\n")


def test_prefix_cache_hit_rate_from_deltas() -> None:
    # (800 - 200) hits over (1800 - 1000) queried tokens
    assert prefix_cache_hit_rate(parse_prometheus(BEFORE), parse_prometheus(AFTER)) == 0.75


def test_hit_rate_accepts_counter_names_without_total() -> None:
    before = {"vllm:prefix_cache_queries": 10.0, "vllm:prefix_cache_hits": 0.0}
    after = {"vllm:prefix_cache_queries": 50.0, "vllm:prefix_cache_hits": 30.0}
    assert prefix_cache_hit_rate(before, after) == pytest.approx(30 / 40)


def test_hit_rate_without_traffic_is_none_and_errors_are_clear() -> None:
    snapshot = parse_prometheus(BEFORE)
    assert prefix_cache_hit_rate(snapshot, snapshot) is None
    with pytest.raises(ValueError, match="went down"):
        prefix_cache_hit_rate(parse_prometheus(AFTER), snapshot)
    with pytest.raises(ValueError, match="prefix_cache_queries_total"):
        prefix_cache_hit_rate({}, {})


def test_kv_cache_usage() -> None:
    assert kv_cache_usage(parse_prometheus(AFTER)) == 0.25
    assert kv_cache_usage({"vllm:gpu_cache_usage_perc": 0.5}) == 0.5  # older vLLM name
    with pytest.raises(ValueError, match="kv_cache_usage_perc"):
        kv_cache_usage({})
