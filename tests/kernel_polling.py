"""A kernel client for the test harness that cannot sleep through a reply already received.

Papermill (through nbclient) waits for a cell's reply with one asynchronous poll on the shell
socket, as long as the cell timeout. That poll can miss the socket's wake-up: the reply sits in
the socket while the client sleeps, and only the timeout's final check collects it. Clean-clone
runs saw it as a cell that takes under a second "finishing" 300 s later without an error (01a's
ipywidgets panel; once 05b's), and a reproduction under load caught both processes idle: the
kernel done, the client asleep in that poll (nbclient issue 312 describes the same thing).

The channels here poll in slices of ``SLICE_S`` until the caller's own timeout. Each slice ends
with the same immediate check that rescues the message at the end of the long poll, so a missed
wake-up costs at most one slice. Messages, timeouts and errors are otherwise unchanged: a poll
with no message by the caller's deadline still raises ``queue.Empty``.
"""

from __future__ import annotations

import time
from queue import Empty
from typing import Any

from jupyter_client.asynchronous.client import AsyncKernelClient
from jupyter_client.channels import AsyncZMQSocketChannel
from jupyter_client.manager import AsyncKernelManager
from traitlets import DottedObjectName, Type

SLICE_S = 1.0  # longest single wait on a socket, in seconds


class SlicedChannel(AsyncZMQSocketChannel):
    """An asyncio ZMQ channel whose ``get_msg`` waits in slices of at most ``SLICE_S``."""

    async def get_msg(self, timeout: float | None = None) -> dict[str, Any]:
        deadline = None if timeout is None else time.monotonic() + max(0.0, timeout)
        while True:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                return await super().get_msg(timeout=SLICE_S if left is None else min(SLICE_S, left))
            except Empty:
                if deadline is not None and time.monotonic() >= deadline:
                    raise


class SlicedKernelClient(AsyncKernelClient):
    """The asyncio kernel client with sliced polls on the shell and IOPub channels."""

    shell_channel_class = Type(SlicedChannel)
    iopub_channel_class = Type(SlicedChannel)


class SlicedKernelManager(AsyncKernelManager):
    """Starts kernels exactly as the default manager does; hands out :class:`SlicedKernelClient`."""

    client_class = DottedObjectName(f"{__name__}.SlicedKernelClient")
    client_factory = Type(SlicedKernelClient)  # what client() builds (the dotted name alone is not)
