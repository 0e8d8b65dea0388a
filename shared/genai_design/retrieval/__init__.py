"""Retrieval (framework step 3b): chunking, embedding, a Chroma store, BM25, fusion, reranking.

``base`` holds the interface every retriever shares (``SearchHit``, query checks, grouping by
document); ``index`` builds the indexes of one knowledge base; ``strategies`` searches them;
``evaluation`` scores a retriever; ``bench`` times one at 10,000 chunks; ``llamaindex`` is
the same pipeline in LlamaIndex. Import from the submodules; this package file stays empty
so that importing one piece does not load torch or Chroma.
"""
