"""evaluate() scored by hand, its table row, and the question sampler (step 3b)."""

import pytest
from test_retrieval_strategies import DOCS  # the same tiny corpus

from genai_design.corpora import EvalQuestion
from genai_design.retrieval.chunking import ChunkConfig
from genai_design.retrieval.embedding import HashingEmbedder
from genai_design.retrieval.evaluation import compare, evaluate, evenly_spaced, stratified_sample
from genai_design.retrieval.index import KBIndex
from genai_design.retrieval.strategies import make_retriever


def _question(qid: str, question: str, gold: tuple[str, ...],
              qtype: str = "factual") -> EvalQuestion:
    return EvalQuestion(id=qid, kb="kb", question=question, gold_ids=gold, reference_answer="-",
                        type=qtype)


@pytest.fixture(scope="module")
def bm25(tmp_path_factory):
    index = KBIndex("kb", docs=DOCS, index_dir=tmp_path_factory.mktemp("indexes"),
                    embedder=HashingEmbedder(), chunk_config=ChunkConfig(size_chars=120))
    index.build()
    return make_retriever(index, "bm25")


def test_evaluate_by_hand(bm25):
    questions = [
        _question("q1", "courier", ("kb/delivery",)),  # rank 1
        _question("q2", "courier", ("kb/warranty",)),  # never retrieved by BM25
        _question("q3", "reset forgotten password courier", ("kb/password", "kb/delivery"),
                  "multi-hop"),  # both facts in the top 2
        _question("q4", "what is the capital of France", (), "unanswerable"),
        EvalQuestion(id="q5", kb="kb", question="courier", gold_ids=("kb/delivery",),
                     reference_answer="-", type="factual", kb_version=2),
    ]
    result = evaluate(bm25, questions, ks=(1, 2))
    assert (result.num_scored, result.num_unanswerable, result.num_other_version) == (3, 1, 1)
    assert result.recall_at_k[1] == pytest.approx((1 + 0 + 0.5) / 3)
    assert result.recall_at_k[2] == pytest.approx((1 + 0 + 1) / 3)
    assert result.mrr == pytest.approx((1 + 0 + 1) / 3)
    assert result.recall_at_k_by_type["multi-hop"] == {1: 0.5, 2: 1.0}
    assert result.questions[1].first_gold_rank is None
    assert 0 < result.p50_latency_ms <= result.p95_latency_ms
    assert "questions" not in result.summary()
    row = result.table_row()
    assert list(row) == ["questions", "recall@1", "recall@2", "MRR", "nDCG@2", "p50 ms", "p95 ms"]
    assert row["questions"] == 3 and row["recall@2"] == result.recall_at_k[2]
    # Per question, the interval of recall@2 (values 1, 0, 1), and the row that shows it.
    assert result.per_question_recall(2) == {"q1": 1.0, "q2": 0.0, "q3": 1.0}
    ci = result.recall_interval(2)
    assert ci.estimate == pytest.approx(2 / 3) and 0.0 <= ci.low <= ci.estimate <= ci.high <= 1.0
    assert result.table_row(ci_k=2)["recall@2 95% CI"] == f"{ci.low:.2f} to {ci.high:.2f}"
    with pytest.raises(ValueError, match="recall@5 was not measured"):
        result.per_question_recall(5)


def test_compare_pairs_questions(bm25):
    questions = [_question("q1", "courier", ("kb/delivery",)),
                 _question("q2", "courier", ("kb/warranty",)),
                 _question("q3", "reset forgotten password", ("kb/password",))]
    a = evaluate(bm25, questions, ks=(1, 2))
    b = evaluate(bm25, questions[:2], ks=(1, 2))  # q3 not scored: only q1 and q2 pair up
    same = compare(a, b, k=1)
    assert same.n == 2 and same.difference.estimate == 0.0 and same.p_value == 1.0
    assert not same.significant and "not significant" in same.verdict("a", "b", "recall@1")
    with pytest.raises(ValueError, match="recall@5 was not measured"):
        compare(a, b, k=5)


def test_evaluate_refuses_mismatched_questions(bm25):
    with pytest.raises(ValueError, match="given to a 'kb' retriever"):
        evaluate(bm25, [EvalQuestion("x", "other", "q", ("a",), "-", "factual")])
    with pytest.raises(ValueError, match="no questions about kb version 1"):
        evaluate(bm25, [EvalQuestion("x", "kb", "q", ("a",), "-", "factual", kb_version=2)])
    with pytest.raises(ValueError, match="ks"):
        evaluate(bm25, [_question("q1", "courier", ("kb/delivery",))], ks=(0,))


def test_evenly_spaced_sample():
    items = list(range(100))
    assert evenly_spaced(items, 10) == list(range(0, 100, 10))
    assert evenly_spaced(items, 3) == [0, 33, 66]
    assert evenly_spaced(items[:4], 10) == [0, 1, 2, 3]
    spread = evenly_spaced(list(range(103)), 40)
    assert spread[-1] == 100 and len(set(spread)) == 40  # the sample reaches the end of the list
    assert evenly_spaced(items, None) == items
    with pytest.raises(ValueError, match="at least 1"):
        evenly_spaced(items, 0)


def test_stratified_sample_keeps_every_group():
    items = [("a", i) for i in range(80)] + [("b", i) for i in range(15)] + [("c", i) for i in range(5)]
    sample = stratified_sample(items, 20, key=lambda x: x[0], min_per_group=2)
    counts = {g: sum(x[0] == g for x in sample) for g in "abc"}
    assert len(sample) == 20 and counts == {"a": 15, "b": 3, "c": 2}
    assert sample == sorted(sample, key=items.index)  # original order kept
    assert stratified_sample(items, None, key=lambda x: x[0]) == items
    assert len(stratified_sample(items, 4, key=lambda x: x[0], min_per_group=2)) == 6  # minimums win
    with pytest.raises(ValueError, match="n must be at least 1"):
        stratified_sample(items, 0, key=lambda x: x[0])
