"""Evaluation: how good is a system, and how sure are we (framework step 7).

- :mod:`~genai_design.evaluation.answers`: answer metrics (exact match, token F1, ROUGE-L),
  faithfulness to the sources, and abstention quality.
- :mod:`~genai_design.evaluation.stats`: bootstrap intervals, paired tests (permutation,
  McNemar), A/B sample sizes and power, and the peeking problem simulated.
- :mod:`~genai_design.evaluation.rag`: the course's RAG assistant answering an evaluation set
  end to end, every answer scored, retrieval and generation separated.
- :mod:`~genai_design.evaluation.gate`: a release gate, thresholds over an evaluation run,
  behind ``genai-design eval``.
- :mod:`~genai_design.evaluation.judge`: a model judging correctness with a rubric, its position
  and verbosity probes, and two cheaper judges.
- :mod:`~genai_design.evaluation.labels` and :mod:`~genai_design.evaluation.agreement`: human
  labels stored as they are given, and how far two labellers (or a judge and a person) agree.
- :mod:`~genai_design.evaluation.online`: a simulated stream of sessions, the dashboard a team
  watches, and a release read before/after against A/B.

Retrieval metrics (recall@k, MRR, nDCG) live in :mod:`genai_design.retrieval.metrics`, where
step 3 uses them; they are re-exported here.
"""

from genai_design.evaluation.answers import (
    ABSTENTION_PATTERNS,
    AbstentionQuality,
    abstention_quality,
    content_tokens,
    exact_match,
    is_abstention,
    normalise_answer,
    rouge_l,
    source_precision,
    strip_citations,
    supported_share,
    token_f1,
)
from genai_design.evaluation.stats import (
    Interval,
    McNemarResult,
    PairedComparison,
    PeekingResult,
    bootstrap_ci,
    format_p,
    mcnemar_test,
    paired_bootstrap,
    paired_permutation_test,
    peeking_false_positive_rate,
    power_two_proportions,
    sample_size_two_proportions,
)
from genai_design.retrieval.metrics import ndcg_at_k, recall_at_k, reciprocal_rank

__all__ = [
    "ABSTENTION_PATTERNS",
    "AbstentionQuality",
    "Interval",
    "McNemarResult",
    "PairedComparison",
    "PeekingResult",
    "abstention_quality",
    "bootstrap_ci",
    "content_tokens",
    "exact_match",
    "format_p",
    "is_abstention",
    "mcnemar_test",
    "ndcg_at_k",
    "normalise_answer",
    "paired_bootstrap",
    "paired_permutation_test",
    "peeking_false_positive_rate",
    "power_two_proportions",
    "recall_at_k",
    "reciprocal_rank",
    "rouge_l",
    "sample_size_two_proportions",
    "source_precision",
    "strip_citations",
    "supported_share",
    "token_f1",
]
