"""Driving an endpoint with streaming requests, closed or open loop (framework step 5).

Two ways to send a list of :class:`RequestSpec` to an OpenAI-compatible endpoint as
streaming chat completions:

- :func:`run_load`, a closed loop: at most ``concurrency`` requests in flight, a new one
  starts when one finishes. Easy to reason about, but it flatters the tail: when the server
  slows down, the loop slows its own arrivals with it.
- :func:`run_open_loop`, an open loop: each request is sent at its own scheduled arrival
  time (e.g. from :func:`~genai_design.loadtest.arrivals.poisson_arrival_times`), whether
  or not earlier ones have finished, as independent users would. Its TTFT and end-to-end
  latency count from the scheduled arrival, so time spent waiting in the client counts too.

Both record for each request when it was sent, when its first token arrived (TTFT), the
gaps between later tokens (ITL), when it finished, and the token counts the server reports
in its final usage chunk. Failed requests become records with error text instead of
exceptions, so one HTTP 500 does not lose a whole run. Each stream is timed by
:class:`genai_design.timing.StreamClock`, the one definition of TTFT and ITL the course uses.

Two limits bound a run: the number of requests, and a wall-clock ``timeout_s`` after which
requests still in flight are cancelled (and marked so) and those not yet due are dropped.
Left out on purpose: retries (the client's own retries are turned off, so an error is seen
as an error) and tokenising prompts locally.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import time
from collections.abc import Coroutine, Sequence
from dataclasses import asdict, dataclass
from typing import Any, TypeVar

from genai_design.loadtest.arrivals import check_arrival_times
from genai_design.loadtest.workloads import RequestSpec
from genai_design.progress import progress as progress_bar
from genai_design.serving import Endpoint
from genai_design.timing import StreamClock

_T = TypeVar("_T")


@dataclass(frozen=True)
class RequestRecord:
    """What happened to one request of a load test."""

    index: int  # position of the request in the workload
    send_time_s: float  # when it was sent, s after the run started (never sent: when it was due)
    ttft_ms: float | None  # time to first content token; None when no token arrived
    itl_ms: tuple[float, ...]  # gaps between successive content chunks after the first
    e2e_ms: float  # start (see origin_s) to the last token, or to the error or cancellation
    prompt_tokens: int | None  # from the usage chunk; None when the server sent none
    output_tokens: int  # from the usage chunk, else the number of content chunks received
    error: str | None = None  # exception type and message when the request failed
    cancelled: bool = False  # True when the wall-clock limit stopped it in flight or queued
    scheduled_s: float | None = None  # open loop: when it was due, s after the run started

    @property
    def ok(self) -> bool:
        """True when the request completed without error or cancellation."""
        return self.error is None and not self.cancelled

    @property
    def origin_s(self) -> float:
        """Where its TTFT and e2e count from: the scheduled arrival (open loop), else the send."""
        return self.send_time_s if self.scheduled_s is None else self.scheduled_s

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


async def _stream_one(client: Any, model: str, spec: RequestSpec, index: int,
                      run_start: float, due: float | None) -> RequestRecord:
    """Send one streaming request and time its chunks; errors become the record's text.

    Latencies count from ``due`` (perf_counter of the scheduled arrival) when given, else
    from the send.
    """
    sent = time.perf_counter()
    clock = StreamClock(sent=sent if due is None else due)
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
        index=index, send_time_s=sent - run_start, ttft_ms=timing.ttft_ms,
        itl_ms=timing.itl_ms, e2e_ms=timing.e2e_ms, prompt_tokens=timing.prompt_tokens,
        output_tokens=timing.completion_tokens, error=error,
        scheduled_s=None if due is None else due - run_start,
    )


def _check_args(requests: Sequence[RequestSpec], cap: int | None, cap_name: str,
                timeout_s: float) -> None:
    if cap is not None and cap < 1:
        raise ValueError(f"{cap_name} must be a positive integer, got {cap!r}")
    if not timeout_s > 0:
        raise ValueError(f"timeout_s must be a positive number of seconds, got {timeout_s}")
    if not requests:
        raise ValueError("requests is empty: pass at least one RequestSpec")
    for spec in requests:
        if not isinstance(spec, RequestSpec):
            raise ValueError(f"requests must hold RequestSpec objects, got {type(spec).__name__}")


async def _drive(endpoint: Endpoint, requests: Sequence[RequestSpec], cap: int | None,
                 arrivals_s: tuple[float, ...] | None, timeout_s: float, progress: bool,
                 desc: str) -> list[RequestRecord]:
    """The loop both modes share: ``arrivals_s`` None is a closed loop, else an open one."""
    # The client's own retries would hide server errors and distort latencies.
    client = endpoint.async_client(timeout_s=timeout_s).with_options(max_retries=0)
    # The openai package imports its chat resources on first use (~0.5 s on a laptop CPU);
    # pay that before the clock starts, not inside the first request's TTFT.
    _ = client.chat.completions
    gate: contextlib.AbstractAsyncContextManager[Any] = (
        asyncio.Semaphore(cap) if cap is not None else contextlib.nullcontext())
    run_start = time.perf_counter()
    deadline = run_start + timeout_s
    records: list[RequestRecord | None] = [None] * len(requests)
    due_at: dict[int, float] = {}  # open loop: index -> perf_counter when due, until finished
    in_flight: dict[int, float] = {}  # index -> perf_counter at send
    bar = progress_bar(total=len(requests), unit="req", desc=desc, show=progress)

    async def one(index: int, spec: RequestSpec) -> None:
        due = None
        if arrivals_s is not None:
            due = run_start + arrivals_s[index]
            if due >= deadline:
                return  # due after the limit: never arrives
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            due_at[index] = due  # arrived: from now on its user is waiting
        async with gate:
            if time.perf_counter() >= deadline:
                return
            in_flight[index] = time.perf_counter()
            records[index] = await _stream_one(client, endpoint.model, spec, index,
                                               run_start, due)
            del in_flight[index]
            due_at.pop(index, None)
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
        limit = f"cancelled at the wall-clock limit of {timeout_s:g} s"
        for index in sorted(set(in_flight) | set(due_at)):
            if records[index] is not None:
                continue
            due = due_at.get(index)
            # not in flight: never sent, still queued (open loop only, so due is set)
            sent = in_flight[index] if index in in_flight else due_at[index]
            origin = sent if due is None else due
            records[index] = RequestRecord(
                index=index, send_time_s=sent - run_start, ttft_ms=None, itl_ms=(),
                e2e_ms=(stopped - origin) * 1000.0, prompt_tokens=None, output_tokens=0,
                error=limit if index in in_flight else f"{limit}, still waiting to be sent",
                cancelled=True, scheduled_s=None if due is None else due - run_start,
            )
    finally:
        bar.close()
        await client.close()
    return [record for record in records if record is not None]


async def run_load_async(endpoint: Endpoint, requests: Sequence[RequestSpec], concurrency: int,
                         *, timeout_s: float = 600.0, progress: bool = True) -> list[RequestRecord]:
    """Send ``requests`` with at most ``concurrency`` in flight; one record per sent request.

    Records come back in workload order. Requests not sent before ``timeout_s`` have no
    record; requests in flight at that moment get one with ``cancelled=True``.
    """
    _check_args(requests, concurrency, "concurrency", timeout_s)
    return await _drive(endpoint, requests, concurrency, None, timeout_s, progress,
                        f"concurrency {concurrency}")


async def run_open_loop_async(endpoint: Endpoint, requests: Sequence[RequestSpec],
                              arrival_times_s: Sequence[float], *,
                              max_in_flight: int | None = None, timeout_s: float = 600.0,
                              progress: bool = True) -> list[RequestRecord]:
    """Send request ``i`` at ``arrival_times_s[i]`` seconds after the start, whatever else runs.

    ``arrival_times_s`` holds one sorted time per request, e.g. from
    :func:`~genai_design.loadtest.arrivals.poisson_arrival_times`. Each record keeps its
    scheduled time (``scheduled_s``) next to when it was actually sent (``send_time_s``);
    TTFT and e2e count from the scheduled time, because that is when its user started
    waiting: a request the client could not send on time (a busy event loop, the HTTP
    client's pool of 1000 connections, or ``max_in_flight``) is that much slower.

    ``max_in_flight`` (default: no cap) holds requests beyond that many in flight in a queue
    until one finishes; their queueing counts in their latency. Records come back in
    workload order. Requests not yet due at ``timeout_s`` have no record; those in flight
    or queued at that moment get one with ``cancelled=True``.
    """
    _check_args(requests, max_in_flight, "max_in_flight", timeout_s)
    times = check_arrival_times(arrival_times_s, len(requests))
    desc = "open loop" + (f", at most {max_in_flight} in flight" if max_in_flight else "")
    return await _drive(endpoint, requests, max_in_flight, times, timeout_s, progress, desc)


def _run_sync(coroutine: Coroutine[Any, Any, _T]) -> _T:
    """Run ``coroutine`` to the end, also where an event loop already runs (Jupyter).

    Jupyter runs its own event loop, on which ``asyncio.run`` refuses to start; there the
    coroutine runs on a fresh loop in a worker thread and this call waits for it.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:  # no loop in this thread: the plain way
        return asyncio.run(coroutine)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def run_load(endpoint: Endpoint, requests: Sequence[RequestSpec], concurrency: int,
             *, timeout_s: float = 600.0, progress: bool = True) -> list[RequestRecord]:
    """Synchronous :func:`run_load_async` (closed loop); also works inside Jupyter's loop."""
    return _run_sync(run_load_async(endpoint, requests, concurrency, timeout_s=timeout_s,
                                    progress=progress))


def run_open_loop(endpoint: Endpoint, requests: Sequence[RequestSpec],
                  arrival_times_s: Sequence[float], *, max_in_flight: int | None = None,
                  timeout_s: float = 600.0, progress: bool = True) -> list[RequestRecord]:
    """Synchronous :func:`run_open_loop_async`; also works inside Jupyter's loop.

    Typical use, Poisson arrivals at 2 requests/s::

        times = poisson_arrival_times(len(specs), rate_rps=2.0, seed=0)
        result = summarise(run_open_loop(endpoint, specs, times), rate_rps=2.0)
    """
    return _run_sync(run_open_loop_async(endpoint, requests, arrival_times_s,
                                         max_in_flight=max_in_flight, timeout_s=timeout_s,
                                         progress=progress))
