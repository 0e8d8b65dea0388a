"""Tests of genai_design.notebook: recording values for prose and tests, and HTML tables."""

from __future__ import annotations

import ast
import json
import math

import numpy as np
import pytest

from genai_design import notebook
from genai_design.notebook import Recorded, plain, read_recorded, record, table_html


def test_plain_turns_numpy_and_tuples_into_literals() -> None:
    value = {"a": np.float64(1.5), "b": np.bool_(True), "c": (1, np.int64(2)),
             "d": np.array([[1.0, 2.0]]), "e": None, 3: "x"}
    converted = plain(value)
    assert converted == {"a": 1.5, "b": True, "c": [1, 2], "d": [[1.0, 2.0]], "e": None, "3": "x"}
    assert type(converted["a"]) is float and type(converted["b"]) is bool
    assert ast.literal_eval(repr(converted)) == converted  # what the test suite reads back


def test_plain_refuses_objects() -> None:
    with pytest.raises(TypeError, match="cannot record a object"):
        plain(object())


def test_record_glues_prefixed_plain_values(monkeypatch: pytest.MonkeyPatch) -> None:
    glued = {}
    monkeypatch.setattr("myst_nb.glue", lambda k, v, display=True: glued.update({k: (v, display)}))
    record("cb", ratio=np.float64(18.25), verdict="ok", levels=(1, 2))
    assert glued == {"cb_ratio": (18.25, False), "cb_verdict": ("ok", False),
                     "cb_levels": ([1, 2], False)}


@pytest.mark.parametrize("prefix, values, message", [
    ("not a prefix", {"x": 1}, "identifier"),
    ("cb", {}, "at least one"),
    ("cb", {"x": math.nan}, "finite"),
    ("cb", {"x": math.inf}, "finite"),
])
def test_record_refuses_bad_input(prefix: str, values: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        record(prefix, **values)


def test_read_recorded_and_attribute_access(tmp_path) -> None:
    def output(name: str, text: str) -> dict:
        return {"output_type": "display_data", "metadata": {"scrapbook": {
            "name": name, "mime_prefix": "application/papermill.record/"}},
            "data": {"application/papermill.record/text/plain": text}}
    nb = {"cells": [{"cell_type": "code", "outputs": [
        output("cb_ratio", "18.25"), output("cb_levels", "[1, 2]"), output("cb_note", "not python"),
        output("lt_tps", "3.0")]}]}
    path = tmp_path / "run.ipynb"
    path.write_text(json.dumps(nb))
    values = read_recorded(path)
    assert values == {"cb_ratio": 18.25, "cb_levels": [1, 2], "cb_note": "not python", "lt_tps": 3.0}
    cb = Recorded(values, "cb")
    assert cb.ratio == 18.25 and cb.levels == [1, 2] and cb.names() == ["levels", "note", "ratio"]
    with pytest.raises(AttributeError, match=r"no cb_tps; it recorded \['levels', 'note', 'ratio'\]"):
        _ = cb.tps


def test_table_html_aligns_formats_and_escapes() -> None:
    html = table_html([{"name": "<b>", "p95 ms": 12.3456, "n": 3}, {"name": "x", "p95 ms": 1.0, "n": 4}],
                      formats={"p95 ms": ".1f"}, caption="two rows")
    assert "<caption>two rows</caption>" in html
    assert "&lt;b&gt;" in html and "<b>" not in html.replace("<caption>", "")
    assert '<td style="text-align:right">12.3</td>' in html
    assert '<th style="text-align:left">name</th>' in html
    with pytest.raises(ValueError, match="no rows"):
        table_html([])


def test_show_table_takes_a_dict_of_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj.data))
    notebook.show_table({"bm25": {"recall@5": 0.61}, "dense": {"recall@5": 0.8}}, index="strategy")
    assert "strategy" in shown[0] and "bm25" in shown[0] and "0.8" in shown[0]
