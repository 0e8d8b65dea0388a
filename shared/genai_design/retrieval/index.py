"""The indexes of one knowledge base, built by an explicit call (framework step 3b).

``KBIndex(kb, version, chunking)`` costs nothing to construct: it loads and chunks the
documents and stops there. :meth:`KBIndex.build` does the work and says what it did in a
:class:`BuildReport`: it syncs a persistent :class:`~genai_design.retrieval.store.ChunkStore`
under ``course_home()/indexes/chroma`` (an unchanged KB is not embedded again; documents the
KB no longer has are deleted), builds a BM25 index in memory over the same chunks, and
measures both on disk. Until then :attr:`~KBIndex.store` and :attr:`~KBIndex.bm25` are
``None`` and searching raises an error saying to call ``build()``. Every strategy of
:mod:`~genai_design.retrieval.strategies` searches one built index, so five strategies over
one KB share one store and one BM25 index.

Left out: building in the background, and a size per collection when several share one Chroma
folder (give an index its own ``index_dir`` to measure it alone).
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from genai_design.corpora import KNOWLEDGE_BASES, Document, load_kb
from genai_design.models import course_home
from genai_design.retrieval import metrics
from genai_design.retrieval.base import Ranked
from genai_design.retrieval.bm25 import BM25Config, BM25Index
from genai_design.retrieval.chunking import CHUNKERS, Chunk, ChunkConfig, chunk_documents
from genai_design.retrieval.embedding import Embedder, default_embedder
from genai_design.retrieval.store import ChunkStore

ALL_KBS = tuple((kb, v) for kb, entry in KNOWLEDGE_BASES.items()  # every (kb, version)
                for v in entry.versions)


@dataclass(frozen=True)
class BuildReport:
    """What one :meth:`KBIndex.build` call did, and how big the indexes are."""

    kb: str  # knowledge base
    num_docs: int  # documents indexed
    num_chunks: int  # chunks in the store (and in the BM25 index) afterwards
    chunks_embedded: int  # distinct chunk texts embedded by this call
    chunks_reused: int  # new or changed chunks whose vector was handed in, shared a text or was cached
    chunks_already_stored: int  # chunks found unchanged in the store (not embedded again)
    chunks_deleted: int  # stored chunks removed: changed documents and documents now gone
    chroma_folder_bytes: int  # the Chroma folder on disk (every collection in it)
    bm25_bytes: int  # the BM25 index saved to disk (kept in memory; saved only to measure)
    seconds: float  # wall time of the call

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form."""
        return asdict(self)

    def __str__(self) -> str:
        return (f"{self.kb}: {self.num_docs} documents, {self.num_chunks} chunks "
                f"({self.chunks_embedded} embedded now, {self.chunks_reused} reused, "
                f"{self.chunks_already_stored} already stored), Chroma "
                f"{self.chroma_folder_bytes / 1e6:.1f} MB, BM25 {self.bm25_bytes / 1e6:.2f} MB, "
                f"{self.seconds:.1f} s")


def default_index_dir() -> Path:
    """Where Chroma indexes live: ``course_home()/indexes/chroma``."""
    return course_home() / "indexes" / "chroma"


def folder_bytes(path: str | Path) -> int:
    """Total size of the files under ``path``, in bytes (0 when it does not exist)."""
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())


class KBIndex:
    """The chunks of one KB version, embedded in Chroma and indexed by BM25 once built."""

    def __init__(self, kb: str, version: int = 1, chunking: str = "recursive", *,
                 docs: Sequence[Document] | None = None, index_dir: str | Path | None = None,
                 embedder: Embedder | None = None, chunk_config: ChunkConfig | None = None,
                 bm25_config: BM25Config | None = None) -> None:
        if chunking not in CHUNKERS:
            raise ValueError(f"unknown chunking {chunking!r}; known: {', '.join(CHUNKERS)}")
        self.kb, self.version, self.chunking = kb, version, chunking
        self.docs = list(docs) if docs is not None else load_kb(kb, version)
        self.index_dir = Path(index_dir) if index_dir is not None else default_index_dir()
        self.embedder = embedder or default_embedder()
        self.chunk_config = chunk_config or ChunkConfig()
        self.bm25_config = bm25_config or BM25Config()
        self.chunks: dict[str, Chunk] = {
            c.chunk_id: c for c in chunk_documents(self.docs, chunking, self.chunk_config)}
        self.store: ChunkStore | None = None  # set by build()
        self.bm25: BM25Index | None = None  # set by build()
        self.report: BuildReport | None = None  # what the last build() did
        self._containment: dict[str, frozenset[str]] | None = None

    def build(self, known_vectors: Mapping[str, np.ndarray] | None = None,
              show_progress: bool | None = None) -> BuildReport:
        """Sync the vector store with the documents, build BM25, and report.

        ``known_vectors`` maps embedded texts to vectors computed before (nothing is embedded
        for those). Calling it again re-checks the store, which then embeds nothing.
        """
        started = time.perf_counter()
        store = ChunkStore(self.index_dir, self.kb, self.version, self.chunking,
                           embedder=self.embedder, chunk_config=self.chunk_config)
        ingest = store.ingest(self.docs, show_progress, known_vectors)
        stale = store.doc_ids() - {d.id for d in self.docs}
        deleted = store.delete_documents(sorted(stale)) if stale else 0
        bm25 = BM25Index(list(self.chunks.values()), self.bm25_config)
        with tempfile.TemporaryDirectory(prefix="bm25-") as tmp:
            bm25.save(tmp)
            bm25_bytes = folder_bytes(tmp)
        self.store, self.bm25 = store, bm25
        changed = ingest.chunks_added + ingest.chunks_updated
        self.report = BuildReport(
            kb=self.kb, num_docs=len(self.docs), num_chunks=store.count(),
            chunks_embedded=ingest.texts_embedded, chunks_reused=changed - ingest.texts_embedded,
            chunks_already_stored=ingest.chunks_unchanged,
            chunks_deleted=ingest.chunks_deleted + deleted,
            chroma_folder_bytes=folder_bytes(self.index_dir), bm25_bytes=bm25_bytes,
            seconds=time.perf_counter() - started)
        return self.report

    def built(self) -> tuple[ChunkStore, BM25Index]:
        """The store and the BM25 index; raises RuntimeError before :meth:`build`."""
        if self.store is None or self.bm25 is None:
            raise RuntimeError(f"the {self.kb!r} index is not built yet: call build() first")
        return self.store, self.bm25

    def keyword_ranking(self, query: str, n: int) -> Ranked:
        """BM25's top ``n`` chunks for ``query`` (only chunks sharing a word with it)."""
        _, bm25 = self.built()
        return [(hit.chunk.chunk_id, hit.score) for hit in bm25.search(query, n)]

    def vector_ranking(self, query: str, n: int) -> Ranked:
        """The ``n`` chunks nearest to the embedded ``query``, by cosine similarity."""
        store, _ = self.built()
        return [(hit.chunk_id, hit.similarity) for hit in store.search(query, n)]

    def containment(self) -> dict[str, frozenset[str]]:
        """Which documents repeat which (for scoring multi-hop questions), computed once."""
        if self._containment is None:
            self._containment = metrics.containment(self.docs)
        return self._containment
