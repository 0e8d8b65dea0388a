"""The service's Prometheus metrics (framework step 8, deploy and monitor).

What an operator watches on a dashboard: requests by endpoint and status code, the latency of
whole answers, answers by status (failures and time-outs show here before customers complain)
and ratings by kind. Each app gets its own ``CollectorRegistry``, so tests and notebooks that
create several apps in one process never collide on metric names.

Left out on purpose: tokens and cost per answer (the store has them per row), time to first
piece of a stream, and per-prompt-version labels (the store, not Prometheus, slices by those).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram

from genai_design.service.store import RATINGS

LATENCY_BUCKETS_S = (0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)  # answer latency, seconds


@dataclass(frozen=True)
class ServiceMetrics:
    """One app's metrics, registered in its own registry."""

    registry: CollectorRegistry  # what GET /metrics renders
    requests: Counter  # HTTP responses by endpoint and status code
    latency: Histogram  # seconds from question to whole answer, by mode (answer, stream)
    answers: Counter  # answers by mode and status (ok, error, timeout, aborted)
    feedback: Counter  # ratings accepted, by rating


def new_metrics() -> ServiceMetrics:
    """Fresh metrics in a fresh registry."""
    registry = CollectorRegistry()
    metrics = ServiceMetrics(
        registry,
        Counter("genai_service_requests", "HTTP responses by endpoint and status code",
                ["endpoint", "status"], registry=registry),
        Histogram("genai_service_answer_latency_seconds", "Question to whole answer", ["mode"],
                  buckets=LATENCY_BUCKETS_S, registry=registry),
        Counter("genai_service_answers", "Answers by mode and status", ["mode", "status"],
                registry=registry),
        Counter("genai_service_feedback", "Ratings accepted", ["rating"], registry=registry))
    for rating in RATINGS:  # both series exist from the start, so rates are defined at zero
        metrics.feedback.labels(rating)
    return metrics


class CountRequests:
    """ASGI middleware: counts responses by endpoint (other paths as 'other') and status."""

    def __init__(self, app: Any, counter: Counter, paths: Iterable[str]) -> None:
        self.app, self.counter, self.paths = app, counter, frozenset(paths)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500  # what the client gets when the app fails before starting a response

        async def send_counted(message: Any) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_counted)
        finally:  # unknown paths share one label, so scanners cannot blow up the series count
            endpoint = scope["path"] if scope["path"] in self.paths else "other"
            self.counter.labels(endpoint, str(status)).inc()
