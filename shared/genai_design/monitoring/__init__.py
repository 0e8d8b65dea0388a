"""Monitoring: what to watch once the assistant is live (framework step 8, deploy and monitor).

- :mod:`~genai_design.monitoring.cache`: exact and semantic response caches, the threshold of
  a semantic cache read off a measured false-hit curve, and a replay of a query stream that
  gives latency percentiles with and without a cache.
- :mod:`~genai_design.monitoring.drift`: a stale index (documents changed since they were
  embedded), a drifting query distribution (a permutation test on embeddings) and a drop in
  retrieval recall on the same questions.
- :mod:`~genai_design.monitoring.tracing`: OpenTelemetry spans of every answer in a SQLite file
  a notebook can query, and the attribute names every instrumented call uses.

Importing this package imports nothing heavy; import the modules themselves.
"""
