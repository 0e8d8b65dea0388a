"""Classifier or LLM? The step-0 gate measured on a labelled task (framework step 0).

- :mod:`~genai_design.classify.baselines`: cheap discriminative classifiers (TF-IDF or
  sentence embeddings, then logistic regression) with their confidence and time per item.
- :mod:`~genai_design.classify.llm`: the served LLM as a zero-shot classifier, its answer
  held to the label set by constrained decoding.
- :mod:`~genai_design.classify.cascade`: the hybrid that answers from the classifier when
  it is confident and sends the rest to the LLM, as an accuracy-versus-cost curve.
"""

from genai_design.classify.baselines import ClassifierReport, TextClassifier, learning_curve
from genai_design.classify.cascade import CascadePoint, best_point, cascade_curve
from genai_design.classify.llm import LLMClassification, classify_with_llm, truncate_tokens

__all__ = [
    "CascadePoint",
    "ClassifierReport",
    "LLMClassification",
    "TextClassifier",
    "best_point",
    "cascade_curve",
    "classify_with_llm",
    "learning_curve",
    "truncate_tokens",
]
