"""Model selection measured: candidate models side by side on labelled tasks, and a router that
sends easy requests down a cheap path and hard ones down a strong path (framework step 4).

A :class:`LabelTask` is a list of prompts whose answer is one label from a fixed set, scored the
way step 4's fine-tuning lesson scores them: the model's log-probability of each label's token
right after the prompt (:func:`genai_design.finetune.score_labels`). Any causal language model
answers it, chat-tuned or base, with no output parsing, so models of different families compare
on equal terms. :func:`score_task` times the scoring and keeps the scores; :func:`footprint`
counts a model's parameters and their bytes at the serving precision.

Routing, three policies on the same items:

- **confidence cascade**: the cheap path answers first, and the items where its top label wins
  by the smallest margin (:func:`margin`) go on to the strong path; the cheap path runs on every
  item;
- **difficulty router**: a classifier trained on other items predicts, from the request alone
  (its embedding), whether the cheap path will be right, and sends the least promising items
  straight to the strong path (:func:`difficulty_router`); the cheap path runs only on the rest;
- **random**: the same share of items sent at random, the baseline a router must beat
  (a straight line between the two paths' accuracies).

:func:`routing_curve` sweeps the share sent to the strong path and returns accuracy and cost
per item at each share; :func:`operating_point` picks the cheapest share on a development split
that keeps accuracy within a tolerance of the strong path, for use on the test split.

Left out: routers that read the answer (self-consistency, a judge of the cheap answer),
learned routers over several models, and latency targets per request.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

POLICIES = ("confidence cascade", "difficulty router", "random")  # routing policies compared


@dataclass(frozen=True)
class LabelTask:
    """A labelled task every candidate model answers by scoring label tokens."""

    name: str  # what readers see, e.g. "news topic (headline)"
    prompts: tuple[str, ...]  # one per item, ending where the label's token follows
    labels: tuple[str, ...]  # the label set; each label is one token after a space
    truth: tuple[int, ...]  # index into ``labels`` of each item's correct label

    def __post_init__(self) -> None:
        if not self.prompts:
            raise ValueError(f"task {self.name!r} has no items")
        if len(self.prompts) != len(self.truth):
            raise ValueError(f"task {self.name!r}: {len(self.prompts)} prompts but {len(self.truth)} answers")
        if len(set(self.labels)) != len(self.labels) or len(self.labels) < 2:
            raise ValueError(f"task {self.name!r} needs two or more distinct labels, got {self.labels}")
        bad = [t for t in self.truth if not 0 <= t < len(self.labels)]
        if bad:
            raise ValueError(f"task {self.name!r}: answer index {bad[0]} is not a label index")


@dataclass(frozen=True, eq=False)
class TaskScore:
    """One model's scores on one task, with the time they took."""

    model: str  # the model's key or id
    task: str  # the task's name
    scores: np.ndarray  # items x labels, log-probabilities of each label's token
    truth: np.ndarray  # index of each item's correct label
    seconds: float  # wall time of scoring every item, batched
    prompt_tokens: float  # mean prompt length in the model's own tokens

    def correct(self) -> np.ndarray:
        """True where the model's top label is the correct one."""
        return self.scores.argmax(axis=1) == self.truth

    def accuracy(self) -> float:
        return float(self.correct().mean())

    def balanced_accuracy(self) -> float:
        """Mean over the labels present of the share of their items answered right: always
        answering the most common label scores 1 / (labels present), however skewed the set."""
        right = self.correct()
        return float(np.mean([right[self.truth == label].mean() for label in np.unique(self.truth)]))

    def ms_per_item(self) -> float:
        return 1000 * self.seconds / len(self.truth)


@dataclass(frozen=True)
class Footprint:
    """How large a model is."""

    params: int  # parameters, embeddings included
    bytes_bf16: int  # weights at 16-bit precision, as vLLM serves them
    embedding_share: float  # share of the parameters in input embeddings (large vocabularies weigh here)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, eq=False)
class ModelResult:
    """One candidate model measured on every task."""

    model: str  # the model's key or id
    footprint: Footprint  # its size
    load_seconds: float  # time to prepare and load it (conversion included the first time)
    tasks: dict[str, TaskScore]  # task name -> scores


@dataclass(frozen=True)
class RoutePoint:
    """One point of a routing curve."""

    share_strong: float  # share of items answered by the strong path
    accuracy: float  # accuracy over all items
    cost: float  # cost per item, in the unit of the paths' costs (e.g. ms of compute)

    def to_dict(self) -> dict[str, float]:
        return asdict(self)


def score_task(model: Any, tokenizer: Any, task: LabelTask, name: str, batch_size: int = 16) -> TaskScore:
    """Score every item of ``task`` with ``model``, timed."""
    from genai_design.finetune import score_labels

    started = time.perf_counter()
    scores = score_labels(model, tokenizer, task.prompts, task.labels, batch_size=batch_size)
    seconds = time.perf_counter() - started
    tokens = float(np.mean([len(tokenizer(p)["input_ids"]) for p in task.prompts]))
    return TaskScore(name, task.name, scores, np.asarray(task.truth), seconds, tokens)


def candidate_models(profile: Any, extra: Sequence[str] = ()) -> list[str]:
    """The models to compare: the profile's own, every bundled generative model, then ``extra``
    (Hugging Face ids, downloaded when online), without repeats."""
    from genai_design.models import BUNDLED

    bundled = [key for key, m in BUNDLED.items() if m.kind != "embedding"]
    return list(dict.fromkeys([profile.model, *bundled, *extra]))


def compare_models(keys: Sequence[str], tasks: Sequence[LabelTask], device: str = "cpu",
                   batch_size: int = 16, show_progress: bool = True) -> dict[str, ModelResult]:
    """Load each model in turn (one in memory at a time), measure its size and score every task."""
    import gc

    from genai_design.finetune import load_model
    from genai_design.models import prepare_model
    from genai_design.progress import progress

    if not keys or not tasks:
        raise ValueError("need at least one model and one task")
    results = {}
    for key in progress(keys, show=show_progress, desc="models", unit="model"):
        started = time.perf_counter()
        model, tokenizer = load_model(prepare_model(key).path, device=device)
        loaded = time.perf_counter() - started
        scored = {task.name: score_task(model, tokenizer, task, key, batch_size) for task in tasks}
        results[key] = ModelResult(key, footprint(model), loaded, scored)
        del model, tokenizer
        gc.collect()
    return results


def footprint(model: Any) -> Footprint:
    """Parameters of a loaded transformers model, and their bytes at 16 bits."""
    params = sum(p.numel() for p in model.parameters())
    embedding = model.get_input_embeddings().weight.numel()
    return Footprint(int(params), int(params) * 2, embedding / params)


def margin(scores: np.ndarray) -> np.ndarray:
    """Top label's probability minus the runner-up's, over the labels only (0: a toss-up)."""
    scores = np.asarray(scores, dtype=float)
    if scores.ndim != 2 or scores.shape[1] < 2:
        raise ValueError(f"scores must be items x labels with two or more labels, got shape {scores.shape}")
    probs = np.exp(scores - scores.max(axis=1, keepdims=True))
    probs /= probs.sum(axis=1, keepdims=True)
    top2 = np.sort(probs, axis=1)[:, -2:]
    return top2[:, 1] - top2[:, 0]


def out_of_fold_router(x: np.ndarray, cheap_right: np.ndarray, folds: int = 5, seed: int = 0) -> np.ndarray:
    """:func:`difficulty_router`'s probabilities for items it was not trained on, by
    cross-fitting: each fold is predicted by a router trained on the other folds."""
    x, y = np.asarray(x), np.asarray(cheap_right, dtype=bool)
    if len(x) != len(y) or len(x) < folds:
        raise ValueError(f"need as many labels as rows and at least {folds} rows, got {len(x)} and {len(y)}")
    order = np.random.default_rng(seed).permutation(len(x))
    out = np.empty(len(x))
    for part in np.array_split(order, folds):
        rest = np.setdiff1d(order, part)
        out[part] = difficulty_router(x[rest], y[rest], x[part], seed=seed)
    return out


def difficulty_router(train_x: np.ndarray, train_cheap_right: np.ndarray, x: np.ndarray,
                      seed: int = 0) -> np.ndarray:
    """Probability that the cheap path is right on each row of ``x``, from a logistic regression
    trained on other requests' features and whether the cheap path was right on them."""
    from sklearn.linear_model import LogisticRegression

    y = np.asarray(train_cheap_right, dtype=int)
    if len(set(y)) < 2:
        raise ValueError("the cheap path was right on all training items or on none: nothing to learn")
    clf = LogisticRegression(max_iter=2000, class_weight="balanced", random_state=seed)
    clf.fit(np.asarray(train_x), y)
    return clf.predict_proba(np.asarray(x))[:, 1]


def _check_paths(signal: np.ndarray, cheap_right: np.ndarray, strong_right: np.ndarray) -> None:
    if not len(signal) == len(cheap_right) == len(strong_right) or len(signal) == 0:
        raise ValueError(f"signal, cheap and strong results must be the same non-zero length, got "
                         f"{len(signal)}, {len(cheap_right)}, {len(strong_right)}")


def route(signal: np.ndarray, share_strong: float) -> np.ndarray:
    """True for the items sent to the strong path: the ``share_strong`` with the lowest signal
    (least confidence, least chance the cheap path is right); ties broken by position."""
    if not 0 <= share_strong <= 1:
        raise ValueError(f"share_strong must be in [0, 1], got {share_strong}")
    n = len(signal)
    k = int(round(share_strong * n))
    sent = np.zeros(n, dtype=bool)
    sent[np.argsort(np.asarray(signal), kind="stable")[:k]] = True
    return sent


def routing_curve(signal: np.ndarray, cheap_right: np.ndarray, strong_right: np.ndarray, *,
                  cheap_cost: float, strong_cost: float, router_cost: float = 0.0,
                  cheap_runs_first: bool, shares: Sequence[float] = tuple(np.linspace(0, 1, 21))) -> list[RoutePoint]:
    """Accuracy and cost per item as the share sent to the strong path grows.

    ``cheap_runs_first``: the cascade's cost (every item pays the cheap path, the routed ones the
    strong path as well); otherwise each item pays one path. ``router_cost`` is paid by every item.
    """
    signal, cheap_right, strong_right = (np.asarray(a) for a in (signal, cheap_right, strong_right))
    _check_paths(signal, cheap_right, strong_right)
    points = []
    for share in shares:
        sent = route(signal, float(share))
        accuracy = float(np.where(sent, strong_right, cheap_right).mean())
        s = float(sent.mean())
        cost = router_cost + (cheap_cost + s * strong_cost if cheap_runs_first else (1 - s) * cheap_cost + s * strong_cost)
        points.append(RoutePoint(s, accuracy, cost))
    return points


def random_curve(cheap_right: np.ndarray, strong_right: np.ndarray, *, cheap_cost: float, strong_cost: float,
                 shares: Sequence[float] = tuple(np.linspace(0, 1, 21))) -> list[RoutePoint]:
    """The expected curve of sending each share at random: accuracy and cost both interpolate."""
    a, b = float(np.mean(cheap_right)), float(np.mean(strong_right))
    return [RoutePoint(float(s), (1 - s) * a + s * b, (1 - s) * cheap_cost + s * strong_cost) for s in shares]


def operating_point(points: Sequence[RoutePoint], target_accuracy: float) -> RoutePoint | None:
    """The cheapest point whose accuracy reaches ``target_accuracy`` (None: none does)."""
    good = [p for p in points if p.accuracy >= target_accuracy - 1e-12]
    return min(good, key=lambda p: (p.cost, p.share_strong)) if good else None
