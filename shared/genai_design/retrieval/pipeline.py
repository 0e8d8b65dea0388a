"""Search a knowledge base, and score the search (framework step 3b: retrieval design).

``Retriever(kb, version, chunking, strategy)`` puts the pieces together: it chunks the KB,
keeps the chunks' vectors in a persistent :class:`~genai_design.retrieval.store.ChunkStore`
under ``course_home()/indexes/chroma`` (built on first search, then reused: an unchanged KB
is not embedded again), builds a BM25 index in memory, and answers queries with one of the
strategies in :data:`STRATEGIES`:

- ``"bm25"``: keyword search only;
- ``"dense"``: vector search only (the query is embedded, cosine similarity);
- ``"hybrid"``: both, fused by reciprocal rank (k = 60) over chunk ids;
- ``"hybrid+rerank"``: hybrid candidates re-scored by the course's cross-encoder
  (:mod:`genai_design.retrieval.rerank`; trained on first use, a few minutes on a CPU).

Results are per *document*: each strategy ranks chunks, and a document is represented by
its best chunk (the first time it appears), because the evaluation sets judge documents.
:func:`evaluate` runs a retriever over eval questions and reports recall@k, MRR, nDCG@k
and latency percentiles (see :mod:`genai_design.retrieval.metrics` for the definitions).

Left out: query rewriting, metadata filters, and folding duplicate documents (the
tech-support KB repeats each conversation ~100 times, so its top ranks are copies).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from genai_design.corpora import Document, EvalQuestion, load_kb
from genai_design.models import course_home
from genai_design.retrieval import metrics
from genai_design.retrieval.bm25 import BM25Config, BM25Index
from genai_design.retrieval.chunking import CHUNKERS, Chunk, ChunkConfig, chunk_documents
from genai_design.retrieval.embedding import Embedder, default_embedder
from genai_design.retrieval.fusion import RRF_K, reciprocal_rank_fusion
from genai_design.retrieval.store import ChunkStore, IngestReport


@dataclass(frozen=True)
class RetrieverConfig:
    """Knobs shared by every strategy."""

    candidates: int = 50  # chunks each first-stage search returns before grouping by document
    rrf_k: int = RRF_K  # damping constant of reciprocal rank fusion
    rerank_candidates: int = 20  # "hybrid+rerank": fused chunks handed to the cross-encoder
    reranker_quick: bool = False  # "hybrid+rerank": use the ~1-minute reranker, not the ~3-minute
    chunk: ChunkConfig = field(default_factory=ChunkConfig)  # chunk size and overlap
    bm25: BM25Config = field(default_factory=BM25Config)  # BM25 parameters


@dataclass(frozen=True)
class SearchHit:
    """One document in a result list, represented by its best chunk."""

    doc_id: str  # document id, e.g. "python-reference/assert"
    chunk_id: str  # the chunk that ranked the document
    score: float  # strategy's score: BM25, cosine similarity, RRF sum or cross-encoder logit
    rank: int  # 1 for the best document
    text: str  # the chunk's text
    strategy: str  # name of the strategy that produced the hit

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form."""
        return asdict(self)


Ranked = list[tuple[str, float]]  # (chunk_id, score), best first
Strategy = Callable[["Retriever", str, int], Ranked]


def default_index_dir() -> Path:
    """Where Chroma indexes live: ``course_home()/indexes/chroma``."""
    return course_home() / "indexes" / "chroma"


class Retriever:
    """Document search over one KB version with one chunking and one strategy."""

    def __init__(self, kb: str, version: int = 1, chunking: str = "recursive",
                 strategy: str = "hybrid", *, docs: Sequence[Document] | None = None,
                 index_dir: str | Path | None = None, embedder: Embedder | None = None,
                 config: RetrieverConfig | None = None) -> None:
        if strategy not in STRATEGIES:
            raise ValueError(f"unknown strategy {strategy!r}; known: {', '.join(STRATEGIES)}")
        if chunking not in CHUNKERS:
            raise ValueError(f"unknown chunking {chunking!r}; known: {', '.join(CHUNKERS)}")
        self.kb, self.version, self.chunking, self.strategy = kb, version, chunking, strategy
        self.config = config or RetrieverConfig()
        self.docs = list(docs) if docs is not None else load_kb(kb, version)
        self.index_dir = Path(index_dir) if index_dir is not None else default_index_dir()
        self.embedder = embedder or default_embedder()
        self.chunks: dict[str, Chunk] = {
            c.chunk_id: c for c in chunk_documents(self.docs, chunking, self.config.chunk)}
        self._store: ChunkStore | None = None
        self._bm25: BM25Index | None = None
        self._containment: dict[str, frozenset[str]] | None = None
        self.ingest_report: IngestReport | None = None  # what building the index did

    @property
    def store(self) -> ChunkStore:
        """The vector store, synced with the KB on first access (embeds only what changed)."""
        if self._store is None:
            store = ChunkStore(self.index_dir, self.kb, self.version, self.chunking,
                               embedder=self.embedder, chunk_config=self.config.chunk)
            self.ingest_report = store.ingest(self.docs)
            stale = {c.doc_id for c in store.chunks()} - {d.id for d in self.docs}
            if stale:  # documents the KB no longer has
                store.delete_documents(sorted(stale))
            self._store = store
        return self._store

    @property
    def bm25(self) -> BM25Index:
        """The in-memory BM25 index over the same chunks."""
        if self._bm25 is None:
            self._bm25 = BM25Index(list(self.chunks.values()), self.config.bm25)
        return self._bm25

    @property
    def containment(self) -> dict[str, frozenset[str]]:
        """Which documents repeat which (for scoring multi-hop questions)."""
        if self._containment is None:
            self._containment = metrics.containment(self.docs)
        return self._containment

    def search(self, query: str, top_k: int = 5) -> list[SearchHit]:
        """The ``top_k`` best documents for ``query``, each with its best chunk."""
        if not isinstance(query, str) or not query.strip():
            raise ValueError(f"the query must be a non-empty string, got {query!r}")
        if isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1:
            raise ValueError(f"top_k must be a positive integer, got {top_k!r}")
        ranked = STRATEGIES[self.strategy](self, query, max(self.config.candidates, 5 * top_k))
        hits: list[SearchHit] = []
        seen: set[str] = set()
        for chunk_id, score in ranked:
            chunk = self.chunks[chunk_id]
            if chunk.doc_id in seen:
                continue
            seen.add(chunk.doc_id)
            hits.append(SearchHit(doc_id=chunk.doc_id, chunk_id=chunk_id, score=score,
                                  rank=len(hits) + 1, text=chunk.text, strategy=self.strategy))
            if len(hits) == top_k:
                break
        return hits


def _bm25(retriever: Retriever, query: str, n: int) -> Ranked:
    return [(hit.chunk.chunk_id, hit.score) for hit in retriever.bm25.search(query, n)]


def _dense(retriever: Retriever, query: str, n: int) -> Ranked:
    return [(hit.chunk_id, hit.similarity) for hit in retriever.store.search(query, n)]


def _hybrid(retriever: Retriever, query: str, n: int) -> Ranked:
    rankings = [[cid for cid, _ in _bm25(retriever, query, n)],
                [cid for cid, _ in _dense(retriever, query, n)]]
    return reciprocal_rank_fusion(rankings, k=retriever.config.rrf_k)


def _hybrid_rerank(retriever: Retriever, query: str, n: int) -> Ranked:
    from genai_design.retrieval.rerank import course_reranker

    candidates = [cid for cid, _ in _hybrid(retriever, query, n)]
    candidates = candidates[:retriever.config.rerank_candidates]
    reranker = course_reranker(retriever.config.reranker_quick)
    scores = reranker.score(query, [retriever.chunks[cid] for cid in candidates])
    return sorted(zip(candidates, scores), key=lambda pair: -pair[1])


STRATEGIES: dict[str, Strategy] = {
    "bm25": _bm25,
    "dense": _dense,
    "hybrid": _hybrid,
    "hybrid+rerank": _hybrid_rerank,
}


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


def evaluate(retriever: Retriever, questions: Sequence[EvalQuestion],
             ks: Sequence[int] = (1, 5, 10)) -> RetrievalEval:
    """Search every question of ``retriever``'s KB version and score the results.

    The query-vector cache is cleared first, so latencies include embedding each query.
    """
    if not ks or any(k < 1 for k in ks):
        raise ValueError(f"ks must be positive integers, got {ks!r}")
    wrong_kb = sorted({q.kb for q in questions if q.kb != retriever.kb})
    if wrong_kb:
        raise ValueError(f"questions for {wrong_kb} given to a {retriever.kb!r} retriever")
    asked = [q for q in questions if q.kb_version == retriever.version]
    if not asked:
        raise ValueError(f"no questions about {retriever.kb} version {retriever.version}")
    retriever.embedder.clear_cache()
    _ = retriever.store, retriever.bm25  # build indexes before timing
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
        facts = metrics.fact_groups(question.gold_ids, question.type, retriever.containment)
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
