"""Tests of genai_design.timing: the stream clock on hand-made chunks, and CPU time from /proc."""

from __future__ import annotations

import os
import time
from types import SimpleNamespace as NS

import pytest

from genai_design.timing import StreamClock, process_tree_cpu_s, stream_chat


def chunk(text: str | None = None, usage: NS | None = None) -> NS:
    choices = [] if text is None else [NS(delta=NS(content=text))]
    return NS(choices=choices, usage=usage)


def test_clock_times_text_chunks_only() -> None:
    clock = StreamClock(sent=10.0)
    clock.observe(chunk(""), now=10.05)  # the role-only opening chunk carries no text
    clock.observe(chunk("Hel"), now=10.2)
    clock.observe(chunk("lo"), now=10.25)
    clock.observe(chunk("!"), now=10.4)
    details = NS(cached_tokens=16)
    clock.observe(chunk(usage=NS(prompt_tokens=20, completion_tokens=3,
                                 prompt_tokens_details=details)), now=10.5)
    timing = clock.result()
    assert timing.ttft_ms == pytest.approx(200.0)
    assert timing.arrivals_ms == pytest.approx((200.0, 250.0, 400.0))
    assert timing.itl_ms == pytest.approx((50.0, 150.0))
    assert timing.e2e_ms == pytest.approx(400.0)  # the last token, not the usage chunk
    assert timing.text == "Hello!"
    assert (timing.prompt_tokens, timing.completion_tokens, timing.cached_prompt_tokens) == (20, 3, 16)
    assert timing.decode_tokens_per_s == pytest.approx(2 / 0.2)


def test_clock_without_usage_or_text() -> None:
    clock = StreamClock(sent=1.0)
    timing = clock.result(ended=1.5)
    assert timing.ttft_ms is None and timing.arrivals_ms == () and timing.e2e_ms == pytest.approx(500.0)
    assert timing.completion_tokens == 0 and timing.prompt_tokens is None
    assert timing.decode_tokens_per_s is None
    clock.observe(chunk("a"), now=1.1)
    assert clock.result().completion_tokens == 1  # counted chunks when no usage came


def test_stream_chat_sends_streaming_request_and_times_it() -> None:
    sent = {}

    def create(**kwargs):
        sent.update(kwargs)
        yield chunk("a")
        time.sleep(0.01)
        yield chunk("b")
        yield chunk(usage=NS(prompt_tokens=5, completion_tokens=2, prompt_tokens_details=None))

    client = NS(chat=NS(completions=NS(create=create)))
    timing = stream_chat(client, "m", [{"role": "user", "content": "hi"}], max_tokens=2,
                         ignore_eos=True, extra_body={"cache_salt": "s"})
    assert sent["stream"] is True and sent["stream_options"] == {"include_usage": True}
    assert sent["extra_body"] == {"cache_salt": "s", "ignore_eos": True}
    assert timing.text == "ab" and timing.completion_tokens == 2 and timing.cached_prompt_tokens == 0
    assert timing.itl_ms[0] >= 9.0
    with pytest.raises(ValueError, match="max_tokens"):
        stream_chat(client, "m", [], max_tokens=0)


def test_process_tree_cpu_counts_children() -> None:
    pid = os.fork()
    if pid == 0:  # child: burn CPU for a moment, then exit without cleanup
        end = time.process_time() + 0.3
        while time.process_time() < end:
            pass
        time.sleep(5)
        os._exit(0)
    try:
        time.sleep(1.0)
        own = process_tree_cpu_s(pid)
        tree = process_tree_cpu_s(os.getpid())
        assert own >= 0.2  # the child's own burn
        assert tree >= own  # this process's tree includes the child
        assert process_tree_cpu_s(2**22 + 7) == 0.0  # no such process
    finally:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
