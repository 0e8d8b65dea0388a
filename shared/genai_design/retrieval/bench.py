"""Search latency at 10,000+ chunks (framework step 3b: retrieval design).

:func:`run_bench` puts the documents of several knowledge bases into one index, relabelled
into one KB (``<id>@v<version>``, so versions of one KB do not collide). When their chunks
number fewer than ``min_chunks``, the documents are replicated under new ids
(``<id>~copy<n>``) until the index is big enough; a copy's chunks have the same text as the
original's, so each distinct text is embedded once (or not at all when an already built
:class:`~genai_design.retrieval.index.KBIndex` with the same embedder holds its vector).
It then times ``search`` for every query with each strategy: two warm-up searches, then the
query cache is cleared, so dense and hybrid timings include embedding the query.
The result is a :class:`BenchResult` with p50/p95/mean latencies per strategy, in
milliseconds. ``scripts/bench_retrieval.py`` and notebook 03b both call it.

Left out: concurrent queries (this is single-stream latency), rerankers (a cross-encoder costs
about a second per query, whatever the index size) and index build time at scale.
"""

from __future__ import annotations

import dataclasses
import math
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from genai_design.corpora import Document, load_kb
from genai_design.retrieval.chunking import ChunkConfig, chunk_documents, embedding_text
from genai_design.retrieval.embedding import Embedder, default_embedder
from genai_design.retrieval.index import ALL_KBS, KBIndex
from genai_design.retrieval.metrics import percentile_ms
from genai_design.retrieval.strategies import IndexRetriever, make_retriever

BENCH_KB = "bench"  # the combined index's kb name
TARGET_P95_MS = 50.0  # latency goal for dense search on the course's 2-core CPU
WARM_UP = ("warm-up query one", "warm-up query two")  # searched before timing, not timed


@dataclass(frozen=True)
class BenchResult:
    """Single-stream search latency over one large index."""

    num_chunks: int  # chunks in the benchmark index
    num_real_chunks: int  # chunks of the original documents
    num_replicated_chunks: int  # chunks of copies (a real chunk's text under a new id)
    chunks_embedded: int  # distinct chunk texts embedded to build the index
    build_seconds: float  # wall time of building the index
    chunk_size_chars: int  # chunk size used
    num_queries: int  # distinct queries timed per strategy
    top_k: int  # documents per search
    p50_latency_ms: dict[str, float]  # strategy -> median search latency
    p95_latency_ms: dict[str, float]  # strategy -> 95th percentile search latency
    mean_latency_ms: dict[str, float]  # strategy -> mean search latency
    queries_embedded: dict[str, int]  # strategy -> queries embedded while timing
    target_p95_ms: float = TARGET_P95_MS  # the latency goal for dense search

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form."""
        return asdict(self)

    def rows(self) -> dict[str, dict[str, float]]:
        """strategy -> {"p50 ms", "p95 ms"}, for a table."""
        return {s: {"p50 ms": self.p50_latency_ms[s], "p95 ms": self.p95_latency_ms[s]}
                for s in self.p50_latency_ms}

    def meets_target(self, strategy: str = "dense") -> bool:
        """True when ``strategy``'s p95 latency is under :attr:`target_p95_ms`."""
        return self.p95_latency_ms[strategy] < self.target_p95_ms


def combined_docs(sources: Sequence[tuple[str, int]]) -> list[Document]:
    """Every document of the (kb, version) pairs, relabelled into one KB with unique ids."""
    return [dataclasses.replace(doc, id=f"{doc.id}@v{version}", kb=BENCH_KB)
            for kb, version in sources for doc in load_kb(kb, version)]


def replicate(docs: Sequence[Document], copies: int) -> list[Document]:
    """``docs`` followed by ``copies`` replicas of each, under ids ``<id>~copy<n>``."""
    return list(docs) + [dataclasses.replace(doc, id=f"{doc.id}~copy{n}")
                         for n in range(1, copies + 1) for doc in docs]


def latencies_ms(retriever: IndexRetriever, queries: Sequence[str],
                 top_k: int = 5) -> tuple[list[float], int]:
    """Latency of ``retriever.search`` per query (cache cleared after a warm-up), and how
    many queries were embedded while timing."""
    for query in WARM_UP:
        retriever.search(query, top_k)
    retriever.embedder.clear_cache()
    misses = retriever.embedder.cache_misses
    out = []
    for query in queries:
        started = time.perf_counter()
        retriever.search(query, top_k)
        out.append((time.perf_counter() - started) * 1000)
    return out, retriever.embedder.cache_misses - misses


def run_bench(queries: Sequence[str], sources: Sequence[tuple[str, int]] = ALL_KBS, *,
              min_chunks: int = 10_000, chunk_config: ChunkConfig | None = None,
              index_dir: str | Path | None = None, embedder: Embedder | None = None,
              strategies: Sequence[str] = ("dense", "hybrid", "bm25"), top_k: int = 5,
              reuse: Sequence[KBIndex] = ()) -> BenchResult:
    """Build the combined index (in a temporary folder unless ``index_dir``) and time it.

    ``reuse``: built indexes whose stored vectors are reused for chunks of the same text.
    """
    if not queries:
        raise ValueError("no queries to time")
    chunk_config = chunk_config or ChunkConfig()
    embedder = embedder or default_embedder()
    docs = combined_docs(sources)
    num_real = len(chunk_documents(docs, "recursive", chunk_config))
    docs = replicate(docs, max(0, math.ceil(min_chunks / max(1, num_real)) - 1))
    known: dict[str, np.ndarray] = {}
    for built in reuse:
        if built.embedder.name == embedder.name:
            vectors = built.built()[0].vectors()
            known.update((embedding_text(built.chunks[cid]), v)
                         for cid, v in vectors.items() if cid in built.chunks)
    with tempfile.TemporaryDirectory(prefix="bench-retrieval-") as tmp:
        index = KBIndex(BENCH_KB, 1, "recursive", docs=docs, index_dir=index_dir or tmp,
                        embedder=embedder, chunk_config=chunk_config)
        report = index.build(known_vectors=known)
        timed = {s: latencies_ms(make_retriever(index, s), queries, top_k) for s in strategies}
    return BenchResult(
        num_chunks=report.num_chunks, num_real_chunks=num_real,
        num_replicated_chunks=report.num_chunks - num_real,
        chunks_embedded=report.chunks_embedded, build_seconds=report.seconds,
        chunk_size_chars=chunk_config.size_chars, num_queries=len(queries), top_k=top_k,
        p50_latency_ms={s: percentile_ms(t, 50) for s, (t, _) in timed.items()},
        p95_latency_ms={s: percentile_ms(t, 95) for s, (t, _) in timed.items()},
        mean_latency_ms={s: sum(t) / len(t) for s, (t, _) in timed.items()},
        queries_embedded={s: n for s, (_, n) in timed.items()})
