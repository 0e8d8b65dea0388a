"""The assistant as an HTTP service (framework step 8, deploy and monitor).

:func:`create_app` wraps any :class:`Answerer` (the course assistant, or the fake in
:mod:`genai_design.service.fake`) in a FastAPI app with what a deployment needs around it:

- ``GET /healthz`` (the process runs), ``GET /readyz`` (the answerer can answer: 200 or 503),
  ``GET /metrics`` (Prometheus text: requests by endpoint and status, answer latency, answers
  by status, feedback by rating), all open;
- ``POST /v1/answer``, ``POST /v1/answer/stream`` (server-sent events) and ``POST
  /v1/feedback``, behind a bearer API key;
- every answer and rating recorded in a :class:`ServiceStore` before the response goes out,
  failures included, with clear JSON errors (``{"error": "..."}``) for every refusal.

The answerer is blocking code, so it runs in worker threads with a time limit; a failure
becomes a 502 and a slow answer a 504, never a hang. ``stream(question)`` yields the answer's
text pieces; when it is a generator that *returns* an :class:`AnswerLike` (as the course
assistant's does), its sources, prompt version and tokens are recorded with the joined pieces.
A plain iterator works too, recorded without them. Request bodies are read and refused in
:mod:`genai_design.service.bodies`, metrics live in :mod:`genai_design.service.metrics`.

It listens on 127.0.0.1 unless told otherwise; a container passes ``host="0.0.0.0"``, since
the pod's network is its own and a Kubernetes Service sits in front (deploy/kubernetes).
Left out on purpose: TLS, several API keys or users and rate limiting (a reverse proxy or
gateway in front does those); a stream's pieces after the first have no time limit; an answer
abandoned at its time limit keeps its worker thread until it returns.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import logging
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Protocol

import anyio
from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from genai_design.service.bodies import (FEEDBACK_EXAMPLE, QUESTION_EXAMPLE, FeedbackBody,
                                         QuestionBody, ServiceError, read_json, validated)
from genai_design.service.metrics import CountRequests, new_metrics
from genai_design.service.store import ServiceStore, UnknownAnswerError

log = logging.getLogger(__name__)
# The service's endpoints; /metrics labels requests to any other path as "other".
PATHS = ("/healthz", "/readyz", "/metrics", "/v1/answer", "/v1/answer/stream", "/v1/feedback")


class AnswerLike(Protocol):
    """What an answerer returns: the fields the service sends back and records."""

    @property
    def text(self) -> str: ...
    @property
    def doc_ids(self) -> tuple[str, ...]: ...
    @property
    def prompt_version(self) -> str: ...
    @property
    def input_tokens(self) -> int: ...
    @property
    def output_tokens(self) -> int: ...


class Answerer(Protocol):
    """Anything that answers questions; its methods are called from worker threads."""

    def answer(self, question: str) -> AnswerLike: ...
    def stream(self, question: str) -> Iterator[str]: ...  # a generator may return an AnswerLike
    def ready(self) -> bool: ...


@dataclass(frozen=True)
class ServiceConfig:
    """How the service runs; the API key has no default on purpose."""

    api_key: str  # clients send "Authorization: Bearer <api_key>" on /v1/*
    db_path: str  # SQLite file of answers and feedback, created when missing
    max_body_bytes: int = 64 * 1024  # larger request bodies get 413, however they arrive
    max_question_chars: int = 2000  # longer questions get 422
    answer_timeout_s: float = 60.0  # an answer (or a stream's first piece) slower than this: 504
    ready_timeout_s: float = 5.0  # a readiness check slower than this reports not ready
    host: str = "127.0.0.1"  # an IP address to listen on; "0.0.0.0" (all) only in a container
    port: int = 8080  # TCP port run_service listens on
    log_level: str = "info"  # uvicorn's log level (access lines never carry bodies)

    def __post_init__(self) -> None:
        if not self.api_key:
            raise ValueError("api_key is empty; the service does not run without one")
        if self.max_body_bytes < 1 or self.max_question_chars < 1:
            raise ValueError("max_body_bytes and max_question_chars must be at least 1")
        if not 0 < self.port < 65536:
            raise ValueError(f"port must be between 1 and 65535, got {self.port}")
        if not self.answer_timeout_s > 0:
            raise ValueError(f"answer_timeout_s must be positive, got {self.answer_timeout_s}")
        if self.host != "localhost":
            try:
                ipaddress.ip_address(self.host)
            except ValueError:
                raise ValueError(f"host {self.host!r} is not an IP address; give the address of "
                                 "the interface to listen on: 127.0.0.1 (this machine only), or "
                                 "0.0.0.0 in a container") from None

    @property
    def url(self) -> str:
        """The base URL a client on the same machine uses (all interfaces: via loopback)."""
        host = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(self.host, self.host)
        return f"http://[{host}]:{self.port}" if ":" in host else f"http://{host}:{self.port}"


def _fields(result: Any) -> dict[str, Any]:
    """An AnswerLike's recorded fields (raises when the answerer returned something else)."""
    return {"text": str(result.text), "doc_ids": [str(d) for d in result.doc_ids],
            "prompt_version": str(result.prompt_version),
            "input_tokens": int(result.input_tokens), "output_tokens": int(result.output_tokens),
            "trace_id": getattr(result, "trace_id", None)}  # an answerer that traces says where


def _event(data: dict[str, Any], event: str | None = None) -> str:
    return (f"event: {event}\n" if event else "") + f"data: {json.dumps(data)}\n\n"


def _start_stream(answerer: Answerer, question: str) -> tuple[Iterator[str], list[str], Any, bool]:
    """Open the stream and take its first piece: (iterator, pieces, returned value, finished)."""
    pieces = iter(answerer.stream(question))
    try:
        return pieces, [str(next(pieces))], None, False
    except StopIteration as done:
        return pieces, [], done.value, True


class _TimeLimit(TimeoutError):
    """The service's own time limit ran out (not a TimeoutError the answerer raised)."""


async def _in_thread(limit_s: float, func: Any, *args: Any) -> Any:
    """``func(*args)`` in a worker thread; abandoned (left to finish) after ``limit_s``."""
    with anyio.move_on_after(limit_s):
        return await anyio.to_thread.run_sync(func, *args, abandon_on_cancel=True)
    raise _TimeLimit(f"no result within {limit_s} s")


def create_app(answerer: Answerer, config: ServiceConfig) -> FastAPI:
    """The service around ``answerer``; opens (or creates) the store at ``config.db_path``."""
    for name in ("answer", "stream", "ready"):
        if not callable(getattr(answerer, name, None)):
            raise TypeError(f"the answerer {type(answerer).__name__} has no {name}() method")
    store, metrics = ServiceStore(config.db_path), new_metrics()
    expected_key = config.api_key.encode()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        store.close()

    app = FastAPI(title="genai-design assistant", lifespan=lifespan)
    app.state.store, app.state.config, app.state.metrics = store, config, metrics
    app.add_middleware(CountRequests, counter=metrics.requests, paths=PATHS)

    @app.exception_handler(ServiceError)
    async def _refusal(request: Request, error: ServiceError) -> JSONResponse:
        return JSONResponse({"error": error.message}, error.status, headers=error.headers)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"error": str(error.detail)}, error.status_code, headers=error.headers)

    @app.exception_handler(Exception)
    async def _crash(request: Request, error: Exception) -> JSONResponse:  # e.g. the disk is full
        return JSONResponse({"error": f"internal error ({type(error).__name__})"}, 500)

    async def require_key(request: Request) -> None:
        header = request.headers.get("authorization")
        if header is None:
            raise ServiceError(401, "missing API key: send the header "
                                    "'Authorization: Bearer <key>'", {"WWW-Authenticate": "Bearer"})
        scheme, _, token = header.partition(" ")
        given = token.strip().encode()
        if scheme.lower() != "bearer" or not hmac.compare_digest(given, expected_key):
            raise ServiceError(401, "invalid API key", {"WWW-Authenticate": "Bearer"})

    async def question_of(request: Request) -> str:
        body = validated(QuestionBody, await read_json(request, config.max_body_bytes),
                         QUESTION_EXAMPLE)
        question = body.question.strip()
        if not question:
            raise ServiceError(422, "question is empty")
        if len(question) > config.max_question_chars:
            raise ServiceError(422, f"question is {len(question)} characters; "
                                    f"the limit is {config.max_question_chars}")
        return question

    def record(question: str, mode: str, started: float, status: str, error: str | None = None,
               **fields: Any) -> tuple[str, float]:
        latency_ms = (time.perf_counter() - started) * 1000.0
        answer_id = store.record_answer(question=question, latency_ms=latency_ms, status=status,
                                        error=error, **fields)
        metrics.answers.labels(mode, status).inc()
        metrics.latency.labels(mode).observe(latency_ms / 1000.0)
        return answer_id, latency_ms

    async def refuse_failure(question: str, mode: str, started: float,
                             error: Exception) -> ServiceError:
        timeout = isinstance(error, _TimeLimit)
        status = "timeout" if timeout else "error"
        answer_id, _ = await run_in_threadpool(record, question, mode, started, status,
                                               type(error).__name__, text="")
        if timeout:
            return ServiceError(504, f"the answerer took longer than {config.answer_timeout_s} s "
                                     f"(recorded as answer {answer_id})")
        log.error("answer %s failed", answer_id, exc_info=error)
        return ServiceError(502, f"the answerer failed ({type(error).__name__}); "
                                 f"recorded as answer {answer_id}")

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz")
    async def readyz() -> JSONResponse:
        try:
            ready = bool(await _in_thread(config.ready_timeout_s, answerer.ready))
        except Exception as error:  # a probe that raises or hangs means not ready
            reason = "timeout" if isinstance(error, _TimeLimit) else type(error).__name__
            return JSONResponse({"ready": False, "error": reason}, 503)
        return JSONResponse({"ready": ready}, 200 if ready else 503)

    @app.get("/metrics")
    async def prometheus_metrics() -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    @app.post("/v1/answer", dependencies=[Depends(require_key)])
    async def answer(request: Request) -> dict[str, Any]:
        question = await question_of(request)
        started = time.perf_counter()
        try:
            fields = _fields(await _in_thread(config.answer_timeout_s, answerer.answer, question))
        except Exception as error:
            raise await refuse_failure(question, "answer", started, error) from None
        answer_id, latency_ms = await run_in_threadpool(record, question, "answer", started, "ok",
                                                        **fields)
        return {"id": answer_id, "answer": fields["text"], "sources": fields["doc_ids"],
                "prompt_version": fields["prompt_version"], "latency_ms": round(latency_ms, 3),
                "input_tokens": fields["input_tokens"], "output_tokens": fields["output_tokens"],
                "trace_id": fields["trace_id"]}

    def events(question: str, started: float, pieces: Iterator[str], head: list[str],
               returned: Any, finished: bool) -> Iterator[str]:
        sent, status, error = list(head), "ok", None
        try:
            for piece in head:
                yield _event({"piece": piece})
            while not finished:
                try:
                    piece = str(next(pieces))
                except StopIteration as done:
                    returned, finished = done.value, True
                    break
                sent.append(piece)
                yield _event({"piece": piece})
            extra = _fields(returned) if returned is not None else {}
        except GeneratorExit:  # the client went away mid-answer: stop the answerer too
            if callable(getattr(pieces, "close", None)):
                pieces.close()  # type: ignore[attr-defined]
            record(question, "stream", started, "aborted", None, text="".join(sent))
            raise
        except Exception as exc:
            log.error("stream failed", exc_info=exc)
            status, error, extra = "error", type(exc).__name__, {}
        extra["text"] = "".join(sent)  # what the client saw
        answer_id, latency_ms = record(question, "stream", started, status, error, **extra)
        if status != "ok":
            yield _event({"id": answer_id, "error": f"the answerer failed ({error})"}, "error")
            return
        yield _event({"id": answer_id, "sources": extra.get("doc_ids", []),
                      "prompt_version": extra.get("prompt_version", ""),
                      "latency_ms": round(latency_ms, 3),
                      "input_tokens": extra.get("input_tokens", 0),
                      "output_tokens": extra.get("output_tokens", 0)}, "done")

    @app.post("/v1/answer/stream", dependencies=[Depends(require_key)])
    async def answer_stream(request: Request) -> StreamingResponse:
        question = await question_of(request)
        started = time.perf_counter()
        try:  # the first piece inside the time limit: a failure here is still a 502
            opened = await _in_thread(config.answer_timeout_s, _start_stream, answerer, question)
        except Exception as error:
            raise await refuse_failure(question, "stream", started, error) from None
        return StreamingResponse(events(question, started, *opened), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    @app.post("/v1/feedback", status_code=201, dependencies=[Depends(require_key)])
    async def feedback(request: Request) -> JSONResponse:
        body = validated(FeedbackBody, await read_json(request, config.max_body_bytes),
                         FEEDBACK_EXAMPLE)
        try:
            await run_in_threadpool(store.add_feedback, body.answer_id, body.rating, body.comment)
        except UnknownAnswerError as error:
            raise ServiceError(404, str(error)) from None
        metrics.feedback.labels(body.rating).inc()
        return JSONResponse({"answer_id": body.answer_id, "rating": body.rating}, 201)

    return app


def run_service(answerer: Answerer, config: ServiceConfig) -> None:
    """Serve ``answerer`` with uvicorn on ``config.host:config.port``; blocks until stopped."""
    import uvicorn

    uvicorn.run(create_app(answerer, config), host=config.host, port=config.port,
                log_level=config.log_level)

