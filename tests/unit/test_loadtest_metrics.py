"""Tests of genai_design.loadtest.metrics on hand-written Prometheus text, and of MetricsWatch
against a tiny local HTTP server whose gauges change with every scrape."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from genai_design.loadtest import (MetricsWatch, kv_cache_usage, parse_prometheus,
                                   prefix_cache_hit_rate)
from genai_design.serving import Endpoint, free_port

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


class _Gauges(BaseHTTPRequestHandler):
    """GET /metrics: scrape n reports n running, 2n waiting and n/100 of the KV cache in use;
    scrape 3 answers 500. The scrape count and the headers seen live on the server."""

    def do_GET(self) -> None:  # http.server calls this for each GET
        server = self.server
        with server.lock:  # type: ignore[attr-defined]
            server.scrapes += 1  # type: ignore[attr-defined]
            n = server.scrapes  # type: ignore[attr-defined]
            server.auth.append(self.headers.get("Authorization"))  # type: ignore[attr-defined]
        if self.path != "/metrics" or n == 3:
            self.send_response(500 if n == 3 else 404)
            self.end_headers()
            return
        body = (f"# TYPE vllm:num_requests_running gauge\n"
                f'vllm:num_requests_running{{model_name="m"}} {n}\n'
                f'vllm:num_requests_waiting{{model_name="m"}} {2 * n}\n'
                f'vllm:kv_cache_usage_perc{{engine="0",model_name="m"}} {n / 100}\n').encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def gauges() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Gauges)
    server.lock, server.scrapes, server.auth = threading.Lock(), 0, []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def _endpoint(port: int) -> Endpoint:
    return Endpoint(base_url=f"http://127.0.0.1:{port}/v1", api_key="k", model="m",
                    profile="external")


def test_watch_samples_changing_gauges_until_the_block_ends(gauges) -> None:
    with MetricsWatch(_endpoint(gauges.server_address[1]), interval_s=0.05) as watch:
        deadline = time.monotonic() + 10
        while len(watch.samples) < 5 and time.monotonic() < deadline:
            time.sleep(0.02)
    assert not watch._thread.is_alive()  # the thread ended with the block
    scrapes = gauges.scrapes
    time.sleep(0.2)
    assert gauges.scrapes == scrapes  # and nothing scrapes after it
    assert set(gauges.auth) == {"Bearer k"}  # metrics_url without /v1, with the key

    assert watch.failed_scrapes == 1 and "500" in watch.last_error  # scrape 3, counted
    times, running = watch.series("vllm:num_requests_running")
    assert len(times) == scrapes - 1 >= 5
    assert running == [n for n in range(1, scrapes + 1) if n != 3]
    assert times == sorted(times) and times[0] < 0.05  # first scrape on entry
    assert times[-1] - times[0] >= 0.05 * (scrapes - 2)  # paced by interval_s, not a busy loop
    assert watch.series("vllm:num_requests_waiting") == (times, [2 * v for v in running])
    kv_times, kv = watch.series("kv_cache_usage")
    assert kv_times == times and kv == pytest.approx([v / 100 for v in running])


def test_watch_without_a_server_counts_failures_and_never_raises() -> None:
    with MetricsWatch(_endpoint(free_port()), interval_s=0.02, timeout_s=1.0) as watch:
        deadline = time.monotonic() + 10
        while watch.failed_scrapes < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
    assert watch.failed_scrapes >= 3 and watch.samples == []
    assert "refused" in watch.last_error.lower()
    assert watch.series("vllm:num_requests_running") == ([], [])  # nothing to plot, no error


def test_watch_names_a_metric_no_sample_has_and_refuses_bad_settings(gauges) -> None:
    with MetricsWatch(_endpoint(gauges.server_address[1]), interval_s=0.05) as watch:
        deadline = time.monotonic() + 10
        while not watch.samples and time.monotonic() < deadline:
            time.sleep(0.02)
    with pytest.raises(ValueError, match="no sample has 'vllm:num_requests_runing'"):
        watch.series("vllm:num_requests_runing")
    with pytest.raises(RuntimeError, match="already run"):
        watch.__enter__()
    with pytest.raises(ValueError, match="must be positive"):
        MetricsWatch(_endpoint(1), interval_s=0)
