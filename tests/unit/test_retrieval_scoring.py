"""Reciprocal rank fusion, retrieval metrics and BM25, against hand computations (step 3b)."""

import math

import pytest

from genai_design.corpora import Document, load_kb
from genai_design.retrieval.bm25 import BM25Config, BM25Index
from genai_design.retrieval.chunking import chunk_documents
from genai_design.retrieval.fusion import reciprocal_rank_fusion
from genai_design.retrieval.metrics import (
    containment,
    fact_groups,
    ndcg_at_k,
    percentile_ms,
    recall_at_k,
    reciprocal_rank,
)


def test_rrf_matches_hand_computation():
    fused = reciprocal_rank_fusion([["a", "b", "c"], ["c", "a", "d"]], k=60)
    expected = {"a": 1 / 61 + 1 / 62, "b": 1 / 62, "c": 1 / 63 + 1 / 61, "d": 1 / 63}
    assert [key for key, _ in fused] == ["a", "c", "b", "d"]
    for key, score in fused:
        assert score == pytest.approx(expected[key])


def test_rrf_ties_keep_first_seen_order_and_weights_apply():
    assert [k for k, _ in reciprocal_rank_fusion([["x"], ["y"]])] == ["x", "y"]
    fused = dict(reciprocal_rank_fusion([["x"], ["y"]], k=0, weights=[1.0, 3.0]))
    assert fused == {"y": 3.0, "x": 1.0}
    assert dict(reciprocal_rank_fusion([["x", "x", "y"]], k=0)) == {"x": 1.0, "y": 1 / 3}


def test_reciprocal_rank_and_ndcg_by_hand():
    retrieved = ["x", "g1", "y", "g2"]
    assert reciprocal_rank(retrieved, {"g1", "g2"}) == 0.5
    assert reciprocal_rank(retrieved, {"z"}) == 0.0
    ideal = 1 + 1 / math.log2(3)
    assert ndcg_at_k(retrieved, {"g1", "g2"}, 4) == pytest.approx(
        (1 / math.log2(3) + 1 / math.log2(5)) / ideal)
    assert ndcg_at_k(["g1", "x"], {"g1", "g2", "g3"}, 1) == 1.0  # ideal capped at k
    with pytest.raises(ValueError, match="unanswerable"):
        ndcg_at_k(retrieved, set(), 5)


def test_recall_counts_facts_not_ids():
    one_fact = fact_groups(["t/a", "t/b", "t/c"], "factual")
    assert recall_at_k(["t/c", "x"], one_fact, 1) == 1.0  # any alternative is enough
    contains = {"t/small": frozenset({"t/big"}), "t/big": frozenset()}
    facts = fact_groups(["t/small", "t/big", "t/other"], "multi-hop", contains)
    assert sorted(map(sorted, facts)) == [["t/big", "t/small"], ["t/other"]]
    assert recall_at_k(["t/big", "x", "t/other"], facts, 2) == 0.5
    assert recall_at_k(["t/big", "x", "t/other"], facts, 3) == 1.0
    assert fact_groups([], "unanswerable") == []
    with pytest.raises(ValueError, match="unanswerable"):
        recall_at_k(["x"], [], 5)


def test_containment_ignores_heading_underlines_and_whitespace():
    docs = [Document("k/if", "if", "If stmt\n*******\n\nRuns a  block.", "k"),
            Document("k/else", "else", "If stmt\n*******\n\nRuns a  block.", "k"),
            Document("k/compound", "compound", "Intro.\n\nIf stmt\n=======\n\nRuns a block.\n",
                     "k"),
            Document("k/other", "other", "Unrelated.", "k")]
    found = containment(docs)
    assert found["k/if"] == {"k/else", "k/compound"}
    assert found["k/compound"] == frozenset() and found["k/other"] == frozenset()


def test_containment_on_the_python_reference_matches_schema():
    found = containment(load_kb("python-reference"))
    prefix = "python-reference/"
    for small, big in [("if", "compound"), ("customization", "specialnames"),
                       ("naming", "execmodel"), ("augassign", "assignment"), ("in", "comparisons"),
                       ("id-classes", "identifiers"), ("typesseq-mutable", "typesseq")]:
        assert prefix + big in found[prefix + small]


def test_percentile_interpolates():
    assert percentile_ms([10.0, 20.0, 30.0, 40.0], 50) == 25.0
    assert percentile_ms(list(map(float, range(1, 101))), 95) == pytest.approx(95.05)
    with pytest.raises(ValueError):
        percentile_ms([], 50)


@pytest.fixture(scope="module")
def reference_index() -> BM25Index:
    return BM25Index(chunk_documents(load_kb("python-reference"), "recursive"))


def test_bm25_finds_an_exact_keyword(reference_index):
    hits = reference_index.search("nonlocal", top_k=5)
    assert hits[0].chunk.doc_id == "python-reference/nonlocal"
    assert all(h.score > 0 for h in hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_bm25_stems_and_ignores_unknown_words(reference_index):
    stemmed = reference_index.search("assertions xyzzyq", top_k=3)
    assert stemmed[0].chunk.doc_id == "python-reference/assert"
    assert reference_index.search("xyzzyq qwxzv", top_k=3) == []
    with pytest.raises(ValueError, match="non-empty"):
        reference_index.search("  ")


def test_bm25_scores_match_the_formula():
    docs = [Document("k/1", "", "apple banana", "k"),
            Document("k/2", "", "apple apple cherry", "k"),
            Document("k/3", "", "banana cherry date", "k")]
    config = BM25Config(k1=1.5, b=0.75, stemmer_language=None)
    index = BM25Index(chunk_documents(docs, "recursive"), config)
    hits = {h.chunk.doc_id: h.score for h in index.search("apple", top_k=3)}
    # Lucene BM25: idf = ln(1 + (N - n + 0.5) / (n + 0.5)),
    # term-frequency part = tf / (tf + k1 (1 - b + b L / avgL))
    idf = math.log(1 + (3 - 2 + 0.5) / (2 + 0.5))
    avg = (2 + 3 + 3) / 3

    def tf_part(tf: int, length: int) -> float:
        return tf / (tf + 1.5 * (1 - 0.75 + 0.75 * length / avg))

    assert set(hits) == {"k/1", "k/2"}
    assert hits["k/1"] == pytest.approx(idf * tf_part(1, 2), rel=1e-5)
    assert hits["k/2"] == pytest.approx(idf * tf_part(2, 3), rel=1e-5)
