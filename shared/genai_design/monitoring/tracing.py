"""Request tracing into a SQLite file (framework step 8, deploy and monitor: observability).

One request to the assistant is one **trace**: a root span (``answer``) with a child span
per stage (``retrieval``, ``prompt``, ``generation``, ``guardrail.input``). OpenTelemetry
records the spans; :class:`SqliteSpanExporter` writes each finished span as one row of a
``spans`` table, so a notebook can answer "which answers used chunk X?" with a query
instead of a dashboard.

- :func:`tracer_for` gives a :class:`Tracing` (provider + tracer) for one file. It never
  sets OpenTelemetry's global tracer provider: pass the tracer to the code you instrument,
  and tests or notebooks can keep several side by side.
- :func:`read_spans`, :func:`trace_tree`, :func:`traces_table`, :func:`find_traces` read
  the file back.
- The attribute-name constants, and the ``*_attributes`` helpers that type their values,
  make every instrumented call use the same names: ids, counts and decisions, never the
  customer's text.

Left out on purpose: metrics and logs (only traces), sampling (every span is kept),
context propagation across processes (W3C ``traceparent`` headers), an OTLP collector or
tracing UI (the same provider can take an OTLP exporter beside this one), retention and
deletion of old rows. The current span lives in OpenTelemetry's context, not in a provider:
a span of one provider opened inside a span of another joins its trace (in its own file).
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.trace import Tracer

logger = logging.getLogger(__name__)

# Attribute names. The gen_ai.* ones are those of OpenTelemetry's GenAI semantic conventions,
# written out so that package is not needed; the others have no convention name there.
RETRIEVAL_CHUNK_IDS = "retrieval.chunk_ids"  # list[str], in rank order
RETRIEVAL_SCORES = "retrieval.scores"  # list[float], one per chunk id
RETRIEVAL_DOC_IDS = "retrieval.doc_ids"  # list[str], the source document of each chunk
RETRIEVAL_STRATEGY = "retrieval.strategy"  # str, e.g. "bm25", "dense", "hybrid"
PROMPT_NAME = "gen_ai.prompt.name"  # str, the prompt template's name (GenAI convention)
PROMPT_VERSION = "prompt.version"  # str, the template's version
GEN_MODEL = "gen_ai.request.model"  # str, the model asked for (GenAI convention)
GEN_INPUT_TOKENS = "gen_ai.usage.input_tokens"  # int (GenAI convention)
GEN_OUTPUT_TOKENS = "gen_ai.usage.output_tokens"  # int (GenAI convention)
GEN_TTFT_MS = "generation.ttft_ms"  # float, time to first token in ms (GenAI's is a metric, in s)
GUARD_DECISION = "guardrail.decision"  # str, e.g. "allow", "block", "redact"
GUARD_REASONS = "guardrail.reasons"  # list[str]
KEY_ATTRIBUTES = (  # the ones trace_tree shows
    RETRIEVAL_STRATEGY, RETRIEVAL_CHUNK_IDS, RETRIEVAL_SCORES, RETRIEVAL_DOC_IDS, PROMPT_NAME,
    PROMPT_VERSION, GEN_MODEL, GEN_INPUT_TOKENS, GEN_OUTPUT_TOKENS, GEN_TTFT_MS, GUARD_DECISION,
    GUARD_REASONS)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS spans (
    trace_id TEXT NOT NULL,           -- 32 hex digits
    span_id TEXT NOT NULL,            -- 16 hex digits
    parent_span_id TEXT,              -- 16 hex digits, NULL for a root span
    name TEXT NOT NULL,
    start_ns INTEGER NOT NULL,        -- Unix time in nanoseconds
    end_ns INTEGER NOT NULL,
    duration_ms REAL NOT NULL,
    status_code TEXT NOT NULL,        -- UNSET, OK or ERROR
    status_description TEXT,
    attributes TEXT NOT NULL,         -- JSON object; sequences are JSON lists
    events TEXT NOT NULL,             -- JSON list of {name, timestamp_ns, attributes}
    service_name TEXT,                -- the resource's service.name
    PRIMARY KEY (trace_id, span_id)
);
CREATE INDEX IF NOT EXISTS spans_by_start ON spans (start_ns);
"""
_COLUMNS = ("trace_id, span_id, parent_span_id, name, start_ns, end_ns, duration_ms, "
            "status_code, status_description, attributes, events, service_name")
_INSERT = f"INSERT OR REPLACE INTO spans ({_COLUMNS}) VALUES ({', '.join('?' * 12)})"


def _json(value: Any) -> str:
    # OpenTelemetry stores sequences as tuples (JSON lists); bytes values are written as hex.
    return json.dumps(value, default=lambda v: v.hex() if isinstance(v, bytes) else str(v))


def _row(span: ReadableSpan) -> tuple[Any, ...]:
    context = span.context
    if context is None or span.start_time is None:
        raise ValueError(f"span {span.name!r} has no context or start time")
    end_ns = span.end_time if span.end_time is not None else span.start_time
    events = [{"name": e.name, "timestamp_ns": e.timestamp, "attributes": dict(e.attributes or {})}
              for e in span.events]
    return (
        format(context.trace_id, "032x"), format(context.span_id, "016x"),
        format(span.parent.span_id, "016x") if span.parent is not None else None,
        span.name, span.start_time, end_ns, (end_ns - span.start_time) / 1e6,
        span.status.status_code.name, span.status.description,
        _json(dict(span.attributes or {})), _json(events),
        span.resource.attributes.get(SERVICE_NAME),
    )


class SqliteSpanExporter(SpanExporter):
    """Writes finished spans to the ``spans`` table of a SQLite file; safe to share between threads.

    One transaction per :meth:`export` call, so a batch is in the file, whole, when it returns.
    The file is in WAL mode with ``synchronous=NORMAL``: a commit costs well under a millisecond
    instead of an fsync (several ms, which a parent span's duration would include), and survives
    a crash of the process; a power cut may lose the last few spans. Readers never block it.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = sqlite3.connect(self.path, check_same_thread=False)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.executescript(_SCHEMA)

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        try:
            rows = [_row(span) for span in spans]
        except ValueError:
            logger.exception("cannot export spans to %s", self.path)
            return SpanExportResult.FAILURE
        with self._lock:
            if self._conn is None:
                logger.warning("%d spans for %s dropped: exporter shut down", len(rows), self.path)
                return SpanExportResult.FAILURE
            try:
                with self._conn:  # commits, or rolls back the whole batch
                    self._conn.executemany(_INSERT, rows)
            except sqlite3.Error:
                logger.exception("cannot write %d spans to %s", len(rows), self.path)
                return SpanExportResult.FAILURE
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True  # every export has committed already


@dataclass(frozen=True)
class Tracing:
    """A tracer writing to one SQLite file, and the provider that owns it (:func:`tracer_for`)."""

    provider: TracerProvider  # owns the span processor and exporter; close() shuts them down
    tracer: Tracer  # start spans with tracer.start_as_current_span("answer")
    path: Path  # the SQLite file the spans go to

    def close(self) -> None:
        """Shut the provider down and close the file; spans ended later are dropped."""
        self.provider.shutdown()

    def __enter__(self) -> Tracing:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def tracer_for(path: str | os.PathLike[str],
               service_name: str = "genai-design-assistant") -> Tracing:
    """A provider and tracer exporting every finished span to the SQLite file ``path``.

    Spans go through a ``SimpleSpanProcessor``: each is written (and committed) in the thread
    that ends it, before ``end()`` returns, because a course notebook reads the file in the
    next cell. That costs a SQLite write per span on the request path; production would use a
    ``BatchSpanProcessor``, which writes from a background thread every few seconds.
    The global tracer provider is left alone, and no exit hook is registered (nothing is
    buffered, so there is nothing to flush at exit).
    """
    provider = TracerProvider(resource=Resource.create({SERVICE_NAME: service_name}),
                              shutdown_on_exit=False)
    provider.add_span_processor(SimpleSpanProcessor(SqliteSpanExporter(path)))
    return Tracing(provider, provider.get_tracer("genai_design.monitoring"), Path(path))


@dataclass(frozen=True)
class SpanRecord:
    """One row of the ``spans`` table, as :func:`read_spans` returns it."""

    trace_id: str  # 32 hex digits
    span_id: str  # 16 hex digits
    parent_span_id: str | None  # 16 hex digits, None for a root span
    name: str  # e.g. "retrieval"
    start_ns: int  # Unix time in nanoseconds
    end_ns: int  # Unix time in nanoseconds
    duration_ms: float  # (end_ns - start_ns) / 1e6
    status_code: str  # "UNSET", "OK" or "ERROR"
    status_description: str | None  # the error's message, when there is one
    attributes: dict[str, Any] = field(default_factory=dict)  # array attributes are lists
    events: list[dict[str, Any]] = field(default_factory=list)  # {name, timestamp_ns, attributes}
    service_name: str | None = None  # the resource's service.name


@dataclass(frozen=True)
class TraceSummary:
    """One trace, as a row of :func:`traces_table`."""

    trace_id: str  # 32 hex digits
    root_name: str  # the root span's name (the earliest span's if the root is not stored)
    start_ns: int  # Unix time in nanoseconds of the trace's first span
    total_ms: float  # from the first span's start to the last span's end
    span_count: int  # spans stored for this trace
    error_count: int  # spans with status ERROR


def _open(path: str | os.PathLike[str]) -> sqlite3.Connection:
    """A connection to an existing span store (only ever read), or a clear error."""
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"no span store at {p} (tracer_for({str(p)!r}) creates one)")
    # Not mode=ro: a read-only connection cannot tidy away the WAL files when it is the last.
    conn = sqlite3.connect(p)
    try:
        found = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'spans'")
        has_spans = found.fetchone() is not None
    except sqlite3.DatabaseError as error:
        conn.close()
        raise ValueError(f"{p} is not a SQLite span store: {error}") from None
    if not has_spans:
        conn.close()
        raise ValueError(f"{p} has no 'spans' table: not a span store")
    return conn


def read_spans(path: str | os.PathLike[str], trace_id: str | None = None) -> list[SpanRecord]:
    """Every span in the file (or of one trace), ordered by start time."""
    conn = _open(path)
    try:
        where, args = ("WHERE trace_id = ?", (trace_id.lower(),)) if trace_id else ("", ())
        query = f"SELECT {_COLUMNS} FROM spans {where} ORDER BY start_ns, span_id"
        rows = conn.execute(query, args)
        return [SpanRecord(*row[:9], attributes=json.loads(row[9]), events=json.loads(row[10]),
                           service_name=row[11]) for row in rows]
    finally:
        conn.close()


def _short(value: Any, width: int = 60) -> str:
    text = ",".join(map(str, value)) if isinstance(value, list) else str(value)
    return text if len(text) <= width else text[: width - 3] + "..."


def trace_rows(path: str | os.PathLike[str], trace_id: str,
               keys: Sequence[str] = KEY_ATTRIBUTES) -> list[dict[str, Any]]:
    """One trace as table rows in tree order: ``span`` (indented by depth), ``ms``, ``status``
    and ``attributes`` (``keys``' values, shortened), for ``show_table``.

    Children are ordered by start time. A span whose parent is not stored (a remote parent,
    or a root still open) is shown at the top level. Raises ValueError for an unknown trace.
    """
    spans = read_spans(path, trace_id)
    if not spans:
        raise ValueError(f"no spans of trace {trace_id} in {path}")
    ids = {span.span_id for span in spans}
    children: dict[str | None, list[SpanRecord]] = {}
    for span in spans:  # already in start order
        parent = span.parent_span_id if span.parent_span_id in ids else None
        children.setdefault(parent, []).append(span)
    rows: list[dict[str, Any]] = []

    def walk(parent: str | None, depth: int) -> None:
        for span in children.get(parent, []):
            status = f"ERROR({span.status_description or ''})" if span.status_code == "ERROR" else ""
            rows.append({"span": "\u2003" * depth + span.name, "ms": span.duration_ms, "status": status,
                         "attributes": "; ".join(f"{k}={_short(span.attributes[k])}"
                                                 for k in keys if k in span.attributes)})
            walk(span.span_id, depth + 1)

    walk(None, 0)
    return rows


def trace_tree(path: str | os.PathLike[str], trace_id: str,
               keys: Sequence[str] = KEY_ATTRIBUTES) -> str:
    """One trace as an indented text tree: name, duration in ms, status if ERROR, ``keys``' values
    (the rows of :func:`trace_rows`, one line each, for a terminal)."""
    lines = []
    for row in trace_rows(path, trace_id, keys):
        name = row["span"].replace("\u2003", "  ")
        parts = [f"{name}  {row['ms']:.1f} ms", row["status"], row["attributes"].replace("; ", "  ")]
        lines.append("  ".join(part for part in parts if part))
    return "\n".join(lines)


def traces_table(path: str | os.PathLike[str], limit: int = 20) -> list[TraceSummary]:
    """One :class:`TraceSummary` per trace, newest first, at most ``limit`` of them."""
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    conn = _open(path)
    try:
        rows = conn.execute(
            """SELECT s.trace_id,
                      (SELECT r.name FROM spans r WHERE r.trace_id = s.trace_id
                       ORDER BY r.parent_span_id IS NOT NULL, r.start_ns LIMIT 1),
                      MIN(s.start_ns), (MAX(s.end_ns) - MIN(s.start_ns)) / 1e6, COUNT(*),
                      SUM(s.status_code = 'ERROR')
               FROM spans s GROUP BY s.trace_id ORDER BY MIN(s.start_ns) DESC LIMIT ?""",
            (limit,))
        return [TraceSummary(*row) for row in rows]
    finally:
        conn.close()


def find_traces(path: str | os.PathLike[str], where: Callable[[SpanRecord], bool]) -> list[str]:
    """Ids of the traces with at least one span for which ``where(span)`` is true.

    In order of their first matching span. Reads the whole file (fine at course scale)::

        find_traces(path, lambda s: "c42" in s.attributes.get(RETRIEVAL_CHUNK_IDS, []))
    """
    found: dict[str, None] = {}
    for span in read_spans(path):
        if span.trace_id not in found and where(span):
            found[span.trace_id] = None
    return list(found)


def _strings(name: str, values: Sequence[str]) -> list[str]:
    if isinstance(values, str):
        raise TypeError(f"{name} is a sequence of strings, got one string {values!r}")
    return [str(v) for v in values]


def retrieval_attributes(
    chunk_ids: Sequence[str], scores: Sequence[float] | None = None,
    doc_ids: Sequence[str] | None = None, strategy: str | None = None,
) -> dict[str, str | list[str] | list[float]]:
    """Attributes of a retrieval span; scores become plain floats (numpy float32 would not)."""
    attributes: dict[str, str | list[str] | list[float]] = {
        RETRIEVAL_CHUNK_IDS: _strings("chunk_ids", chunk_ids)}
    if strategy is not None:
        attributes[RETRIEVAL_STRATEGY] = strategy
    for key, values in ((RETRIEVAL_SCORES, scores), (RETRIEVAL_DOC_IDS, doc_ids)):
        if values is None:
            continue
        if len(values) != len(chunk_ids):
            raise ValueError(f"{key} has {len(values)} values for {len(chunk_ids)} chunk ids")
        attributes[key] = ([float(v) for v in values] if key == RETRIEVAL_SCORES
                           else _strings("doc_ids", values))
    return attributes


def prompt_attributes(name: str, version: str) -> dict[str, str]:
    """Attributes of a prompt-building span."""
    return {PROMPT_NAME: name, PROMPT_VERSION: str(version)}


def generation_attributes(model: str, input_tokens: int, output_tokens: int,
                          ttft_ms: float | None = None) -> dict[str, str | int | float]:
    """Attributes of a generation span (token counts as ints, TTFT in ms)."""
    attributes: dict[str, str | int | float] = {
        GEN_MODEL: model, GEN_INPUT_TOKENS: int(input_tokens),
        GEN_OUTPUT_TOKENS: int(output_tokens)}
    if ttft_ms is not None:
        attributes[GEN_TTFT_MS] = float(ttft_ms)
    return attributes


def guard_attributes(decision: str, reasons: Sequence[str] = ()) -> dict[str, str | list[str]]:
    """Attributes of a guardrail span: its decision and the reasons for it."""
    return {GUARD_DECISION: decision, GUARD_REASONS: _strings("reasons", reasons)}
