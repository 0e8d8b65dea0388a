"""Clocks for the course's measurements: a streamed answer's time to first token and the gaps
between its tokens, and the CPU seconds a process tree used (framework step 5).

:class:`StreamClock` watches the chunks of one streaming chat completion as they arrive; the
load-test runner (async, many requests) and :func:`stream_chat` (one request, for a notebook)
both feed it, so TTFT means the same thing everywhere: the time from sending the request to
the first chunk that carries text. vLLM sends its role-only opening chunk together with the
first token, so this agrees with ``vllm bench serve``.

:func:`process_tree_cpu_s` reads Linux's ``/proc`` to tell how much CPU a server process and
its children used, so a notebook can check that a baseline had the cores to itself.
Left out on purpose: GPU timers (CUDA events) and wall-clock helpers (``time.perf_counter``
is clear enough on its own).
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class StreamTiming:
    """When the pieces of one streamed answer arrived, and what the server counted."""

    ttft_ms: float | None  # send to the first chunk with text; None when none arrived
    arrivals_ms: tuple[float, ...]  # arrival of each text chunk, ms after the send
    e2e_ms: float  # send to the last text chunk, or to when the stream ended (no text, a failure)
    text: str  # the answer, joined from the chunks
    prompt_tokens: int | None  # from the final usage chunk; None when the server sent none
    completion_tokens: int  # from the usage chunk, else the number of text chunks
    cached_prompt_tokens: int  # prompt tokens served from the prefix cache (0 if not reported)

    @property
    def itl_ms(self) -> tuple[float, ...]:
        """Gaps between successive text chunks after the first (inter-token latency)."""
        return tuple(b - a for a, b in zip(self.arrivals_ms, self.arrivals_ms[1:], strict=False))

    @property
    def decode_tokens_per_s(self) -> float | None:
        """Text chunks after the first per second of decoding; None with fewer than two."""
        if len(self.arrivals_ms) < 2 or self.arrivals_ms[-1] == self.arrivals_ms[0]:
            return None
        return 1000.0 * (len(self.arrivals_ms) - 1) / (self.arrivals_ms[-1] - self.arrivals_ms[0])


@dataclass
class StreamClock:
    """Feed it each chunk of one stream as it arrives; :meth:`result` gives the timing."""

    sent: float = field(default_factory=time.perf_counter)  # perf_counter at the send
    arrivals: list[float] = field(default_factory=list)  # perf_counter of each text chunk
    parts: list[str] = field(default_factory=list)  # text of each text chunk
    prompt_tokens: int | None = None  # from the usage chunk
    completion_tokens: int | None = None  # from the usage chunk
    cached_prompt_tokens: int = 0  # from the usage chunk's prompt_tokens_details

    @property
    def first(self) -> float | None:
        """perf_counter of the first text chunk, None before it arrives."""
        return self.arrivals[0] if self.arrivals else None

    def observe(self, chunk: Any, now: float | None = None) -> None:
        """Take one chunk of an OpenAI chat-completion stream (``now``: its arrival time)."""
        now = time.perf_counter() if now is None else now
        usage = getattr(chunk, "usage", None)
        if usage is not None:
            self.prompt_tokens = usage.prompt_tokens
            self.completion_tokens = usage.completion_tokens
            details = getattr(usage, "prompt_tokens_details", None)
            self.cached_prompt_tokens = (getattr(details, "cached_tokens", 0) or 0) if details else 0
        if chunk.choices and chunk.choices[0].delta.content:
            self.arrivals.append(now)
            self.parts.append(chunk.choices[0].delta.content)

    def result(self, ended: float | None = None) -> StreamTiming:
        """The timing so far. The answer ends at its last text chunk (now, if none came),
        unless ``ended`` (perf_counter) says when the stream ended, e.g. when it failed."""
        if ended is None:
            ended = self.arrivals[-1] if self.arrivals else time.perf_counter()
        return StreamTiming(
            ttft_ms=None if self.first is None else (self.first - self.sent) * 1000.0,
            arrivals_ms=tuple((t - self.sent) * 1000.0 for t in self.arrivals),
            e2e_ms=(ended - self.sent) * 1000.0,
            text="".join(self.parts),
            prompt_tokens=self.prompt_tokens,
            completion_tokens=(self.completion_tokens if self.completion_tokens is not None
                               else len(self.arrivals)),
            cached_prompt_tokens=self.cached_prompt_tokens,
        )


def stream_chat(client: Any, model: str, messages: Sequence[dict[str, str]], *,
                max_tokens: int, temperature: float = 0.0, ignore_eos: bool = False,
                extra_body: dict[str, Any] | None = None, **kwargs: Any) -> StreamTiming:
    """Send one streaming chat completion and time it.

    ``ignore_eos`` (a vLLM extension) makes the server generate exactly ``max_tokens``, so
    runs compare; ``extra_body`` passes other server-specific fields (``cache_salt``...).
    """
    if max_tokens < 1:
        raise ValueError(f"max_tokens must be a positive integer, got {max_tokens}")
    body = dict(extra_body or {})
    if ignore_eos:
        body["ignore_eos"] = True
    clock = StreamClock()
    stream = client.chat.completions.create(
        model=model, messages=list(messages), max_tokens=max_tokens, temperature=temperature,
        stream=True, stream_options={"include_usage": True}, extra_body=body or None, **kwargs)
    for chunk in stream:
        clock.observe(chunk)
    return clock.result()


def process_tree_cpu_s(root_pid: int) -> float:
    """User plus system CPU seconds used so far by a process and all its descendants (Linux).

    Processes that have exited are not counted; a ``root_pid`` that does not exist gives 0.
    """
    ticks = os.sysconf("SC_CLK_TCK")
    children: dict[int, list[int]] = {}
    seconds: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                # the command name, in parentheses, may hold spaces: split after it
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:  # the process ended while we looked
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))  # field 4: parent pid
        seconds[int(entry)] = (int(fields[11]) + int(fields[12])) / ticks  # utime + stime
    total, todo = 0.0, [root_pid]
    while todo:
        pid = todo.pop()
        total += seconds.get(pid, 0.0)
        todo += children.get(pid, [])
    return total
