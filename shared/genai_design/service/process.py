"""Running the HTTP service as a separate process and driving it over loopback
(framework step 8, deploy and monitor).

A notebook, a test and a reader at a terminal need the same few operations on a service that
runs the way it would be deployed, in its own process behind its API key:

- :func:`start_service` starts ``genai-design serve`` (the current Python, ``-m
  genai_design.cli``) on 127.0.0.1 and a free port, with a random API key handed over in an
  environment variable (never on the command line, where ``ps`` shows it), its output in a log
  file, and returns once ``GET /readyz`` answers 200. The course assistant's factory builds a
  retrieval index and loads an embedding model first, hence the generous default time limit.
  A process that exits early or is not ready in time is stopped and reported with its log's
  tail.
- :meth:`ServiceProcess.stop` ends it with SIGTERM (a graceful shutdown) or SIGKILL (a crash,
  to show that every acknowledged row is on disk).
- :func:`ask_many` sends questions to ``POST /v1/answer`` with a fixed number in flight and
  returns a :class:`LoadRun`: per request the status, latency and answer id; a failed request
  is counted, never raised. :func:`send_feedback` rates one answer.

Counting feedback is :meth:`genai_design.service.store.ServiceStore.feedback_counts`.
Left out on purpose: streaming requests (``/v1/answer/stream``), retries, open-loop arrivals
(chapter 5's :mod:`genai_design.loadtest` has them for the model server), and stopping the
model server the assistant uses: that one outlives the service.
"""

from __future__ import annotations

import concurrent.futures
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from genai_design.progress import progress
from genai_design.serving import HOST, free_port, log_tail, port_in_use

KEY_ENV = "GENAI_DESIGN_SERVICE_KEY"  # the environment variable that carries the API key
_POLL_S = 0.2  # pause between readiness probes


class ServiceStartError(RuntimeError):
    """The service did not become ready; the message carries the reason and the log's tail."""


@dataclass(frozen=True)
class ServiceProcess:
    """A ``genai-design serve`` process this Python process started."""

    url: str  # base URL, e.g. http://127.0.0.1:8123 (no trailing slash)
    api_key: str = field(repr=False)  # bearer key for /v1/*; kept out of repr (notebook output)
    db_path: str  # the service's SQLite file of answers and feedback
    port: int  # TCP port on 127.0.0.1
    log_path: str  # the process's stdout and stderr
    answerer: str | None  # the MODULE:FACTORY it serves; None: serve's default, the assistant
    process: subprocess.Popen[bytes] = field(repr=False, compare=False)  # the child itself

    @property
    def pid(self) -> int:
        """The service's process id."""
        return self.process.pid

    def alive(self) -> bool:
        """True while the process has not exited."""
        return self.process.poll() is None

    def stop(self, kill: bool = False, timeout_s: float = 10.0) -> int:
        """End the process and return its exit code (``-signal`` when a signal ended it).

        ``kill=False`` sends SIGTERM: uvicorn finishes the requests in flight, closes the store
        and exits by that signal (-15); SIGKILL follows if it is still there after
        ``timeout_s``. ``kill=True`` sends SIGKILL at once, which is what a crash looks like to
        the database. Stopping a process that has already exited returns its code.
        """
        if self.alive():
            self.process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
            try:
                return self.process.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
        return self.process.wait(timeout=timeout_s)

    def to_dict(self) -> dict[str, Any]:
        """The fields a notebook may print: no API key, no process object."""
        return {"url": self.url, "db_path": self.db_path, "port": self.port, "pid": self.pid,
                "log_path": self.log_path, "answerer": self.answerer}


def _probe(url: str, timeout_s: float) -> tuple[int | None, str]:
    """``GET /readyz``: (status, body excerpt), or (None, why) when nothing answered."""
    try:
        response = httpx.get(url + "/readyz", timeout=timeout_s, trust_env=False)
    except httpx.HTTPError as error:
        return None, f"{type(error).__name__}: {error}"
    return response.status_code, response.text[:200]


def start_service(*, db_path: str | os.PathLike[str], answerer: str | None = None,
                  port: int | None = None, api_key: str | None = None,
                  ready_timeout_s: float = 120.0,
                  log_path: str | os.PathLike[str] | None = None,
                  traces: str | os.PathLike[str] | None = None,
                  answer_timeout_s: float | None = None) -> ServiceProcess:
    """Start ``genai-design serve`` on 127.0.0.1 and return once ``/readyz`` answers 200.

    ``answerer`` is a ``MODULE:FACTORY`` spec (None: serve's default, the course assistant);
    ``port=None`` picks a free port; ``api_key=None`` makes a random one. The log goes to
    ``log_path``, by default ``service-<port>.log`` beside the database, appended to.
    ``traces`` names a SQLite file for every answer's spans (``serve --traces``);
    ``answer_timeout_s`` the time after which an answer gets 504 (None: serve's default, 60 s).
    Raises :class:`ServiceStartError` (a RuntimeError) with the log's tail when the process
    exits before it is ready or is not ready within ``ready_timeout_s`` (it is killed then),
    and when ``port`` is already taken.
    """
    if ready_timeout_s <= 0:
        raise ValueError(f"ready_timeout_s must be positive, got {ready_timeout_s}")
    if answer_timeout_s is not None and answer_timeout_s <= 0:
        raise ValueError(f"answer_timeout_s must be positive, got {answer_timeout_s}")
    if port is not None and port_in_use(port):
        raise ServiceStartError(f"port {port} on {HOST} is already in use; "
                                "pass port=None to pick a free one")
    port = port or free_port()
    api_key = api_key or secrets.token_urlsafe(24)
    db = Path(db_path)
    log = Path(log_path) if log_path is not None else db.with_name(f"service-{port}.log")
    log.parent.mkdir(parents=True, exist_ok=True)
    argv = [sys.executable, "-m", "genai_design.cli", "serve", "--port", str(port),
            "--db", str(db), "--api-key-env", KEY_ENV]
    if answerer is not None:
        argv += ["--answerer", answerer]
    if traces is not None:
        argv += ["--traces", str(traces)]
    if answer_timeout_s is not None:
        argv += ["--answer-timeout", f"{answer_timeout_s:g}"]
    url = f"http://{HOST}:{port}"
    with open(log, "ab") as out:  # a file, not a pipe: a full pipe would block the server
        out.write(f"--- genai-design serve on port {port}, "
                  f"{datetime.now(timezone.utc).isoformat(timespec='seconds')} ---\n".encode())
        out.flush()
        process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, env={**os.environ, KEY_ENV: api_key})
    try:
        _wait_ready(process, url, log, ready_timeout_s)
    except BaseException:  # not ready, or interrupted (Ctrl-C, a notebook's stop): no orphan
        if process.poll() is None:
            process.kill()
        process.wait()
        raise
    return ServiceProcess(url, api_key, str(db), port, str(log), answerer, process)


def _wait_ready(process: subprocess.Popen[bytes], url: str, log: Path,
                ready_timeout_s: float) -> None:
    """Poll ``/readyz`` until 200; ServiceStartError when the process exits or time runs out."""
    deadline = time.monotonic() + ready_timeout_s
    last = "no answer yet"
    while True:
        code = process.poll()
        if code is not None:
            raise ServiceStartError(f"the service exited with code {code} before it was ready.\n"
                                    f"Last lines of {log}:\n{log_tail(log)}")
        left = deadline - time.monotonic()
        if left <= 0:
            raise ServiceStartError(
                f"the service was not ready after {ready_timeout_s:g} s and was killed "
                f"(last /readyz: {last}).\nLast lines of {log}:\n{log_tail(log)}")
        status, text = _probe(url, timeout_s=min(max(left, 0.1), 10.0))
        if status == 200 and process.poll() is None:
            return
        last = text if status is None else f"{status} {text}"
        time.sleep(_POLL_S)


@dataclass(frozen=True)
class AskRecord:
    """One question sent to ``POST /v1/answer`` and what came back."""

    index: int  # position of the question in the list given to ask_many
    status_code: int | None  # HTTP status; None when no response arrived (refused, timed out)
    latency_ms: float  # client-side, from sending the request to the whole response read
    answer_id: str | None  # the stored answer's id; None unless the request succeeded
    answer: str | None  # the answer text; None unless the request succeeded
    error: str | None  # why it failed (HTTP status and the service's error, or the exception)

    @property
    def ok(self) -> bool:
        return self.answer_id is not None


@dataclass(frozen=True)
class LoadRun:
    """The outcome of :func:`ask_many`: every request, in question order, and the wall time."""

    requests: tuple[AskRecord, ...]  # one per question, in the order given
    wall_s: float  # from the first request sent to the last response
    concurrency: int  # requests kept in flight

    @property
    def failed(self) -> int:
        """Requests without a 2xx answer (an error status, a timeout, a refused connection)."""
        return sum(not record.ok for record in self.requests)

    @property
    def ok_ids(self) -> list[str]:
        """Answer ids of the successful requests, in question order."""
        return [record.answer_id for record in self.requests if record.answer_id is not None]

    def _percentile_ms(self, percent: float) -> float | None:
        latencies = [record.latency_ms for record in self.requests if record.ok]
        return float(np.percentile(latencies, percent)) if latencies else None

    @property
    def p50_ms(self) -> float | None:
        """Median latency of the successful requests; None when none succeeded."""
        return self._percentile_ms(50)

    @property
    def p95_ms(self) -> float | None:
        """95th-percentile latency of the successful requests; None when none succeeded."""
        return self._percentile_ms(95)

    @property
    def answers_per_s(self) -> float:
        """Successful answers per second of wall time."""
        return len(self.ok_ids) / self.wall_s if self.wall_s > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        """Summary and per-request records, ready for ``json.dumps``."""
        return {"requests_sent": len(self.requests), "failed": self.failed,
                "concurrency": self.concurrency, "wall_s": round(self.wall_s, 3),
                "answers_per_s": round(self.answers_per_s, 3),
                "p50_ms": self.p50_ms, "p95_ms": self.p95_ms,
                "requests": [asdict(record) for record in self.requests]}


def _headers(api_key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_key}"}


def _error_text(response: httpx.Response) -> str:
    try:
        detail = response.json().get("error", response.text)
    except (ValueError, AttributeError):
        detail = response.text
    return f"HTTP {response.status_code}: {str(detail)[:300]}"


def _ask(client: httpx.Client, index: int, question: str) -> AskRecord:
    """One request; every failure becomes a record, never an exception."""
    started, response = time.perf_counter(), None
    try:
        response = client.post("/v1/answer", json={"question": question})
        latency_ms = (time.perf_counter() - started) * 1000.0
        if not response.is_success:
            return AskRecord(index, response.status_code, latency_ms, None, None,
                             _error_text(response))
        body = response.json()
        return AskRecord(index, response.status_code, latency_ms, str(body["id"]),
                         str(body["answer"]), None)
    except Exception as error:  # a refused connection, a timeout, a body without an id
        latency_ms = (time.perf_counter() - started) * 1000.0
        status = None if response is None else response.status_code
        return AskRecord(index, status, latency_ms, None, None,
                         f"{type(error).__name__}: {error}")


def ask_many(url: str, api_key: str, questions: Sequence[str], concurrency: int = 16,
             timeout_s: float = 300.0, *, show_progress: bool = True) -> LoadRun:
    """POST each question to ``url``'s ``/v1/answer`` with ``concurrency`` requests in flight.

    A closed loop over one connection pool: a worker thread sends its next question when its
    previous answer is back. ``timeout_s`` limits each request. A failed request (non-2xx,
    timeout, refused connection) is counted in :attr:`LoadRun.failed`, never raised.
    """
    if concurrency < 1:
        raise ValueError(f"concurrency must be at least 1, got {concurrency}")
    records: list[AskRecord | None] = [None] * len(questions)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    started = time.perf_counter()
    with httpx.Client(base_url=url.rstrip("/"), headers=_headers(api_key), timeout=timeout_s,
                      limits=limits, trust_env=False) as client, \
            concurrent.futures.ThreadPoolExecutor(max_workers=concurrency) as pool, \
            progress(total=len(questions), desc="questions", unit="q",
                     show=show_progress) as bar:
        futures = [pool.submit(_ask, client, i, q) for i, q in enumerate(questions)]
        for future in concurrent.futures.as_completed(futures):
            record = future.result()
            records[record.index] = record
            bar.update(1)
    wall_s = time.perf_counter() - started
    return LoadRun(tuple(r for r in records if r is not None), wall_s, concurrency)


def send_feedback(url: str, api_key: str, answer_id: str, rating: str,
                  comment: str | None = None, *, timeout_s: float = 30.0) -> int:
    """``POST /v1/feedback`` for one answer; returns the HTTP status (201 when stored).

    Refusals (401, 404 for an unknown id, 422 for a bad rating) come back as their status;
    a connection that fails altogether raises ``httpx.HTTPError``: there is no status to return.
    """
    body: dict[str, Any] = {"answer_id": answer_id, "rating": rating}
    if comment is not None:
        body["comment"] = comment
    response = httpx.post(url.rstrip("/") + "/v1/feedback", json=body, headers=_headers(api_key),
                          timeout=timeout_s, trust_env=False)
    return response.status_code
