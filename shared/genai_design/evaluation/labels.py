"""Human labels for answers, stored as they are given (framework step 7, human evaluation).

:class:`LabelStore` keeps labels in a SQLite file: every label is one committed row the moment
it is given, so a label survives a kernel restart or a crash, and a changed mind is a new row,
never an overwrite (the latest row per item and labeller counts). Labellers are kept apart by
name, so two people's labels of the same item can be compared
(:mod:`~genai_design.evaluation.agreement`).

:func:`labelling_widget` is the interface: an ipywidgets panel that shows one item at a time
(question, reference answer, the answer to judge) with one button per label; a click stores the
label and moves on, and the panel starts at the first item this labeller has not labelled.

Left out: accounts and access control, adjudication of disagreements, and labelling guidelines
(they belong in the label set's README, next to the labels).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS labels (
    row INTEGER PRIMARY KEY AUTOINCREMENT,
    item_id TEXT NOT NULL,
    labeller TEXT NOT NULL,
    label TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    at REAL NOT NULL
)
"""


@dataclass(frozen=True)
class Label:
    """One label as stored."""

    item_id: str  # what was labelled, e.g. "sh-014/v2"
    labeller: str  # who labelled it
    label: str  # the label given
    note: str  # optional free text
    at: float  # Unix time it was stored


class LabelStore:
    """Labels in one SQLite file; each :meth:`add` is committed before it returns."""

    def __init__(self, path: str | Path, allowed: Sequence[str] | None = None) -> None:
        self.path = Path(path)
        self.allowed = tuple(allowed) if allowed is not None else None  # None: any label
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as db, db:
            db.execute(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10.0)

    def add(self, item_id: str, labeller: str, label: str, note: str = "") -> Label:
        """Store one label now (a later label for the same item and labeller supersedes it)."""
        for name, value in (("item_id", item_id), ("labeller", labeller), ("label", label)):
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"{name} must be a non-empty string, got {value!r}")
        if self.allowed is not None and label not in self.allowed:
            raise ValueError(f"label {label!r} is not one of {list(self.allowed)}")
        stored = Label(item_id, labeller.strip(), label, note, time.time())
        with closing(self._connect()) as db, db:  # the `with db` block commits
            db.execute("INSERT INTO labels (item_id, labeller, label, note, at) VALUES (?, ?, ?, ?, ?)",
                       (stored.item_id, stored.labeller, stored.label, stored.note, stored.at))
        return stored

    def history(self, labeller: str | None = None) -> list[Label]:
        """Every stored row, oldest first (optionally one labeller's)."""
        query = "SELECT item_id, labeller, label, note, at FROM labels"
        args: tuple[Any, ...] = ()
        if labeller is not None:
            query, args = query + " WHERE labeller = ?", (labeller,)
        with closing(self._connect()) as db:
            return [Label(*row) for row in db.execute(query + " ORDER BY row", args)]

    def labels(self, labeller: str) -> dict[str, str]:
        """Item id -> the labeller's latest label."""
        return {row.item_id: row.label for row in self.history(labeller)}

    def labellers(self) -> list[str]:
        """Everyone who has stored a label, sorted."""
        with closing(self._connect()) as db:
            return sorted(r[0] for r in db.execute("SELECT DISTINCT labeller FROM labels"))


def labelling_widget(items: Sequence[Mapping[str, str]], store: LabelStore, labeller: str,
                     choices: Sequence[str], render: Callable[[Mapping[str, str]], str] | None = None) -> Any:
    """An ipywidgets panel to label ``items`` (dicts with at least ``"id"``) one at a time.

    ``render`` turns an item into HTML (default: its fields other than ``id``, one per line,
    escaped). Returns the panel; display it in a notebook. Each click stores the label in
    ``store`` before the next item is shown.
    """
    import html

    import ipywidgets as w

    if not items:
        raise ValueError("no items to label")
    if not choices:
        raise ValueError("no label choices")
    render = render or (lambda item: "<br>".join(
        f"<b>{html.escape(k)}</b>: {html.escape(str(v))}" for k, v in item.items() if k != "id"))
    done = store.labels(labeller)
    position = {"i": next((i for i, it in enumerate(items) if it["id"] not in done), len(items))}
    body, status = w.HTML(), w.HTML()
    buttons = [w.Button(description=c) for c in choices]

    def show() -> None:
        i = position["i"]
        labelled = sum(it["id"] in done for it in items)
        status.value = f"{labeller}: {labelled} of {len(items)} labelled"
        if i >= len(items):
            body.value = "<i>All items are labelled. Thank you.</i>"
            for b in buttons:
                b.disabled = True
            return
        body.value = f"<p><b>item {i + 1} of {len(items)}</b> ({html.escape(items[i]['id'])})</p>" \
                     + render(items[i])

    def on_click(button: Any) -> None:
        i = position["i"]
        if i >= len(items):
            return
        store.add(items[i]["id"], labeller, button.description)
        done[items[i]["id"]] = button.description
        position["i"] = next((j for j in range(i + 1, len(items)) if items[j]["id"] not in done),
                             len(items))
        show()

    for b in buttons:
        b.on_click(on_click)
    show()
    return w.VBox([status, body, w.HBox(buttons)])
