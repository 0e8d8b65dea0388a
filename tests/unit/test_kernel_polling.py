"""The test harness's kernel client polls in slices and keeps the caller's timeout."""

from __future__ import annotations

import asyncio
import time
from queue import Empty

import kernel_polling
import pytest
import zmq
import zmq.asyncio
from jupyter_client.channels import AsyncZMQSocketChannel
from jupyter_client.session import Session


def channel_pair() -> tuple[kernel_polling.SlicedChannel, zmq.asyncio.Socket, Session]:
    """A sliced channel reading one end of an in-process socket pair, and the other end."""
    context = zmq.asyncio.Context.instance()
    address = f"inproc://sliced-{time.perf_counter_ns()}"
    reader, writer = context.socket(zmq.PAIR), context.socket(zmq.PAIR)
    reader.bind(address)
    writer.connect(address)
    session = Session(key=b"")
    return kernel_polling.SlicedChannel(reader, session), writer, session


def idle_channel() -> kernel_polling.SlicedChannel:
    """A sliced channel on an asyncio socket that nothing writes to."""
    return kernel_polling.SlicedChannel(zmq.asyncio.Context.instance().socket(zmq.PAIR),
                                        Session(key=b""))


def test_a_real_message_arrives_through_the_sliced_channel():
    async def scenario() -> dict:
        channel, writer, session = channel_pair()
        try:
            reply = asyncio.get_running_loop().call_later(
                1.5 * kernel_polling.SLICE_S, session.send, writer, "execute_reply", {"status": "ok"})
            started = time.monotonic()
            msg = await channel.get_msg(timeout=30)
            assert time.monotonic() - started < 1.5 * kernel_polling.SLICE_S + 1.0
            reply.cancel()
            return msg
        finally:
            channel.close()
            writer.close(linger=0)

    msg = asyncio.run(scenario())
    assert msg["header"]["msg_type"] == "execute_reply" and msg["content"] == {"status": "ok"}


def test_a_missed_wake_up_costs_one_slice_not_the_whole_timeout(monkeypatch):
    # The parent's poll returns nothing twice (the wake-up was missed), then the reply.
    waits: list[float | None] = []

    async def parent_get_msg(self, timeout=None):
        waits.append(timeout)
        if len(waits) < 3:
            raise Empty
        return {"parent_header": {"msg_id": "x"}}

    monkeypatch.setattr(AsyncZMQSocketChannel, "get_msg", parent_get_msg)
    channel = idle_channel()
    assert asyncio.run(channel.get_msg(timeout=300)) == {"parent_header": {"msg_id": "x"}}
    assert len(waits) == 3 and all(w is not None and w <= kernel_polling.SLICE_S for w in waits)
    waits.clear()
    assert asyncio.run(channel.get_msg(timeout=None))["parent_header"]["msg_id"] == "x"
    assert len(waits) == 3 and all(w == kernel_polling.SLICE_S for w in waits)


@pytest.mark.parametrize("timeout", [0.0, 0.25])
def test_no_message_by_the_callers_deadline_still_raises_empty(monkeypatch, timeout):
    async def parent_get_msg(self, timeout=None):
        await asyncio.sleep(timeout or 0)
        raise Empty

    monkeypatch.setattr(AsyncZMQSocketChannel, "get_msg", parent_get_msg)
    channel = idle_channel()
    started = time.monotonic()
    with pytest.raises(Empty):
        asyncio.run(channel.get_msg(timeout=timeout))
    assert timeout <= time.monotonic() - started < timeout + 0.5


def test_the_manager_hands_out_the_sliced_client():
    manager = kernel_polling.SlicedKernelManager()
    client = manager.client()
    assert isinstance(client, kernel_polling.SlicedKernelClient)
    assert client.shell_channel_class is kernel_polling.SlicedChannel
    assert client.iopub_channel_class is kernel_polling.SlicedChannel
