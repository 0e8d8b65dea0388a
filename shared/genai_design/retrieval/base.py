"""The retrieval interface: one hit type, one query check, one grouping (framework step 3b).

Every retriever in the course, from scratch or LlamaIndex, is a :class:`BaseRetriever`. Its
public :meth:`~BaseRetriever.search` checks the query with :func:`validate_query`, asks the
one private hook ``_rank(query, n)`` for up to ``n`` chunk ids, best first, and turns them
into documents with :func:`group_by_document`: each document is represented by its best chunk
(the first time it appears), because the evaluation sets judge documents. A strategy is a
subclass that overrides ``_rank`` and nothing else (LlamaIndex does the same:
``BaseRetriever.retrieve()`` wraps the abstract ``_retrieve()``).

Rerankers follow the same shape: :meth:`Reranker.score` checks the query and unwraps chunks,
``_score`` does the work. Left out: asynchronous search, metadata filters and
query rewriting.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from genai_design.retrieval.chunking import Chunk

Ranked = list[tuple[str, float]]  # (chunk_id, score), best first


@dataclass(frozen=True)
class SearchHit:
    """One document in a result list, represented by its best chunk."""

    doc_id: str  # document id, e.g. "python-reference/assert"
    chunk_id: str  # the chunk that ranked the document
    score: float  # strategy's score: BM25, cosine similarity, RRF sum or reranker score
    rank: int  # 1 for the best document
    text: str  # the chunk's text
    strategy: str  # name of the strategy that produced the hit

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form."""
        return asdict(self)


def validate_query(query: object, top_k: object = 1) -> str:
    """Return ``query`` if it is a non-empty string and ``top_k`` a positive integer.

    Raises TypeError for a query that is not a string and ValueError for an empty or
    whitespace-only query or a ``top_k`` below 1 (booleans are not counts).
    """
    if not isinstance(query, str):
        raise TypeError(f"the query must be a non-empty string, got {type(query).__name__} "
                        f"{query!r}")
    if not query.strip():
        raise ValueError(f"the query must be a non-empty string, got {query!r}")
    validate_top_k(top_k)
    return query


def validate_top_k(top_k: object) -> int:
    """Return ``top_k`` if it is a positive integer, else raise ValueError."""
    if isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1:
        raise ValueError(f"top_k must be a positive integer, got {top_k!r}")
    return top_k


def group_by_document(ranked: Sequence[tuple[str, float]], chunks: Mapping[str, Chunk],
                      top_k: int, strategy: str) -> list[SearchHit]:
    """The first ``top_k`` distinct documents of a chunk ranking, each with its best chunk."""
    hits: list[SearchHit] = []
    seen: set[str] = set()
    for chunk_id, score in ranked:
        chunk = chunks[chunk_id]
        if chunk.doc_id in seen:
            continue
        seen.add(chunk.doc_id)
        hits.append(SearchHit(doc_id=chunk.doc_id, chunk_id=chunk_id, score=float(score),
                              rank=len(hits) + 1, text=chunk.text, strategy=strategy))
        if len(hits) == top_k:
            break
    return hits


class BaseRetriever(ABC):
    """Document search: :meth:`search` checks and groups, subclasses rank chunks in ``_rank``."""

    strategy: str = "base"  # name written into every hit
    candidates: int = 50  # chunks ranked per search (at least 5 x top_k)

    def __init__(self, chunks: Mapping[str, Chunk]) -> None:
        self.chunks = chunks  # chunk_id -> Chunk, for every chunk _rank may return

    def search(self, query: str, top_k: int = 5) -> list[SearchHit]:
        """The ``top_k`` best documents for ``query``, each represented by its best chunk."""
        validate_query(query, top_k)
        ranked = self._rank(query, max(self.candidates, 5 * top_k))
        return group_by_document(ranked, self.chunks, top_k, self.strategy)

    @abstractmethod
    def _rank(self, query: str, n: int) -> Ranked:
        """Up to ``n`` (chunk_id, score) pairs for a checked query, best first."""


class Reranker(ABC):
    """Scores (query, passage) pairs, higher is better: :meth:`score` over ``_score``."""

    def score(self, query: str, passages: Sequence[str | Chunk]) -> list[float]:
        """One score per passage (a Chunk is scored on its text), in input order."""
        validate_query(query)
        texts = [p.text if isinstance(p, Chunk) else p for p in passages]
        return [float(s) for s in self._score(query, texts)] if texts else []

    @abstractmethod
    def _score(self, query: str, texts: list[str]) -> Sequence[float]:
        """Scores for a checked query and at least one passage text."""
