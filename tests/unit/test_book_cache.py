"""scripts/notebooks_to_run.py: which notebooks Jupyter Book's execution cache lacks, so an
unchanged `make book` can skip starting the model server."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("notebooks_to_run",
                                               ROOT / "scripts" / "notebooks_to_run.py")
notebooks_to_run = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(notebooks_to_run)


def _notebook(path: Path, code: str) -> Path:
    cell = {"cell_type": "code", "execution_count": 1, "id": "a", "metadata": {},
            "outputs": [{"output_type": "stream", "name": "stdout", "text": "2\n"}],
            "source": code}
    path.write_text(json.dumps({"cells": [cell], "metadata": {"kernelspec": {
        "name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4, "nbformat_minor": 5}))
    return path


def test_cached_notebooks_need_no_run_and_changed_code_does(tmp_path):
    from jupyter_cache import get_cache

    cache_dir = tmp_path / "cache"
    one = _notebook(tmp_path / "one.ipynb", "print(1 + 1)")
    two = _notebook(tmp_path / "two.ipynb", "print(2)")
    assert notebooks_to_run.notebooks_to_run(cache_dir, [one, two]) == [one, two]  # no cache
    get_cache(str(cache_dir)).cache_notebook_file(str(one), check_validity=False)
    assert notebooks_to_run.notebooks_to_run(cache_dir, [one, two]) == [two]
    _notebook(one, "print(1 + 2)")  # code changed since it was cached
    assert notebooks_to_run.notebooks_to_run(cache_dir, [one, two]) == [one, two]
    _notebook(one, "print(1 + 1)")  # back as cached; prose and outputs do not count
    assert notebooks_to_run.notebooks_to_run(cache_dir, [one]) == []


def test_command_exits_1_and_lists_what_would_run(tmp_path, capsys):
    assert notebooks_to_run.main([str(tmp_path / "empty-cache")]) == 1
    listed = capsys.readouterr().out.split()
    assert "notebooks/00_first_request.ipynb" in listed and len(listed) >= 20


_inputs_spec = importlib.util.spec_from_file_location("book_inputs", ROOT / "scripts" / "book_inputs.py")
book_inputs = importlib.util.module_from_spec(_inputs_spec)
_inputs_spec.loader.exec_module(book_inputs)


def _course_tree(root: Path) -> Path:
    for folder in book_inputs.INPUTS:
        (root / folder).mkdir(parents=True)
    (root / "shared/genai_design/lesson.py").write_text("SIZE = 1\n")
    (root / "data/questions.jsonl").write_text('{"q": 1}\n')
    return root


def test_a_change_to_the_package_or_data_makes_cached_outputs_stale(tmp_path):
    from jupyter_cache import get_cache

    root, cache_dir = _course_tree(tmp_path / "course"), tmp_path / "cache"
    assert book_inputs.inputs_changed(cache_dir, root) is False  # nothing cached: nothing stale
    get_cache(str(cache_dir)).cache_notebook_file(str(_notebook(tmp_path / "one.ipynb", "print(2)")),
                                                   check_validity=False)
    assert book_inputs.inputs_changed(cache_dir, root) is True  # cached, digest never recorded
    book_inputs.record(cache_dir, root)
    assert book_inputs.inputs_changed(cache_dir, root) is False
    (root / "shared/genai_design/__pycache__").mkdir()
    (root / "shared/genai_design/__pycache__/lesson.cpython-311.pyc").write_bytes(b"\0")
    assert book_inputs.inputs_changed(cache_dir, root) is False  # byte-code does not count
    (root / "data/questions.jsonl").write_text('{"q": 2}\n')
    assert book_inputs.inputs_changed(cache_dir, root) is True
    book_inputs.record(cache_dir, root)
    (root / "shared/genai_design/lesson.py").rename(root / "shared/genai_design/renamed.py")
    assert book_inputs.inputs_changed(cache_dir, root) is True  # same bytes, another file
