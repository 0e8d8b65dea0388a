"""The course reranker: training pairs, a tiny training run, reuse, offline errors (step 3b)."""

import json

import pytest

from genai_design.corpora import Document, load_eval_set, load_kb
from genai_design.retrieval import rerank
from genai_design.retrieval.rerank import (
    CrossEncoderReranker,
    RerankerTrainingConfig,
    load_published_reranker,
    train_reranker,
    training_pairs,
)

TINY = RerankerTrainingConfig(name="tiny", kbs=(("shop-help", 1),), max_queries=24, batch_size=8,
                              max_length=96, learning_rate=1e-4, warmup_fraction=0.0)


@pytest.fixture(scope="module")
def tiny_pairs():
    return training_pairs(TINY)


def test_pairs_come_from_the_corpus_never_from_eval_questions(tiny_pairs):
    questions = {q.question for q in load_eval_set()}
    assert not {p.query for p in tiny_pairs} & questions
    positives = {p.query: p for p in tiny_pairs if p.label == 1.0}
    assert len(positives) == 24
    docs = {d.id: d for d in load_kb("shop-help", 1)}
    for pair in tiny_pairs:
        assert pair.passage in docs[pair.doc_id].text  # a real span of the document
        assert not pair.passage.lstrip().startswith("#")  # headings removed
        if pair.label == 0.0:
            assert pair.doc_id != positives[pair.query].doc_id
    negatives = [p for p in tiny_pairs if p.label == 0.0]
    assert 24 < len(negatives) <= 24 * 3


def test_negatives_skip_documents_that_repeat_the_positive():
    text = "## Refund timing\n\nMoney comes back within five days of the return reaching us."
    docs = [Document("k/a", "Refund help", text, "k"),
            Document("k/copy", "Refund help copy", "Intro.\n\n" + text, "k"),
            Document("k/other", "Delivery help", "## Refund timing elsewhere\n\nDeliveries "
                     "take two days and refund timing is not covered here at all.", "k")]
    config = RerankerTrainingConfig(kbs=(), hard_negatives=3, random_negatives=3)
    pairs = training_pairs(config, docs)
    for query in {p.query for p in pairs if p.doc_id == "k/a" and p.label == 1.0}:
        negative_docs = {p.doc_id for p in pairs if p.query == query and p.label == 0.0}
        assert "k/copy" not in negative_docs and "k/other" in negative_docs


def test_tiny_training_run_saves_reuses_and_scores(tmp_path, monkeypatch, tiny_pairs, capfd):
    monkeypatch.setenv("GENAI_DESIGN_HOME", str(tmp_path))
    folder = train_reranker(TINY)
    # The new head's "missing weights" report is expected; it must not reach stderr (the book
    # build fails on stderr in a notebook cell).
    assert "LOAD REPORT" not in capfd.readouterr().err
    assert folder == tmp_path / "rerankers" / "tiny"
    report = json.loads((folder / "reranker.json").read_text())
    assert report["num_pairs"] == len(tiny_pairs)
    assert report["num_steps"] == -(-len(tiny_pairs) // 8)
    assert report["last_loss"] < report["first_loss"]  # it learned something
    stamp = (folder / "reranker.json").stat().st_mtime_ns
    assert train_reranker(TINY) == folder
    assert (folder / "reranker.json").stat().st_mtime_ns == stamp  # reused, not retrained
    reranker = CrossEncoderReranker(folder)
    scores = reranker.score("query", ["one passage", "another passage", "a third"])
    assert len(scores) == 3 and all(isinstance(s, float) for s in scores)
    assert scores == reranker.score("query", ["one passage", "another passage", "a third"])
    with pytest.raises(ValueError, match="non-empty"):
        reranker.score(" ", ["x"])


def test_published_reranker_offline_gives_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path))  # an empty cache
    with pytest.raises(ValueError, match="HF_HUB_OFFLINE is set.*course_reranker"):
        load_published_reranker("cross-encoder/ms-marco-MiniLM-L6-v2")
    assert rerank.PUBLISHED_DEFAULT.startswith("cross-encoder/")
