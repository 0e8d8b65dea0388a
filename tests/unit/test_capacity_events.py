"""Unit tests for genai_design.capacity.events."""

import math
from enum import Enum

import pytest

from genai_design.capacity.events import Event, EventQueue


class Kind(Enum):
    FIRST = 0
    SECOND = 1


def drain(queue: EventQueue) -> list[Event]:
    out = []
    while queue:
        out.append(queue.pop())
    return out


def test_events_leave_in_time_order():
    queue = EventQueue()
    for t, payload in ((3.0, "c"), (1.0, "a"), (2.5, "b"), (10.0, "d")):
        queue.push(t, Kind.FIRST, payload)
    assert len(queue) == 4 and queue.next_time() == 1.0
    assert [(e.time, e.payload) for e in drain(queue)] == [(1.0, "a"), (2.5, "b"), (3.0, "c"), (10.0, "d")]


def test_equal_times_leave_in_push_order_whatever_the_kind():
    queue = EventQueue()
    queue.push(2.0, Kind.SECOND, "late")
    for k in range(5):
        queue.push(1.0, Kind.SECOND if k % 2 else Kind.FIRST, k)
    assert [e.payload for e in drain(queue)] == [0, 1, 2, 3, 4, "late"]


def test_rank_by_kind_orders_equal_times_by_kind_then_push_order():
    queue = EventQueue(rank_by_kind=True)
    queue.push(1.0, Kind.SECOND, "s1")
    queue.push(1.0, Kind.FIRST, "f1")
    queue.push(0.5, Kind.SECOND, "early")
    queue.push(1.0, Kind.SECOND, "s2")
    queue.push(1.0, Kind.FIRST, "f2")
    assert [e.payload for e in drain(queue)] == ["early", "f1", "f2", "s1", "s2"]


def test_payloads_are_never_compared():
    queue = EventQueue()
    queue.push(1.0, Kind.FIRST, {"not": "orderable"})
    queue.push(1.0, Kind.FIRST, {"also": "not"})
    assert [e.payload for e in drain(queue)] == [{"not": "orderable"}, {"also": "not"}]


def test_empty_queue():
    queue = EventQueue()
    assert not queue and len(queue) == 0 and queue.next_time() == math.inf
    with pytest.raises(IndexError, match="empty"):
        queue.pop()
    queue.push(0.0, Kind.FIRST)
    assert queue and queue.pop() == Event(0.0, Kind.FIRST, None) and not queue
