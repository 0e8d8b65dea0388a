"""Session-wide set-up for the test suite: the offline guard, the shared vLLM server, and the
notebooks executed once each with Papermill (quick mode)."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GUARD_DIR = Path(__file__).resolve().parent / "offline_guard"
EXECUTED_DIR = ROOT / "_build" / "papermill"
NOTEBOOK_DIRS = ("notebooks", "casestudies")


def pytest_configure(config: pytest.Config) -> None:
    """Turn the offline guard on for pytest and for every process it starts."""
    from genai_design import offline

    log = ROOT / "_build" / "offline-violations.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text("")
    os.environ[offline.GUARD_ENV] = str(log)
    os.environ["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(GUARD_DIR), os.environ.get("PYTHONPATH", "")) if p)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    # Executed notebooks are pages of the book: progress bars would be stored as widgets.
    os.environ.setdefault("TQDM_DISABLE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    offline.install()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the offline-guard check last, after everything that could have reached out."""
    last = [i for i in items if i.name == "test_nothing_reached_the_network"]
    for item in last:
        items.remove(item)
        items.append(item)


def all_notebooks() -> list[Path]:
    """Chapter notebooks first, then case studies (which reuse what chapters left in the course
    cache), each folder in name order."""
    return [p for d in NOTEBOOK_DIRS for p in sorted((ROOT / d).rglob("*.ipynb"))
            if ".ipynb_checkpoints" not in p.parts]


@pytest.fixture(scope="session")
def course_server():
    """The shared vLLM server: reused if one runs, else started once and stopped at the end."""
    from genai_design import serving

    before = serving.running_server()
    started = time.perf_counter()
    endpoint = serving.ensure_server()
    info = {"endpoint": endpoint, "started_here": before is None,
            "wall_s": time.perf_counter() - started}
    yield info
    if info["started_here"]:
        serving.stop_server()


def hide_injected_parameters(notebook: Path) -> None:
    """Collapse the cell Papermill injects (quick=True), as the parameters cell is collapsed."""
    nb = json.loads(notebook.read_text())
    for cell in nb["cells"]:
        tags = cell.get("metadata", {}).get("tags", [])
        if "injected-parameters" in tags and "hide-cell" not in tags:
            tags.append("hide-cell")
    notebook.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")


NOTEBOOK_SECONDS: dict[str, float] = {}  # notebook -> Papermill wall time in this session
NOTEBOOK_RETRIES: list[str] = []  # "notebook: why", for each notebook rerun after a cell hung
# A quick-mode cell that runs this long is hung, not slow (the slowest cell takes under two
# minutes). In full clean-clone runs the client has waited forever on a cell (05b's ipywidgets
# cell twice, 01a once) while the kernel sat idle; alone, each notebook passes in seconds. The
# cause, a missed wake-up in the client's poll for the reply, is worked around in
# kernel_polling.py; should a cell still hang, its notebook is rerun once, its time is the
# rerun's, and the hang is named in the summary.
CELL_TIMEOUT_S = 300


GUIDE_S = {"notebooks": 120.0, "casestudies": 240.0}  # quick-mode goal per notebook, by folder


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """List each notebook's quick-mode time, so the suite's budget is watched run by run."""
    if not NOTEBOOK_SECONDS:
        return
    terminalreporter.section("notebook times (Papermill, quick mode)")
    for name, seconds in sorted(NOTEBOOK_SECONDS.items()):
        goal = GUIDE_S.get(name.split("/", 1)[0])
        over = f"  over its {goal:.0f} s goal" if goal is not None and seconds > goal else ""
        terminalreporter.write_line(f"{seconds:7.1f} s  {name}{over}")
    terminalreporter.write_line(f"{sum(NOTEBOOK_SECONDS.values()):7.1f} s  in all")
    for line in NOTEBOOK_RETRIES:
        terminalreporter.write_line(f"rerun after a cell hung for {CELL_TIMEOUT_S} s: {line}")


def _cell_at_timeout(executed: Path) -> str:
    """The first line of a cell that ran until the cell timeout, or "" if none did.

    One clean-clone run saw 01a's cell finish, without an error, 300.03 s after it started (it
    takes under a second): the client was released by the timeout, not by the kernel's reply.
    """
    for cell in json.loads(executed.read_text())["cells"]:
        seconds = cell.get("metadata", {}).get("papermill", {}).get("duration") or 0.0
        if seconds >= CELL_TIMEOUT_S - 1:
            return (("".join(cell.get("source", [])).strip().splitlines() or [""])[0][:120]
                    + f" (ran {seconds:.0f} s)")
    return ""


@pytest.fixture(scope="session")
def executed_notebooks(course_server):
    """Execute every notebook once with Papermill (quick=True); map source path -> result."""
    import papermill
    from kernel_polling import SlicedKernelManager

    from genai_design.notebook import read_recorded

    results: dict[Path, dict[str, object]] = {}

    def run(source: Path) -> dict[str, object]:
        if source in results:
            return results[source]
        target = EXECUTED_DIR / source.relative_to(ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        error = None
        for attempt in (1, 2):
            started = time.perf_counter()  # the time reported is the last attempt's
            try:
                papermill.execute_notebook(str(source), str(target), parameters={"quick": True},
                                           cwd=str(source.parent), progress_bar=False,
                                           kernel_name="python3", execution_timeout=CELL_TIMEOUT_S,
                                           kernel_manager_class=SlicedKernelManager)
                error = None
                stalled = _cell_at_timeout(target)
                if attempt == 1 and stalled:  # finished only when the timeout fired: a hang too
                    NOTEBOOK_RETRIES.append(f"{source.relative_to(ROOT)}: {stalled}")
                    continue
                break
            except Exception as exc:  # recorded; the notebook's own test reports it
                error = exc
                if attempt == 2 or "Timeout" not in type(exc).__name__:
                    break
                first_line = (str(exc).strip().splitlines() or [""])[0][:160]
                NOTEBOOK_RETRIES.append(f"{source.relative_to(ROOT)}: {first_line}")
        seconds = time.perf_counter() - started
        if target.exists():
            hide_injected_parameters(target)
        results[source] = {"path": target, "seconds": seconds, "error": error,
                           "glued": read_recorded(target) if target.exists() else {}}
        NOTEBOOK_SECONDS[str(source.relative_to(ROOT))] = seconds
        return results[source]

    return run


def copy_tree_for_book(dest: Path) -> None:
    """A copy of the book's sources, to build from executed notebooks without touching the repo."""
    ignore = shutil.ignore_patterns(".venv", "_build", ".git", "__pycache__", ".ipynb_checkpoints",
                                    ".pytest_cache", ".genai-design")
    shutil.copytree(ROOT, dest, ignore=ignore, symlinks=True)
