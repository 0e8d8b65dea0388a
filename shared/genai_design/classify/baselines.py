"""Cheap discriminative classifiers for the step-0 comparison (framework step 0).

:class:`TextClassifier` turns texts into features (TF-IDF over words and word pairs, or the
course's sentence embeddings) and fits a logistic regression on them. It reports what the
gate needs: accuracy on held-out items, the probability it gives its own answer (its
confidence, which the cascade thresholds), and the time it spends per item.
:func:`learning_curve` refits on growing numbers of labelled examples per class, to show
how many labels a classifier needs before it beats a zero-shot LLM.
Left out on purpose: hyper-parameter search and other model families; the point of step 0
is that a plain baseline settles the question.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

FEATURES = ("tfidf", "embeddings")  # what TextClassifier can turn texts into


@dataclass(frozen=True)
class ClassifierReport:
    """How one fitted classifier did on a held-out set."""

    features: str  # "tfidf" or "embeddings"
    n_train: int  # labelled examples it was fitted on
    n_test: int  # held-out items it was scored on
    accuracy: float  # share of held-out items labelled correctly
    fit_s: float  # seconds to featurise the training texts and fit
    predict_ms_per_item: float  # featurising + predicting, per item, in one batch

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class TextClassifier:
    """Features then logistic regression; ``embedder`` is needed for ``"embeddings"``."""

    def __init__(self, features: str = "tfidf", embedder: Any = None, c: float = 10.0,
                 cache_embeddings: bool = False) -> None:
        if features not in FEATURES:
            raise ValueError(f"features must be one of {FEATURES}, got {features!r}")
        if features == "embeddings" and embedder is None:
            raise ValueError("features='embeddings' needs an embedder (e.g. default_embedder())")
        self.features = features
        self.embedder = embedder
        self.c = c  # inverse regularisation strength of the logistic regression
        self.cache_embeddings = cache_embeddings  # keep training vectors in the course cache
        self.vectorizer: Any = None
        self.model: Any = None

    def featurize(self, texts: Sequence[str], cache: bool | None = None) -> Any:
        """The feature matrix of ``texts`` (fits the TF-IDF vocabulary on first call).
        ``cache`` (default: ``cache_embeddings``) reads and keeps embeddings on disk."""
        if self.features == "embeddings":
            if self.cache_embeddings if cache is None else cache:
                return self.embedder.encode_cached(list(texts))
            return self.embedder.encode(list(texts))
        if self.vectorizer is None:
            from sklearn.feature_extraction.text import TfidfVectorizer

            self.vectorizer = TfidfVectorizer(sublinear_tf=True, min_df=1, ngram_range=(1, 2))
            return self.vectorizer.fit_transform(texts)
        return self.vectorizer.transform(texts)

    def fit_features(self, x: Any, labels: Sequence[str]) -> TextClassifier:
        """Fit the logistic regression on an already featurised matrix."""
        from sklearn.linear_model import LogisticRegression

        if len(set(labels)) < 2:
            raise ValueError("fitting needs labelled examples of at least two classes")
        self.model = LogisticRegression(C=self.c, max_iter=2000).fit(x, list(labels))
        return self

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> TextClassifier:
        """Featurise ``texts`` and fit."""
        if len(texts) != len(labels):
            raise ValueError(f"{len(texts)} texts but {len(labels)} labels")
        self.vectorizer = None
        return self.fit_features(self.featurize(texts), labels)

    @property
    def classes(self) -> list[str]:
        """The labels, in the column order of :meth:`predict_proba`."""
        if self.model is None:
            raise RuntimeError("call fit() first")
        return [str(c) for c in self.model.classes_]

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Class probabilities, shape (len(texts), len(classes)). New items are always
        featurised afresh (never from the cache), so timing this call times real work."""
        if self.model is None:
            raise RuntimeError("call fit() first")
        return np.asarray(self.model.predict_proba(self.featurize(texts, cache=False)))

    def evaluate(self, train_texts: Sequence[str], train_labels: Sequence[str],
                 test_texts: Sequence[str], test_labels: Sequence[str]
                 ) -> tuple[ClassifierReport, np.ndarray]:
        """Fit on the training side, score the test side: (report, test probabilities)."""
        start = time.perf_counter()
        self.fit(train_texts, train_labels)
        fit_s = time.perf_counter() - start
        start = time.perf_counter()
        proba = self.predict_proba(test_texts)
        predict_s = time.perf_counter() - start
        predicted = np.asarray(self.classes)[proba.argmax(axis=1)]
        accuracy = float(np.mean(predicted == np.asarray(test_labels)))
        report = ClassifierReport(self.features, len(train_texts), len(test_texts), accuracy,
                                  fit_s, 1000 * predict_s / max(len(test_texts), 1))
        return report, proba


def learning_curve(classifier: TextClassifier, x_train: Any, y_train: Sequence[str], x_test: Any,
                   y_test: Sequence[str], per_class: Sequence[int], repeats: int = 3, seed: int = 0
                   ) -> list[dict[str, float]]:
    """Accuracy when only ``n`` labelled examples per class are available, for each ``n`` in
    ``per_class`` (mean, min and max over ``repeats`` random draws). ``x_*`` are featurised
    matrices (rows in the order of ``y_*``)."""
    y_train_arr, y_test_arr = np.asarray(y_train), np.asarray(y_test)
    classes = sorted(set(y_train_arr.tolist()))
    rng = np.random.default_rng(seed)
    if not per_class or min(per_class) < 1:
        raise ValueError(f"per_class needs values >= 1, got {list(per_class)}")
    rows = []
    for n in per_class:
        scores = []
        for _ in range(repeats):
            rows_idx = np.concatenate([rng.choice(np.flatnonzero(y_train_arr == c),
                                                  size=min(n, int(np.sum(y_train_arr == c))),
                                                  replace=False) for c in classes])
            classifier.fit_features(x_train[rows_idx], y_train_arr[rows_idx])
            predicted = classifier.model.predict(x_test)
            scores.append(float(np.mean(predicted == y_test_arr)))
        rows.append({"per_class": int(n), "accuracy": float(np.mean(scores)),
                     "accuracy_min": min(scores), "accuracy_max": max(scores)})
    return rows
