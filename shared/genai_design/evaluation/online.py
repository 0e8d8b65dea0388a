"""Online metrics: a simulated stream of customer sessions and the dashboard a team watches
(framework step 7, evaluation after launch).

Offline scores say what is worth shipping; what users do says whether it helped. Real traffic
cannot ship with a course, so :func:`simulate_sessions` draws it from a stated model of
customer behaviour (:class:`UserModel`): a session is resolved by the assistant or not, an
unresolved customer may ask for a person (an escalation), some customers give a thumbs up or
down, and sessions last a number of turns. The simulation knows the truth (which sessions were
resolved), so the dashboard's numbers can be checked against it:

- :func:`dashboard` aggregates the stream per day into the numbers a team watches: sessions, task
  completion, escalation rate, feedback rate, thumbs-up share of rated sessions, median turns.
- Two effects every team meets are built in. Unhappy customers rate more often than happy ones,
  so the thumbs-up share understates satisfaction; and traffic changes under a release (a sale
  brings harder questions), so a before-and-after comparison mixes the release with the season,
  while an A/B split measured on the same days does not (:func:`ab_readout`).

Left out: users who return over several sessions (a real A/B test randomises users, not
sessions), novelty effects, and metric pipelines (events, late data, deduplication).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy import stats as sps

from genai_design.evaluation.stats import format_p


def _rate(name: str, value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be a probability in [0, 1], got {value}")


@dataclass(frozen=True)
class UserModel:
    """How simulated customers behave; probabilities are per session."""

    resolve_rate: float = 0.62  # the current assistant resolves the customer's task
    escalate_if_unresolved: float = 0.55  # an unresolved customer asks for a person
    rate_if_resolved: float = 0.06  # a resolved customer leaves a thumbs up or down
    rate_if_unresolved: float = 0.18  # an unresolved customer does (unhappy people rate more)
    up_if_resolved: float = 0.92  # a rating of a resolved session is a thumbs up
    up_if_unresolved: float = 0.12  # a rating of an unresolved session is a thumbs up
    turns_if_resolved: float = 3.0  # mean turns of a resolved session
    turns_if_unresolved: float = 5.5  # mean turns of an unresolved one (people keep trying)

    def __post_init__(self) -> None:
        for name in ("resolve_rate", "escalate_if_unresolved", "rate_if_resolved",
                     "rate_if_unresolved", "up_if_resolved", "up_if_unresolved"):
            _rate(name, getattr(self, name))
        if self.turns_if_resolved < 1 or self.turns_if_unresolved < 1:
            raise ValueError("mean turns must be at least 1")


@dataclass(frozen=True)
class StreamConfig:
    """Traffic over time, a release, and an event that changes the questions people ask."""

    days: int = 28  # days simulated
    sessions_per_weekday: int = 1500  # mean sessions on a weekday (Poisson)
    weekend_factor: float = 0.6  # weekend traffic relative to a weekday
    release_day: int = 14  # from this day (0-based) the new version serves part of the traffic
    treatment_share: float = 0.5  # share of sessions the new version gets from release_day
    lift: float = 0.04  # the new version's gain in resolve rate (the truth the test should find)
    event_day: int = 14  # a sale starts this day...
    event_days: int = 10  # ...and lasts this many days
    event_penalty: float = 0.08  # resolve-rate loss during the sale (harder questions, both versions)

    def __post_init__(self) -> None:
        if self.days < 1 or self.sessions_per_weekday < 1:
            raise ValueError("days and sessions_per_weekday must be at least 1")
        if not 0 <= self.release_day < self.days:
            raise ValueError(f"release_day must lie in [0, {self.days}), got {self.release_day}")
        for name in ("weekend_factor", "treatment_share"):
            _rate(name, getattr(self, name))
        if not -1 < self.lift < 1 or not 0 <= self.event_penalty < 1 or self.event_days < 0:
            raise ValueError("lift must lie in (-1, 1), event_penalty in [0, 1), event_days >= 0")


@dataclass(frozen=True)
class SessionStream:
    """Every simulated session, one entry per session in each array."""

    day: np.ndarray  # day of the session (0-based)
    treatment: np.ndarray  # served by the new version (bool)
    resolved: np.ndarray  # the truth: the task was resolved by the assistant (bool)
    escalated: np.ndarray  # the customer asked for a person (bool)
    rated: np.ndarray  # the customer left a thumbs up or down (bool)
    thumbs_up: np.ndarray  # the rating was a thumbs up (bool; False where not rated)
    turns: np.ndarray  # turns in the session (int)

    def __len__(self) -> int:
        return int(self.day.size)


def simulate_sessions(config: StreamConfig | None = None, users: UserModel | None = None,
                      seed: int = 0) -> SessionStream:
    """Draw a stream of sessions (see the module docstring); the same seed gives the same stream."""
    config, users = config or StreamConfig(), users or UserModel()
    rng = np.random.default_rng(seed)
    weekday = np.arange(config.days) % 7 < 5
    per_day = rng.poisson(config.sessions_per_weekday
                          * np.where(weekday, 1.0, config.weekend_factor))
    day = np.repeat(np.arange(config.days), per_day)
    n = day.size
    treatment = (day >= config.release_day) & (rng.random(n) < config.treatment_share)
    in_event = (day >= config.event_day) & (day < config.event_day + config.event_days)
    p_resolve = np.clip(users.resolve_rate + config.lift * treatment
                        - config.event_penalty * in_event, 0.0, 1.0)
    resolved = rng.random(n) < p_resolve
    escalated = ~resolved & (rng.random(n) < users.escalate_if_unresolved)
    rated = rng.random(n) < np.where(resolved, users.rate_if_resolved, users.rate_if_unresolved)
    thumbs_up = rated & (rng.random(n) < np.where(resolved, users.up_if_resolved,
                                                  users.up_if_unresolved))
    turns = 1 + rng.poisson(np.where(resolved, users.turns_if_resolved,
                                     users.turns_if_unresolved) - 1)
    return SessionStream(day, treatment, resolved, escalated, rated, thumbs_up, turns)


def _share(mask: np.ndarray, of: np.ndarray) -> float | None:
    return float(mask[of].mean()) if of.any() else None


def dashboard(stream: SessionStream, treatment: bool | None = None) -> dict[str, list[Any]]:
    """Per-day numbers a team watches; ``treatment`` True/False keeps one arm, None both.

    Task completion here is the truth (the simulation knows it); in production it comes from a
    downstream event (the return label was printed, the order was found), which is why teams
    instrument one. The other columns are what the product can observe.
    """
    days = range(int(stream.day.max()) + 1) if len(stream) else range(0)
    keep = np.ones(len(stream), bool) if treatment is None else stream.treatment == treatment
    out: dict[str, list[Any]] = {k: [] for k in (
        "day", "sessions", "task_completion", "escalation_rate", "feedback_rate",
        "thumbs_up_share", "median_turns")}
    for d in days:
        today = keep & (stream.day == d)
        out["day"].append(d)
        out["sessions"].append(int(today.sum()))
        out["task_completion"].append(_share(stream.resolved, today))
        out["escalation_rate"].append(_share(stream.escalated, today))
        out["feedback_rate"].append(_share(stream.rated, today))
        out["thumbs_up_share"].append(_share(stream.thumbs_up, today & stream.rated))
        out["median_turns"].append(float(np.median(stream.turns[today])) if today.any() else None)
    return out


@dataclass(frozen=True)
class Readout:
    """One rate compared between two groups of sessions."""

    metric: str  # "task_completion" or "escalation_rate"
    label_a: str  # what group A is
    label_b: str  # what group B is
    n_a: int  # sessions in A
    n_b: int  # sessions in B
    rate_a: float  # the rate in A
    rate_b: float  # the rate in B
    p_value: float  # two-sided two-proportion z-test

    @property
    def difference(self) -> float:
        return self.rate_b - self.rate_a

    def sentence(self) -> str:
        """E.g. "task completion: 0.580 for control, 0.620 for the new version (+0.040, p < 0.001)"."""
        return (f"{self.metric.replace('_', ' ')}: {self.rate_a:.3f} for {self.label_a}, "
                f"{self.rate_b:.3f} for {self.label_b} ({self.difference:+.3f}, {format_p(self.p_value)})")

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "difference": self.difference}


def _readout(metric: str, values: np.ndarray, a: np.ndarray, b: np.ndarray, label_a: str,
             label_b: str) -> Readout:
    if not a.any() or not b.any():
        raise ValueError(f"no sessions in {label_a if not a.any() else label_b}")
    # The pooled two-proportion z-test, for groups of unequal size.
    n_a, n_b = int(a.sum()), int(b.sum())
    x_a, x_b = int(values[a].sum()), int(values[b].sum())
    pooled = (x_a + x_b) / (n_a + n_b)
    se = np.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
    z = 0.0 if se == 0 else (x_b / n_b - x_a / n_a) / se
    return Readout(metric, label_a, label_b, n_a, n_b, x_a / n_a, x_b / n_b,
                   float(2 * sps.norm.sf(abs(z))))


def ab_readout(stream: SessionStream, release_day: int, metric: str = "task_completion") -> dict[str, Readout]:
    """The release judged two ways on ``metric``: before against after (all traffic), and
    control against treatment on the same days (the A/B split)."""
    if metric not in ("task_completion", "escalation_rate"):
        raise ValueError(f"metric must be task_completion or escalation_rate, got {metric!r}")
    values = stream.resolved if metric == "task_completion" else stream.escalated
    after = stream.day >= release_day
    return {
        "before_after": _readout(metric, values, ~after, after, "the weeks before", "the weeks after"),
        "ab": _readout(metric, values, after & ~stream.treatment, after & stream.treatment,
                       "control", "the new version"),
    }
