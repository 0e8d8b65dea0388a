"""Guardrails: input and output defences, each measured (framework step 6).

- :mod:`~genai_design.guardrails.injection`: prompt-injection detectors (rules, the bundled
  NanoGuard classifier, classifiers trained in the course) behind one ``scores(texts)`` call,
  and the labelled corpora they are trained and judged on.
- :mod:`~genai_design.guardrails.structured`: JSON output by constrained decoding, or by free
  generation validated and retried, measured side by side.
- :mod:`~genai_design.guardrails.grounding`: whether each sentence of an answer is supported by
  its sources (embedding similarity plus an exact check of numbers).
- :mod:`~genai_design.guardrails.scoring`: precision, recall, ROC and thresholds for any
  detector's scores, chosen on one set and judged on another.
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
from genai_design.guardrails.grounding import GroundingChecker, SentenceSupport, split_sentences
from genai_design.guardrails.scoring import DetectionMetrics, detection_metrics, roc, threshold_for_fpr
from genai_design.guardrails.structured import JsonResult, generate_json, generate_json_many, validation_error

__all__ = [
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
]
