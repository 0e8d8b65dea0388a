"""The workshop day (genai_design.workshop): the plan, lessons by name, and a lesson run with
Papermill in this runtime, a failing one included."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from genai_design import workshop

ROOT = Path(__file__).resolve().parents[2]


def test_the_landing_page_lists_the_workshop_day_in_order():
    """The landing page's workshop list and workshop.DAY name the same lessons, in order."""
    page = (ROOT / "book" / "intro.md").read_text()
    track = page[page.index("### A one-day workshop"):page.index("## How the book runs")]
    listed = re.findall(r"^\d+\.\s.*?\{doc\}`\.\./([\w/-]+)`", track, re.M)
    assert [str(Path(p).with_suffix(".ipynb")) for p in listed[:8]] == [
        lesson.notebook for lesson in workshop.DAY][:8]
    case = workshop.DAY[-1].notebook.removesuffix(".ipynb")
    assert f"{{doc}}`../{case}`" in track  # the case study closes the day


def test_workshop_lessons_by_name():
    assert workshop.lessons(None) == list(workshop.DAY)
    chosen = workshop.lessons(["05a_continuous_batching", "00_first_request.ipynb"])
    assert [lesson.notebook for lesson in chosen] == [  # the day's order, not the caller's
        "notebooks/00_first_request.ipynb", "notebooks/05a_continuous_batching.ipynb"]
    with pytest.raises(ValueError, match="not lessons of the day"):
        workshop.lessons(["99_missing"])
    for lesson in workshop.DAY:
        assert (ROOT / lesson.notebook).is_file() and lesson.session in {"morning", "afternoon"}


def _notebook(path: Path, body: str) -> Path:
    cells = [{"cell_type": "code", "execution_count": None, "id": "p", "metadata": {"tags": ["parameters"]},
              "outputs": [], "source": "quick = False\nprofile = None"},
             {"cell_type": "code", "execution_count": None, "id": "b", "metadata": {}, "outputs": [],
              "source": body}]
    path.write_text(json.dumps({"cells": cells, "metadata": {"kernelspec": {
        "name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4, "nbformat_minor": 5}))
    return path


def test_a_lesson_runs_in_this_runtime_and_a_failing_one_is_reported(tmp_path, monkeypatch):
    monkeypatch.setattr(workshop, "_server_pid", lambda: 4242)  # one server throughout
    good = workshop.Lesson(str(_notebook(tmp_path / "good.ipynb", "assert quick is True")),
                           "morning", "a lesson that passes in quick mode")
    run = workshop.run_lesson(good, tmp_path / "out", quick=True)
    assert run.ok and run.error == "" and run.same_server and run.seconds > 0
    assert run.executed == tmp_path / "out" / "good.ipynb" and run.executed.is_file()
    bad = workshop.Lesson(str(_notebook(tmp_path / "bad.ipynb", "raise RuntimeError('boom')")),
                          "afternoon", "a lesson that fails")
    failed = workshop.run_lesson(bad, tmp_path / "out", quick=True)
    assert not failed.ok and "boom" in failed.error  # reported, not raised
    pids = iter([1, 2])
    monkeypatch.setattr(workshop, "_server_pid", lambda: next(pids))  # a new server mid-lesson
    assert workshop.run_lesson(good, tmp_path / "out").same_server is False


def test_a_missing_lesson_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="checkout"):
        workshop.run_lesson(workshop.Lesson(str(tmp_path / "none.ipynb"), "morning", ""), tmp_path)
