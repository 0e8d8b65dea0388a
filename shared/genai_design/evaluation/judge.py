"""Judges of answer correctness: a model with a rubric, and two cheaper judges (framework step 7,
LLM-as-judge).

:func:`llm_judge` asks the served model whether an answer is correct given the question and a
reference answer. The verdict comes through constrained decoding (a ``choice`` of the labels),
so it is always a valid label and costs a few output tokens. Two probes measure its biases on
the same items, with no labels needed:

- **position**: the reference and the answer swap places in the prompt; a judge that reads
  content gives the same verdict, one that favours a position does not.
- **verbosity**: the answer is padded with polite filler that adds no facts; a judge swayed by
  length calls more padded answers correct.

Cheaper judges, trained and tested on the human labels with cross-validation:

- :func:`similarity_judge`: the cosine similarity of answer and reference embeddings, above a
  threshold chosen on the training folds;
- :func:`feature_judge`: a logistic regression on cheap features of the answer (token F1,
  ROUGE-L, embedding similarity, faithfulness, abstention, length).

:func:`load_judge_set` reads the course's labelled answers (``data/judge``).
Left out: pairwise judges (which answer is better), chain-of-thought before the verdict, and
ensembles of judges.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from genai_design.corpora.documents import data_dir
from genai_design.evaluation import answers
from genai_design.progress import progress

JUDGE_LABELS = ("correct", "incorrect")  # what every judge here answers
RUBRIC = (
    "You grade answers from a customer-service assistant. An answer is correct if it gives the "
    "same facts as the reference answer for this question (numbers, conditions, yes or no) and "
    "adds nothing that contradicts it; wording does not matter. An answer that declines to "
    "answer is incorrect unless the reference says the question cannot be answered.")
PADDING = (" Thank you for reaching out to us today; we really appreciate your patience and your "
           "business. If anything else comes up, our friendly team is always happy to help you.")


@dataclass(frozen=True)
class JudgeItem:
    """One answer to judge."""

    item_id: str  # stable id, e.g. "sh-014/v2"
    question: str  # what the customer asked
    reference: str  # the reference answer from the evaluation set
    answer: str  # the answer to judge
    sources: tuple[str, ...] = ()  # passages the answer was written from (for faithfulness)


@dataclass(frozen=True)
class JudgeSet:
    """Answers to judge and the labels people gave them."""

    items: tuple[JudgeItem, ...]  # in file order
    labels: dict[str, dict[str, str]]  # labeller -> item id -> label
    meta: dict[str, dict[str, str]]  # item id -> question_id, type and system of the answer

    def labelled_by(self, labeller: str) -> tuple[list[JudgeItem], list[str]]:
        """The items ``labeller`` labelled, and the labels, in file order."""
        given = self.labels[labeller]
        kept = [item for item in self.items if item.item_id in given]
        return kept, [given[item.item_id] for item in kept]


def load_judge_set(folder: str | Path | None = None) -> JudgeSet:
    """Read ``answers.jsonl`` and ``labels.jsonl`` of ``folder`` (default: the course's
    ``data/judge``); every label must name a known item and one of :data:`JUDGE_LABELS`."""
    folder = Path(folder) if folder is not None else data_dir() / "judge"
    items, meta = [], {}
    for number, line in enumerate((folder / "answers.jsonl").read_text(encoding="utf-8").splitlines(), 1):
        row = json.loads(line)
        if row["id"] in meta:
            raise ValueError(f"answers.jsonl line {number}: duplicate id {row['id']!r}")
        items.append(JudgeItem(row["id"], row["question"], row["reference"], row["answer"],
                               tuple(row.get("sources", ()))))
        meta[row["id"]] = {k: row[k] for k in ("question_id", "type", "system")}
    labels: dict[str, dict[str, str]] = {}
    for number, line in enumerate((folder / "labels.jsonl").read_text(encoding="utf-8").splitlines(), 1):
        row = json.loads(line)
        if row["id"] not in meta or row["label"] not in JUDGE_LABELS:
            raise ValueError(f"labels.jsonl line {number}: unknown id {row['id']!r} or label "
                             f"{row['label']!r} (labels: {JUDGE_LABELS})")
        labels.setdefault(row["labeller"], {})[row["id"]] = row["label"]
    return JudgeSet(tuple(items), labels, meta)


def judge_prompt(item: JudgeItem, answer_first: bool = False, rubric: str = RUBRIC) -> str:
    """The judge's prompt; ``answer_first`` puts the answer before the reference (position probe)."""
    blocks = [("Reference answer", item.reference), ("Answer to grade", item.answer)]
    if answer_first:
        blocks.reverse()
    body = "\n\n".join(f"{title}:\n{text}" for title, text in blocks)
    return (f"{rubric}\n\nQuestion:\n{item.question}\n\n{body}\n\n"
            f"Is the answer to grade correct? Reply with one word: {' or '.join(JUDGE_LABELS)}.")


def padded(item: JudgeItem, padding: str = PADDING) -> JudgeItem:
    """The same item with filler appended to its answer (verbosity probe)."""
    return JudgeItem(item.item_id, item.question, item.reference, item.answer.rstrip() + padding,
                     item.sources)


def llm_judge(client: Any, model: str, items: Sequence[JudgeItem], *, answer_first: bool = False,
              rubric: str = RUBRIC, concurrency: int = 8, show_progress: bool = True) -> list[str]:
    """One verdict per item from the served model, constrained to :data:`JUDGE_LABELS`."""
    if not items:
        raise ValueError("no items to judge")

    def ask(item: JudgeItem) -> str:
        reply = client.chat.completions.create(
            model=model, temperature=0.0, max_tokens=4,
            messages=[{"role": "user", "content": judge_prompt(item, answer_first, rubric)}],
            extra_body={"structured_outputs": {"choice": list(JUDGE_LABELS)}})
        verdict = (reply.choices[0].message.content or "").strip()
        if verdict not in JUDGE_LABELS:
            raise ValueError(f"the judge replied {verdict!r}, not one of {JUDGE_LABELS}: does the "
                             "endpoint support structured_outputs choice?")
        return verdict

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        return list(progress(pool.map(ask, items), total=len(items), show=show_progress,
                             desc="judge", unit="item"))


def flip_rate(a: Sequence[str], b: Sequence[str]) -> float:
    """Share of items whose verdict changed between two runs of a judge."""
    if len(a) != len(b) or not a:
        raise ValueError("need two non-empty verdict lists of the same length")
    return sum(x != y for x, y in zip(a, b)) / len(a)


def features(items: Sequence[JudgeItem], embed: Callable[[list[str]], np.ndarray]) -> np.ndarray:
    """Cheap features per item: token F1, ROUGE-L, cosine similarity of answer and reference,
    source precision (1.0 without sources), abstained, and log answer length in words.

    ``embed`` maps texts to L2-normalised vectors (the course embedder's ``encode``).
    """
    a = embed([i.answer for i in items])
    r = embed([i.reference for i in items])
    cosine = np.sum(a * r, axis=1)
    rows = []
    for item, cos in zip(items, cosine):
        said = answers.strip_citations(item.answer)
        rows.append([answers.token_f1(said, item.reference), answers.rouge_l(said, item.reference),
                     float(cos), answers.source_precision(item.answer, item.sources),
                     float(answers.is_abstention(item.answer)),
                     float(np.log1p(len(answers.normalise_answer(said).split())))])
    return np.array(rows)


FEATURE_NAMES = ("token F1", "ROUGE-L", "cosine", "source precision", "abstained", "log words")


def similarity_judge(cosine: np.ndarray, labels: Sequence[str], folds: int = 5,
                     seed: int = 0) -> list[str]:
    """Cross-validated verdicts from cosine similarity alone: on each training fold, the threshold
    that best matches the labels; applied to the held-out fold."""
    cosine, y = np.asarray(cosine, dtype=float), np.array([x == "correct" for x in labels])
    out = np.empty(len(y), dtype=object)
    for train, test in _folds(len(y), folds, seed):
        seen = np.unique(cosine[train])  # thresholds halfway between neighbouring values
        candidates = np.r_[seen[0] - 1e-9, (seen[:-1] + seen[1:]) / 2, seen[-1] + 1e-9]
        accuracy = [np.mean((cosine[train] >= t) == y[train]) for t in candidates]
        threshold = candidates[int(np.argmax(accuracy))]
        out[test] = np.where(cosine[test] >= threshold, "correct", "incorrect")
    return list(out)


def feature_judge(x: np.ndarray, labels: Sequence[str], folds: int = 5, seed: int = 0) -> list[str]:
    """Cross-validated verdicts of a logistic regression on :func:`features`."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    y = np.array([x_ == "correct" for x_ in labels])
    out = np.empty(len(y), dtype=object)
    for train, test in _folds(len(y), folds, seed):
        if y[train].all() or not y[train].any():  # one class only: predict it
            out[test] = "correct" if y[train].all() else "incorrect"
            continue
        model = make_pipeline(StandardScaler(), LogisticRegression(class_weight="balanced"))
        model.fit(x[train], y[train])
        out[test] = np.where(model.predict(x[test]), "correct", "incorrect")
    return list(out)


def _folds(n: int, folds: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    if folds < 2 or n < folds:
        raise ValueError(f"need at least 2 folds and as many items as folds, got {folds} for {n}")
    order = np.random.default_rng(seed).permutation(n)
    parts = np.array_split(order, folds)
    return [(np.concatenate([p for j, p in enumerate(parts) if j != i]), parts[i])
            for i in range(folds)]
