"""A release gate: an evaluation suite with thresholds, run before a change ships (framework
step 7, behind ``genai-design eval``).

A suite is a YAML file (the course's live in ``evals/``) naming the knowledge base, how many of
its evaluation questions to ask, where the context comes from, and a threshold per metric of
:meth:`~genai_design.evaluation.rag.RagRun.metrics`::

    name: shop-help-release
    kb: shop-help
    kb_version: 1
    context: retrieved          # retrieved | gold | none (see evaluation.rag.CONTEXTS)
    strategy: hybrid            # retrieval strategy and chunking
    chunking: recursive
    questions: 40               # a sample keeping every question type; "all" for every question
    thresholds:
      token_f1: {min: 0.2}
      source_precision: {min: 0.7}

:func:`run_suite` answers the questions with one prompt version and :func:`check_thresholds`
compares each metric with its bounds; every check carries the metric's bootstrap interval, so a
reader of the JSON sees how close to the line a failure was. The gate judges the point estimate:
with a few dozen questions a metric moves by a few points between two equally good systems, so
thresholds sit below the current release's scores by more than that (step 7 shows the
intervals).
Left out: comparing with the previous release's run on the same questions (the notebook does it
with :func:`~genai_design.evaluation.rag.compare_runs`), and latency or cost thresholds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from genai_design.evaluation.rag import CONTEXTS, HEADLINE, RagConfig, RagRun

GATE_METRICS = HEADLINE  # metrics a threshold may name (means of per-question values)
_SUITE_KEYS = {"name", "kb", "kb_version", "context", "strategy", "chunking", "questions",
               "thresholds", "description"}


@dataclass(frozen=True)
class Threshold:
    """Bounds on one metric; a bound left as None is not checked."""

    metric: str  # one of GATE_METRICS
    minimum: float | None = None  # the metric must be at least this
    maximum: float | None = None  # the metric must be at most this

    def __post_init__(self) -> None:
        if self.metric not in GATE_METRICS:
            raise ValueError(f"unknown gate metric {self.metric!r}; choose from {GATE_METRICS}")
        if self.minimum is None and self.maximum is None:
            raise ValueError(f"threshold on {self.metric} sets neither min nor max")
        for bound in (self.minimum, self.maximum):
            if bound is not None and not 0.0 <= bound <= 1.0:
                raise ValueError(f"{self.metric}: bounds are rates in [0, 1], got {bound}")
        if self.minimum is not None and self.maximum is not None and self.minimum > self.maximum:
            raise ValueError(f"{self.metric}: min {self.minimum} is above max {self.maximum}")


@dataclass(frozen=True)
class Suite:
    """What to ask, and what the answers must reach."""

    name: str  # the suite's name, for reports
    kb: str  # knowledge base the questions are about
    kb_version: int  # its version
    context: str  # where passages come from, one of evaluation.rag.CONTEXTS
    strategy: str  # retrieval strategy (when context is retrieved)
    chunking: str  # chunking of the index searched
    questions: int | None  # evenly spaced sample of this many questions; None: all
    thresholds: tuple[Threshold, ...]  # one per checked metric
    description: str = ""  # what the suite guards, for people


@dataclass(frozen=True)
class Check:
    """One metric against its threshold."""

    metric: str  # the metric checked
    value: float | None  # its value on this run (None when no question measured it)
    low: float | None  # 95% bootstrap interval over questions, lower end (None: not measured)
    high: float | None  # upper end
    minimum: float | None  # bound checked, if any
    maximum: float | None  # bound checked, if any
    passed: bool  # value within the bounds (a NaN value fails)


@dataclass(frozen=True)
class GateResult:
    """A suite's verdict on one run."""

    suite: str  # suite name
    prompt: str  # prompt version reference
    model: str  # served model
    questions: int  # questions asked
    checks: tuple[Check, ...]  # one per threshold
    metrics: dict[str, float | None]  # every headline metric of the run

    @property
    def passed(self) -> bool:
        """True when every check passed."""
        return all(c.passed for c in self.checks)

    @property
    def failures(self) -> list[str]:
        """One line per failed check, e.g. ``token_f1 0.120 < min 0.200``."""
        out = []
        for c in self.checks:
            if c.passed:
                continue
            if c.value is None:
                out.append(f"{c.metric}: no question measured it")
            elif c.minimum is not None and not c.value >= c.minimum:
                out.append(f"{c.metric} {c.value:.3f} < min {c.minimum:.3f}")
            else:
                out.append(f"{c.metric} {c.value:.3f} > max {c.maximum:.3f}")
        return out

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "passed": self.passed, "failures": self.failures}


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{where} must be a number, got {value!r}")
    return float(value)


def parse_suite(data: Mapping[str, Any], source: str = "suite") -> Suite:
    """A :class:`Suite` from a mapping (a parsed YAML file); every mistake raises ValueError."""
    if not isinstance(data, Mapping):
        raise ValueError(f"{source}: a suite is a mapping of keys, got {type(data).__name__}")
    unknown = sorted(set(data) - _SUITE_KEYS)
    if unknown:
        raise ValueError(f"{source}: unknown keys {unknown}; allowed: {sorted(_SUITE_KEYS)}")
    for key in ("name", "kb", "thresholds"):
        if key not in data:
            raise ValueError(f"{source}: missing key {key!r}")
    context = data.get("context", "retrieved")
    if context not in CONTEXTS:
        raise ValueError(f"{source}: context must be one of {CONTEXTS}, got {context!r}")
    questions = data.get("questions", "all")
    if questions == "all":
        questions = None
    elif isinstance(questions, bool) or not isinstance(questions, int) or questions < 1:
        raise ValueError(f"{source}: questions must be a positive integer or 'all', got {questions!r}")
    raw = data["thresholds"]
    if not isinstance(raw, Mapping) or not raw:
        raise ValueError(f"{source}: thresholds must map metrics to {{min: ..., max: ...}}")
    thresholds = []
    for metric, bounds in raw.items():
        if not isinstance(bounds, Mapping) or not set(bounds) <= {"min", "max"}:
            raise ValueError(f"{source}: threshold {metric!r} must be {{min: x}} and/or {{max: y}}, "
                             f"got {bounds!r}")
        thresholds.append(Threshold(
            str(metric),
            None if bounds.get("min") is None else _number(bounds["min"], f"{metric}.min"),
            None if bounds.get("max") is None else _number(bounds["max"], f"{metric}.max")))
    return Suite(name=str(data["name"]), kb=str(data["kb"]),
                 kb_version=int(data.get("kb_version", 1)), context=context,
                 strategy=str(data.get("strategy", "hybrid")),
                 chunking=str(data.get("chunking", "recursive")), questions=questions,
                 thresholds=tuple(thresholds), description=str(data.get("description", "")))


def load_suite(path: str | Path) -> Suite:
    """Read and check a suite file."""
    import yaml

    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ValueError(f"cannot read suite {str(path)!r}: {error}") from None
    except yaml.YAMLError as error:
        raise ValueError(f"suite {str(path)!r} is not valid YAML: {error}") from None
    return parse_suite(data, source=str(path))


def check_thresholds(run: RagRun, thresholds: tuple[Threshold, ...], suite: str = "") -> GateResult:
    """Compare a run's metrics with the thresholds (see the module docstring)."""
    checks = []
    for t in thresholds:
        ci = run.interval(t.metric)
        value, low, high = (None, None, None) if ci is None else (ci.estimate, ci.low, ci.high)
        passed = (value is not None
                  and (t.minimum is None or value >= t.minimum)
                  and (t.maximum is None or value <= t.maximum))
        checks.append(Check(t.metric, value, low, high, t.minimum, t.maximum, passed))
    return GateResult(suite=suite, prompt=run.prompt, model=run.model, questions=len(run.answers),
                      checks=tuple(checks), metrics=run.metrics())


def run_suite(suite: Suite, client: Any, model: str, prompt: Any, limit: int | None = None,
              config: RagConfig | None = None, show_progress: bool = True) -> tuple[GateResult, RagRun]:
    """Answer the suite's questions with ``prompt`` and check the thresholds.

    ``limit`` overrides the suite's question count; the sample keeps every question type
    (:func:`~genai_design.evaluation.rag.evaluation_sample`).
    """
    from genai_design.evaluation.rag import answer_eval_set, evaluation_sample
    from genai_design.retrieval.strategies import open_retriever

    questions = evaluation_sample(suite.kb, suite.kb_version,
                                  limit if limit is not None else suite.questions)
    # Closed-book runs search too: their answers are checked against what retrieval would show.
    retriever = open_retriever(suite.kb, suite.kb_version, suite.chunking, suite.strategy)
    run = answer_eval_set(client, model, prompt, questions, context=suite.context,
                          retriever=retriever, config=config, show_progress=show_progress)
    return check_thresholds(run, suite.thresholds, suite.name), run
