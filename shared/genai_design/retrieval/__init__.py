"""Retrieval (framework step 3b): chunking, embedding, a Chroma store, BM25, fusion, metrics.

Import from the submodules (``genai_design.retrieval.pipeline`` and friends); this package
file stays empty so that importing one piece does not load torch or Chroma.
"""
