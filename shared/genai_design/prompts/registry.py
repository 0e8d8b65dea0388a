"""The versioned prompt registry: files, history, activation, rollback, usage ledger (step 3c).

See the package docstring for where state lives and what is left out.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import os
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from genai_design.prompts.templates import (
    PromptVersion,
    PromptEvent,
    PromptUse,
    normalise_text,
    content_hash,
    placeholders,
    render_template,
    check_name,
    SHORT_SHA_LEN,
    MIN_PREFIX_LEN,
    HISTORY_FILE,
    USAGE_FILE,
    LABEL_RE,
    HEX_RE,
)


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
        if LABEL_RE.fullmatch(key):
            found = [v for v in versions if v.label == key]
        elif HEX_RE.fullmatch(key) and MIN_PREFIX_LEN <= len(key) <= 64:
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
    repo = Path(__file__).resolve().parents[3]
    if not (repo / "prompts").is_dir():
        raise FileNotFoundError(f"no prompts/ folder at {repo / 'prompts'}: the package is not "
                                "running from a checkout of the course repository; build "
                                "PromptRegistry(root=...) with your own folder")
    default_state = repo / ".genai-design"
    return PromptRegistry(repo / "prompts", state_dir if state_dir is not None else default_state)
