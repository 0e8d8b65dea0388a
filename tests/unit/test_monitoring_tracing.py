"""Tests of genai_design.monitoring.tracing: spans written to SQLite by a real OpenTelemetry SDK."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import numpy as np
import pytest
from opentelemetry import trace as trace_api
from opentelemetry.sdk.trace.export import SpanExportResult
from opentelemetry.trace import StatusCode

from genai_design.monitoring.tracing import (
    GEN_INPUT_TOKENS,
    GEN_MODEL,
    GEN_OUTPUT_TOKENS,
    GEN_TTFT_MS,
    GUARD_DECISION,
    GUARD_REASONS,
    PROMPT_NAME,
    PROMPT_VERSION,
    RETRIEVAL_CHUNK_IDS,
    RETRIEVAL_DOC_IDS,
    RETRIEVAL_SCORES,
    RETRIEVAL_STRATEGY,
    SqliteSpanExporter,
    Tracing,
    find_traces,
    generation_attributes,
    guard_attributes,
    prompt_attributes,
    read_spans,
    retrieval_attributes,
    trace_rows,
    trace_tree,
    tracer_for,
    traces_table,
)

CHILDREN = ("guardrail.input", "retrieval", "prompt", "generation")


def answer(tracing: Tracing, chunk_ids: list[str]) -> str:
    """One request as the assistant would trace it; returns its trace id (hex)."""
    tracer = tracing.tracer
    with tracer.start_as_current_span("answer") as root:
        with tracer.start_as_current_span("guardrail.input") as span:
            span.set_attributes(guard_attributes("allow", ["no_pii", "no_injection"]))
        with tracer.start_as_current_span("retrieval") as span:
            scores = np.array([0.9, 0.5, 0.25][: len(chunk_ids)], dtype=np.float32)
            doc_ids = [c.split("#")[0] for c in chunk_ids]
            span.set_attributes(retrieval_attributes(chunk_ids, scores, doc_ids, "hybrid"))
        with tracer.start_as_current_span("prompt") as span:
            span.set_attributes(prompt_attributes("rag_answer", "3"))
        with tracer.start_as_current_span("generation") as span:
            span.set_attributes(generation_attributes("smollm2", 412, 57, ttft_ms=83.5))
        return format(root.get_span_context().trace_id, "032x")


@pytest.fixture
def tracing(tmp_path: Path):
    with tracer_for(tmp_path / "traces.db") as t:
        yield t


def test_every_span_is_stored_and_parents_form_the_tree(tracing: Tracing) -> None:
    trace_id = answer(tracing, ["faq#1", "faq#7", "policy#2"])
    spans = read_spans(tracing.path)
    assert len(spans) == 5 and {s.trace_id for s in spans} == {trace_id}
    (root,) = [s for s in spans if s.parent_span_id is None]
    assert root.name == "answer" and root.service_name == "genai-design-assistant"
    children = [s for s in spans if s is not root]
    assert [s.name for s in children] == list(CHILDREN)  # ordered by start time
    assert all(s.parent_span_id == root.span_id for s in children)
    assert len({s.span_id for s in spans}) == 5
    for s in spans:
        assert s.end_ns >= s.start_ns and s.duration_ms >= 0
        assert s.duration_ms == pytest.approx((s.end_ns - s.start_ns) / 1e6)
        assert s.status_code == "UNSET"
    for s in children:
        assert root.start_ns <= s.start_ns and s.end_ns <= root.end_ns


def test_attributes_read_back_with_their_types(tracing: Tracing) -> None:
    answer(tracing, ["faq#1", "faq#7", "policy#2"])
    by_name = {s.name: s.attributes for s in read_spans(tracing.path)}
    retrieval = by_name["retrieval"]
    assert retrieval[RETRIEVAL_CHUNK_IDS] == ["faq#1", "faq#7", "policy#2"]
    assert retrieval[RETRIEVAL_DOC_IDS] == ["faq", "faq", "policy"]
    assert retrieval[RETRIEVAL_STRATEGY] == "hybrid"
    assert retrieval[RETRIEVAL_SCORES] == pytest.approx([0.9, 0.5, 0.25])
    assert all(type(v) is float for v in retrieval[RETRIEVAL_SCORES])  # float32 became float
    assert by_name["guardrail.input"] == {GUARD_DECISION: "allow",
                                          GUARD_REASONS: ["no_pii", "no_injection"]}
    assert by_name["prompt"] == {PROMPT_NAME: "rag_answer", PROMPT_VERSION: "3"}
    assert by_name["generation"] == {GEN_MODEL: "smollm2", GEN_INPUT_TOKENS: 412,
                                     GEN_OUTPUT_TOKENS: 57, GEN_TTFT_MS: 83.5}
    # the columns are plain SQL too: an array attribute is a JSON list in the file
    with sqlite3.connect(tracing.path) as conn:
        (raw,) = conn.execute("SELECT json_extract(attributes, '$.\"retrieval.chunk_ids\"') "
                              "FROM spans WHERE name = 'retrieval'").fetchone()
    assert raw == '["faq#1","faq#7","policy#2"]'


def test_a_span_is_in_the_file_as_soon_as_it_ends(tracing: Tracing) -> None:
    with tracing.tracer.start_as_current_span("answer"):
        with tracing.tracer.start_as_current_span("retrieval"):
            pass
        assert [s.name for s in read_spans(tracing.path)] == ["retrieval"]  # root still open
    assert sorted(s.name for s in read_spans(tracing.path)) == ["answer", "retrieval"]


def test_find_traces_by_chunk_id_and_tree_and_table(tracing: Tracing) -> None:
    first = answer(tracing, ["faq#1", "faq#7"])
    second = answer(tracing, ["policy#2", "faq#9"])

    def used(chunk: str):
        return lambda s: (s.name == "retrieval"
                          and chunk in s.attributes.get(RETRIEVAL_CHUNK_IDS, []))

    assert find_traces(tracing.path, used("faq#7")) == [first]
    assert find_traces(tracing.path, used("policy#2")) == [second]
    assert find_traces(tracing.path, used("faq#")) == []  # whole ids, not substrings
    assert find_traces(tracing.path, lambda s: s.name == "generation") == [first, second]

    lines = trace_tree(tracing.path, second).splitlines()
    assert [line.split()[0] for line in lines] == ["answer", *CHILDREN]
    assert not lines[0].startswith(" ") and all(line.startswith("  ") for line in lines[1:])
    assert "retrieval.chunk_ids=policy#2,faq#9" in lines[2]
    assert "gen_ai.usage.output_tokens=57" in lines[4] and lines[4].split()[2] == "ms"

    table = trace_rows(tracing.path, second)
    assert [r["span"].strip("\u2003") for r in table] == ["answer", *CHILDREN]
    assert [r["span"].count("\u2003") for r in table] == [0] + [1] * len(CHILDREN)
    assert "retrieval.chunk_ids=policy#2,faq#9" in table[2]["attributes"]
    assert all(r["ms"] >= 0 and r["status"] == "" for r in table)

    rows = traces_table(tracing.path, limit=10)
    assert [r.trace_id for r in rows] == [second, first]  # newest first
    assert all(r.root_name == "answer" and r.span_count == 5 and r.error_count == 0 for r in rows)
    root = next(s for s in read_spans(tracing.path, second) if s.name == "answer")
    assert rows[0].start_ns == root.start_ns and rows[0].total_ms == pytest.approx(root.duration_ms)
    assert [r.trace_id for r in traces_table(tracing.path, limit=1)] == [second]
    with pytest.raises(ValueError, match="limit"):
        traces_table(tracing.path, limit=0)
    with pytest.raises(ValueError, match="no spans of trace"):
        trace_tree(tracing.path, "0" * 32)


def test_an_exception_gives_status_error_and_an_event(tracing: Tracing) -> None:
    with pytest.raises(TimeoutError):
        with tracing.tracer.start_as_current_span("answer"):
            with tracing.tracer.start_as_current_span("generation"):
                raise TimeoutError("model server did not answer in 30 s")
    spans = {s.name: s for s in read_spans(tracing.path)}
    for span in spans.values():  # the exception escaped both spans
        assert span.status_code == StatusCode.ERROR.name
        assert "model server did not answer" in (span.status_description or "")
        (event,) = span.events
        assert event["name"] == "exception"
        assert event["attributes"]["exception.type"] == "TimeoutError"
        assert span.start_ns <= event["timestamp_ns"] <= span.end_ns
    (row,) = traces_table(tracing.path)
    assert row.error_count == 2
    assert "ERROR(TimeoutError: model server" in trace_tree(tracing.path, row.trace_id)


def test_two_tracings_write_two_files_and_leave_the_global_provider(tmp_path: Path) -> None:
    before = trace_api.get_tracer_provider()
    a, b = tracer_for(tmp_path / "a.db", "gateway"), tracer_for(tmp_path / "b.db", "worker")
    trace_a, trace_b, trace_a2 = answer(a, ["faq#1"]), answer(b, ["faq#1"]), answer(a, ["faq#2"])
    a.close()
    b.close()
    assert trace_api.get_tracer_provider() is before
    spans_a, spans_b = read_spans(a.path), read_spans(b.path)
    assert {s.trace_id for s in spans_a} == {trace_a, trace_a2} and len(spans_a) == 10
    assert {s.trace_id for s in spans_b} == {trace_b} and len(spans_b) == 5
    assert {s.service_name for s in spans_a} == {"gateway"}
    assert {s.service_name for s in spans_b} == {"worker"}
    assert read_spans(a.path, trace_b) == []


def test_closed_tracing_drops_spans_and_exporter_refuses_after_shutdown(tmp_path: Path) -> None:
    tracing = tracer_for(tmp_path / "t.db")
    answer(tracing, ["faq#1"])
    tracing.close()
    tracing.close()  # twice is harmless
    with tracing.tracer.start_as_current_span("late"):
        pass
    assert "late" not in {s.name for s in read_spans(tracing.path)}
    assert not Path(f"{tracing.path}-wal").exists()  # the last connection tidied the WAL away
    exporter = SqliteSpanExporter(tmp_path / "e.db")
    exporter.shutdown()
    assert exporter.export([]) is SpanExportResult.FAILURE


def test_reading_a_missing_or_foreign_file_raises_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "traces.db"
    for read in (read_spans, lambda p: trace_tree(p, "0" * 32), traces_table,
                 lambda p: find_traces(p, lambda s: True)):
        with pytest.raises(FileNotFoundError, match="no span store at .*traces.db"):
            read(missing)
    assert not missing.exists()  # reading did not create it
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE t (x)")
    with pytest.raises(ValueError, match="no 'spans' table"):
        read_spans(other)
    text = tmp_path / "notes.txt"
    text.write_text("not a database, just words " * 40)
    with pytest.raises(ValueError, match="not a SQLite span store"):
        read_spans(text)


def test_exporter_from_several_threads(tracing: Tracing) -> None:
    threads_n, traces_per_thread = 8, 25
    barrier = threading.Barrier(threads_n)
    ids: dict[tuple[int, int], str] = {}
    errors: list[BaseException] = []

    def work(k: int) -> None:
        try:
            barrier.wait()
            for i in range(traces_per_thread):
                ids[k, i] = answer(tracing, [f"t{k}#{i}", "shared#0"])
        except BaseException as error:  # surfaced below, not lost in the thread
            errors.append(error)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    spans = read_spans(tracing.path)
    assert len(spans) == threads_n * traces_per_thread * 5
    assert len(set(ids.values())) == threads_n * traces_per_thread
    for trace_id in ids.values():  # each thread's context kept its own tree
        trace = [s for s in spans if s.trace_id == trace_id]
        (root,) = [s for s in trace if s.parent_span_id is None]
        assert sorted(s.name for s in trace if s.parent_span_id == root.span_id) == sorted(CHILDREN)
    def chunk(c: str):
        return lambda s: c in s.attributes.get(RETRIEVAL_CHUNK_IDS, [])

    assert sorted(find_traces(tracing.path, chunk("shared#0"))) == sorted(ids.values())
    assert find_traces(tracing.path, chunk("t3#4")) == [ids[3, 4]]


def test_attribute_helpers_check_their_inputs() -> None:
    with pytest.raises(ValueError, match="2 values for 3 chunk ids"):
        retrieval_attributes(["a", "b", "c"], scores=[0.1, 0.2])
    with pytest.raises(TypeError, match="one string"):
        retrieval_attributes("abc")
    with pytest.raises(TypeError, match="one string"):
        guard_attributes("block", "injection")
    assert retrieval_attributes([]) == {RETRIEVAL_CHUNK_IDS: []}
    assert GEN_TTFT_MS not in generation_attributes("m", 1, 2)
