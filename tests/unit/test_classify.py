"""Tests of genai_design.classify: baselines, the LLM classifier and the cascade (step 0)."""

import threading
import time
from types import SimpleNamespace as NS

import numpy as np
import pytest

from genai_design.classify import (
    CascadePoint,
    TextClassifier,
    best_point,
    cascade_curve,
    classify_with_llm,
    learning_curve,
    truncate_tokens,
)
from genai_design.classify.llm import classification_messages
from genai_design.retrieval.embedding import HashingEmbedder

WORDS = {  # label -> words that only its texts use
    "sport": ["goal", "match", "team", "league", "striker", "coach"],
    "tech": ["software", "chip", "computer", "internet", "laptop", "server"],
    "politics": ["election", "minister", "vote", "party", "parliament", "policy"],
}


def _toy(n_per_class: int, offset: int = 0) -> tuple[list[str], list[str]]:
    """Texts of three words from each label's own vocabulary, plus shared filler."""
    texts, labels = [], []
    for label, words in WORDS.items():
        for i in range(n_per_class):
            picked = [words[(offset + i + k) % len(words)] for k in range(3)]
            texts.append(f"the news today {' '.join(picked)} said a report")
            labels.append(label)
    return texts, labels


# --- baselines -----------------------------------------------------------------------------

def test_tfidf_classifier_separates_toy_topics():
    texts, labels = _toy(6)
    clf = TextClassifier("tfidf").fit(texts, labels)
    assert clf.classes == ["politics", "sport", "tech"]  # sorted, the predict_proba columns
    proba = clf.predict_proba(["the coach praised the striker after the match",
                               "a new laptop chip for the server",
                               "the minister lost the vote in parliament"])
    assert proba.shape == (3, 3)
    assert np.allclose(proba.sum(axis=1), 1.0)
    assert [clf.classes[i] for i in proba.argmax(axis=1)] == ["sport", "tech", "politics"]


def test_evaluate_reports_accuracy_and_times():
    train_texts, train_labels = _toy(6)
    test_texts, test_labels = _toy(2, offset=3)
    report, proba = TextClassifier("tfidf").evaluate(train_texts, train_labels,
                                                     test_texts, test_labels)
    assert report.accuracy == 1.0
    assert (report.features, report.n_train, report.n_test) == ("tfidf", 18, 6)
    assert report.fit_s >= 0 and report.predict_ms_per_item >= 0
    assert proba.shape == (6, 3)
    assert report.to_dict()["accuracy"] == 1.0


def test_evaluate_counts_wrong_answers():
    train_texts, train_labels = _toy(6)
    test_texts, test_labels = _toy(2, offset=3)
    flipped = ["tech" if label == "sport" else label for label in test_labels]  # 2 of 6 wrong
    report, _ = TextClassifier("tfidf").evaluate(train_texts, train_labels, test_texts, flipped)
    assert report.accuracy == pytest.approx(4 / 6)


def test_refit_starts_a_new_vocabulary():
    clf = TextClassifier("tfidf").fit(*_toy(4))
    first_vocab = set(clf.vectorizer.vocabulary_)
    clf.fit(["alpha beta", "gamma delta"], ["a", "b"])
    assert set(clf.vectorizer.vocabulary_) != first_vocab
    assert clf.classes == ["a", "b"]


def test_classifier_rejects_bad_use():
    with pytest.raises(ValueError, match="features"):
        TextClassifier("bag-of-words")
    with pytest.raises(ValueError, match="embedder"):
        TextClassifier("embeddings")
    with pytest.raises(ValueError, match="two classes"):
        TextClassifier().fit(["red apple", "green pear"], ["x", "x"])
    with pytest.raises(ValueError, match="3 texts but 2 labels"):
        TextClassifier().fit(["a", "b", "c"], ["x", "y"])
    with pytest.raises(RuntimeError, match="fit"):
        TextClassifier().predict_proba(["a"])
    with pytest.raises(RuntimeError, match="fit"):
        _ = TextClassifier().classes


def test_embedding_features_with_the_hashing_embedder():
    texts, labels = _toy(6)
    clf = TextClassifier("embeddings", embedder=HashingEmbedder())
    x = clf.featurize(texts)
    assert x.shape == (18, 65)
    report, _ = clf.evaluate(texts, labels, *_toy(2, offset=3))
    assert report.features == "embeddings" and report.accuracy == 1.0


def test_cached_embeddings_for_training_but_not_for_prediction(tmp_path, monkeypatch):
    monkeypatch.setenv("GENAI_DESIGN_HOME", str(tmp_path))
    clf = TextClassifier("embeddings", embedder=HashingEmbedder(), cache_embeddings=True)
    clf.fit(*_toy(4))
    cached = list((tmp_path / "embeddings").glob("*.npy"))
    assert len(cached) == 1 and cached[0].name.startswith("hashing-64-12-")
    clf.predict_proba(["the striker scored a goal"])
    assert list((tmp_path / "embeddings").glob("*.npy")) == cached  # new items: never cached


def test_learning_curve_rows():
    train_texts, train_labels = _toy(6)
    test_texts, test_labels = _toy(2, offset=3)
    clf = TextClassifier("tfidf")
    x_train = clf.featurize(train_texts)
    x_test = clf.featurize(test_texts)
    rows = learning_curve(clf, x_train, train_labels, x_test, test_labels, [1, 3, 6, 50],
                          repeats=3, seed=0)
    assert [r["per_class"] for r in rows] == [1, 3, 6, 50]
    for row in rows:
        assert 0 <= row["accuracy_min"] <= row["accuracy"] <= row["accuracy_max"] <= 1
    # all 6 per class (and "50", capped at 6): every draw is the whole training set
    assert rows[2]["accuracy_min"] == rows[2]["accuracy_max"] == rows[3]["accuracy"] == 1.0
    again = learning_curve(clf, x_train, train_labels, x_test, test_labels, [1, 3, 6, 50],
                           repeats=3, seed=0)
    assert again == rows  # the seed fixes the draws
    with pytest.raises(ValueError, match=">= 1"):
        learning_curve(clf, x_train, train_labels, x_test, test_labels, [0])


# --- cascade -------------------------------------------------------------------------------
# Five items. The classifier is right on items 0 and 4 (2/5), the LLM on items 1-4 (4/5).
CONF = [0.9, 0.6, 0.8, 0.5, 0.95]
CLF = ["a", "b", "a", "a", "b"]
LLM = ["b", "a", "b", "b", "b"]
TRUTH = ["a", "a", "b", "b", "b"]
CLF_COST, LLM_COST = 0.001, 0.01  # dollars per item


def _curve(thresholds=None):
    return cascade_curve(CONF, CLF, LLM, TRUTH, CLF_COST, LLM_COST, thresholds)


def test_cascade_at_chosen_thresholds():
    points = _curve([0.0, 0.6, 0.7, 0.85, 1.01])
    got = [(p.threshold, p.llm_share, p.accuracy, p.cost_per_1k_usd) for p in points]
    expected = [
        (0.0, 0.0, 0.4, 1.0),  # classifier alone
        (0.6, 0.2, 0.6, 3.0),  # item 3 to the LLM; item 1 (conf 0.6 = t) stays
        (0.7, 0.4, 0.8, 5.0),  # items 1 and 3
        (0.85, 0.6, 1.0, 7.0),  # items 1, 2 and 3: each model answers where it is right
        (1.01, 1.0, 0.8, 11.0),  # all to the LLM, the classifier still paid for
    ]
    assert len(got) == len(expected)
    for point, want in zip(got, expected, strict=True):
        assert point == pytest.approx(want)


def test_cascade_default_thresholds_cover_every_confidence():
    points = _curve()
    assert [p.threshold for p in points] == [0.0, 0.5, 0.6, 0.8, 0.9, 0.95, 1.01]
    assert [p.llm_share for p in points] == pytest.approx([0, 0, 0.2, 0.4, 0.6, 0.8, 1.0])
    assert [p.accuracy for p in points] == pytest.approx([0.4, 0.4, 0.6, 0.8, 1.0, 0.8, 0.8])
    assert points[0].to_dict()["cost_per_1k_usd"] == pytest.approx(1.0)


def test_cascade_thresholds_are_sorted_and_deduplicated():
    points = _curve([1.01, 0, 0.6, 0.6])
    assert [p.threshold for p in points] == [0.0, 0.6, 1.01]


def test_cascade_rejects_bad_input():
    with pytest.raises(ValueError, match="same non-zero length"):
        cascade_curve(CONF[:4], CLF, LLM, TRUTH, CLF_COST, LLM_COST)
    with pytest.raises(ValueError, match="same non-zero length"):
        cascade_curve(CONF, CLF, LLM[:4], TRUTH, CLF_COST, LLM_COST)
    with pytest.raises(ValueError, match="same non-zero length"):
        cascade_curve([], [], [], [], CLF_COST, LLM_COST)
    with pytest.raises(ValueError, match=">= 0"):
        cascade_curve(CONF, CLF, LLM, TRUTH, -0.1, LLM_COST)
    with pytest.raises(ValueError, match=">= 0"):
        cascade_curve(CONF, CLF, LLM, TRUTH, CLF_COST, -0.1)


def test_best_point_is_cheapest_at_the_target():
    points = _curve()
    best = best_point(points)  # best accuracy is 1.0, reached only at t = 0.9
    assert (best.threshold, best.accuracy) == (0.9, 1.0)
    assert best.cost_per_1k_usd == pytest.approx(7.0)
    at_08 = best_point(points, min_accuracy=0.8)  # t = 0.8, 0.9, 0.95, 1.01 reach it
    assert at_08.threshold == 0.8 and at_08.cost_per_1k_usd == pytest.approx(5.0)
    assert best_point(points, min_accuracy=0.0).threshold == 0.0  # the classifier alone
    with pytest.raises(ValueError, match="no point"):
        best_point(points, min_accuracy=1.01)
    with pytest.raises(ValueError, match="empty"):
        best_point([])


def test_best_point_breaks_cost_ties_by_accuracy():
    points = [CascadePoint(0.5, 0.2, 0.7, 3.0), CascadePoint(0.6, 0.2, 0.9, 3.0),
              CascadePoint(0.9, 0.5, 0.95, 6.0)]
    assert best_point(points, min_accuracy=0.6).threshold == 0.6


# --- LLM classifier ------------------------------------------------------------------------

class FakeClient:
    """Answers like the OpenAI client: the label whose words the article uses.

    ``delay`` (article text -> seconds) makes some requests finish later than others.
    """

    def __init__(self, answers, delay=None):
        self.answers = answers  # article text -> reply content
        self.delay = delay or {}
        self.chat = self.completions = self
        self.calls = []
        self.lock = threading.Lock()

    def create(self, model, messages, **options):
        text = messages[-1]["content"].split("\n")[1]
        time.sleep(self.delay.get(text, 0))
        with self.lock:
            self.calls.append({"model": model, "messages": messages, **options})
        return NS(choices=[NS(message=NS(content=self.answers[text]))],
                  usage=NS(prompt_tokens=100 + len(text), completion_tokens=2))


TEXTS = ["goal match", "chip laptop", "vote party", "coach team"]
LABELS = ["sport", "tech", "politics"]


def test_constrained_requests_carry_the_label_choice():
    client = FakeClient(dict(zip(TEXTS, [" sport\n", "tech", "politics", "sport"], strict=True)))
    result = classify_with_llm(client, "served", TEXTS, LABELS, concurrency=1,
                               show_progress=False)
    assert result.predictions == ["sport", "tech", "politics", "sport"]  # stripped
    assert len(client.calls) == 4
    call = client.calls[0]
    assert call["extra_body"] == {"structured_outputs": {"choice": LABELS}}
    assert call["model"] == "served" and call["temperature"] == 0.0 and call["max_tokens"] == 8
    assert call["messages"] == classification_messages("goal match", LABELS)


def test_unconstrained_requests_have_no_extra_body():
    client = FakeClient(dict.fromkeys(TEXTS, "sport"))
    classify_with_llm(client, "served", TEXTS, LABELS, constrained=False, max_tokens=3,
                      concurrency=2, show_progress=False)
    assert all("extra_body" not in call for call in client.calls)
    assert all(call["max_tokens"] == 3 for call in client.calls)


def test_results_keep_input_order_under_concurrency():
    answers = dict(zip(TEXTS, ["sport", "tech", "politics", "Sports!"], strict=True))
    delay = {"goal match": 0.15, "chip laptop": 0.1, "vote party": 0.05}  # first ends last
    client = FakeClient(answers, delay)
    result = classify_with_llm(client, "served", TEXTS, LABELS, concurrency=4,
                               show_progress=False)
    finished = [call["messages"][-1]["content"].split("\n")[1] for call in client.calls]
    assert finished[0] != "goal match"  # the requests did finish out of order
    assert result.predictions == ["sport", "tech", "politics", "Sports!"]
    assert result.prompt_tokens == [100 + len(t) for t in TEXTS]
    assert result.completion_tokens == [2, 2, 2, 2]
    assert len(result.latency_s) == 4 and result.latency_s[0] >= 0.15
    assert result.concurrency == 4 and result.wall_s >= 0.15
    assert result.items_per_s == pytest.approx(4 / result.wall_s)


def test_accuracy_and_valid_share():
    answers = dict(zip(TEXTS, ["sport", "tech", "Politics", None], strict=True))
    result = classify_with_llm(FakeClient(answers), "served", TEXTS, LABELS, concurrency=2,
                               show_progress=False)
    assert result.predictions == ["sport", "tech", "Politics", ""]  # None: no answer
    assert result.accuracy(["sport", "sport", "politics", "sport"]) == pytest.approx(0.25)
    assert result.accuracy(["sport", "tech", "politics", "sport"]) == pytest.approx(0.5)
    assert result.valid_share(LABELS) == pytest.approx(0.5)
    with pytest.raises(ValueError, match="3 labels for 4 predictions"):
        result.accuracy(["sport", "tech", "politics"])


def test_classify_with_llm_rejects_bad_arguments():
    client = FakeClient({})
    with pytest.raises(ValueError, match="empty"):
        classify_with_llm(client, "served", [], LABELS, show_progress=False)
    with pytest.raises(ValueError, match="two distinct labels"):
        classify_with_llm(client, "served", TEXTS, ["sport", "sport"], show_progress=False)
    with pytest.raises(ValueError, match="concurrency"):
        classify_with_llm(client, "served", TEXTS, LABELS, concurrency=0, show_progress=False)
    assert client.calls == []


def test_classification_messages_name_the_labels_and_the_text():
    system, user = classification_messages("Rates rise again.", ["business", "tech"])
    assert system["role"] == "system" and "business, tech" in system["content"]
    assert user["role"] == "user"
    assert user["content"] == "Article:\nRates rise again.\n\nTopic (business, tech)?"


class WordTokenizer:
    """A fake Hugging Face tokenizer: one token per whitespace-separated word."""

    def __init__(self):
        self.options = []

    def __call__(self, text, **options):
        self.options.append(options)
        return {"input_ids": list(range(len(text.split())))}

    def decode(self, ids):
        return " ".join(f"w{i}" for i in ids)


def test_truncate_tokens():
    tokenizer = WordTokenizer()
    assert truncate_tokens(tokenizer, "one two three four", 2) == "w0 w1"
    assert tokenizer.options[-1] == {"add_special_tokens": False}
    text = "  one  two three  "
    assert truncate_tokens(tokenizer, text, 3) is text  # short enough: returned untouched
    assert truncate_tokens(tokenizer, text, 10) is text
    with pytest.raises(ValueError, match=">= 1"):
        truncate_tokens(tokenizer, text, 0)
