"""Search strategies, each a short override of one hook (framework step 3b: retrieval design).

A strategy searches a built :class:`~genai_design.retrieval.index.KBIndex` and only says how
to rank chunks (``_rank``); :class:`~genai_design.retrieval.base.BaseRetriever` checks the
query and groups chunks into documents. :data:`STRATEGIES` names them:

- ``"bm25"``: keyword search only;
- ``"dense"``: vector search only (the query is embedded, cosine similarity);
- ``"hybrid"``: both, fused by reciprocal rank (k = 60) over chunk ids;
- ``"hybrid+rerank"``: the top hybrid chunks reordered by a reranker (the course's
  cross-encoder unless another :class:`~genai_design.retrieval.base.Reranker` is given, an
  LLM judge for instance);
- ``"hybrid+rerank(fused)"``: the same, but the reranker's order is fused with hybrid's by
  reciprocal rank, so it can only promote a candidate that hybrid already ranked well.

:class:`DocumentFusionSearch` (``"hybrid+documents"``) fuses hybrid's document ranking with four
rankings of whole documents learned from the knowledge base
(:mod:`~genai_design.retrieval.doc_signals`). It is not in the registry: it gained on the
questions it was designed against and not on fresh ones (notebook 3f), so nothing picks it by name.

A reranked strategy returns only its ``rerank_candidates`` chunks, as LlamaIndex's reranking
postprocessors do with ``top_n``. :func:`open_retriever` builds an index and returns one
strategy over it, in one call (the command line uses it). Left out: query rewriting,
weighted fusion, and folding duplicate documents (the tech-support KB repeats each
conversation ~100 times, so its top ranks are copies).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from genai_design.retrieval.base import BaseRetriever, Ranked, Reranker
from genai_design.retrieval.doc_signals import DocumentSignals, build_document_signals
from genai_design.retrieval.fusion import RRF_K, reciprocal_rank_fusion
from genai_design.retrieval.index import KBIndex


@dataclass(frozen=True)
class RetrieverConfig:
    """Knobs shared by every strategy."""

    candidates: int = 50  # chunks each first-stage search returns before grouping by document
    rrf_k: int = RRF_K  # damping constant of reciprocal rank fusion
    rerank_candidates: int = 20  # reranked strategies: hybrid chunks handed to the reranker
    reranker_quick: bool = False  # course cross-encoder: the ~1-minute one, not the ~3-minute


class IndexRetriever(BaseRetriever):
    """A retriever over one :class:`KBIndex`; subclasses override ``_rank``."""

    def __init__(self, index: KBIndex, config: RetrieverConfig | None = None) -> None:
        super().__init__(index.chunks)
        self.index = index  # the indexes searched (built by index.build())
        self.config = config or RetrieverConfig()
        self.candidates = self.config.candidates
        self.kb, self.version, self.chunking = index.kb, index.version, index.chunking
        self.embedder = index.embedder  # benchmarks clear its query cache


class BM25Search(IndexRetriever):
    """Keyword search."""

    strategy = "bm25"

    def _rank(self, query: str, n: int) -> Ranked:
        return self.index.keyword_ranking(query, n)


class DenseSearch(IndexRetriever):
    """Vector search."""

    strategy = "dense"

    def _rank(self, query: str, n: int) -> Ranked:
        return self.index.vector_ranking(query, n)


class HybridSearch(IndexRetriever):
    """Keyword and vector rankings fused by reciprocal rank."""

    strategy = "hybrid"

    def _rank(self, query: str, n: int) -> Ranked:
        rankings = [[cid for cid, _ in ranking] for ranking in (
            self.index.keyword_ranking(query, n), self.index.vector_ranking(query, n))]
        return reciprocal_rank_fusion(rankings, k=self.config.rrf_k)


class RerankSearch(HybridSearch):
    """The top hybrid chunks, reordered by a reranker's scores."""

    strategy = "hybrid+rerank"
    fuse = False  # True: fuse the reranker's order with hybrid's instead of replacing it

    def __init__(self, index: KBIndex, config: RetrieverConfig | None = None,
                 reranker: Reranker | None = None, strategy: str | None = None) -> None:
        super().__init__(index, config)
        if reranker is None:  # the course's cross-encoder (trained now if not cached)
            from genai_design.retrieval.rerank import course_reranker

            reranker = course_reranker(self.config.reranker_quick)
        self.reranker = reranker  # scores (query, chunk text) pairs
        self.strategy = strategy or self.strategy

    def _rank(self, query: str, n: int) -> Ranked:
        head = [cid for cid, _ in super()._rank(query, n)[:self.config.rerank_candidates]]
        scores = self.reranker.score(query, [self.chunks[cid] for cid in head])
        reranked = sorted(zip(head, scores), key=lambda pair: -pair[1])
        if not self.fuse:
            return reranked
        return reciprocal_rank_fusion([head, [cid for cid, _ in reranked]], k=self.config.rrf_k)


class FusedRerankSearch(RerankSearch):
    """The reranker's order fused with hybrid's by reciprocal rank (a gentler reranker)."""

    strategy = "hybrid+rerank(fused)"
    fuse = True


class DocumentFusionSearch(HybridSearch):
    """Hybrid's document ranking fused with document-level signals learned from the KB."""

    strategy = "hybrid+documents"

    def __init__(self, index: KBIndex, config: RetrieverConfig | None = None,
                 signals: DocumentSignals | None = None) -> None:
        super().__init__(index, config)
        if signals is None:  # trained now: the KB's sentences are embedded once, then cached
            store, _ = index.built()
            signals = build_document_signals(index.docs, store.vectors(), self.chunks,
                                             self.embedder.encode_cached)
        self.signals = signals  # the four document rankings (signals.report: what the build did)
        self.first_chunk: dict[str, str] = {}  # a document's first chunk, for documents hybrid missed
        for chunk in sorted(self.chunks.values(), key=lambda c: c.start_char):
            self.first_chunk.setdefault(chunk.doc_id, chunk.chunk_id)

    def _rank(self, query: str, n: int) -> Ranked:
        best: dict[str, str] = {}  # each document's best hybrid chunk, in hybrid's order
        for chunk_id, _ in super()._rank(query, n):
            best.setdefault(self.chunks[chunk_id].doc_id, chunk_id)
        fused = self.signals.fuse(list(best), self.embedder.encode_query(query), self.config.rrf_k)
        # A document hybrid did not reach is represented by its first chunk.
        return [(best.get(doc_id) or self.first_chunk[doc_id], score) for doc_id, score in fused]


STRATEGIES: dict[str, type[IndexRetriever]] = {
    cls.strategy: cls
    for cls in (BM25Search, DenseSearch, HybridSearch, RerankSearch, FusedRerankSearch)
}


def strategy_class(strategy: str) -> type[IndexRetriever]:
    """The class registered under ``strategy``; ValueError listing the known names if none."""
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown strategy {strategy!r}; known: {', '.join(STRATEGIES)}")
    return STRATEGIES[strategy]


def make_retriever(index: KBIndex, strategy: str = "hybrid",
                   config: RetrieverConfig | None = None) -> IndexRetriever:
    """The retriever of ``strategy`` (a key of :data:`STRATEGIES`) over ``index``."""
    return strategy_class(strategy)(index, config)


def open_retriever(kb: str, version: int = 1, chunking: str = "recursive",
                   strategy: str = "hybrid", *, config: RetrieverConfig | None = None,
                   index_dir: str | Path | None = None, **index_options: Any) -> IndexRetriever:
    """Build (or reopen) the index of ``kb`` and return ``strategy`` over it.

    ``index_options`` go to :class:`KBIndex` (``docs``, ``embedder``, ``chunk_config``...).
    """
    cls = strategy_class(strategy)  # fail before building anything
    index = KBIndex(kb, version, chunking, index_dir=index_dir, **index_options)
    index.build()
    return cls(index, config)
