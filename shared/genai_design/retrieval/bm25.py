"""Keyword search over chunks with BM25 (framework step 3b: retrieval design).

:class:`BM25Index` indexes chunk texts (with their titles, as the embedder sees them) using
``bm25s`` and English Snowball stemming from PyStemmer, so "asserts", "asserted" and
"assert" meet. No stop words are removed by default: in the Python reference the words
that matter are often ``in``, ``if``, ``for``, ``not`` and ``is``, which every English stop
list drops; BM25's inverse document frequency already gives common words little weight.
Query words the corpus never uses are ignored, and chunks that share no word with the
query are not returned (a score of zero is no match). The index lives in memory: building
it for the course KBs takes well under a second, so it is rebuilt rather than persisted
(:meth:`BM25Index.save` writes it out, to measure its size on disk).
Left out: phrase and proximity matching, field weights, and incremental updates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from genai_design.retrieval.base import validate_query
from genai_design.retrieval.chunking import Chunk, embedding_text


@dataclass(frozen=True)
class BM25Config:
    """BM25 parameters and text processing."""

    k1: float = 1.5  # term-frequency saturation: higher lets repeated words count longer
    b: float = 0.75  # length normalisation: 0 ignores chunk length, 1 normalises fully
    stemmer_language: str | None = "english"  # PyStemmer language; None turns stemming off
    stopwords: str | None = None  # a bm25s stop-word list name such as "en"; None keeps all


@dataclass(frozen=True)
class KeywordHit:
    """One chunk returned by BM25."""

    chunk: Chunk  # the matching chunk
    score: float  # BM25 score, > 0; comparable only within one query


class BM25Index:
    """A BM25 index over a fixed list of chunks."""

    def __init__(self, chunks: Sequence[Chunk], config: BM25Config | None = None) -> None:
        import bm25s

        self.config = config or BM25Config()
        self.chunks = list(chunks)
        self._stemmer = None
        if self.config.stemmer_language:
            import Stemmer

            self._stemmer = Stemmer.Stemmer(self.config.stemmer_language)
        self._model = bm25s.BM25(k1=self.config.k1, b=self.config.b)
        if self.chunks:
            tokens = self._tokenize([embedding_text(c) for c in self.chunks], return_ids=True)
            self._model.index(tokens, show_progress=False)

    def _tokenize(self, texts: list[str], return_ids: bool):  # type: ignore[no-untyped-def]
        import bm25s

        return bm25s.tokenize(texts, stopwords=self.config.stopwords, stemmer=self._stemmer,
                              return_ids=return_ids, show_progress=False)

    def search(self, query: str, top_k: int = 10) -> list[KeywordHit]:
        """Up to ``top_k`` chunks sharing at least one (stemmed) word with ``query``."""
        validate_query(query, top_k)
        if not self.chunks:
            return []
        vocab = self._model.vocab_dict
        words = [w for w in self._tokenize([query], return_ids=False)[0] if w in vocab]
        if not words:
            return []
        ids, scores = self._model.retrieve([words], k=min(top_k, len(self.chunks)),
                                           show_progress=False, n_threads=1)
        return [KeywordHit(self.chunks[int(i)], float(s))
                for i, s in zip(ids[0], scores[0]) if s > 0]

    def save(self, folder: str | Path) -> None:
        """Write the index arrays and vocabulary to ``folder`` (bm25s's own format)."""
        self._model.save(str(folder))
