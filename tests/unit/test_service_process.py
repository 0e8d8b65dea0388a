"""Starting, driving and stopping the HTTP service as a separate process (step 8): start-up
failures come back quickly with the log's tail, and ask_many counts failures without raising."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from genai_design.serving import free_port, port_in_use
from genai_design.service import (ServiceStartError, ServiceStore, ask_many, send_feedback,
                                  start_service)

ECHO = "genai_design.service.fake:make_echo"


def test_a_bad_answerer_fails_fast_with_the_log_tail(tmp_path):
    started = time.monotonic()
    with pytest.raises(RuntimeError) as caught:
        start_service(db_path=tmp_path / "db.sqlite3", answerer="no_such_module_xyz:make",
                      ready_timeout_s=120)
    assert time.monotonic() - started < 30  # the early exit is noticed, not the time limit
    message = str(caught.value)
    assert isinstance(caught.value, ServiceStartError)
    assert "exited with code 2 before it was ready" in message
    assert "cannot import the answerer's module 'no_such_module_xyz'" in message  # the log tail
    assert str(tmp_path) in message  # names the log, which sits beside the database
    assert [p.name for p in tmp_path.glob("service-*.log")]


def test_a_service_that_never_gets_ready_is_killed_at_the_limit(tmp_path, monkeypatch):
    (tmp_path / "never_ready.py").write_text(
        "from genai_design.service.fake import EchoAnswerer\n\n"
        "def make():\n    return EchoAnswerer(ready=False)\n")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        p for p in (str(tmp_path), os.environ.get("PYTHONPATH", "")) if p))
    port = free_port()
    with pytest.raises(ServiceStartError, match=r"not ready after 4 s and was killed "
                                                r"\(last /readyz: 503"):
        start_service(db_path=tmp_path / "db.sqlite3", answerer="never_ready:make", port=port,
                      ready_timeout_s=4)
    assert not port_in_use(port)  # nothing left listening


def test_the_answer_time_limit_reaches_the_service(tmp_path, monkeypatch):
    (tmp_path / "slow_echo.py").write_text(
        "from genai_design.service.fake import EchoAnswerer\n\n"
        "def make():\n    return EchoAnswerer(delay_s=1.5)\n")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        p for p in (str(tmp_path), os.environ.get("PYTHONPATH", "")) if p))
    with pytest.raises(ValueError, match="answer_timeout_s must be positive"):
        start_service(db_path=tmp_path / "db.sqlite3", answerer="slow_echo:make", answer_timeout_s=0)
    for limit, failed in ((0.5, 2), (30.0, 0)):
        service = start_service(db_path=tmp_path / f"db-{limit}.sqlite3", answerer="slow_echo:make",
                                ready_timeout_s=60, answer_timeout_s=limit)
        try:
            run = ask_many(service.url, service.api_key, ["one?", "two?"], concurrency=2,
                           show_progress=False)
        finally:
            service.stop()
        assert run.failed == failed, (limit, run.failed)


def test_a_taken_port_is_refused_before_starting(tmp_path):
    service = start_service(db_path=tmp_path / "db.sqlite3", answerer=ECHO, ready_timeout_s=60)
    try:
        with pytest.raises(ServiceStartError, match=f"port {service.port} .* already in use"):
            start_service(db_path=tmp_path / "other.sqlite3", answerer=ECHO, port=service.port)
        assert service.alive()
    finally:
        service.stop()


def test_ask_many_counts_failures_and_feedback_reports_refusals(tmp_path):
    service = start_service(db_path=tmp_path / "db.sqlite3", answerer=ECHO, ready_timeout_s=60)
    assert service.api_key not in repr(service) and "api_key" not in service.to_dict()
    try:
        questions = [f"FAIL {i}" if i % 4 == 0 else f"question {i}" for i in range(20)]
        run = ask_many(service.url, service.api_key, questions, concurrency=4,
                       show_progress=False)
        assert run.failed == 5 and len(run.ok_ids) == 15
        assert [r.status_code for r in run.requests] == [502 if i % 4 == 0 else 200
                                                          for i in range(20)]
        failed = run.requests[0]
        assert (failed.answer_id, failed.answer) == (None, None)
        assert failed.error.startswith("HTTP 502: the answerer failed (EchoFailure)")
        assert run.requests[1].answer == "echo: question 1" and run.requests[1].error is None
        assert 0 < run.p50_ms <= run.p95_ms
        summary = run.to_dict()
        assert (summary["failed"], summary["requests_sent"], summary["concurrency"]) == (5, 20, 4)

        wrong_key = ask_many(service.url, "not-the-key", ["hi"], show_progress=False)
        assert wrong_key.failed == 1 and wrong_key.requests[0].status_code == 401
        assert wrong_key.p50_ms is None and wrong_key.ok_ids == []

        answer_id = run.ok_ids[0]
        assert send_feedback(service.url, service.api_key, answer_id, "down", "wrong") == 201
        assert send_feedback(service.url, service.api_key, "f" * 32, "up") == 404
        assert send_feedback(service.url, service.api_key, answer_id, "meh") == 422
        assert send_feedback(service.url, "not-the-key", answer_id, "up") == 401
    finally:
        assert service.stop() == -signal.SIGTERM  # uvicorn re-raises the signal once done
    assert not service.alive() and service.stop() == -signal.SIGTERM  # twice is harmless
    assert "Application shutdown complete" in Path(service.log_path).read_text()  # graceful
    store = ServiceStore(service.db_path)
    assert store.feedback_counts() == {"up": 0, "down": 1}
    assert sum(row["status"] == "error" for row in store.answers(100)) == 5
    store.close()

    gone = ask_many(service.url, service.api_key, ["anyone there?"] * 3, concurrency=2,
                    timeout_s=5, show_progress=False)
    assert gone.failed == 3 and {r.status_code for r in gone.requests} == {None}
    assert all(r.error.startswith("ConnectError") for r in gone.requests)
