"""What a lesson notebook does with its results: record them for the prose and the tests, and
show them as tables a reader can read (the course's own plumbing, used by every step).

``record("cb", vllm_over_seq=18.2, verdict="...")`` stores ``cb_vllm_over_seq`` and
``cb_verdict`` with myst-nb's ``glue`` (hidden), converted to plain Python values so that the
prose (``{glue:text}`cb_vllm_over_seq:.1f```) and the test suite read them back exactly.
The test suite reads a notebook's record with :func:`read_recorded` and a prefix's names with
:class:`Recorded`, so the notebook's keyword and the check's attribute are the same word.
``show_table(rows)`` renders rows as an HTML table (not monospace text wider than the page).
Left out on purpose: plotting (matplotlib is clearer written out in the notebook).
"""

from __future__ import annotations

import ast
import html
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any


def plain(value: Any) -> Any:
    """``value`` as plain Python (NumPy scalars and arrays, tuples, nested containers): what
    ``glue`` can write as text and ``ast.literal_eval`` can read back unchanged."""
    if hasattr(value, "tolist"):  # NumPy scalar or array (np.float64 is also a float)
        return plain(value.tolist())
    if isinstance(value, bool | str | int | float) or value is None:
        return value
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    raise TypeError(f"cannot record a {type(value).__name__}: record numbers, text, booleans, "
                    "None, or lists and dicts of them")


def record(prefix: str, /, **values: Any) -> None:
    """Record each ``name=value`` as ``{prefix}_{name}`` for the book's prose and the tests.

    Nothing is displayed. Values must be numbers, text, booleans, None, or lists and dicts of
    them (NumPy values are converted); a NaN or infinite number is refused.
    """
    from myst_nb import glue

    if not prefix.isidentifier():
        raise ValueError(f"prefix must be an identifier, got {prefix!r}")
    if not values:
        raise ValueError("record() needs at least one name=value")
    recorded = {f"{prefix}_{name}": plain(value) for name, value in values.items()}
    for key, value in recorded.items():
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"{key} is {value}: record a finite number or None")
        glue(key, value, display=False)


def read_recorded(notebook: str | Path) -> dict[str, Any]:
    """Every value an executed notebook recorded (glued), decoded from its text form."""
    values: dict[str, Any] = {}
    for cell in json.loads(Path(notebook).read_text())["cells"]:
        for output in cell.get("outputs", []):
            meta = output.get("metadata", {}).get("scrapbook")
            if not meta:
                continue
            text = output["data"].get(meta["mime_prefix"] + "text/plain")
            try:
                values[meta["name"]] = ast.literal_eval(text)
            except (ValueError, SyntaxError):
                values[meta["name"]] = text
    return values


class Recorded:
    """The values recorded under one prefix, read as attributes: ``Recorded(g, "cb").verdict``.

    A name the notebook did not record raises ``AttributeError`` listing what it did record.
    """

    def __init__(self, recorded: Mapping[str, Any], prefix: str) -> None:
        self._prefix = prefix
        self._values = {k[len(prefix) + 1:]: v for k, v in recorded.items()
                        if k.startswith(prefix + "_")}

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(f"the notebook recorded no {self._prefix}_{name}; it recorded "
                                 f"{sorted(self._values)}") from None

    def names(self) -> list[str]:
        """The names recorded under this prefix, sorted."""
        return sorted(self._values)


def _cell(value: Any, fmt: str | None) -> str:
    if fmt and isinstance(value, int | float) and not isinstance(value, bool):
        return format(value, fmt)
    if isinstance(value, float):
        return f"{value:.3g}"
    return "" if value is None else str(value)


def table_html(rows: Sequence[Mapping[str, Any]], columns: Sequence[str] | None = None,
               formats: Mapping[str, str] | None = None, caption: str | None = None) -> str:
    """Rows (dicts with the same keys) as an HTML table; ``formats`` maps a column to a format
    spec (``".2f"``, ``",d"``); other floats print with three significant digits."""
    if not rows:
        raise ValueError("no rows to show")
    columns = list(columns or rows[0].keys())
    formats = formats or {}
    numeric = {c for c in columns if all(isinstance(r.get(c), int | float) and
                                         not isinstance(r.get(c), bool) for r in rows)}
    out = ['<table class="genai-table">']
    if caption:
        out.append(f"<caption>{html.escape(caption)}</caption>")
    out.append("<thead><tr>" + "".join(
        f'<th style="text-align:{"right" if c in numeric else "left"}">{html.escape(str(c))}</th>'
        for c in columns) + "</tr></thead><tbody>")
    for row in rows:
        out.append("<tr>" + "".join(
            f'<td style="text-align:{"right" if c in numeric else "left"}">'
            f"{html.escape(_cell(row.get(c), formats.get(c)))}</td>" for c in columns) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def show_table(rows: Iterable[Mapping[str, Any]] | Mapping[str, Mapping[str, Any]],
               columns: Sequence[str] | None = None, formats: Mapping[str, str] | None = None,
               caption: str | None = None, index: str = "") -> None:
    """Display rows as an HTML table in the notebook (and the built book).

    ``rows`` is a list of dicts, or a dict of dicts whose keys become the first column
    (named ``index``).
    """
    from IPython.display import HTML, display

    if isinstance(rows, Mapping):
        rows = [{index: name, **row} for name, row in rows.items()]
        columns = [index, *columns] if columns else None
    display(HTML(table_html(list(rows), columns, formats, caption)))
