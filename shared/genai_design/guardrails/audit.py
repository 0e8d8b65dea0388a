"""An append-only audit log of guardrail decisions (framework step 6, and the trail step 8 monitors).

Every decision the guardrail pipeline takes (a text blocked, PII redacted, an answer withheld)
is appended as one JSON line with its reasons. Three properties matter more than speed:

- **Nothing lost on a crash.** Each record is written with a single ``os.write`` on a file
  opened with ``O_APPEND`` and, by default, flushed to disk with ``fsync`` before ``append``
  returns. A process killed between two records leaves every earlier record whole; a process
  killed during a write can leave at most one torn last line, which :func:`read_audit_log`
  skips and counts instead of failing; the next append starts on a new line, so the torn line
  never swallows a good record.
- **No personal data in the log.** Records carry the redacted text's length and hash, entity
  types and scores, never the customer's text (the log outlives the conversation).
- **Readable by anything.** JSON lines, one object per decision, UTC timestamps.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class AuditRead:
    """What :func:`read_audit_log` found."""

    records: list[dict[str, Any]]  # every whole record, in the order written
    torn_lines: int  # lines that were not valid JSON (at most the last one after a crash)


class AuditLog:
    """Appends decision records to a JSON-lines file; safe to share between threads."""

    def __init__(self, path: str | os.PathLike[str], fsync: bool = True) -> None:
        self.path = Path(path)
        self.fsync = fsync  # True: each record is on disk before append() returns
        self.lock = threading.Lock()

    def append(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """Write one record (a ``ts`` field is added when missing) and return it as written."""
        if not isinstance(record, Mapping):
            raise TypeError(f"an audit record is a mapping, got {type(record).__name__}")
        row = {"ts": datetime.now(timezone.utc).isoformat(timespec="milliseconds"), **record}
        line = (json.dumps(row, ensure_ascii=True, default=str) + "\n").encode("ascii")
        with self.lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                size = os.fstat(fd).st_size
                if size and os.pread(fd, 1, size - 1) != b"\n":  # a torn line from a crash: end it
                    line = b"\n" + line
                written = os.write(fd, line)
                if written != len(line):  # a short write would leave a torn line: say so
                    raise OSError(f"short write to the audit log {self.path}: {written} of {len(line)} bytes")
                if self.fsync:
                    os.fsync(fd)
            finally:
                os.close(fd)
        return row


def read_audit_log(path: str | os.PathLike[str]) -> AuditRead:
    """Every whole record of the log at ``path`` (an absent file reads as empty)."""
    path = Path(path)
    if not path.exists():
        return AuditRead([], 0)
    records, torn = [], 0
    for line in path.read_bytes().splitlines():
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except (json.JSONDecodeError, UnicodeDecodeError):
            torn += 1
            continue
        if isinstance(row, dict):
            records.append(row)
        else:
            torn += 1
    return AuditRead(records, torn)
