"""The book's Sphinx extension (book/_ext/course_site.py): banner, run mode, MathML, scripts."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "book" / "_ext"))
import course_site  # noqa: E402
from sphinx.builders.html._assets import _JavaScript  # noqa: E402


def _notebook(tmp_path: Path, metadata: dict) -> Path:
    path = tmp_path / "n.ipynb"
    path.write_text(json.dumps({"cells": [], "metadata": metadata, "nbformat": 4,
                                "nbformat_minor": 5}))
    return path


def test_run_mode_comes_from_papermill_parameters(tmp_path):
    assert course_site.notebook_mode(_notebook(tmp_path, {"papermill": {
        "parameters": {"quick": True}}})) == "quick mode"
    assert course_site.notebook_mode(_notebook(tmp_path, {})) == "full mode"
    page = tmp_path / "page.md"
    page.write_text("# A page\n")
    assert course_site.notebook_mode(page) == ""


def test_banner_names_course_profile_hardware_and_escapes():
    facts = {"course": "genai-design 0.1.0 (abc1234)", "profile": "cpu-default (m<1>)",
             "hardware": "CPU, 2 cores", "libraries": "torch 2.13.0"}
    html = course_site.banner_html(facts, "quick mode")
    assert 'class="course-banner"' in html
    assert "genai-design 0.1.0 (abc1234)" in html and "quick mode" in html
    assert "m&lt;1&gt;" in html and "m<1>" not in html
    assert "torch 2.13.0" in html
    assert "quick mode" not in course_site.banner_html(facts, "")


def test_build_facts_read_this_environment():
    from genai_design.profiles import get_profile

    course_site.build_facts.cache_clear()
    facts = course_site.build_facts(Path(__file__).resolve().parents[2])
    assert facts["course"].startswith("genai-design ")
    profile = get_profile(None)
    assert facts["profile"] == f"{profile.name} ({profile.model})"
    assert "torch " in facts["libraries"] and "cores" in facts["hardware"]


@pytest.mark.parametrize("display", ["inline", "block"])
def test_equations_become_mathml(display):
    out = course_site.mathml(r"2 \times \text{layers}", display)
    assert out.startswith("<math") and "<mtext>layers</mtext>" in out and "&#x000D7;" in out
    assert f'display="{display}"' in out


def test_repeated_scripts_are_kept_once():
    body = 'const THEBE_JS_URL = "x"'
    scripts = [_JavaScript("a.js"), _JavaScript(None, body=body), _JavaScript("b.js"),
               _JavaScript("", body=body), _JavaScript("a.js"), _JavaScript(None, body="other")]
    kept = course_site.unique_scripts(scripts)
    assert [(s.filename, s.attributes.get("body")) for s in kept] == [
        ("a.js", None), (None, body), ("b.js", None), (None, "other")]


def test_banner_says_when_answers_came_from_an_external_endpoint(monkeypatch):
    root = Path(__file__).resolve().parents[2]
    monkeypatch.setenv("GENAI_DESIGN_ENDPOINT", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("GENAI_DESIGN_MODEL", "big-model")
    course_site.build_facts.cache_clear()
    try:
        assert "external endpoint (big-model)" in course_site.build_facts(root)["profile"]
    finally:
        course_site.build_facts.cache_clear()
