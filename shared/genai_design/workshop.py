"""The one-day workshop in one runtime: the day's lessons, run in order against one model
server (the course's delivery of steps 0-8, as taught on Colab GPUs).

On Colab every notebook opened from a launch button gets its own runtime, so it would install
the course, download the GPU model and start the server again. The workshop notebook instead
installs once, starts one server, and runs each lesson of :data:`DAY` in the same runtime with
Papermill: a lesson finds the running server and reuses it. :func:`run_lesson` times each
lesson, keeps its executed copy (the reader opens it to read the results) and notes whether the
server it ran against was the one already running.

Left out on purpose: running lessons in parallel (they share one server and one machine) and
re-running a lesson whose executed copy exists (the day is short; run again to refresh).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the checkout: lessons are its notebooks


@dataclass(frozen=True)
class Lesson:
    """One notebook of the workshop day."""

    notebook: str  # path from the repository root, e.g. "notebooks/00_first_request.ipynb"
    session: str  # "morning" (the model and its server) or "afternoon" (the application)
    what: str  # one line: what the lesson shows


# The day, in order (the landing page's workshop track lists the same notebooks).
DAY: tuple[Lesson, ...] = (
    Lesson("notebooks/00_first_request.ipynb", "morning",
           "start the server, stream an answer, JSON by instruction and by constraint"),
    Lesson("notebooks/05a_continuous_batching.ipynb", "morning",
           "one at a time, static batches and continuous batching"),
    Lesson("notebooks/05b_kv_calculator.ipynb", "morning",
           "the KV cache's size against the server's, and GPUs per model"),
    Lesson("notebooks/05c_prefix_caching.ipynb", "morning",
           "a shared prompt prefix paid for once; routing across replicas"),
    Lesson("notebooks/05d_load_testing.ipynb", "morning",
           "throughput against latency, goodput, closed and open loops"),
    Lesson("notebooks/03b_retrieval.ipynb", "afternoon",
           "keyword, dense and hybrid search and a reranker, scored"),
    Lesson("notebooks/06e_guardrail_pipeline.ipynb", "afternoon",
           "input and output checks in one pipeline, with an audit log"),
    Lesson("notebooks/07a_answer_evaluation.ipynb", "afternoon",
           "answers scored end to end, with intervals, and a release gate"),
    Lesson("casestudies/shop_support.ipynb", "afternoon",
           "the shop's assistant, all nine steps, in interview mode"),
)


@dataclass(frozen=True)
class LessonRun:
    """What running one lesson did."""

    notebook: str  # the lesson, as in :data:`DAY`
    seconds: float  # wall time of the whole notebook
    ok: bool  # False when a cell raised (``error`` says which)
    error: str  # first line of the error, "" when ok
    executed: Path  # the executed copy, with every output
    same_server: bool  # the server running after the lesson is the one running before it

    def to_dict(self) -> dict[str, object]:
        """Plain values, for a table or for record()."""
        return {"notebook": self.notebook, "seconds": self.seconds, "ok": self.ok,
                "error": self.error, "executed": str(self.executed),
                "same_server": self.same_server}


def lessons(names: list[str] | None = None) -> list[Lesson]:
    """The lessons of :data:`DAY` named in ``names`` (file names or stems), in the day's order;
    all of them when ``names`` is None. An unknown name is an error listing the known ones."""
    if names is None:
        return list(DAY)
    stems = {Path(lesson.notebook).stem: lesson for lesson in DAY}
    wanted = {Path(name).stem for name in names}
    unknown = sorted(wanted - set(stems))
    if unknown:
        raise ValueError(f"not lessons of the day: {unknown}; the day has {sorted(stems)}")
    return [lesson for lesson in DAY if Path(lesson.notebook).stem in wanted]


def _first_line(exc: Exception) -> str:
    """A one-line account of a lesson's failure: the cell's exception when Papermill gives it."""
    if getattr(exc, "ename", None):  # PapermillExecutionError: the cell's own exception
        return f"{exc.ename}: {exc.evalue}"[:200]
    lines = [ln for ln in str(exc).splitlines() if ln.strip() and set(ln.strip()) != {"-"}]
    return (lines[0] if lines else type(exc).__name__)[:200]


def _server_pid() -> int | None:
    from genai_design import serving

    endpoint = serving.running_server()
    return endpoint.pid if endpoint is not None else None


def run_lesson(lesson: Lesson, out_dir: Path, quick: bool = False, profile: str | None = None,
               timeout_s: int = 1800) -> LessonRun:
    """Execute ``lesson`` with Papermill in this runtime, against the running course server.

    The executed copy goes to ``out_dir``. A failing cell does not raise here: the run says so
    (``ok``, ``error``), so the day goes on to the next lesson.
    """
    import papermill

    source = ROOT / lesson.notebook
    if not source.is_file():
        raise FileNotFoundError(f"{source} is missing: run the workshop from a checkout")
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / Path(lesson.notebook).name
    before = _server_pid()
    started = time.perf_counter()
    error = ""
    try:
        papermill.execute_notebook(str(source), str(target), cwd=str(source.parent),
                                   parameters={"quick": quick, "profile": profile},
                                   progress_bar=False, kernel_name="python3",
                                   execution_timeout=timeout_s)
    except Exception as exc:  # the lesson's own error, reported with the run
        error = _first_line(exc)
    seconds = time.perf_counter() - started
    after = _server_pid()
    return LessonRun(lesson.notebook, seconds, not error, error, target,
                     same_server=before is not None and before == after)
