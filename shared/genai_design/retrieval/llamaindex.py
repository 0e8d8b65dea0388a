"""The same retrieval pipeline built from LlamaIndex parts (framework step 3b).

The from-scratch strategies of :mod:`~genai_design.retrieval.strategies` show every moving
part; this module rebuilds them with the framework a team would likely use in production, so
the two can be compared query by query. :func:`build_llamaindex_retriever` takes the same
:class:`~genai_design.retrieval.index.KBIndex` and returns a :class:`LlamaIndexSearch`, a
course retriever whose ``_rank`` asks LlamaIndex (so queries are checked and hits grouped
by document exactly as ours are):

- the index's chunks become ``TextNode``s whose embedded text is "title, blank line, chunk
  text", exactly as :func:`~genai_design.retrieval.chunking.embedding_text` builds it;
- dense search is a ``VectorStoreIndex`` over a ``ChromaVectorStore`` (its own Chroma folder,
  ``<index_dir>-llamaindex`` next to ours, so measuring our folder does not count it),
  queried through ``HuggingFaceEmbedding`` with the index's embedding model;
- keyword search is ``BM25Retriever`` (bm25s and PyStemmer underneath; the index keeps stop
  words, as :mod:`~genai_design.retrieval.bm25` does). Two differences remain: it removes
  English stop words from the *query* whatever ``language`` says (llama-index-retrievers-bm25
  0.8), and it returns ``similarity_top_k`` nodes even when some share no word with the
  query (score 0), where ours stops at the last match;
- hybrid is ``QueryFusionRetriever`` in ``reciprocal_rerank`` mode with ``num_queries=1``
  (no LLM query rewriting). Its ranks start at 0, not 1, and it keys nodes by content hash,
  so its RRF scores differ slightly from :mod:`~genai_design.retrieval.fusion`'s;
- hybrid+rerank hands the top fused nodes to a ``SentenceTransformerRerank`` postprocessor
  loaded with the course's reranker. It scores the node text with its title, ours the bare
  chunk text, so the two orders can part on near-ties.

No LLM is involved: the fusion retriever gets an explicit ``MockLLM`` (it never calls it with
one query), and nothing sets LlamaIndex's process-wide ``Settings``. By default the chunk
vectors are copied from the built from-scratch store rather than computed a second time
(``reuse_vectors=False`` embeds them with LlamaIndex). Left out: LlamaIndex ingestion
pipelines, docstores and response synthesis.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from genai_design.models import BUNDLED, embedding_model_path
from genai_design.retrieval.base import BaseRetriever, Ranked
from genai_design.retrieval.chunking import Chunk
from genai_design.retrieval.index import KBIndex
from genai_design.retrieval.store import collection_name
from genai_design.retrieval.strategies import IndexRetriever, RetrieverConfig

LLAMAINDEX_STRATEGIES = ("bm25", "dense", "hybrid", "hybrid+rerank")  # what the builder accepts


def _node(chunk: Chunk, embedding: Iterable[float] | None = None) -> Any:
    from llama_index.core.schema import TextNode

    return TextNode(id_=chunk.chunk_id, text=chunk.text,
                    embedding=None if embedding is None else [float(x) for x in embedding],
                    metadata={"title": chunk.title, "doc_id": chunk.doc_id},
                    excluded_embed_metadata_keys=["doc_id"],
                    excluded_llm_metadata_keys=["doc_id"], metadata_template="{value}",
                    text_template="{metadata_str}\n\n{content}" if chunk.title else "{content}")


@functools.cache
def _embedding(model: str) -> Any:
    """LlamaIndex's wrapper of a sentence-transformers model, loaded once per process."""
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

    path = embedding_model_path(model) if model in BUNDLED else model
    return HuggingFaceEmbedding(model_name=path, device="cpu")


class LlamaIndexSearch(IndexRetriever):
    """A LlamaIndex retriever (and optional reranking postprocessor) behind our interface."""

    def __init__(self, index: KBIndex, retriever: Any, strategy: str,
                 config: RetrieverConfig | None = None, postprocessor: Any = None) -> None:
        super().__init__(index, config)
        self.retriever = retriever  # the LlamaIndex BaseRetriever doing the work
        self.postprocessor = postprocessor  # reorders the top rerank_candidates nodes, or None
        self.strategy = f"llamaindex-{strategy}"

    def _rank(self, query: str, n: int) -> Ranked:
        nodes = self.retriever.retrieve(query)[:n]
        if self.postprocessor is not None:
            nodes = self.postprocessor.postprocess_nodes(
                nodes[:self.config.rerank_candidates], query_str=query)
        return [(scored.node.node_id, float(scored.score or 0.0)) for scored in nodes]


def build_llamaindex_retriever(index: KBIndex, strategy: str = "hybrid",
                               config: RetrieverConfig | None = None, *,
                               reuse_vectors: bool = True) -> LlamaIndexSearch:
    """Build (or reopen) the LlamaIndex twin of ``make_retriever(index, strategy, config)``.

    With ``reuse_vectors`` (the default) ``index`` must be built: its vectors are copied.
    """
    if strategy not in LLAMAINDEX_STRATEGIES:
        known = ", ".join(LLAMAINDEX_STRATEGIES)
        raise ValueError(f"unknown strategy {strategy!r}; known: {known}")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import chromadb
    import Stemmer
    from chromadb.config import Settings as ChromaSettings
    from llama_index.core import StorageContext, VectorStoreIndex
    from llama_index.core.llms import MockLLM
    from llama_index.core.postprocessor import SentenceTransformerRerank
    from llama_index.core.retrievers import QueryFusionRetriever
    from llama_index.retrievers.bm25 import BM25Retriever
    from llama_index.vector_stores.chroma import ChromaVectorStore

    config = config or RetrieverConfig()
    chunks = list(index.chunks.values())
    n = config.candidates
    nodes = [_node(c) for c in chunks]
    bm25 = BM25Retriever.from_defaults(nodes=nodes, similarity_top_k=min(n, len(nodes)),
                                       stemmer=Stemmer.Stemmer("english"),
                                       language=None)  # type: ignore[arg-type]  # keep stop words
    if strategy == "bm25":
        return LlamaIndexSearch(index, bm25, strategy, config)

    embed = _embedding(index.embedder.config.model)
    client = chromadb.PersistentClient(path=f"{index.index_dir}-llamaindex",
                                       settings=ChromaSettings(anonymized_telemetry=False))
    collection = client.get_or_create_collection(
        collection_name(index.kb, index.version, index.chunking, index.embedder.name),
        embedding_function=None, configuration={"hnsw": {"space": "cosine"}})
    store = ChromaVectorStore(chroma_collection=collection)
    stored = set(collection.get(include=[])["ids"])
    if stored != set(index.chunks):  # first build, or the chunks changed: rebuild
        if stored:
            collection.delete(ids=sorted(stored))
        if reuse_vectors:
            vectors = index.built()[0].vectors(list(index.chunks))
            nodes = [_node(c, vectors[c.chunk_id]) for c in chunks]
        VectorStoreIndex(nodes, storage_context=StorageContext.from_defaults(vector_store=store),
                         embed_model=embed, show_progress=not reuse_vectors and len(nodes) > 500)
    dense = VectorStoreIndex.from_vector_store(store, embed_model=embed).as_retriever(
        similarity_top_k=n)
    if strategy == "dense":
        return LlamaIndexSearch(index, dense, strategy, config)
    fused = QueryFusionRetriever(
        [bm25, dense], llm=MockLLM(), similarity_top_k=n, num_queries=1,
        mode="reciprocal_rerank", use_async=False)  # type: ignore[arg-type]
    if strategy == "hybrid":
        return LlamaIndexSearch(index, fused, strategy, config)
    from genai_design.retrieval.rerank_training import QUICK_CONFIG, train_reranker

    reranker = train_reranker(QUICK_CONFIG if config.reranker_quick else None)
    postprocessor = SentenceTransformerRerank(model=str(reranker),
                                              top_n=config.rerank_candidates)
    return LlamaIndexSearch(index, fused, strategy, config, postprocessor)


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


def compare_with_scratch(scratch: BaseRetriever, llama: BaseRetriever,
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
