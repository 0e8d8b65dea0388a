"""Notebooks read as book pages and keep to the course's lesson architecture.

Static checks on the committed notebooks (fast, no server): a notebook is lesson code that
calls the package, so it defines no class, reaches into no library's private attributes,
names no served model (the profile decides), records through ``record`` and keeps cells short.
Checks on the executed notebooks (after Papermill): no progress-bar widgets, no library
chatter such as LlamaIndex's MockLLM notice, and no result table printed as monospace text.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest
from conftest import ROOT, all_notebooks

from genai_design.models import BUNDLED
from genai_design.profiles import PROFILES

NOTEBOOKS = all_notebooks()
MAX_CELL_LINES = 32  # "about 30": a cell a reader takes in at once
# Names of the models the profiles serve: a notebook asks the profile instead of naming one.
SERVED_MODEL_NAMES = sorted(
    {name.lower() for p in PROFILES.values()
     for name in (p.model, p.served_model_name, p.capacity_spec, p.model.split("/")[-1])}
    | {b.key.lower() for b in BUNDLED.values() if b.kind == "chat-gguf"}
    | {b.upstream_id.lower() for b in BUNDLED.values() if b.kind == "chat-gguf"})


def _code_cells(path: Path) -> list[dict]:
    return [c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]


def _python(source: str) -> ast.Module | None:
    """The cell's source as Python, IPython magics and shell lines as ``pass`` (None: not Python)."""
    lines = [ln[:len(ln) - len(ln.lstrip())] + "pass" if ln.lstrip().startswith(("%", "!")) else ln
             for ln in source.splitlines()]
    try:
        return ast.parse("\n".join(lines))
    except SyntaxError:
        return None


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_notebook_is_lesson_code(path: Path) -> None:
    problems = []
    for number, cell in enumerate(_code_cells(path), start=1):
        source = "".join(cell["source"])
        tree = _python(source)
        assert tree is not None, f"code cell {number} is not valid Python"
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                problems.append(f"cell {number} defines class {node.name}: put it in the package")
            if (isinstance(node, ast.Attribute) and node.attr.startswith("_")
                    and not node.attr.startswith("__")):
                problems.append(f"cell {number} touches private attribute .{node.attr}")
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "glue":
                problems.append(f"cell {number} calls glue(): use genai_design.notebook.record")
        lowered = source.lower()
        problems += [f"cell {number} names the served model {name!r}: ask env.profile"
                     for name in SERVED_MODEL_NAMES if name in lowered]
        lines = len(source.splitlines())
        if lines > MAX_CELL_LINES:
            problems.append(f"cell {number} has {lines} lines (at most {MAX_CELL_LINES})")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_set_up_cells_are_folded(path: Path) -> None:
    cells = _code_cells(path)
    tags = [set(c.get("metadata", {}).get("tags", [])) for c in cells]
    assert {"parameters", "hide-cell"} <= tags[0], "the parameters cell is folded (hide-cell)"
    for cell, cell_tags in zip(cells, tags, strict=True):
        source = "".join(cell["source"])
        if "google.colab" in source:
            assert "remove-cell" in cell_tags, "the Colab install cell is not part of the page"
        if "course.setup(" in source:
            assert "hide-cell" in cell_tags, "the set-up cell is folded (hide-cell)"
        tree = _python(source)
        calls = {getattr(n.func, "id", None) for n in ast.walk(tree) if isinstance(n, ast.Call)}
        if "record" in calls:
            assert "remove-cell" in cell_tags, "recording cells are not part of the page"


# A line of a text table: three or more cells separated by runs of two or more spaces.
_TABLE_LINE = re.compile(r"\S+(?: \S+)*(?: {2,}\S+(?: \S+)*){2,}")
_PROGRESS = re.compile(r"\d+%\|")  # tqdm's bar: " 42%|████"


def page_problems(executed: dict) -> list[str]:
    """What keeps an executed notebook from reading like a book page (empty: nothing)."""
    problems = []
    for number, cell in enumerate((c for c in executed["cells"] if c["cell_type"] == "code"), 1):
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            text = output.get("text", "") if output.get("output_type") == "stream" else \
                "".join(data.get("text/plain", ""))
            text = "".join(text) if isinstance(text, list) else text
            if "application/vnd.jupyter.widget-view+json" in data and _PROGRESS.search(text):
                problems.append(f"cell {number}: a progress bar stored as a widget")
            if output.get("output_type") == "stream" and _PROGRESS.search(text):
                problems.append(f"cell {number}: a progress bar printed as text")
            if (output.get("output_type") == "stream" and output.get("name") == "stderr"
                    and "remove-stderr" not in cell.get("metadata", {}).get("tags", [])):
                problems.append(f"cell {number}: text on stderr ({text.strip()[:60]!r}); the book "
                                "build refuses it")
            if "MockLLM" in text:
                problems.append(f"cell {number}: LlamaIndex's MockLLM notice")
            if output.get("output_type") == "stream" and output.get("name") == "stdout":
                run = 0
                for line in text.splitlines():
                    run = run + 1 if _TABLE_LINE.fullmatch(line.strip()) else 0
                    if run >= 3:
                        problems.append(f"cell {number}: a table printed as text; use show_table")
                        break
    return problems


def test_page_problems_are_found() -> None:
    """The executed-notebook check recognises each thing it looks for."""
    def nb(*outputs: dict) -> dict:
        return {"cells": [{"cell_type": "code", "outputs": list(outputs)}]}

    table = "name     p50     p95\nbm25    0.61    0.70\ndense   0.80    0.91\n"
    assert page_problems(nb({"output_type": "stream", "name": "stdout", "text": table}))
    assert page_problems(nb({"output_type": "stream", "name": "stdout",
                             "text": "LLM is explicitly disabled. Using MockLLM.\n"}))
    assert page_problems(nb({"output_type": "display_data", "data": {
        "application/vnd.jupyter.widget-view+json": {}, "text/plain": " 40%|####  | 4/10"}}))
    assert page_problems(nb({"output_type": "stream", "name": "stderr", "text": "DEBUG:bm25s:x"}))
    prose = "profile   cpu-default: CPU\nTTFT median 120 ms over 2 runs\nseed      0\n"
    assert not page_problems(nb({"output_type": "stream", "name": "stdout", "text": prose}))
