"""Driving an endpoint with concurrent streaming requests (framework step 5).

:func:`run_load` sends a list of :class:`RequestSpec` to an OpenAI-compatible endpoint as
streaming chat completions, at most ``concurrency`` at a time (a closed loop: a new request
starts when one finishes), and records for each request when it was sent, when its first
token arrived (TTFT), the gaps between later tokens (ITL), when it finished, and the token
counts the server reports in its final usage chunk. Failed requests become records with
error text instead of exceptions, so one HTTP 500 does not lose a whole run.

Each stream is timed by :class:`genai_design.timing.StreamClock`, the one definition of
TTFT and ITL the course uses (the first chunk that carries text; see that module).

Two limits bound a run: the number of requests, and a wall-clock ``timeout_s`` after which
requests still in flight are cancelled (and marked so) and those not yet sent are dropped.
Left out on purpose: open-loop arrival rates, retries (the client's own retries are turned
off, so an error is seen as an error), and tokenising prompts locally.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from genai_design.loadtest.workloads import RequestSpec
from genai_design.progress import progress as progress_bar
from genai_design.serving import Endpoint
from genai_design.timing import StreamClock


@dataclass(frozen=True)
class RequestRecord:
    """What happened to one request of a load test."""

    index: int  # position of the request in the workload
    send_time_s: float  # when it was sent, in seconds after the run started
    ttft_ms: float | None  # time to first content token; None when no token arrived
    itl_ms: tuple[float, ...]  # gaps between successive content chunks after the first
    e2e_ms: float  # send to the last token (or to the error or cancellation)
    prompt_tokens: int | None  # from the usage chunk; None when the server sent none
    output_tokens: int  # from the usage chunk, else the number of content chunks received
    error: str | None = None  # exception type and message when the request failed
    cancelled: bool = False  # True when the wall-clock limit stopped it in flight

    @property
    def ok(self) -> bool:
        """True when the request completed without error or cancellation."""
        return self.error is None and not self.cancelled

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


async def _stream_one(client: Any, model: str, spec: RequestSpec, index: int,
                      run_start: float) -> RequestRecord:
    """Send one streaming request and time its chunks; errors become the record's text."""
    clock = StreamClock()
    error: str | None = None
    try:
        stream = await client.chat.completions.create(
            model=model, messages=list(spec.messages), max_tokens=spec.max_tokens,
            stream=True, stream_options={"include_usage": True},
            # vLLM's extension; left out when False, as strict servers refuse unknown fields
            extra_body={"ignore_eos": True} if spec.ignore_eos else None,
        )
        async for chunk in stream:
            clock.observe(chunk)
    except Exception as failure:
        error = f"{type(failure).__name__}: {failure}"
    # A completed request ends with its last token (the usage chunk and [DONE] carry none);
    # a failed one when the failure surfaced.
    timing = clock.result(ended=time.perf_counter() if error or not clock.arrivals else None)
    return RequestRecord(
        index=index, send_time_s=clock.sent - run_start, ttft_ms=timing.ttft_ms,
        itl_ms=timing.itl_ms, e2e_ms=timing.e2e_ms, prompt_tokens=timing.prompt_tokens,
        output_tokens=timing.completion_tokens, error=error,
    )


def _check_args(requests: Sequence[RequestSpec], concurrency: int, timeout_s: float) -> None:
    if concurrency < 1:
        raise ValueError(f"concurrency must be a positive integer, got {concurrency}")
    if timeout_s <= 0:
        raise ValueError(f"timeout_s must be a positive number of seconds, got {timeout_s}")
    if not requests:
        raise ValueError("requests is empty: pass at least one RequestSpec")
    for spec in requests:
        if not isinstance(spec, RequestSpec):
            raise ValueError(f"requests must hold RequestSpec objects, got {type(spec).__name__}")


async def run_load_async(endpoint: Endpoint, requests: Sequence[RequestSpec], concurrency: int,
                         *, timeout_s: float = 600.0, progress: bool = True) -> list[RequestRecord]:
    """Send ``requests`` with at most ``concurrency`` in flight; one record per sent request.

    Records come back in workload order. Requests not sent before ``timeout_s`` have no
    record; requests in flight at that moment get one with ``cancelled=True``.
    """
    _check_args(requests, concurrency, timeout_s)
    # The client's own retries would hide server errors and distort latencies.
    client = endpoint.async_client(timeout_s=timeout_s).with_options(max_retries=0)
    # The openai package imports its chat resources on first use (~0.5 s on a laptop CPU);
    # pay that before the clock starts, not inside the first request's TTFT.
    _ = client.chat.completions
    gate = asyncio.Semaphore(concurrency)
    run_start = time.perf_counter()
    deadline = run_start + timeout_s
    records: list[RequestRecord | None] = [None] * len(requests)
    in_flight: dict[int, float] = {}  # index -> perf_counter at send
    bar = progress_bar(total=len(requests), unit="req", desc=f"concurrency {concurrency}",
                       show=progress)

    async def one(index: int, spec: RequestSpec) -> None:
        async with gate:
            if time.perf_counter() >= deadline:
                return
            in_flight[index] = time.perf_counter()
            records[index] = await _stream_one(client, endpoint.model, spec, index, run_start)
            del in_flight[index]
            bar.update(1)

    tasks = [asyncio.create_task(one(i, spec)) for i, spec in enumerate(requests)]
    try:
        done, pending = await asyncio.wait(tasks, timeout=timeout_s)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        for task in done:
            task.result()  # re-raise a bug in this module instead of losing it
        stopped = time.perf_counter()
        for index, sent in in_flight.items():
            records[index] = RequestRecord(
                index=index, send_time_s=sent - run_start, ttft_ms=None, itl_ms=(),
                e2e_ms=(stopped - sent) * 1000.0, prompt_tokens=None, output_tokens=0,
                error=f"cancelled at the wall-clock limit of {timeout_s:g} s", cancelled=True,
            )
    finally:
        bar.close()
        await client.close()
    return [record for record in records if record is not None]


def run_load(endpoint: Endpoint, requests: Sequence[RequestSpec], concurrency: int,
             *, timeout_s: float = 600.0, progress: bool = True) -> list[RequestRecord]:
    """Synchronous :func:`run_load_async`; also works where an event loop already runs.

    Jupyter runs its own event loop, on which ``asyncio.run`` refuses to start; there the
    coroutine runs on a fresh loop in a worker thread and this call waits for it.
    """
    coroutine = run_load_async(endpoint, requests, concurrency, timeout_s=timeout_s,
                               progress=progress)
    try:
        asyncio.get_running_loop()
    except RuntimeError:  # no loop in this thread: the plain way
        return asyncio.run(coroutine)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
