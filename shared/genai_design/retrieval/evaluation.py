"""Score a retriever on eval questions (framework step 3b, measured the step-7 way).

:func:`evaluate` runs any :class:`~genai_design.retrieval.strategies.IndexRetriever` over
eval questions and reports recall@k, MRR, nDCG@k and latency percentiles in a
:class:`RetrievalEval` (see :mod:`genai_design.retrieval.metrics` for the definitions);
:meth:`RetrievalEval.table_row` gives its headline numbers as one row of a comparison table.
:func:`evenly_spaced` picks a spread-out sample of questions when scoring all of them is too
slow (a cross-encoder or an LLM judge costs about a second per query on a CPU).
Left out: judging whether the retrieved text really holds the answer, and confidence
intervals (step 7 adds them).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, TypeVar

from genai_design.corpora import EvalQuestion
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

    def table_row(self) -> dict[str, float]:
        """Headline numbers as a table row: questions, recall@k, MRR, nDCG@(largest k), latency."""
        top = max(self.ndcg_at_k)
        return {"questions": self.num_scored,
                **{f"recall@{k}": v for k, v in self.recall_at_k.items()},
                "MRR": self.mrr, f"nDCG@{top}": self.ndcg_at_k[top],
                "p50 ms": self.p50_latency_ms, "p95 ms": self.p95_latency_ms}


def evenly_spaced(items: Sequence[Item], n: int | None) -> list[Item]:
    """``n`` items spread evenly over ``items`` (every len/n-th, from the first); all if None."""
    if n is None:
        return list(items)
    if n < 1:
        raise ValueError(f"n must be at least 1 or None, got {n}")
    return list(items[::max(1, len(items) // n)][:n])


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
        results.append(QuestionResult(question.id, question.type, tuple(ids), first,
                                      latencies[-1]))
        facts = metrics.fact_groups(question.gold_ids, question.type,
                                    retriever.index.containment())
        if not facts:
            continue
        by_k = recalls.setdefault(question.type, {k: [] for k in ks})
        for k in ks:
            by_k[k].append(metrics.recall_at_k(ids, facts, k))
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
