"""Score a retriever on eval questions (framework step 3b, measured the step-7 way).

:func:`evaluate` runs any :class:`~genai_design.retrieval.strategies.IndexRetriever` over
eval questions and reports recall@k, MRR, nDCG@k and latency percentiles in a
:class:`RetrievalEval` (see :mod:`genai_design.retrieval.metrics` for the definitions);
:meth:`RetrievalEval.table_row` gives its headline numbers as one row of a comparison table,
with a bootstrap interval of recall@k; :func:`compare` pairs two retrievers question by
question and says whether their difference is more than noise (step 7's
:func:`~genai_design.evaluation.stats.paired_bootstrap`).
:func:`evenly_spaced` picks a spread-out sample of questions when scoring all of them is too
slow, and :func:`stratified_sample` one that keeps every question type in it (a cross-encoder or an LLM judge costs about a second per query on a CPU).
Left out: judging whether the retrieved text really holds the answer.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any, TypeVar

from genai_design.corpora import EvalQuestion
from genai_design.evaluation.stats import Interval, PairedComparison, bootstrap_ci, paired_by_id
from genai_design.retrieval import metrics
from genai_design.retrieval.strategies import IndexRetriever

Item = TypeVar("Item")


@dataclass(frozen=True)
class QuestionResult:
    """How one eval question fared."""

    question_id: str  # eval question id, e.g. "py-001"
    type: str  # question type (factual, multi-hop, ...)
    retrieved_ids: tuple[str, ...]  # document ids, best first, max(ks) of them
    first_gold_rank: int | None  # rank of the first gold document; None if not retrieved
    latency_ms: float  # time of the search call, query embedding included
    recall_at_k: dict[int, float] | None  # k -> share of facts found; None if not scored


@dataclass(frozen=True)
class RetrievalEval:
    """Scores of one retriever on one eval set; averages over answerable questions."""

    kb: str  # knowledge base
    kb_version: int  # KB version searched
    strategy: str  # retrieval strategy
    chunking: str  # chunking strategy
    num_scored: int  # answerable questions the averages are over
    num_unanswerable: int  # questions with no gold ids (searched, timed, not scored)
    num_other_version: int  # questions about another KB version (skipped)
    recall_at_k: dict[int, float]  # k -> mean share of facts found in the top k
    ndcg_at_k: dict[int, float]  # k -> mean binary nDCG@k
    mrr: float  # mean reciprocal rank of the first gold document
    recall_at_k_by_type: dict[str, dict[int, float]]  # question type -> k -> mean recall
    p50_latency_ms: float  # median search latency over all searched questions
    p95_latency_ms: float  # 95th percentile search latency
    questions: tuple[QuestionResult, ...]  # per-question detail, for error analysis

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form (dict keys become strings in JSON)."""
        return asdict(self)

    def summary(self) -> dict[str, Any]:
        """The headline numbers, without the per-question detail."""
        out = self.to_dict()
        out.pop("questions")
        return out

    def per_question_recall(self, k: int) -> dict[str, float]:
        """Question id -> recall@k, for the scored (answerable) questions."""
        if k not in self.recall_at_k:
            raise ValueError(f"recall@{k} was not measured; measured k: {sorted(self.recall_at_k)}")
        return {q.question_id: q.recall_at_k[k] for q in self.questions if q.recall_at_k is not None}

    def recall_interval(self, k: int, confidence: float = 0.95, seed: int = 0) -> Interval:
        """Percentile bootstrap interval of mean recall@k over the scored questions."""
        values = list(self.per_question_recall(k).values())
        if not values:
            raise ValueError(f"no scored questions in this evaluation of {self.strategy}")
        return bootstrap_ci(values, confidence, seed=seed)

    def table_row(self, ci_k: int | None = 5) -> dict[str, Any]:
        """Headline numbers as a table row: questions, recall@k, the 95% interval of
        recall@``ci_k`` (left out when None or not measured), MRR, nDCG@(largest k), latency."""
        top = max(self.ndcg_at_k)
        row: dict[str, Any] = {"questions": self.num_scored,
                               **{f"recall@{k}": v for k, v in self.recall_at_k.items()}}
        if ci_k in self.recall_at_k and self.num_scored:
            ci = self.recall_interval(ci_k)
            row[f"recall@{ci_k} 95% CI"] = f"{ci.low:.2f} to {ci.high:.2f}"
        return {**row, "MRR": self.mrr, f"nDCG@{top}": self.ndcg_at_k[top],
                "p50 ms": self.p50_latency_ms, "p95 ms": self.p95_latency_ms}


def compare(a: RetrievalEval, b: RetrievalEval, k: int = 5, confidence: float = 0.95,
            seed: int = 0) -> PairedComparison:
    """Retriever B against A on recall@k, paired over the questions both scored.

    The difference's interval is a paired bootstrap and its p-value a paired permutation test,
    so a gap that a few questions could produce by chance reads as not significant.
    """
    if a.kb != b.kb or a.kb_version != b.kb_version:
        raise ValueError(f"cannot pair {a.kb} v{a.kb_version} with {b.kb} v{b.kb_version}")
    return paired_by_id(a.per_question_recall(k), b.per_question_recall(k), confidence, seed,
                        what=f"{a.strategy} and {b.strategy}")


def evenly_spaced(items: Sequence[Item], n: int | None) -> list[Item]:
    """``n`` items spread evenly over the whole of ``items`` (item ``i * len / n`` for i < n,
    from the first); all if None or if there are no more than ``n``."""
    if n is None:
        return list(items)
    if n < 1:
        raise ValueError(f"n must be at least 1 or None, got {n}")
    if n >= len(items):
        return list(items)
    return [items[i * len(items) // n] for i in range(n)]


def stratified_sample(items: Sequence[Item], n: int | None, key: Callable[[Item], Any],
                      min_per_group: int = 1) -> list[Item]:
    """``n`` items with every group (same ``key``) represented in proportion to its size, at
    least ``min_per_group`` of it (all of a smaller group), each group's share spread evenly
    over it; the items keep their original order. All if None or if there are no more than ``n``;
    more than ``n`` only when the groups' minimums alone exceed it.
    """
    if n is None or n >= len(items):
        return list(items)
    if n < 1 or min_per_group < 0:
        raise ValueError(f"n must be at least 1 and min_per_group at least 0, got {n}, {min_per_group}")
    groups: dict[Any, list[int]] = {}
    for i, item in enumerate(items):
        groups.setdefault(key(item), []).append(i)
    exact = {g: n * len(idx) / len(items) for g, idx in groups.items()}
    quota = {g: min(len(groups[g]), max(min_per_group, int(exact[g]))) for g in groups}
    # Minimums can overshoot n: take the excess from the largest groups, down to their minimum.
    while sum(quota.values()) > n:
        g = max(quota, key=lambda g: quota[g] - min(len(groups[g]), min_per_group))
        if quota[g] <= min(len(groups[g]), min_per_group):
            break  # every group at its minimum: the sample is larger than n
        quota[g] -= 1
    # Largest remainders first, until the quotas add up to n (or every group is exhausted).
    for g in sorted(groups, key=lambda g: exact[g] - int(exact[g]), reverse=True) * len(items):
        if sum(quota.values()) >= n:
            break
        if quota[g] < len(groups[g]):
            quota[g] += 1
    chosen = sorted(i for g, idx in groups.items() for i in evenly_spaced(idx, quota[g]))
    return [items[i] for i in chosen]


def evaluate(retriever: IndexRetriever, questions: Sequence[EvalQuestion],
             ks: Sequence[int] = (1, 5, 10)) -> RetrievalEval:
    """Search every question of ``retriever``'s KB version and score the results.

    The embedder is loaded before timing and its query cache cleared, so latencies include
    embedding each query but not loading the model.
    """
    if not ks or any(k < 1 for k in ks):
        raise ValueError(f"ks must be positive integers, got {ks!r}")
    wrong_kb = sorted({q.kb for q in questions if q.kb != retriever.kb})
    if wrong_kb:
        raise ValueError(f"questions for {wrong_kb} given to a {retriever.kb!r} retriever")
    asked = [q for q in questions if q.kb_version == retriever.version]
    if not asked:
        raise ValueError(f"no questions about {retriever.kb} version {retriever.version}")
    retriever.embedder.encode_query("load the model before timing")
    retriever.embedder.clear_cache()
    results, latencies = [], []
    recalls: dict[str, dict[int, list[float]]] = {}
    ndcgs: dict[int, list[float]] = {k: [] for k in ks}
    rrs: list[float] = []
    for question in asked:
        started = time.perf_counter()
        hits = retriever.search(question.question, top_k=max(ks))
        latencies.append((time.perf_counter() - started) * 1000)
        ids = [hit.doc_id for hit in hits]
        gold = set(question.gold_ids)
        first = next((h.rank for h in hits if h.doc_id in gold), None)
        facts = metrics.fact_groups(question.gold_ids, question.type,
                                    retriever.index.containment())
        recall = {k: metrics.recall_at_k(ids, facts, k) for k in ks} if facts else None
        results.append(QuestionResult(question.id, question.type, tuple(ids), first,
                                      latencies[-1], recall))
        if recall is None:
            continue
        by_k = recalls.setdefault(question.type, {k: [] for k in ks})
        for k in ks:
            by_k[k].append(recall[k])
            ndcgs[k].append(metrics.ndcg_at_k(ids, gold, k))
        rrs.append(metrics.reciprocal_rank(ids, gold))

    def mean(values: list[float]) -> float:
        return sum(values) / len(values) if values else float("nan")

    pooled = {k: [v for by_k in recalls.values() for v in by_k[k]] for k in ks}
    return RetrievalEval(
        kb=retriever.kb, kb_version=retriever.version, strategy=retriever.strategy,
        chunking=retriever.chunking, num_scored=len(rrs),
        num_unanswerable=len(asked) - len(rrs), num_other_version=len(questions) - len(asked),
        recall_at_k={k: mean(pooled[k]) for k in ks}, ndcg_at_k={k: mean(ndcgs[k]) for k in ks},
        mrr=mean(rrs),
        recall_at_k_by_type={t: {k: mean(v) for k, v in by_k.items()}
                             for t, by_k in sorted(recalls.items())},
        p50_latency_ms=metrics.percentile_ms(latencies, 50),
        p95_latency_ms=metrics.percentile_ms(latencies, 95), questions=tuple(results))
