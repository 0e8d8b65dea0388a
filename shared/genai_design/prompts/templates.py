"""Prompt templates: normalised text, content hashes, placeholders and rendering (step 3c).

The value types the registry stores (`PromptVersion`, `PromptEvent`, `PromptUse`) and the pure
functions on template text. Nothing here touches files; see `registry` for storage.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import string
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

SHORT_SHA_LEN = 12  # hex digits in the short form of a version hash
MIN_PREFIX_LEN = 4  # shortest hash prefix a lookup accepts
HISTORY_FILE = "history.jsonl"  # per-prompt event log, next to the version files
USAGE_FILE = "prompt-usage.jsonl"  # usage ledger, in the registry's state_dir

SLUG_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")  # prompt names: lower-case words joined by hyphens
LABEL_RE = re.compile(r"v([1-9][0-9]*)")  # version labels: v1, v2, ...
HEX_RE = re.compile(r"[0-9a-f]+")  # a content hash or a prefix of one


@dataclass(frozen=True)
class PromptVersion:
    """One immutable version of a prompt template."""

    name: str  # prompt slug, e.g. "rag-answer"
    label: str  # sequential label within the prompt: "v1", "v2", ...
    sha256: str  # hex sha256 of the normalised text, UTF-8 encoded (64 digits)
    text: str  # the normalised template text
    created_at: str  # ISO 8601 UTC time of registration
    note: str = ""  # why this version was written, as given to register()

    @property
    def short_sha(self) -> str:
        return self.sha256[:SHORT_SHA_LEN]

    @property
    def ref(self) -> str:
        """Compact reference for logs and tables, e.g. ``rag-answer@v2-1a2b3c4d5e6f``."""
        return f"{self.name}@{self.label}-{self.short_sha}"

    @property
    def placeholders(self) -> tuple[str, ...]:
        return placeholders(self.text)

    def render(self, **variables: Any) -> str:
        return render_template(self.text, **variables)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self) | {"short_sha": self.short_sha}


@dataclass(frozen=True)
class PromptEvent:
    """One line of a prompt's history."""

    event: str  # "register", "activate" or "rollback"
    label: str  # the version registered, or the one active after the event
    sha256: str  # hash of that version
    at: str  # ISO 8601 UTC time of the event
    note: str = ""  # reason given (register only)
    previous: str | None = None  # label active before the event (activate, rollback)


@dataclass(frozen=True)
class PromptUse:
    """One line of the usage ledger: a prompt version produced an output."""

    at: str  # ISO 8601 UTC time the use was recorded
    name: str  # prompt slug
    label: str  # version label
    sha256: str  # version hash
    request_id: str  # caller's id for the request, to join with traces and eval results
    output: str  # what the model answered
    meta: dict[str, Any]  # extra JSON fields given to record_use (model, latency_ms, ...)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def normalise_text(text: str) -> str:
    """NFC, ``\\n`` line ends, no trailing spaces, no blank lines at either end."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    lines = [line.rstrip() for line in text.split("\n")]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines)


def content_hash(text: str) -> str:
    """Full hex sha256 of the normalised text."""
    return hashlib.sha256(normalise_text(text).encode("utf-8")).hexdigest()


def placeholders(text: str) -> tuple[str, ...]:
    """Names of the ``{fields}`` in a template, in order of first appearance.

    Literal braces are written ``{{`` and ``}}``. Only plain identifiers are accepted: no
    positional ``{}``, attribute or index access, conversions or format specs.
    """
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:
        message = f"malformed template ({exc}); write literal braces as {{{{ and }}}}"
        raise ValueError(message) from exc
    names: list[str] = []
    for _, field, spec, conversion in parsed:
        if field is None:
            continue
        if not field.isidentifier() or spec or conversion:
            raise ValueError(f"placeholder {{{field}...}} is not allowed: use a plain name like "
                             "{question}; write literal braces as {{ and }}")
        if field not in names:
            names.append(field)
    return tuple(names)


def render_template(text: str, **variables: Any) -> str:
    """Fill every placeholder; missing or unexpected variables raise ValueError."""
    expected = placeholders(text)
    missing = [name for name in expected if name not in variables]
    unexpected = sorted(set(variables) - set(expected))
    if missing or unexpected:
        raise ValueError(f"template expects exactly {list(expected)}; missing: {missing}; "
                         f"unexpected: {unexpected}")
    return text.format(**{name: str(value) for name, value in variables.items()})


def check_name(name: str) -> str:
    """Return ``name`` if it is a slug (lowercase letters, digits, single inner hyphens)."""
    if not isinstance(name, str) or not SLUG_RE.fullmatch(name) or len(name) > 64:
        raise ValueError(f"prompt name {name!r} is not a slug: use lowercase letters, digits and "
                         "single hyphens between them (e.g. 'rag-answer'), at most 64 characters")
    return name
