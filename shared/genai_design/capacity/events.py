"""The event queue behind the capacity simulators (framework step 5).

A discrete-event simulation keeps a clock and a queue of things that will happen later
("this replica finishes that request at t = 12.4 s"). It repeatedly takes the earliest
one, jumps the clock to its time, and handles it; handling it may schedule new events.
Nothing happens between events, so a simulated day costs as many steps as it has events.

`EventQueue` is that queue: a binary heap ordered by time. Events at the same instant
come out in a fixed order, so a simulation with a given seed always gives the same
numbers: first by rank (optional, see `EventQueue`), then in the order they were pushed.

Deliberately left out: cancelling a scheduled event (a simulator marks the payload
instead and ignores the event when it comes out), and any notion of wall-clock time.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass
from enum import Enum
from typing import Any


@dataclass(slots=True)  # not frozen only because frozen dataclasses are slower to create
class Event:
    """One scheduled happening; treat it as read-only."""

    time: float  # simulated seconds at which it happens
    kind: Enum  # what happens; each simulator defines its own Enum of kinds
    payload: Any = None  # what it happens to: a request, a replica, a worker index


class EventQueue:
    """Events ordered by time; ties broken by rank, then first pushed, first out.

    With `rank_by_kind=False` (the default) events at the same time leave in push order.
    With `rank_by_kind=True` the kind's integer value ranks them first (lower leaves first),
    so a simulator can say, for instance, that a completion at t is handled before a
    policy evaluation at the same t.
    """

    def __init__(self, rank_by_kind: bool = False) -> None:
        self._rank_by_kind = rank_by_kind
        # Heap entries are (time, rank, push number, event). The push number is unique, so
        # the heap never compares two events, and equal (time, rank) pairs leave in push order.
        self._heap: list[tuple[float, int, int, Event]] = []
        self._pushed = 0

    def push(self, time: float, kind: Enum, payload: Any = None) -> None:
        """Schedule `kind` (about `payload`) at `time`."""
        rank = kind.value if self._rank_by_kind else 0
        self._pushed += 1
        heapq.heappush(self._heap, (time, rank, self._pushed, Event(time, kind, payload)))

    def pop(self) -> Event:
        """Remove and return the earliest event; IndexError when there is none."""
        if not self._heap:
            raise IndexError("pop from an empty EventQueue")
        return heapq.heappop(self._heap)[-1]

    def next_time(self) -> float:
        """Time of the earliest event, or infinity when the queue is empty."""
        return self._heap[0][0] if self._heap else math.inf

    def __len__(self) -> int:
        return len(self._heap)

    def __bool__(self) -> bool:
        return bool(self._heap)
