"""The Colab install cell: every notebook carries the same text, and that text, run with a fake
Colab and a fake subprocess, clones and installs once per runtime and does nothing elsewhere."""

from __future__ import annotations

import json
import subprocess
import sys
import types
from pathlib import Path

import pytest

from genai_design import colab

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb")) + sorted(
    (ROOT / "casestudies").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_notebook_carries_the_install_cell(path):
    cells = [c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]
    install = [c for c in cells if "google.colab" in "".join(c["source"])]
    assert len(install) == 1 and cells.index(install[0]) == 1, "second code cell, once"
    assert "".join(install[0]["source"]) == colab.INSTALL_CELL


@pytest.fixture
def fake_colab(monkeypatch, tmp_path):
    """A Colab runtime: google.colab imported, a checkout folder, subprocess.run recorded."""
    calls: list[list[str]] = []
    failing: set[str] = set()

    def run(cmd, check=False, **kwargs):
        calls.append(list(cmd))
        if cmd[0] == "git":
            Path(cmd[-1]).mkdir(parents=True)
        tool = "pip" if "pip" in cmd else cmd[0]
        if tool in failing:
            raise subprocess.CalledProcessError(1, cmd)
        return subprocess.CompletedProcess(cmd, 0)

    checkout = tmp_path / "genai-system-design"
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    monkeypatch.setenv(colab.CHECKOUT_ENV, str(checkout))
    monkeypatch.setattr(subprocess, "run", run)
    monkeypatch.setattr(sys, "path", list(sys.path))
    return types.SimpleNamespace(calls=calls, checkout=checkout, failing=failing)


def _run_cell() -> None:
    exec(compile(colab.INSTALL_CELL, "install-cell", "exec"), {})


def test_fresh_runtime_clones_installs_and_marks(fake_colab):
    _run_cell()
    clone, pip = fake_colab.calls
    assert clone[:2] == ["git", "clone"] and colab.REPO_URL in clone
    assert clone[-1] == str(fake_colab.checkout)
    assert pip[:4] == [sys.executable, "-m", "pip", "install"] and "-e" in pip
    assert pip[-1] == f"{fake_colab.checkout}[gpu,book]"
    assert (fake_colab.checkout / colab.INSTALLED_MARKER).exists()
    assert sys.path[0] == str(fake_colab.checkout / "shared")


def test_second_notebook_in_the_same_runtime_installs_nothing(fake_colab):
    _run_cell()
    fake_colab.calls.clear()
    _run_cell()
    assert fake_colab.calls == []


def test_failed_install_is_retried_without_cloning_again(fake_colab):
    fake_colab.failing.add("pip")
    with pytest.raises(subprocess.CalledProcessError):
        _run_cell()
    assert not (fake_colab.checkout / colab.INSTALLED_MARKER).exists()
    fake_colab.failing.clear()
    fake_colab.calls.clear()
    _run_cell()
    assert [c[0] for c in fake_colab.calls] == [sys.executable]  # pip only


def test_outside_colab_the_cell_does_nothing(monkeypatch):
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    called = []
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: called.append(a))
    _run_cell()
    assert called == []


def test_the_cell_installs_the_repository_the_book_links_to():
    import yaml

    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert config["repository"]["url"] == colab.REPO_URL

