"""The service's record of answers and feedback, in SQLite (framework step 8, deploy and monitor).

Every answer the service gives (or fails to give) is one row of ``answers``; every thumbs-up or
thumbs-down a customer sends about it is one row of ``feedback``. The two tables are what the
online evaluation of chapter 8 reads: the rate of thumbs-down per prompt version, latency and
tokens per answer, failures.

Two properties matter more than speed:

- **An acknowledged row survives a crash.** The database runs in WAL mode with
  ``synchronous=FULL`` and each write is its own committed transaction, finished before the
  method returns; the service answers 2xx only after that, so a process killed with SIGKILL
  right after a response has the row on disk.
- **No personal data.** Customers type names, addresses and order numbers into questions, so
  a row keeps the question's length and SHA-256, never its text. (The answer text is kept:
  it is what feedback is about. Redact it upstream if your answers can echo the question.)

Left out on purpose: retention and deletion, migrations between schema versions, and more
than one writing process (SQLite serialises writers; one service process is the unit here).
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
import uuid
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

RATINGS = ("up", "down")  # the only ratings feedback may carry
MAX_COMMENT_CHARS = 500  # longer feedback comments are refused

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS answers (
    id TEXT PRIMARY KEY,               -- uuid4 hex
    ts TEXT NOT NULL,                  -- UTC, ISO 8601
    question_chars INTEGER NOT NULL,   -- length of the question; its text is never stored
    question_sha256 TEXT NOT NULL,     -- hex digest of the question's UTF-8 bytes
    answer TEXT NOT NULL,              -- the text the customer saw ('' on a failure)
    doc_ids TEXT NOT NULL,             -- JSON list of source document ids, best first
    prompt_version TEXT NOT NULL,
    latency_ms REAL NOT NULL,
    input_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    status TEXT NOT NULL,              -- 'ok', 'error', 'timeout' or 'aborted'
    error TEXT,                        -- the exception's class name when status is not 'ok'
    trace_id TEXT                      -- hex id of the answer's trace, when the answerer traces
);
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    answer_id TEXT NOT NULL REFERENCES answers(id),
    rating TEXT NOT NULL CHECK (rating IN {RATINGS!r}),
    comment TEXT CHECK (comment IS NULL OR length(comment) <= {MAX_COMMENT_CHARS}),
    ts TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS feedback_answer ON feedback(answer_id);
"""


class UnknownAnswerError(KeyError):
    """Feedback names an answer id the store has never recorded."""

    def __str__(self) -> str:  # KeyError's own str() wraps the message in quotes
        return str(self.args[0]) if self.args else "unknown answer id"


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


class ServiceStore:
    """Answers and feedback in one SQLite file; safe to share between threads (one lock)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        # One connection behind a lock: writes are serialised by SQLite anyway, and the
        # service's threadpool calls in from many threads.
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        with self._lock:
            mode = self._db.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise OSError(f"{self.path}: SQLite refused WAL mode (got {mode!r}); "
                              "is it on a network file system?")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.execute("PRAGMA busy_timeout=5000")
            self._db.executescript(_SCHEMA)
            columns = {row["name"] for row in self._db.execute("PRAGMA table_info(answers)")}
            if "trace_id" not in columns:  # a store written before answers carried their trace
                self._db.execute("ALTER TABLE answers ADD COLUMN trace_id TEXT")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _write(self, sql: str, params: Sequence[Any]) -> None:
        """Run one statement as its own transaction, committed before returning."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute(sql, params)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def record_answer(self, *, question: str, text: str, doc_ids: Sequence[str] = (),
                      prompt_version: str = "", latency_ms: float = 0.0, input_tokens: int = 0,
                      output_tokens: int = 0, status: str = "ok",
                      error: str | None = None, trace_id: str | None = None) -> str:
        """Store one answer (the question only as length and hash) and return its new id."""
        answer_id = uuid.uuid4().hex
        digest = hashlib.sha256(question.encode("utf-8", "surrogatepass")).hexdigest()
        self._write(
            "INSERT INTO answers (id, ts, question_chars, question_sha256, answer, doc_ids,"
            " prompt_version, latency_ms, input_tokens, output_tokens, status, error, trace_id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (answer_id, _now(), len(question), digest, text, json.dumps(list(doc_ids)),
             prompt_version, float(latency_ms), int(input_tokens), int(output_tokens),
             status, error, trace_id))
        return answer_id

    def add_feedback(self, answer_id: str, rating: str, comment: str | None = None) -> None:
        """Store a rating of an answer; :class:`UnknownAnswerError` when the id is not stored."""
        if rating not in RATINGS:
            raise ValueError(f"rating must be one of {', '.join(RATINGS)}, got {rating!r}")
        if comment is not None and len(comment) > MAX_COMMENT_CHARS:
            raise ValueError(f"comment is {len(comment)} characters; "
                             f"the limit is {MAX_COMMENT_CHARS}")
        try:
            self._write("INSERT INTO feedback (answer_id, rating, comment, ts) VALUES (?, ?, ?, ?)",
                        (answer_id, rating, comment, _now()))
        except sqlite3.IntegrityError as error:
            if "FOREIGN KEY" in str(error):
                raise UnknownAnswerError(f"no answer with id {answer_id!r}") from None
            raise

    def feedback_counts(self) -> dict[str, int]:
        """Ratings stored so far, e.g. ``{"up": 12, "down": 3}`` (both keys always present)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT rating, COUNT(*) FROM feedback GROUP BY rating").fetchall()
        return {rating: 0 for rating in RATINGS} | {r[0]: int(r[1]) for r in rows}

    def answers(self, limit: int = 100) -> list[dict[str, Any]]:
        """The newest ``limit`` answers, newest first, ``doc_ids`` decoded to a list."""
        with self._lock:
            rows = self._db.execute("SELECT * FROM answers ORDER BY ts DESC, rowid DESC LIMIT ?",
                                    (int(limit),)).fetchall()
        return [dict(row) | {"doc_ids": json.loads(row["doc_ids"])} for row in rows]

    def feedback(self, limit: int = 100) -> list[dict[str, Any]]:
        """The newest ``limit`` feedback rows, newest first."""
        with self._lock:
            rows = self._db.execute("SELECT * FROM feedback ORDER BY id DESC LIMIT ?",
                                    (int(limit),)).fetchall()
        return [dict(row) for row in rows]
