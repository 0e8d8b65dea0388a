"""Tests of genai_design.loadtest.runner/arrivals/sweep/metrics.scrape against a fake server.

The fake is a small aiohttp app on 127.0.0.1 that speaks just enough of the OpenAI chat
streaming protocol: a role chunk at once, the first content token after
``first_token_delay_s``, one token every ``token_delay_s`` after that, a usage chunk when
``stream_options.include_usage`` is set, then ``data: [DONE]``. A request whose last message
contains "FAIL" gets HTTP 500. It counts requests in flight and serves fixed text at /metrics.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web

import numpy as np

from genai_design.loadtest import (
    RequestSpec,
    fixed_prompts,
    parse_prometheus,
    plot_sweep,
    poisson_arrival_times,
    run_load,
    run_open_loop,
    scrape,
    summarise,
    sweep,
)
from genai_design.serving import Endpoint

METRICS_TEXT = """# HELP vllm:num_requests_running Requests being decoded (hand-written sample).
# TYPE vllm:num_requests_running gauge
vllm:num_requests_running{engine="0",model_name="fake"} 3.0
# TYPE vllm:prefix_cache_hits counter
vllm:prefix_cache_hits_total{engine="0",model_name="fake"} 96.0
"""


@dataclass
class FakeServer:
    """Settings and observations of the fake; tests change the settings between runs."""

    first_token_delay_s: float = 0.0
    token_delay_s: float = 0.0
    send_usage: bool = True
    in_flight: int = 0
    max_in_flight: int = 0
    bodies: list[dict[str, Any]] = field(default_factory=list)
    port: int = 0

    def reset(self, first_token_delay_s: float = 0.0, token_delay_s: float = 0.0,
              send_usage: bool = True) -> None:
        self.first_token_delay_s, self.token_delay_s = first_token_delay_s, token_delay_s
        self.send_usage = send_usage
        self.in_flight = self.max_in_flight = 0
        self.bodies = []

    def endpoint(self) -> Endpoint:
        return Endpoint(f"http://127.0.0.1:{self.port}/v1", "test-key", "fake", "external")

    @staticmethod
    def text(message: dict[str, Any]) -> str:
        """A message's text; content may be a string or a list of {"type": "text"} parts."""
        content = message["content"]
        return content if isinstance(content, str) else " ".join(p["text"] for p in content)

    def prompt_tokens(self, body: dict[str, Any]) -> int:
        """The fake's 'tokeniser': whitespace-separated words over all messages."""
        return sum(len(self.text(m).split()) for m in body["messages"])

    async def chat(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        self.bodies.append(body)
        if "FAIL" in self.text(body["messages"][-1]):
            return web.json_response({"error": {"message": "boom"}}, status=500)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
            await response.prepare(request)
            n_tokens = body.get("max_completion_tokens") or body["max_tokens"]

            async def send(delta: dict[str, Any], usage: dict[str, int] | None = None,
                           finish: str | None = None) -> None:
                chunk = {"id": "fake-1", "object": "chat.completion.chunk", "created": 0,
                         "model": "fake", "usage": usage,
                         "choices": [] if usage else [
                             {"index": 0, "delta": delta, "finish_reason": finish}]}
                await response.write(f"data: {json.dumps(chunk)}\n\n".encode())

            await send({"role": "assistant", "content": ""})
            await asyncio.sleep(self.first_token_delay_s)
            for i in range(n_tokens):
                if i:
                    await asyncio.sleep(self.token_delay_s)
                await send({"content": f"t{i} "}, finish="length" if i == n_tokens - 1 else None)
            if self.send_usage and (body.get("stream_options") or {}).get("include_usage"):
                prompt = self.prompt_tokens(body)
                await send({}, usage={"prompt_tokens": prompt, "completion_tokens": n_tokens,
                                      "total_tokens": prompt + n_tokens})
            await response.write(b"data: [DONE]\n\n")
            await response.write_eof()
            return response
        finally:
            self.in_flight -= 1

    async def metrics(self, request: web.Request) -> web.Response:
        return web.Response(text=METRICS_TEXT, content_type="text/plain")


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeServer]:
    server = FakeServer()
    loop = asyncio.new_event_loop()
    app = web.Application()
    app.router.add_post("/v1/chat/completions", server.chat)
    app.router.add_get("/metrics", server.metrics)
    runner = web.AppRunner(app)
    loop.run_until_complete(runner.setup())
    site = web.TCPSite(runner, "127.0.0.1", 0)
    loop.run_until_complete(site.start())
    server.port = runner.addresses[0][1]
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    yield server
    asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(timeout=10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(timeout=10)


def test_ttft_itl_and_tokens_match_the_fake(fake: FakeServer) -> None:
    fake.reset(first_token_delay_s=0.15, token_delay_s=0.04)
    specs = fixed_prompts(4, max_tokens=6, prompt="one two three four five")
    records = run_load(fake.endpoint(), specs, concurrency=4, timeout_s=30, progress=False)
    assert [r.index for r in records] == [0, 1, 2, 3]
    for record in records:
        assert record.ok, record.error
        assert 150 <= record.ttft_ms < 150 + 80  # the role chunk at t=0 must not count
        assert len(record.itl_ms) == 5
        # one late chunk makes the next gap short, so single gaps scatter around 40 ms
        assert all(40 - 15 <= gap < 40 + 40 for gap in record.itl_ms), record.itl_ms
        assert 40 - 2 <= sum(record.itl_ms) / 5 < 40 + 20
        assert record.output_tokens == 6  # from the usage chunk
        assert record.prompt_tokens == 5
        # e2e = first-token delay + 5 gaps (+ overhead)
        # e2e ends at the last token: ttft + the gaps, to rounding
        assert record.e2e_ms == pytest.approx(record.ttft_ms + sum(record.itl_ms), abs=0.01)
        assert 150 + 5 * 40 <= record.e2e_ms < 150 + 5 * 40 + 150
    body = fake.bodies[0]
    assert body["ignore_eos"] is True and body["stream_options"] == {"include_usage": True}
    assert body["max_tokens"] == 6 and body["stream"] is True and body["model"] == "fake"
    result = summarise(records, concurrency=4)
    assert result.total_output_tokens == 24
    assert result.p50_ttft_ms == pytest.approx(150, abs=80)
    assert result.mean_itl_ms == pytest.approx(40, abs=25)
    # TPOT of a request = (e2e - ttft) / 5, which here is about one gap
    assert result.mean_tpot_ms == pytest.approx(40, abs=25)


def test_without_usage_chunk_output_tokens_are_counted_from_chunks(fake: FakeServer) -> None:
    fake.reset(send_usage=False)
    records = run_load(fake.endpoint(), fixed_prompts(2, max_tokens=3, ignore_eos=False), 2,
                       timeout_s=30, progress=False)
    assert [(r.prompt_tokens, r.output_tokens) for r in records] == [(None, 3), (None, 3)]
    assert "ignore_eos" not in fake.bodies[0]  # not sent at all when False


@pytest.mark.parametrize("concurrency", [1, 3])
def test_concurrency_limit_is_respected(fake: FakeServer, concurrency: int) -> None:
    fake.reset(first_token_delay_s=0.02, token_delay_s=0.01)
    records = run_load(fake.endpoint(), fixed_prompts(4 * concurrency, max_tokens=4),
                       concurrency, timeout_s=30, progress=False)
    assert len(records) == 4 * concurrency and all(r.ok for r in records)
    assert fake.max_in_flight == concurrency


def test_server_errors_are_recorded_not_raised(fake: FakeServer) -> None:
    fake.reset()
    specs = [RequestSpec(({"role": "user", "content": "FAIL" if i in (1, 3) else "hi"},), 2)
             for i in range(5)]
    records = run_load(fake.endpoint(), specs, concurrency=2, timeout_s=30, progress=False)
    assert [r.ok for r in records] == [True, False, True, False, True]
    assert "500" in (records[1].error or "")
    assert len(fake.bodies) == 5  # the client's retries are off: one attempt per request
    result = summarise(records, concurrency=2)
    assert (result.num_requests, result.num_errors) == (5, 2)
    assert result.total_output_tokens == 3 * 2
    assert result.request_throughput_rps == pytest.approx(3 / result.duration_s)


def test_wall_clock_limit_stops_the_run(fake: FakeServer) -> None:
    fake.reset(first_token_delay_s=0.05, token_delay_s=0.1)  # ~0.55 s per request
    started = time.perf_counter()
    records = run_load(fake.endpoint(), fixed_prompts(20, max_tokens=6), concurrency=2,
                       timeout_s=0.8, progress=False)
    elapsed = time.perf_counter() - started
    assert elapsed < 2.0  # 20 requests two at a time would take ~5.5 s
    # two finished in the first ~0.55 s, the next two were in flight at 0.8 s
    assert [(r.index, r.ok, r.cancelled) for r in records] == [
        (0, True, False), (1, True, False), (2, False, True), (3, False, True)]
    result = summarise(records, concurrency=2)
    assert (result.num_requests, result.num_errors, result.num_cancelled) == (2, 0, 2)


def test_run_load_works_inside_a_running_event_loop(fake: FakeServer) -> None:
    """Jupyter's situation: asyncio.run would refuse, run_load must not."""
    fake.reset()

    async def notebook_cell() -> list[Any]:
        return run_load(fake.endpoint(), fixed_prompts(2, max_tokens=2), 2, timeout_s=30,
                        progress=False)

    records = asyncio.run(notebook_cell())
    assert [r.output_tokens for r in records] == [2, 2]


def test_sweep_and_plot(fake: FakeServer) -> None:
    fake.reset(token_delay_s=0.01)
    results = sweep(fake.endpoint(), lambda c: fixed_prompts(2 * c, max_tokens=3), [1, 2],
                    timeout_s=30, progress=False)
    assert [(r.concurrency, r.num_requests, r.total_output_tokens) for r in results] == [
        (1, 2, 6), (2, 4, 12)]
    import matplotlib

    matplotlib.use("Agg")
    fig = plot_sweep(results)
    left, right = fig.axes
    assert "tokens/s" in left.get_ylabel() and "(ms)" in right.get_ylabel()
    assert list(right.lines[0].get_ydata()) == [r.p95_ttft_ms for r in results]


def test_scrape_reads_the_metrics_page(fake: FakeServer) -> None:
    snapshot = scrape(fake.endpoint())
    assert snapshot == parse_prometheus(METRICS_TEXT)
    assert snapshot["vllm:num_requests_running"] == 3.0


def test_bad_arguments_are_refused(fake: FakeServer) -> None:
    with pytest.raises(ValueError, match="concurrency"):
        run_load(fake.endpoint(), fixed_prompts(1), 0, timeout_s=5, progress=False)
    with pytest.raises(ValueError, match="empty"):
        run_load(fake.endpoint(), [], 1, timeout_s=5, progress=False)


# Open loop. Wall-clock bounds are loose (a shared CI machine can stall for a while); each
# test is built so that a closed loop, or latencies timed from the send, would miss by far.


def test_open_loop_sends_each_request_at_its_arrival_time(fake: FakeServer) -> None:
    fake.reset()
    arrivals = [0.0, 0.4, 0.8, 1.2]
    records = run_open_loop(fake.endpoint(), fixed_prompts(4, max_tokens=2), arrivals,
                            timeout_s=30, progress=False)
    assert [r.index for r in records] == [0, 1, 2, 3] and all(r.ok for r in records)
    assert [r.scheduled_s for r in records] == pytest.approx(arrivals, abs=1e-9)
    lags = [r.send_time_s - r.scheduled_s for r in records]  # type: ignore[operator]
    # never early; late by far less than the 0.4 s between arrivals
    assert all(-0.01 <= lag < 0.25 for lag in lags), lags


def test_open_loop_does_not_hold_requests_back_behind_slow_ones(fake: FakeServer) -> None:
    fake.reset(first_token_delay_s=1.0)  # each request takes over a second
    arrivals = [0.1 * i for i in range(6)]  # all six due within half a second
    records = run_open_loop(fake.endpoint(), fixed_prompts(6, max_tokens=1), arrivals,
                            timeout_s=30, progress=False)
    assert all(r.ok for r in records)
    assert fake.max_in_flight == 6  # no default cap: all six overlapped at the server
    lags = [r.send_time_s - r.scheduled_s for r in records]  # type: ignore[operator]
    assert max(lags) < 0.4, lags  # the sixth went out near 0.5 s, not after the first finished
    assert all(r.ttft_ms is not None and r.ttft_ms >= 1000 - 5 for r in records)


def test_open_loop_latency_counts_from_the_scheduled_arrival(fake: FakeServer) -> None:
    fake.reset(first_token_delay_s=0.3)
    # three users arrive together; a cap of one makes the later ones queue in the client
    records = run_open_loop(fake.endpoint(), fixed_prompts(3, max_tokens=1), [0.0, 0.0, 0.0],
                            max_in_flight=1, timeout_s=30, progress=False)
    assert fake.max_in_flight == 1 and all(r.ok for r in records)
    for k, record in enumerate(sorted(records, key=lambda r: r.send_time_s)):
        assert record.scheduled_s == 0.0
        assert record.send_time_s >= 0.3 * k - 0.01  # waited for k requests of >= 0.3 s each
        assert record.ttft_ms is not None
        # queueing plus the server's 0.3 s: timed from the send it would be ~300 ms for all
        assert record.ttft_ms >= 300 * (k + 1) - 10
        assert record.ttft_ms >= record.send_time_s * 1000 + 300 - 5
        assert record.e2e_ms >= record.ttft_ms


def test_open_loop_with_poisson_arrivals_summarises_as_open(fake: FakeServer) -> None:
    fake.reset(token_delay_s=0.01)
    times = poisson_arrival_times(8, rate_rps=20.0, seed=1)
    records = run_open_loop(fake.endpoint(), fixed_prompts(8, max_tokens=3), times,
                            timeout_s=30, progress=False)
    assert [r.scheduled_s for r in records] == pytest.approx(times, abs=1e-9)
    result = summarise(records, rate_rps=20.0)
    assert (result.mode, result.offered_rate_rps, result.concurrency) == ("open", 20.0, None)
    assert result.load == "open loop, 20 req/s"
    assert (result.num_requests, result.total_output_tokens) == (8, 24)
    assert result.p50_ttft_ms <= result.p95_ttft_ms <= result.p99_ttft_ms
    assert result.p95_e2e_ms <= result.p99_e2e_ms < 5000
    with pytest.raises(ValueError, match="open-loop"):
        summarise(records, concurrency=8)  # the mode is not up to the caller
    with pytest.raises(ValueError, match="closed-loop"):
        plot_sweep([result])


def test_open_loop_wall_clock_limit(fake: FakeServer) -> None:
    fake.reset(first_token_delay_s=0.05, token_delay_s=0.1)  # ~0.55 s per request
    records = run_open_loop(fake.endpoint(), fixed_prompts(4, max_tokens=6),
                            [0.0, 0.0, 0.0, 5.0], max_in_flight=1, timeout_s=0.8,
                            progress=False)
    # 0 finished; 1 was in flight and 2 still queued at 0.8 s; 3 was not due yet
    assert [(r.index, r.ok, r.cancelled) for r in records] == [
        (0, True, False), (1, False, True), (2, False, True)]
    assert "waiting to be sent" in (records[2].error or "")
    assert records[2].e2e_ms >= 800 - 10  # its user waited from 0 s to the limit


def test_poisson_arrival_times() -> None:
    times = poisson_arrival_times(20_000, rate_rps=5.0, seed=3)
    assert len(times) == 20_000 and list(times) == sorted(times) and times[0] > 0
    assert times == poisson_arrival_times(20_000, rate_rps=5.0, seed=3)
    assert times[:5] != poisson_arrival_times(20_000, rate_rps=5.0, seed=4)[:5]
    gaps = np.diff(times)
    assert gaps.mean() == pytest.approx(1 / 5.0, rel=0.03)
    # exponential gaps: standard deviation equals the mean (evenly spaced times would give 0)
    assert gaps.std() / gaps.mean() == pytest.approx(1.0, abs=0.05)
    # one arrival expected per window: often the first window is empty and more are drawn
    firsts = [poisson_arrival_times(1, rate_rps=1.0, seed=s)[0] for s in range(20)]
    assert any(t > 1.0 for t in firsts) and all(t > 0 for t in firsts)


def test_bad_open_loop_arguments_are_refused(fake: FakeServer) -> None:
    fake.reset()
    endpoint, specs = fake.endpoint(), fixed_prompts(3)
    for times, message in [([0.0, 1.0], "one time per request"), ([0.0, 2.0, 1.0], "sorted"),
                           ([-1.0, 0.0, 1.0], ">= 0"), ([0.0, float("nan"), 1.0], "finite")]:
        with pytest.raises(ValueError, match=message):
            run_open_loop(endpoint, specs, times, timeout_s=5, progress=False)
    with pytest.raises(ValueError, match="max_in_flight"):
        run_open_loop(endpoint, specs, [0.0, 0.0, 0.0], max_in_flight=0, progress=False)
    with pytest.raises(ValueError, match="empty"):
        run_open_loop(endpoint, [], [], progress=False)
    assert fake.bodies == []  # refused before anything was sent
    for rate in (-1.0, 0.0, float("inf"), float("nan")):
        with pytest.raises(ValueError, match="rate_rps"):
            poisson_arrival_times(3, rate_rps=rate)
    with pytest.raises(ValueError, match="n must be a positive integer"):
        poisson_arrival_times(0, rate_rps=1.0)
