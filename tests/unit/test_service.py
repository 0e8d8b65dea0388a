"""The HTTP service (step 8): refusals, streaming, metrics, the store, and a loopback load test
of the real server with a SIGKILL in the middle."""

from __future__ import annotations

import hashlib
import json
import signal
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from genai_design import cli
from genai_design.monitoring.tracing import read_spans
from genai_design.service import (EchoAnswerer, ServiceConfig, ServiceStore, UnknownAnswerError,
                                  ask_many, create_app, send_feedback, start_service)

KEY = "test-key-not-secret"
AUTH = {"Authorization": f"Bearer {KEY}"}


def _client(tmp_path: Path, answerer: object, **config: object) -> TestClient:
    app = create_app(answerer, ServiceConfig(api_key=KEY, db_path=str(tmp_path / "service.sqlite3"),
                                             **config))
    return TestClient(app)


@pytest.fixture
def service(tmp_path):
    with _client(tmp_path, EchoAnswerer(fail_on="FAIL")) as client:
        yield client


def _store(client: TestClient) -> ServiceStore:
    return client.app.state.store


def test_answer_is_returned_and_recorded_with_the_question_only_hashed(service):
    response = service.post("/v1/answer", json={"question": "  where is my parcel?  "},
                            headers=AUTH)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["answer"] == "echo: where is my parcel?"  # surrounding whitespace stripped
    assert body["sources"] == ["echo-doc"] and body["prompt_version"] == "echo@v1"
    assert (body["input_tokens"], body["output_tokens"]) == (4, 5) and body["latency_ms"] >= 0
    [row] = _store(service).answers(10)
    assert row["id"] == body["id"] and row["status"] == "ok" and row["doc_ids"] == ["echo-doc"]
    assert row["question_chars"] == len("where is my parcel?")
    assert row["question_sha256"] == hashlib.sha256(b"where is my parcel?").hexdigest()
    assert "question" not in row and row["answer"] == body["answer"]


def test_a_failed_answer_is_a_502_recorded_without_the_question_text(service, tmp_path):
    question = "FAIL for jane.doe@example.com"
    response = service.post("/v1/answer", json={"question": question}, headers=AUTH)
    assert response.status_code == 502
    [row] = _store(service).answers(10)
    assert (row["status"], row["error"], row["answer"]) == ("error", "EchoFailure", "")
    assert row["id"] in response.json()["error"] and "EchoFailure" in response.json()["error"]
    on_disk = b"".join(p.read_bytes() for p in tmp_path.glob("service.sqlite3*"))
    assert b"jane.doe" not in on_disk and row["question_sha256"].encode() in on_disk


BIG = b'{"question": "' + b"x" * 1_000_000 + b'"}'


@pytest.mark.parametrize("content, status, says", [
    (b'{"question": "   "}', 422, "question is empty"),
    (json.dumps({"question": "x" * 2001}).encode(), 422, "the limit is 2000"),
    (b'{"question": ', 400, "not valid JSON"),
    (b"", 400, "body is empty"),
    (b'\xff\xfe{"q', 400, "not valid JSON"),
    (b'{"question": 5}', 422, "question: Input should be a valid string"),
    (b'{"question": null}', 422, "question"),
    (b'{"questoin": "hi"}', 422, "questoin"),
    (b'["hi"]', 422, "must be a JSON object"),
    (BIG, 413, "1000016 bytes; the limit is 65536"),
], ids=["blank", "too-long", "malformed", "empty-body", "not-utf8", "number", "null", "typo",
        "list", "1MB"])
def test_bad_questions_get_a_clear_json_error(service, content, status, says):
    response = service.post("/v1/answer", content=content, headers=AUTH)
    assert response.status_code == status, response.text
    assert says in response.json()["error"]
    assert _store(service).answers(10) == []  # a refused question is not an answer


def test_a_chunked_upload_is_cut_off_by_the_bytes_read(service):
    chunks = (b"x" * 65536 for _ in range(16))  # a generator: sent without Content-Length
    response = service.post("/v1/answer", content=chunks, headers=AUTH)
    assert response.status_code == 413
    assert response.json()["error"] == "request body is over the limit of 65536 bytes"


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"},
                                     {"Authorization": f"Basic {KEY}"},
                                     {"Authorization": "Bearer"}],
                         ids=["missing", "wrong", "basic", "empty"])
def test_v1_needs_the_api_key_and_probes_do_not(service, headers):
    for path, body in [("/v1/answer", {"question": "hi"}),
                       ("/v1/answer/stream", {"question": "hi"}),
                       ("/v1/feedback", {"answer_id": "x", "rating": "up"})]:
        response = service.post(path, json=body, headers=headers)
        assert response.status_code == 401, path
        assert "API key" in response.json()["error"]
        assert response.headers["www-authenticate"] == "Bearer"
    assert _store(service).answers(10) == []
    for path in ("/healthz", "/readyz", "/metrics"):
        assert service.get(path).status_code == 200, path


def test_unknown_paths_and_methods_get_json_errors(service):
    assert service.get("/v1/nope", headers=AUTH).json()["error"] == "Not Found"
    response = service.get("/v1/answer", headers=AUTH)
    assert response.status_code == 405 and "error" in response.json()


def test_feedback_is_stored_and_checked(service):
    answer_id = service.post("/v1/answer", json={"question": "hi"}, headers=AUTH).json()["id"]
    ok = service.post("/v1/feedback", json={"answer_id": answer_id, "rating": "down",
                                            "comment": "wrong order"}, headers=AUTH)
    assert ok.status_code == 201 and ok.json() == {"answer_id": answer_id, "rating": "down"}
    unknown = service.post("/v1/feedback", json={"answer_id": "f" * 32, "rating": "up"},
                           headers=AUTH)
    assert unknown.status_code == 404 and "f" * 32 in unknown.json()["error"]
    bad = service.post("/v1/feedback", json={"answer_id": answer_id, "rating": "meh"}, headers=AUTH)
    assert bad.status_code == 422 and "rating" in bad.json()["error"]
    long = service.post("/v1/feedback", json={"answer_id": answer_id, "rating": "up",
                                              "comment": "x" * 501}, headers=AUTH)
    assert long.status_code == 422 and "500 characters" in long.json()["error"]
    [row] = _store(service).feedback(10)
    assert (row["answer_id"], row["rating"], row["comment"]) == (answer_id, "down", "wrong order")
    assert _store(service).feedback_counts() == {"up": 0, "down": 1}


def _events(response: httpx.Response) -> list[tuple[str, dict]]:
    events = []
    for block in response.text.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.split("\n"))
        events.append((fields.get("event", "message"), json.loads(fields["data"])))
    return events


def test_stream_sends_pieces_then_the_id_and_records_the_joined_text(service):
    response = service.post("/v1/answer/stream", json={"question": "how do refunds work"},
                            headers=AUTH)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    events = _events(response)
    assert [name for name, _ in events] == ["message"] * 5 + ["done"]
    assert "".join(data["piece"] for _, data in events[:-1]) == "echo: how do refunds work"
    done = events[-1][1]
    assert done["sources"] == ["echo-doc"] and done["prompt_version"] == "echo@v1"
    [row] = _store(service).answers(10)
    assert (row["id"], row["status"]) == (done["id"], "ok")
    assert row["answer"] == "echo: how do refunds work"
    assert row["doc_ids"] == ["echo-doc"] and row["output_tokens"] == 5


def test_a_stream_that_breaks_midway_ends_with_an_error_event(service):
    response = service.post("/v1/answer/stream", json={"question": "FAIL now"}, headers=AUTH)
    assert response.status_code == 200  # the first piece was already out
    events = _events(response)
    assert events[0] == ("message", {"piece": "echo:"}) and events[-1][0] == "error"
    [row] = _store(service).answers(10)
    assert (row["id"], row["status"], row["answer"]) == (events[-1][1]["id"], "error", "echo:")


class _Plain:
    """A stream that is a plain iterator (no return value), or fails before its first piece."""

    def __init__(self, fail: bool) -> None:
        self.fail = fail

    def answer(self, question: str):
        raise RuntimeError("unused")

    def stream(self, question: str):
        if self.fail:
            raise ConnectionError("model server down")
        return iter(["a", "b"])

    def ready(self) -> bool:
        raise ConnectionError("model server down")


def test_plain_iterator_streams_and_early_failures(tmp_path):
    with _client(tmp_path / "plain", _Plain(fail=False)) as client:
        events = _events(client.post("/v1/answer/stream", json={"question": "q"}, headers=AUTH))
        assert events[-1][0] == "done" and events[-1][1]["sources"] == []
        assert _store(client).answers(1)[0]["answer"] == "ab"
        assert client.get("/readyz").status_code == 503  # ready() raising means not ready
    with _client(tmp_path / "failing", _Plain(fail=True)) as client:
        response = client.post("/v1/answer/stream", json={"question": "q"}, headers=AUTH)
        assert response.status_code == 502 and "ConnectionError" in response.json()["error"]
        assert _store(client).answers(1)[0]["status"] == "error"


def test_a_slow_answer_is_a_504_not_a_hang(tmp_path):
    with _client(tmp_path, EchoAnswerer(delay_s=1.5), answer_timeout_s=0.1) as client:
        started = time.perf_counter()
        response = client.post("/v1/answer", json={"question": "q"}, headers=AUTH)
        assert time.perf_counter() - started < 1.2
        assert response.status_code == 504 and "0.1 s" in response.json()["error"]
        assert _store(client).answers(1)[0]["status"] == "timeout"


def test_readiness_follows_the_answerer(tmp_path):
    answerer = EchoAnswerer(ready=False)
    with _client(tmp_path, answerer) as client:
        assert client.get("/readyz").status_code == 503
        assert client.get("/healthz").status_code == 200
        answerer.is_ready = True
        assert client.get("/readyz").json() == {"ready": True}


class _HangingProbe(EchoAnswerer):
    def ready(self) -> bool:
        time.sleep(1.5)
        return True


def test_a_hanging_readiness_probe_reports_not_ready(tmp_path):
    with _client(tmp_path, _HangingProbe(), ready_timeout_s=0.1) as client:
        started = time.perf_counter()
        response = client.get("/readyz")
        assert time.perf_counter() - started < 1.2
        assert (response.status_code, response.json()) == (503, {"ready": False, "error": "timeout"})


def _sample(text: str, name: str) -> float | None:
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.rsplit(" ", 1)[1])
    return None


def test_metrics_count_requests_latency_and_feedback_per_app(service, tmp_path):
    answer_id = service.post("/v1/answer", json={"question": "hi"}, headers=AUTH).json()["id"]
    service.post("/v1/answer", json={"question": "hi"})  # 401
    service.post("/v1/answer", json={"question": "FAIL"}, headers=AUTH)  # 502
    service.post("/v1/feedback", json={"answer_id": answer_id, "rating": "up"}, headers=AUTH)
    service.get("/wp-admin")
    text = service.get("/metrics").text
    assert _sample(text, 'genai_service_requests_total{endpoint="/v1/answer",status="200"}') == 1
    assert _sample(text, 'genai_service_requests_total{endpoint="/v1/answer",status="401"}') == 1
    assert _sample(text, 'genai_service_requests_total{endpoint="/v1/answer",status="502"}') == 1
    assert _sample(text, 'genai_service_requests_total{endpoint="other",status="404"}') == 1
    assert _sample(text, 'genai_service_answers_total{mode="answer",status="error"}') == 1
    assert _sample(text, 'genai_service_answer_latency_seconds_count{mode="answer"}') == 2
    assert _sample(text, 'genai_service_feedback_total{rating="up"}') == 1
    assert _sample(text, 'genai_service_feedback_total{rating="down"}') == 0
    with _client(tmp_path / "second", EchoAnswerer()) as other:  # its own registry, from zero
        text = other.get("/metrics").text
        assert _sample(text, 'genai_service_feedback_total{rating="up"}') == 0
        assert 'endpoint="/v1/answer"' not in text


def test_config_listens_on_loopback_unless_given_an_address_and_needs_a_key(tmp_path):
    db = str(tmp_path / "db")
    assert ServiceConfig(api_key=KEY, db_path=db).host == "127.0.0.1"
    assert ServiceConfig(api_key=KEY, db_path=db).url == "http://127.0.0.1:8080"
    # A container listens on every interface of its pod; a client there still uses loopback.
    assert ServiceConfig(api_key=KEY, db_path=db, host="0.0.0.0", port=9000).url == \
        "http://127.0.0.1:9000"
    assert ServiceConfig(api_key=KEY, db_path=db, host="::1").url == "http://[::1]:8080"
    for host in ("example.com", "0.0.0.0:8080", ""):
        with pytest.raises(ValueError, match="is not an IP address"):
            ServiceConfig(api_key=KEY, db_path=db, host=host)
    with pytest.raises(ValueError, match="api_key is empty"):
        ServiceConfig(api_key="", db_path=db)


def test_store_refuses_unknown_answers_and_bad_ratings(tmp_path):
    store = ServiceStore(tmp_path / "s.sqlite3")
    with pytest.raises(UnknownAnswerError, match="no answer with id 'nope'"):
        store.add_feedback("nope", "up")
    answer_id = store.record_answer(question="q", text="a")
    with pytest.raises(ValueError, match="rating must be one of up, down"):
        store.add_feedback(answer_id, "sideways")
    assert store.feedback_counts() == {"up": 0, "down": 0}
    store.close()


@pytest.mark.parametrize("spec, says", [("no-colon", "MODULE:FACTORY"),
                                        ("no_such_module_xyz:make", "cannot import"),
                                        ("genai_design.service.fake:nothing", "no callable")])
def test_serve_explains_a_bad_answerer(spec, says, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("GENAI_DESIGN_TEST_NO_KEY", raising=False)
    assert cli.main(["serve", "--answerer", spec, "--db", str(tmp_path / "db"),
                     "--api-key-env", "GENAI_DESIGN_TEST_NO_KEY"]) == 2
    err = capsys.readouterr().err
    assert says in err and "GENAI_DESIGN_TEST_NO_KEY is not set; this run's API key is" in err


def _serve_config(monkeypatch, tmp_path, *flags: str) -> ServiceConfig:
    """The ServiceConfig `genai-design serve FLAGS` hands to run_service (which is not run)."""
    from genai_design.service import app

    seen: list[ServiceConfig] = []
    monkeypatch.setattr(app, "run_service", lambda answerer, config: seen.append(config))
    monkeypatch.setenv("GENAI_DESIGN_TEST_KEY", KEY)
    assert cli.main(["serve", "--answerer", "genai_design.service.fake:make_echo",
                     "--db", str(tmp_path / "db"), "--api-key-env", "GENAI_DESIGN_TEST_KEY",
                     *flags]) == 0
    (config,) = seen
    return config


def test_serve_listens_on_loopback_by_default_and_passes_host_and_port_through(
        monkeypatch, tmp_path, capsys):
    assert cli.build_parser().parse_args(["serve"]).host == "127.0.0.1"
    config = _serve_config(monkeypatch, tmp_path)
    assert (config.host, config.port, config.api_key) == ("127.0.0.1", 8080, KEY)
    assert config.answer_timeout_s == 60.0
    config = _serve_config(monkeypatch, tmp_path, "--host", "0.0.0.0", "--port", "9000",
                           "--answer-timeout", "300")
    assert (config.host, config.port, config.answer_timeout_s) == ("0.0.0.0", 9000, 300.0)
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["url"] == "http://127.0.0.1:9000"


def test_serve_refuses_a_host_that_is_not_an_address_before_loading_the_answerer(tmp_path,
                                                                                  capsys):
    assert cli.main(["serve", "--answerer", "no_such_module_xyz:make", "--host", "my-pod",
                     "--db", str(tmp_path / "db")]) == 2
    err = capsys.readouterr().err
    assert "'my-pod' is not an IP address" in err and "cannot import" not in err


def test_serve_beyond_loopback_needs_a_key_it_did_not_make_up(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("GENAI_DESIGN_SERVICE_KEY", raising=False)
    assert cli.main(["serve", "--answerer", "no_such_module_xyz:make", "--host", "0.0.0.0",
                     "--db", str(tmp_path / "db"), "--api-key-env", "GENAI_DESIGN_SERVICE_KEY"]) == 2
    err = capsys.readouterr().err
    assert "$GENAI_DESIGN_SERVICE_KEY" in err and "cannot import" not in err


# --- the real server, over loopback ------------------------------------------------------------

ECHO = "genai_design.service.fake:make_echo"


def test_loopback_load_then_sigkill_keeps_every_acknowledged_row(tmp_path):
    db, log = tmp_path / "service.sqlite3", tmp_path / "service.log"
    service = start_service(db_path=db, answerer=ECHO, api_key=KEY, log_path=log,
                            ready_timeout_s=60, traces=tmp_path / "traces.sqlite3")
    try:
        questions = [f"question number {i}" for i in range(200)]
        run = ask_many(service.url, KEY, questions, concurrency=16, timeout_s=30,
                       show_progress=False)
        assert run.failed == 0, [r for r in run.requests if not r.ok][:3]
        assert [r.status_code for r in run.requests] == [200] * 200
        assert [r.answer for r in run.requests] == [f"echo: {q}" for q in questions]
        ids = run.ok_ids
        assert len(set(ids)) == 200
        reader = ServiceStore(db)
        assert sorted(row["id"] for row in reader.answers(1000)) == sorted(ids)
        # serve --traces: every stored answer names its trace, and the trace is in the file.
        traced = {span.trace_id for span in read_spans(tmp_path / "traces.sqlite3")}
        assert {row["trace_id"] for row in reader.answers(1000)} == traced and len(traced) == 200
        reader.close()

        ratings = [(ids[i], "up" if i % 3 else "down") for i in range(60)]
        with ThreadPoolExecutor(max_workers=16) as pool:
            statuses = list(pool.map(lambda r: send_feedback(service.url, KEY, *r), ratings))
        acknowledged = [rating for rating, status in zip(ratings, statuses) if status == 201]
        assert service.stop(kill=True) == -signal.SIGKILL  # right after the last acknowledgement
        assert not service.alive()
        assert len(acknowledged) == 60
        reader = ServiceStore(db)  # opened after the kill: what a restarted process finds
        stored = Counter((row["answer_id"], row["rating"]) for row in reader.feedback(1000))
        assert stored == Counter(acknowledged)
        assert len(reader.answers(1000)) == 200

        service = start_service(db_path=db, answerer=ECHO, api_key=KEY, log_path=log,
                                ready_timeout_s=60)
        assert send_feedback(service.url, KEY, ids[-1], "up") == 201
        assert reader.feedback_counts() == {"up": 41, "down": 20}
        reader.close()
    finally:
        service.stop(kill=True)


def test_an_answer_and_its_trace_are_linked_in_the_store(tmp_path):
    from genai_design.monitoring.tracing import tracer_for

    traces = tracer_for(tmp_path / "traces.sqlite3")
    config = ServiceConfig(api_key=KEY, db_path=str(tmp_path / "db.sqlite3"))
    with TestClient(create_app(EchoAnswerer(tracer=traces.tracer), config)) as client:
        reply = client.post("/v1/answer", json={"question": "where is my parcel?"}, headers=AUTH)
    assert reply.status_code == 200
    trace_id = reply.json()["trace_id"]
    assert len(trace_id) == 32
    store = ServiceStore(config.db_path)
    assert store.answers()[0]["trace_id"] == trace_id
    store.close()
    assert [s.name for s in read_spans(traces.path, trace_id)] == ["answer"]
    traces.close()


def test_serve_passes_a_tracer_only_to_a_factory_that_takes_one():
    with pytest.raises(ValueError, match="does not accept tracer"):
        cli._load_answerer("genai_design.course:versions", tracer=object())
    answerer = cli._load_answerer("genai_design.service.fake:make_echo", tracer=None)
    assert isinstance(answerer, EchoAnswerer)


def test_a_store_from_before_trace_ids_gains_the_column_and_keeps_its_rows(tmp_path):
    import sqlite3

    path = tmp_path / "old.sqlite3"
    store = ServiceStore(path)
    answer_id = store.record_answer(question="q", text="a")
    store.close()
    with sqlite3.connect(path) as db:  # as an earlier version wrote it: no trace_id column
        db.execute("ALTER TABLE answers DROP COLUMN trace_id")
    reopened = ServiceStore(path)
    assert [row["id"] for row in reopened.answers()] == [answer_id]
    reopened.record_answer(question="q2", text="b", trace_id="f" * 32)
    assert reopened.answers()[0]["trace_id"] == "f" * 32
    reopened.close()
