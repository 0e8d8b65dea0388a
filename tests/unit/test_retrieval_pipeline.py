"""Retriever strategies and evaluate() on a tiny corpus (step 3b)."""

import pytest

from genai_design.corpora import Document, EvalQuestion
from genai_design.retrieval.chunking import ChunkConfig
from genai_design.retrieval.pipeline import Retriever, RetrieverConfig, evaluate

DOCS = [
    Document("kb/refund", "Refunds", "Refunds reach the original card within five working days "
             "after we receive the parcel.", "kb"),
    Document("kb/delivery", "Delivery", "Parcels are shipped by courier and arrive within two "
             "working days.", "kb"),
    Document("kb/warranty", "Warranty", "Appliances carry a two-year warranty covering "
             "manufacturing faults.", "kb"),
    Document("kb/password", "Password", "To reset a forgotten password, use the link on the "
             "sign-in page.", "kb"),
    Document("kb/vouchers", "Vouchers", "\n\n".join(
        f"Gift vouchers paragraph {name}: vouchers can be redeemed online in part {name}."
        for name in ("alpha", "beta", "gamma", "delta")),
        "kb"),
]
CONFIG = RetrieverConfig(chunk=ChunkConfig(size_chars=120))


def _question(qid: str, question: str, gold: tuple[str, ...],
              qtype: str = "factual") -> EvalQuestion:
    return EvalQuestion(id=qid, kb="kb", question=question, gold_ids=gold, reference_answer="-",
                        type=qtype)


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("indexes")


def _retriever(strategy: str, index_dir) -> Retriever:
    return Retriever("kb", 1, "recursive", strategy, docs=DOCS, index_dir=index_dir, config=CONFIG)


def test_bm25_exact_keyword(index_dir):
    hits = _retriever("bm25", index_dir).search("courier", top_k=3)
    assert [h.doc_id for h in hits] == ["kb/delivery"]  # no other document has the word
    assert hits[0].rank == 1 and hits[0].strategy == "bm25" and "courier" in hits[0].text


def test_dense_finds_a_paraphrase_without_shared_words(index_dir):
    retriever = _retriever("dense", index_dir)
    assert retriever.bm25.search("how quickly is my money returned", top_k=5) == []
    hits = retriever.search("how quickly is my money returned", top_k=3)
    assert hits[0].doc_id == "kb/refund"
    assert hits[0].score > hits[1].score
    assert retriever.ingest_report is not None and retriever.ingest_report.total_chunks == 8


def test_hybrid_scores_are_rrf_of_both_rankings(index_dir):
    retriever = _retriever("hybrid", index_dir)
    hits = retriever.search("courier", top_k=5)
    assert hits[0].doc_id == "kb/delivery"
    dense_rank = [h.doc_id for h in _retriever("dense", index_dir).search("courier", 5)].index(
        "kb/delivery") + 1
    # delivery has a single chunk: rank 1 in BM25, dense_rank among chunks == among documents
    assert hits[0].score == pytest.approx(1 / 61 + 1 / (60 + dense_rank))


def test_results_are_documents_with_their_best_chunk(index_dir):
    hits = _retriever("bm25", index_dir).search("gift vouchers redeemed gamma", top_k=5)
    assert hits[0].doc_id == "kb/vouchers" and hits[0].chunk_id == "kb/vouchers#2"
    assert len({h.doc_id for h in hits}) == len(hits)
    assert [h.rank for h in hits] == list(range(1, len(hits) + 1))


def test_bad_arguments_are_rejected(index_dir):
    with pytest.raises(ValueError, match="unknown strategy"):
        Retriever("kb", strategy="magic", docs=DOCS, index_dir=index_dir)
    with pytest.raises(ValueError, match="unknown chunking"):
        Retriever("kb", chunking="semantic", docs=DOCS, index_dir=index_dir)
    with pytest.raises(ValueError, match="non-empty"):
        _retriever("hybrid", index_dir).search("   ")
    with pytest.raises(ValueError, match="top_k"):
        _retriever("bm25", index_dir).search("courier", top_k=0)


def test_evaluate_by_hand(index_dir):
    questions = [
        _question("q1", "courier", ("kb/delivery",)),  # rank 1
        _question("q2", "courier", ("kb/warranty",)),  # never retrieved by BM25
        _question("q3", "reset forgotten password courier", ("kb/password", "kb/delivery"),
                  "multi-hop"),  # both facts in the top 2
        _question("q4", "what is the capital of France", (), "unanswerable"),
        EvalQuestion(id="q5", kb="kb", question="courier", gold_ids=("kb/delivery",),
                     reference_answer="-", type="factual", kb_version=2),
    ]
    result = evaluate(_retriever("bm25", index_dir), questions, ks=(1, 2))
    assert (result.num_scored, result.num_unanswerable, result.num_other_version) == (3, 1, 1)
    assert result.recall_at_k[1] == pytest.approx((1 + 0 + 0.5) / 3)
    assert result.recall_at_k[2] == pytest.approx((1 + 0 + 1) / 3)
    assert result.mrr == pytest.approx((1 + 0 + 1) / 3)
    assert result.recall_at_k_by_type["multi-hop"] == {1: 0.5, 2: 1.0}
    assert result.questions[1].first_gold_rank is None
    assert 0 < result.p50_latency_ms <= result.p95_latency_ms
    assert "questions" not in result.summary()
    with pytest.raises(ValueError, match="given to a 'kb' retriever"):
        evaluate(_retriever("bm25", index_dir), [
            EvalQuestion("x", "other", "q", ("a",), "-", "factual")])
