"""Versioned prompt registry: framework step 3c (prompt engineering and prompt versioning).

A prompt is a template with ``{placeholders}``. Each prompt owns a folder under the root,
named by a slug, with one file per version and an append-only history::

    prompts/rag-answer/v1.txt          text of v1, never edited once registered
    prompts/rag-answer/history.jsonl   register / activate / rollback events, one per line

A version is addressed by label (``v2``) or by the sha256 of its normalised text: all 64
hex digits, the 12-digit short form, or any prefix of 4 or more digits naming one version.
Normalising (NFC, ``\\n`` line ends, no trailing spaces or surrounding blank lines) keeps the
hash stable under editors and git's line-ending conversion; a file that no longer matches its
hash is refused, since a version must name one text forever. The active version is the top of
a stack that ``activate`` pushes and ``rollback`` pops, replayed from the history; the first
version registered is active, later ones wait for ``activate`` (the review step). Nothing is
deleted: a rollback is one more line.

Where state lives: templates and history sit together under the root, in version control, so
an activation or rollback is a reviewed change in ``git log``. The usage ledger (which version
produced which answer) is run-time data in ``state_dir``: ``default_registry()`` uses the
repository's git-ignored ``.genai-design/``; a registry given only a root keeps it there.

Left out: reviewers (git does that), traffic splitting for A/B tests (step 7 reads the
ledger), templating beyond ``str.format`` fields, and a cross-process lock: appends are safe
concurrently (one ``write`` per line, append mode), registering one prompt from two processes
at the same moment is not.
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import json
import os
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

_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_LABEL = re.compile(r"v([1-9][0-9]*)")
_HEX = re.compile(r"[0-9a-f]+")


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
    if not isinstance(name, str) or not _SLUG.fullmatch(name) or len(name) > 64:
        raise ValueError(f"prompt name {name!r} is not a slug: use lowercase letters, digits and "
                         "single hyphens between them (e.g. 'rag-answer'), at most 64 characters")
    return name


def _append_jsonl(path: Path, record: dict[str, Any]) -> None:
    data = (json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        written = os.write(fd, data)  # one write per line: concurrent appends do not interleave
    finally:
        os.close(fd)
    if written != len(data):
        raise OSError(f"short write to {path}: {written} of {len(data)} bytes")


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    records = []
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    for lineno, line in enumerate(lines, start=1):
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}, line {lineno}: not valid JSON ({exc})") from exc
    return records


def _active_stack(name: str, events: list[PromptEvent]) -> list[str]:
    """Replay activate (push) and rollback (pop) events; the last label is the active one."""
    stack: list[str] = []
    for event in events:
        if event.event == "activate":
            stack.append(event.label)
        elif event.event == "rollback":
            if len(stack) < 2 or stack[-2] != event.label:
                raise ValueError(f"history of {name!r} is inconsistent at rollback {event.at}")
            stack.pop()
    return stack


class PromptRegistry:
    """Prompt templates on disk, one folder per prompt; see the module docstring."""

    def __init__(
        self,
        root: str | os.PathLike[str],
        state_dir: str | os.PathLike[str] | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.root = Path(root)  # one folder per prompt, under version control
        self.state_dir = Path(state_dir) if state_dir is not None else self.root  # usage ledger
        self._clock = clock or (lambda: datetime.now(timezone.utc))

    def _log(self, version: PromptVersion, event: str, **extra: Any) -> str:
        at = self._clock().astimezone(timezone.utc).isoformat(timespec="seconds")
        record = {"event": event, "label": version.label, "sha256": version.sha256, "at": at}
        _append_jsonl(self.root / version.name / HISTORY_FILE, record | extra)
        return at

    def _load(self, name: str, new_ok: bool = False) -> tuple[list[PromptVersion], list[str]]:
        """Versions (checked against their hashes) and the active-label stack."""
        folder = self.root / check_name(name)
        if not (folder / HISTORY_FILE).exists() and not new_ok:
            raise KeyError(f"no prompt named {name!r} under {self.root}; known: {self.names()}")
        events = [PromptEvent(**record) for record in _read_jsonl(folder / HISTORY_FILE)]
        versions = []
        for event in (e for e in events if e.event == "register"):
            path = folder / f"{event.label}.txt"
            text = normalise_text(path.read_text(encoding="utf-8"))
            if content_hash(text) != event.sha256:
                raise ValueError(f"{path} no longer matches its registered hash "
                                 f"{event.sha256[:SHORT_SHA_LEN]}: versions are immutable, "
                                 "register the edited text as a new version")
            versions.append(PromptVersion(name, event.label, event.sha256, text, event.at,
                                          event.note))
        known = {f"{v.label}.txt" for v in versions}
        strays = sorted(p.name for p in folder.glob("v*.txt") if p.name not in known)
        if strays:
            raise ValueError(f"{folder} holds unregistered files {strays}: use register()")
        return versions, _active_stack(name, events)

    def names(self) -> list[str]:
        """Slugs of all prompts under the root."""
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if (p / HISTORY_FILE).is_file())

    def versions(self, name: str) -> list[PromptVersion]:
        """All versions of a prompt, oldest first."""
        return self._load(name)[0]

    def history(self, name: str) -> list[PromptEvent]:
        """Every event of a prompt, oldest first."""
        self._load(name)  # validates the name and the files
        return [PromptEvent(**r) for r in _read_jsonl(self.root / name / HISTORY_FILE)]

    def register(self, name: str, text: str, note: str = "") -> PromptVersion:
        """Store ``text`` as the next version; the same normalised text returns the existing one."""
        check_name(name)
        text = normalise_text(text)
        if not text:
            raise ValueError(f"prompt {name!r}: template text is empty")
        placeholders(text)  # refuse a malformed template before it gets a label
        sha = content_hash(text)
        versions, _ = self._load(name, new_ok=True)
        for version in versions:
            if version.sha256 == sha:
                return version
        label = f"v{max((int(v.label[1:]) for v in versions), default=0) + 1}"
        (self.root / name).mkdir(parents=True, exist_ok=True)
        with open(self.root / name / f"{label}.txt", "x", encoding="utf-8", newline="\n") as f:
            f.write(text + "\n")
        new = PromptVersion(name, label, sha, text, created_at="", note=note)
        at = self._log(new, "register", note=note)
        if not versions:
            self._log(new, "activate", previous=None)
        return dataclasses.replace(new, created_at=at)

    def get(self, name: str, version: str | None = None) -> PromptVersion:
        """The active version, or the one a label, full hash or hash prefix names."""
        versions, stack = self._load(name)
        if version is None:
            if not stack:
                raise KeyError(f"prompt {name!r} has no active version")
            return next(v for v in versions if v.label == stack[-1])
        key = version.strip().lower() if isinstance(version, str) else ""
        if _LABEL.fullmatch(key):
            found = [v for v in versions if v.label == key]
        elif _HEX.fullmatch(key) and MIN_PREFIX_LEN <= len(key) <= 64:
            found = [v for v in versions if v.sha256.startswith(key)]
        else:
            raise ValueError(f"version {version!r} is neither a label like 'v2' nor a hex hash "
                             f"prefix of {MIN_PREFIX_LEN} to 64 digits")
        if len(found) > 1:
            raise ValueError(f"hash prefix {version!r} is ambiguous: {[v.ref for v in found]}")
        if not found:
            raise KeyError(f"prompt {name!r} has no version {version!r}; "
                           f"labels: {[v.label for v in versions]}")
        return found[0]

    def render(self, version: PromptVersion, **variables: Any) -> str:
        """Fill a version's placeholders (see ``render_template``)."""
        return version.render(**variables)

    def diff(self, name: str, a: str, b: str) -> str:
        """Unified diff from version ``a`` to version ``b`` ("" when the texts are equal)."""
        va, vb = self.get(name, a), self.get(name, b)
        lines = difflib.unified_diff(va.text.splitlines(), vb.text.splitlines(),
                                     fromfile=va.ref, tofile=vb.ref, lineterm="")
        return "\n".join(lines)

    def activate(self, name: str, version: str) -> PromptVersion:
        """Make a version active; activating the active version changes nothing."""
        target, current = self.get(name, version), self.get(name)
        if target.sha256 != current.sha256:
            self._log(target, "activate", previous=current.label)
        return target

    def rollback(self, name: str) -> PromptVersion:
        """Undo the latest activation still in force: back to the version active before it."""
        versions, stack = self._load(name)
        if len(stack) < 2:
            raise ValueError(f"prompt {name!r}: no earlier activation to roll back to")
        target = next(v for v in versions if v.label == stack[-2])
        self._log(target, "rollback", previous=stack[-1])
        return target

    def record_use(
        self, version: PromptVersion, request_id: str, output: str, **meta: Any
    ) -> PromptUse:
        """Append one line to the usage ledger; ``meta`` must be JSON-serialisable."""
        registered = self.get(version.name, version.sha256)
        if registered.label != version.label:
            raise ValueError(f"{version.ref} is not a version of this registry "
                             f"(that hash is {registered.ref})")
        if not isinstance(request_id, str) or not request_id:
            raise ValueError(f"request_id must be a non-empty str, got {request_id!r}")
        if not isinstance(output, str):
            raise ValueError(f"output must be a str, got {type(output).__name__}")
        try:
            json.dumps(meta)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"record_use meta must be JSON-serialisable: {exc}") from exc
        at = self._clock().astimezone(timezone.utc).isoformat(timespec="seconds")
        use = PromptUse(at, version.name, version.label, version.sha256, request_id, output, meta)
        self.state_dir.mkdir(parents=True, exist_ok=True)
        _append_jsonl(self.state_dir / USAGE_FILE, use.to_dict())
        return use

    def uses(
        self, name: str | None = None, version: str | PromptVersion | None = None
    ) -> list[PromptUse]:
        """Ledger lines, oldest first, of one prompt and/or version (a label needs ``name``)."""
        if isinstance(version, str):
            if name is None:
                raise ValueError("uses(version=...) with a label or hash needs name= as well")
            version = self.get(name, version)
        if name is not None:
            check_name(name)
        return [
            use for use in (PromptUse(**r) for r in _read_jsonl(self.state_dir / USAGE_FILE))
            if (name is None or use.name == name)
            and (version is None or (use.name, use.sha256) == (version.name, version.sha256))
        ]


def default_registry(state_dir: str | os.PathLike[str] | None = None) -> PromptRegistry:
    """The registry of the course repository: ``prompts/`` next to ``shared/``.

    The usage ledger goes to ``state_dir``, by default the repository's git-ignored
    ``.genai-design/`` folder, so recording uses never dirties the tracked templates.
    """
    repo = Path(__file__).resolve().parents[2]
    if not (repo / "prompts").is_dir():
        raise FileNotFoundError(f"no prompts/ folder at {repo / 'prompts'}: the package is not "
                                "running from a checkout of the course repository; build "
                                "PromptRegistry(root=...) with your own folder")
    default_state = repo / ".genai-design"
    return PromptRegistry(repo / "prompts", state_dir if state_dir is not None else default_state)
