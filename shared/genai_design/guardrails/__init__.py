"""Guardrails: input and output defences, each measured (framework step 6).

- :mod:`~genai_design.guardrails.injection`: prompt-injection detectors (rules, the bundled
  NanoGuard classifier, classifiers trained in the course) behind one ``scores(texts)`` call,
  and the labelled corpora they are trained and judged on.
- :mod:`~genai_design.guardrails.structured`: JSON output by constrained decoding, or by free
  generation validated and retried, measured side by side.
- :mod:`~genai_design.guardrails.grounding`: whether each sentence of an answer is supported by
  its sources (embedding similarity plus an exact check of numbers).
- :mod:`~genai_design.guardrails.pii`: personal data found (presidio's defaults, or spaCy names
  plus format validators) and swapped for placeholders that are put back in the answer.
- :mod:`~genai_design.guardrails.scoring`: precision, recall, ROC and thresholds for any
  detector's scores, chosen on one set and judged on another.
- :mod:`~genai_design.guardrails.fallback`: abstain when retrieval confidence is low, escalate
  when an answer's grounding risk is high, with the threshold read off a measured curve.
- :mod:`~genai_design.guardrails.pipeline`: one ``Guard`` around any LLM call (clean, input
  checks, the call on redacted text, output checks, fallback) that logs every decision to
- :mod:`~genai_design.guardrails.audit`: an append-only audit log that survives a crash.
"""

from genai_design.guardrails.injection import (
    LabelledText,
    NanoGuardDetector,
    RuleDetector,
    TrainedDetector,
    load_eval_set,
    load_training_corpus,
    time_per_check_ms,
)
from genai_design.guardrails.fallback import (
    AbstentionCurve,
    FallbackPolicy,
    RetrievalConfidence,
    abstention_curve,
    outcome_at,
    retrieval_confidences,
    threshold_for_wrong_rate,
)
from genai_design.guardrails.grounding import GroundingChecker, SentenceSupport, split_sentences
from genai_design.guardrails.pii import (
    ENTITY_TYPES,
    CourseScrubber,
    PiiItem,
    PiiMetrics,
    PiiSpan,
    PresidioScrubber,
    load_pii_set,
    pii_metrics,
    pseudonymise,
    restore,
)
from genai_design.guardrails.audit import AuditLog, AuditRead, read_audit_log
from genai_design.guardrails.pipeline import (
    Guard,
    GuardConfig,
    GuardedResult,
    InputVerdict,
    chat_call,
    clean_text,
    overhead_percentiles,
)
from genai_design.guardrails.scoring import DetectionMetrics, detection_metrics, roc, threshold_for_fpr
from genai_design.guardrails.structured import JsonResult, generate_json, generate_json_many, validation_error

__all__ = [
    "AuditLog",
    "AuditRead",
    "Guard",
    "GuardConfig",
    "GuardedResult",
    "InputVerdict",
    "chat_call",
    "clean_text",
    "overhead_percentiles",
    "read_audit_log",
    "AbstentionCurve",
    "FallbackPolicy",
    "RetrievalConfidence",
    "abstention_curve",
    "outcome_at",
    "retrieval_confidences",
    "threshold_for_wrong_rate",
    "GroundingChecker",
    "JsonResult",
    "SentenceSupport",
    "generate_json",
    "generate_json_many",
    "split_sentences",
    "validation_error",
    "DetectionMetrics",
    "LabelledText",
    "NanoGuardDetector",
    "RuleDetector",
    "TrainedDetector",
    "detection_metrics",
    "load_eval_set",
    "load_training_corpus",
    "roc",
    "threshold_for_fpr",
    "time_per_check_ms",
    "ENTITY_TYPES",
    "CourseScrubber",
    "PiiItem",
    "PiiMetrics",
    "PiiSpan",
    "PresidioScrubber",
    "load_pii_set",
    "pii_metrics",
    "pseudonymise",
    "restore",
]
