"""The course reranker: training pairs, a tiny training run, reuse, offline errors (step 3b)."""

import json
import math

import pytest

from genai_design.corpora import Document, load_eval_set, load_kb
from genai_design.retrieval import rerank
from genai_design.retrieval.rerank import (
    CrossEncoderReranker,
    LLMJudgeReranker,
    load_published_reranker,
)
from genai_design.retrieval.rerank_training import (
    RerankerTrainingConfig,
    load_training_report,
    train_reranker,
    training_pairs,
)
from genai_design.staging import staged_dir

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
    assert load_training_report(folder).num_pairs == len(tiny_pairs)
    assert [p.name for p in tmp_path.joinpath("rerankers").iterdir()] == ["tiny"]  # no staging
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


def test_a_staged_folder_replaces_the_target_only_when_complete(tmp_path):
    target = tmp_path / "model"
    with staged_dir(target) as staging:
        (staging / "weights").write_text("v1")
    assert (target / "weights").read_text() == "v1"
    with pytest.raises(RuntimeError), staged_dir(target) as staging:
        (staging / "weights").write_text("half")
        raise RuntimeError("disk full")
    assert (target / "weights").read_text() == "v1"  # the old copy survives a failed write
    assert [p.name for p in tmp_path.iterdir()] == ["model"]


class FakeChat:
    """Answers like the OpenAI client: top log-probabilities of one token."""

    def __init__(self, p_yes):
        self.p_yes = p_yes  # passage text -> probability of "yes"
        self.chat = self.completions = self
        self.prompts = []

    def create(self, model, messages, **options):
        from types import SimpleNamespace as NS

        self.prompts.append(messages[-1]["content"])
        passage = messages[-1]["content"].split("\n")[1]
        p = self.p_yes[passage]
        top = [NS(token=" Yes", logprob=math.log(p)), NS(token="no", logprob=math.log(1 - p))]
        return NS(choices=[NS(logprobs=NS(content=[NS(top_logprobs=top)]))])


def test_llm_judge_scores_p_yes_minus_p_no_in_input_order():
    client = FakeChat({"alpha": 0.9, "beta": 0.2, "gamma": 0.5})
    judge = LLMJudgeReranker(client, "served-model", workers=3)
    scores = judge.score("which one?", ["alpha", "beta", "gamma"])
    assert scores == pytest.approx([0.8, -0.6, 0.0])
    assert len(client.prompts) == 3 and all("Question: which one?" in p for p in client.prompts)
    with pytest.raises(ValueError, match="non-empty"):
        judge.score("", ["alpha"])
