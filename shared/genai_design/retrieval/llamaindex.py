"""The same retrieval pipeline built from LlamaIndex parts (framework step 3b).

The from-scratch :class:`~genai_design.retrieval.pipeline.Retriever` shows every moving
part; this module rebuilds it with the framework a team would likely use in production, so
the two can be compared query by query:

- the same chunks become ``TextNode``s whose embedded text is "title, blank line, chunk
  text", exactly as :func:`~genai_design.retrieval.chunking.embedding_text` builds it;
- dense search is a ``VectorStoreIndex`` over a ``ChromaVectorStore`` (its own collection,
  next to ours), queried through ``HuggingFaceEmbedding`` pointed at the bundled MiniLM;
- keyword search is ``BM25Retriever`` (bm25s and PyStemmer underneath; the index keeps stop
  words, as :mod:`~genai_design.retrieval.bm25` does). Two differences remain: it removes
  English stop words from the *query* whatever ``language`` says (llama-index-retrievers-bm25
  0.8), and it returns ``similarity_top_k`` nodes even when some share no word with the
  query (score 0), where ours stops at the last match. On the Python reference eval
  questions the two BM25s agree on the top document for 86% of queries;
- hybrid is ``QueryFusionRetriever`` in ``reciprocal_rerank`` mode with ``num_queries=1``
  (no LLM query rewriting). Its ranks start at 0, not 1, and it keys nodes by content hash,
  so its RRF scores differ slightly from :mod:`~genai_design.retrieval.fusion`'s.

:func:`build_llamaindex_retriever` sets ``Settings.llm = None`` and ``Settings.embed_model``
to the bundled model, because LlamaIndex otherwise reaches for OpenAI; note that these are
process-wide settings. By default the chunk vectors are copied from the from-scratch store
rather than computed a second time (``reuse_vectors=False`` embeds them with LlamaIndex).
Left out: LlamaIndex ingestion pipelines, docstores and response synthesis.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from genai_design.corpora import Document, load_kb
from genai_design.models import embedding_model_path
from genai_design.retrieval.chunking import Chunk, chunk_documents
from genai_design.retrieval.embedding import default_embedder
from genai_design.retrieval.pipeline import Retriever, RetrieverConfig, SearchHit, default_index_dir
from genai_design.retrieval.store import ChunkStore, collection_name

LLAMAINDEX_STRATEGIES = ("bm25", "dense", "hybrid")  # what build_llamaindex_retriever accepts


def _node(chunk: Chunk, embedding: list[float] | None = None) -> Any:
    from llama_index.core.schema import TextNode

    return TextNode(id_=chunk.chunk_id, text=chunk.text, embedding=embedding,
                    metadata={"title": chunk.title, "doc_id": chunk.doc_id},
                    excluded_embed_metadata_keys=["doc_id"],
                    excluded_llm_metadata_keys=["doc_id"], metadata_template="{value}",
                    text_template="{metadata_str}\n\n{content}" if chunk.title else "{content}")


class LlamaIndexRetriever:
    """Document search through a LlamaIndex retriever; same interface as ``Retriever``."""

    def __init__(self, retriever: Any, kb: str, strategy: str, candidates: int) -> None:
        self.retriever = retriever  # the LlamaIndex BaseRetriever doing the work
        self.kb, self.strategy, self.candidates = kb, f"llamaindex-{strategy}", candidates

    def search(self, query: str, top_k: int = 5) -> list[SearchHit]:
        """The ``top_k`` best documents, each represented by its best node."""
        if not isinstance(query, str) or not query.strip():
            raise ValueError(f"the query must be a non-empty string, got {query!r}")
        if top_k < 1:
            raise ValueError(f"top_k must be at least 1, got {top_k}")
        hits: list[SearchHit] = []
        seen: set[str] = set()
        for scored in self.retriever.retrieve(query):
            doc_id = str(scored.node.metadata["doc_id"])
            if doc_id in seen:
                continue
            seen.add(doc_id)
            hits.append(SearchHit(doc_id=doc_id, chunk_id=scored.node.node_id,
                                  score=float(scored.score or 0.0), rank=len(hits) + 1,
                                  text=scored.node.get_content(), strategy=self.strategy))
            if len(hits) == top_k:
                break
        return hits


def build_llamaindex_retriever(kb: str, version: int = 1, chunking: str = "recursive",
                               strategy: str = "hybrid", *,
                               docs: Sequence[Document] | None = None,
                               index_dir: str | Path | None = None,
                               config: RetrieverConfig | None = None,
                               reuse_vectors: bool = True) -> LlamaIndexRetriever:
    """Build (or reopen) the LlamaIndex twin of ``Retriever(kb, version, chunking, strategy)``."""
    if strategy not in LLAMAINDEX_STRATEGIES:
        known = ", ".join(LLAMAINDEX_STRATEGIES)
        raise ValueError(f"unknown strategy {strategy!r}; known: {known}")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import chromadb
    import Stemmer
    from chromadb.config import Settings as ChromaSettings
    from llama_index.core import Settings, StorageContext, VectorStoreIndex
    from llama_index.core.retrievers import QueryFusionRetriever
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding
    from llama_index.retrievers.bm25 import BM25Retriever
    from llama_index.vector_stores.chroma import ChromaVectorStore

    config = config or RetrieverConfig()
    docs = list(docs) if docs is not None else load_kb(kb, version)
    index_dir = Path(index_dir) if index_dir is not None else default_index_dir()
    chunks = chunk_documents(docs, chunking, config.chunk)
    n = config.candidates
    nodes = [_node(c) for c in chunks]
    bm25 = BM25Retriever.from_defaults(nodes=nodes, similarity_top_k=min(n, len(nodes)),
                                       stemmer=Stemmer.Stemmer("english"),
                                       language=None)  # type: ignore[arg-type]  # keep stop words
    if strategy == "bm25":
        return LlamaIndexRetriever(bm25, kb, strategy, n)

    embed = HuggingFaceEmbedding(model_name=embedding_model_path(), device="cpu")
    Settings.llm = None  # LlamaIndex would otherwise build an OpenAI client
    Settings.embed_model = embed
    client = chromadb.PersistentClient(path=str(index_dir),
                                       settings=ChromaSettings(anonymized_telemetry=False))
    name = collection_name(kb, version, chunking, "all-MiniLM-L6-v2") + "-llamaindex"
    collection = client.get_or_create_collection(
        name, embedding_function=None, configuration={"hnsw": {"space": "cosine"}})
    store = ChromaVectorStore(chroma_collection=collection)
    stored = set(collection.get(include=[])["ids"])
    if stored != {c.chunk_id for c in chunks}:  # first build, or the chunks changed: rebuild
        if stored:
            collection.delete(ids=sorted(stored))
        if reuse_vectors:
            scratch = ChunkStore(index_dir, kb, version, chunking, default_embedder(),
                                 config.chunk)
            scratch.ingest(docs)  # a no-op when the from-scratch index is already built
            got = scratch.collection.get(ids=[c.chunk_id for c in chunks], include=["embeddings"])
            vectors = dict(zip(got["ids"], got["embeddings"]))
            nodes = [_node(c, [float(x) for x in vectors[c.chunk_id]]) for c in chunks]
        VectorStoreIndex(nodes, storage_context=StorageContext.from_defaults(vector_store=store),
                         embed_model=embed, show_progress=len(nodes) > 500)
    dense = VectorStoreIndex.from_vector_store(store, embed_model=embed).as_retriever(
        similarity_top_k=n)
    if strategy == "dense":
        return LlamaIndexRetriever(dense, kb, strategy, n)
    fused = QueryFusionRetriever(
        [bm25, dense], similarity_top_k=n, num_queries=1,
        mode="reciprocal_rerank", use_async=False)  # type: ignore[arg-type]
    return LlamaIndexRetriever(fused, kb, strategy, n)


@dataclass(frozen=True)
class Comparison:
    """How often the from-scratch and LlamaIndex retrievers agree."""

    strategy_scratch: str  # the from-scratch strategy
    strategy_llamaindex: str  # the LlamaIndex strategy
    num_queries: int  # queries compared
    top1_agreement: float  # share of queries with the same first document
    overlap_at_k: float  # mean share of top-k document ids the two have in common
    top_k: int  # k used for the overlap
    disagreements: tuple[tuple[str, str, str], ...]  # (query, scratch top-1, LlamaIndex top-1)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form."""
        return asdict(self)


def compare_with_scratch(scratch: Retriever, llama: LlamaIndexRetriever,
                         queries: Sequence[str], top_k: int = 5) -> Comparison:
    """Run both retrievers on ``queries`` and measure top-1 agreement and top-k overlap."""
    if not queries:
        raise ValueError("no queries to compare")
    agree, overlaps, differ = 0, [], []
    for query in queries:
        ours = [h.doc_id for h in scratch.search(query, top_k)]
        theirs = [h.doc_id for h in llama.search(query, top_k)]
        first_ours, first_theirs = (ours or [""])[0], (theirs or [""])[0]
        agree += first_ours == first_theirs
        if first_ours != first_theirs:
            differ.append((query, first_ours, first_theirs))
        overlaps.append(len(set(ours) & set(theirs)) / max(1, len(ours), len(theirs)))
    return Comparison(strategy_scratch=scratch.strategy, strategy_llamaindex=llama.strategy,
                      num_queries=len(queries), top1_agreement=agree / len(queries),
                      overlap_at_k=sum(overlaps) / len(overlaps), top_k=top_k,
                      disagreements=tuple(differ))
