"""The RAG evaluation run and the release gate, against a fake model and retriever (step 7)."""

import json
import threading
from types import SimpleNamespace as NS

import pytest

from genai_design import cli
from genai_design.corpora import EvalQuestion, load_kb
from genai_design.evaluation import gate, rag
from genai_design.prompts.templates import PromptVersion, content_hash

RAG_PROMPT = "Context:\n{context}\n\nQuestion: {question}\nAnswer:"
CLOSED_BOOK = "Question: {question}\nAnswer:"


def _prompt(text: str, label: str = "v1") -> PromptVersion:
    return PromptVersion("rag-answer", label, content_hash(text), text, "")


class FakeClient:
    """Replies by the question in the prompt; records every prompt it was sent."""

    def __init__(self, replies: dict[str, str]) -> None:
        self.replies = replies
        self.chat = self.completions = self
        self.prompts: list[str] = []
        self.calls: list[dict] = []
        self.lock = threading.Lock()

    def create(self, model, messages, **options):
        prompt = messages[-1]["content"]
        question = prompt.split("Question: ")[1].split("\n")[0]
        with self.lock:
            self.prompts.append(prompt)
            self.calls.append(options)
        return NS(choices=[NS(message=NS(content=self.replies[question]))],
                  usage=NS(completion_tokens=len(self.replies[question].split())))


class FakeRetriever:
    kb, version, strategy, chunking = "shop-help", 1, "fake", "none"

    def __init__(self, ranked: dict[str, list[tuple[str, str]]]) -> None:
        self.ranked = ranked

    def search(self, query: str, top_k: int = 5):
        return [NS(doc_id=d, text=t) for d, t in self.ranked[query][:top_k]]


def _q(qid: str, question: str, gold: tuple[str, ...], reference: str,
       qtype: str = "factual") -> EvalQuestion:
    return EvalQuestion(qid, "shop-help", question, gold, reference, qtype)


QUESTIONS = [
    _q("a", "how long is the return window", ("shop-help/return-policy",), "30 days from delivery"),
    _q("b", "can you gift wrap", (), "not covered", "unanswerable"),
    _q("c", "who pays return shipping", ("shop-help/return-policy",), "the customer pays"),
]
RETRIEVED = {
    "how long is the return window": [("shop-help/return-policy", "Returns: 30 days from delivery."),
                                      ("shop-help/x", "Other text.")],
    "can you gift wrap": [("shop-help/y", "Gift receipts are free.")],
    "who pays return shipping": [("shop-help/z", "Shipping is free over 50 euros.")],
}
REPLIES = {"how long is the return window": "30 days from delivery [shop-help/return-policy].",
           "can you gift wrap": "I don't know.",
           "who pays return shipping": "I don't know."}


def test_score_answer_by_hand():
    q = QUESTIONS[0]
    s = rag.score_answer(q, "30 days from the delivery date", [("shop-help/x", "delivery in 30 days")])
    # tokens: 30 days from delivery date vs 30 days from delivery -> 4 common; P 4/5, R 4/4
    assert s.token_f1 == pytest.approx(2 * 0.8 * 1.0 / 1.8)
    assert s.exact_match == 0.0 and not s.abstained and s.answerable
    # content tokens: 30, days, delivery, date; "date" is not in the passage
    assert s.source_precision == pytest.approx(3 / 4)
    assert s.context_recall == 0.0 and s.context_ids == ("shop-help/x",)
    off = rag.score_answer(QUESTIONS[1], "I don't know.", [("shop-help/y", "text")])
    assert off.abstained and off.token_f1 is None and off.context_recall is None
    assert off.source_precision is None  # an abstention claims nothing
    assert off.score("abstained") == 1.0 and off.score("token_f1") is None
    with pytest.raises(ValueError, match="unknown metric"):
        off.score("accuracy")


def test_retrieved_run_scores_every_question_and_separates_retrieval():
    client = FakeClient(REPLIES)
    run = rag.answer_eval_set(client, "m", _prompt(RAG_PROMPT), QUESTIONS,
                              retriever=FakeRetriever(RETRIEVED),
                              config=rag.RagConfig(top_k=1, concurrency=2), show_progress=False)
    assert [a.question_id for a in run.answers] == ["a", "b", "c"]
    assert any("[shop-help/return-policy] Returns: 30 days" in p for p in client.prompts)
    assert all("Other text" not in p for p in client.prompts)  # top_k=1
    m = run.metrics()
    assert m["questions"] == 3 and m["answerable"] == 2
    assert m["exact_match"] == pytest.approx(0.5)  # a matches once its citation is stripped
    assert m["token_f1"] == pytest.approx(0.5)  # a: 1.0; c abstained: 0.0
    assert m["abstained_when_should"] == 1.0 and m["answered_when_should"] == 0.5
    assert m["context_recall"] == pytest.approx(0.5)  # a's gold retrieved, c's not
    assert run.by_type()["unanswerable"]["abstained"] == 1.0
    assert run.retrieval == "fake/none" and run.context == "retrieved"
    assert run.values("answered_when_should") == [1.0, 0.0] and run.values("abstained_when_should") == [1.0]
    assert run.interval("token_f1").estimate == pytest.approx(0.5)
    row = run.table_row(("token_f1", "abstained_when_should"))
    assert row["questions"] == 3 and row["abstained_when_should"] == "1.00 [1.00, 1.00]"
    with pytest.raises(ValueError, match="unknown metric"):
        run.values("accuracy")
    again = rag.RagRun.from_dict(json.loads(json.dumps(run.to_dict())))
    assert again == run and again.metrics() == m


def test_extractive_answers_choose_a_passage_sentence():
    passages = [("d1", "# Returns\nYou have 30 days. Refunds take 5 days.\n- Free pickup for sofas"),
                ("d2", "You have 30 days. Ok.")]
    assert rag.answer_choices(passages) == ["You have 30 days.", "Refunds take 5 days.",
                                            "Free pickup for sofas", rag.IDK]
    client = FakeClient(REPLIES)
    run = rag.answer_eval_set(client, "m", _prompt(RAG_PROMPT), QUESTIONS[:1],
                              retriever=FakeRetriever(RETRIEVED), show_progress=False,
                              config=rag.RagConfig(extractive=True))
    options = client.calls[0]
    assert options["extra_body"]["structured_outputs"]["choice"] == [
        "Returns: 30 days from delivery.", rag.IDK]  # "Other text." is under three words
    assert options["max_tokens"] == rag.RagConfig().max_extract_tokens
    assert run.answers[0].source_precision is not None
    with pytest.raises(ValueError, match="needs passages shown"):
        rag.answer_eval_set(client, "m", _prompt(CLOSED_BOOK), QUESTIONS, context="none",
                            config=rag.RagConfig(extractive=True))


def test_gold_context_shows_the_gold_documents_and_closed_book_shows_none():
    client = FakeClient(REPLIES)
    gold = rag.answer_eval_set(client, "m", _prompt(RAG_PROMPT), QUESTIONS, context="gold",
                               retriever=FakeRetriever(RETRIEVED), show_progress=False)
    policy = next(d for d in load_kb("shop-help", 1) if d.id == "shop-help/return-policy")
    assert gold.answers[2].context_ids == ("shop-help/return-policy",)
    assert gold.answers[2].context_recall == 1.0
    assert gold.answers[1].context_ids == ("shop-help/y",)  # no gold: the retrieved passages
    assert any(" ".join(policy.text[:200].split()) in p for p in client.prompts)
    closed = rag.answer_eval_set(FakeClient(REPLIES), "m", _prompt(CLOSED_BOOK), QUESTIONS,
                                 context="none", show_progress=False)
    assert all(a.context_ids == () and a.source_precision is None for a in closed.answers)
    # With a retriever, a closed-book answer is checked against what retrieval would have shown.
    blind = FakeClient(REPLIES)
    judged = rag.answer_eval_set(blind, "m", _prompt(CLOSED_BOOK), QUESTIONS, context="none",
                                 retriever=FakeRetriever(RETRIEVED), show_progress=False)
    assert judged.answers[0].context_ids == () and judged.answers[0].source_precision == 1.0
    assert len(blind.prompts) == 3 and all("Returns:" not in p for p in blind.prompts)
    # A template that lost its {context} placeholder is closed-book under retrieved context too.
    lost = rag.answer_eval_set(FakeClient(REPLIES), "m", _prompt(CLOSED_BOOK), QUESTIONS,
                               retriever=FakeRetriever(RETRIEVED), show_progress=False)
    assert [a.source_precision for a in lost.answers] == [a.source_precision for a in judged.answers]
    assert all(a.context_ids == () for a in lost.answers)
    both = rag.compare_runs(closed, gold, "token_f1")
    assert both.n == 2 and both.difference.estimate == 0.0  # same replies, same scores


def test_answer_eval_set_refuses_mismatches():
    client, retriever = FakeClient(REPLIES), FakeRetriever(RETRIEVED)
    with pytest.raises(ValueError, match="no passages to fill it with"):
        rag.answer_eval_set(client, "m", _prompt(RAG_PROMPT), QUESTIONS, context="none")
    with pytest.raises(ValueError, match="needs a retriever"):
        rag.answer_eval_set(client, "m", _prompt(RAG_PROMPT), QUESTIONS)
    with pytest.raises(ValueError, match="must have"):
        rag.answer_eval_set(client, "m", _prompt("Tell me about {topic}"), QUESTIONS,
                            retriever=retriever)
    with pytest.raises(ValueError, match="context must be one of"):
        rag.answer_eval_set(client, "m", _prompt(RAG_PROMPT), QUESTIONS, context="web")
    other = [*QUESTIONS, EvalQuestion("z", "python-reference", "q", (), "-", "unanswerable")]
    with pytest.raises(ValueError, match="several knowledge bases"):
        rag.answer_eval_set(client, "m", _prompt(RAG_PROMPT), other, retriever=retriever)
    with pytest.raises(ValueError, match="not in shop-help"):
        rag.gold_passages([_q("x", "q", ("shop-help/nope",), "-")], 100)
    with pytest.raises(ValueError, match="top_k must be at least 1"):
        rag.RagConfig(top_k=0)


SUITE = {"name": "t", "kb": "shop-help", "questions": 3,
         "thresholds": {"token_f1": {"min": 0.6}, "abstained_when_should": {"min": 0.9},
                        "source_precision": {"min": 0.2, "max": 1.0}}}


def _run():
    return rag.answer_eval_set(FakeClient(REPLIES), "m", _prompt(RAG_PROMPT), QUESTIONS,
                               retriever=FakeRetriever(RETRIEVED), show_progress=False)


def test_gate_checks_each_threshold_with_its_interval():
    suite = gate.parse_suite(SUITE)
    assert suite.context == "retrieved" and suite.questions == 3 and len(suite.thresholds) == 3
    result = gate.check_thresholds(_run(), suite.thresholds, suite.name)
    by_metric = {c.metric: c for c in result.checks}
    # token F1: a is 1.0 once its citation is stripped, c (abstained) 0.0: a mean of 0.5 < 0.6.
    f1 = by_metric["token_f1"]
    assert f1.value == pytest.approx(result.metrics["token_f1"]) and f1.low <= f1.value <= f1.high
    assert by_metric["abstained_when_should"].passed and by_metric["abstained_when_should"].value == 1.0
    assert not f1.passed and not result.passed
    assert result.failures == ["token_f1 0.500 < min 0.600"]
    out = result.to_dict()
    assert out["passed"] is False and out["questions"] == 3
    easy = gate.parse_suite({**SUITE, "thresholds": {"token_f1": {"min": 0.1}}})
    assert gate.check_thresholds(_run(), easy.thresholds).passed


def test_a_metric_no_question_measures_fails_the_gate():
    answerable_only = [q for q in QUESTIONS if q.gold_ids]
    run = rag.answer_eval_set(FakeClient(REPLIES), "m", _prompt(RAG_PROMPT), answerable_only,
                              retriever=FakeRetriever(RETRIEVED), show_progress=False)
    (check,) = gate.check_thresholds(run, (gate.Threshold("abstained_when_should", 0.5),)).checks
    assert check.value is None and check.low is None and not check.passed
    assert run.metrics()["abstained_when_should"] is None  # None, not NaN: the JSON stays valid
    assert run.table_row(("abstained_when_should",))["abstained_when_should"] == "n/a"


@pytest.mark.parametrize("change, message", [
    ({"thresholds": {"accuracy": {"min": 0.5}}}, "unknown gate metric"),
    ({"thresholds": {"token_f1": {"min": 1.5}}}, r"rates in \[0, 1\]"),
    ({"thresholds": {"token_f1": {"min": 0.6, "max": 0.5}}}, "above max"),
    ({"thresholds": {"token_f1": {}}}, "neither min nor max"),
    ({"thresholds": {"token_f1": 0.5}}, "must be {min: x}"),
    ({"thresholds": {"token_f1": {"min": "high"}}}, "must be a number"),
    ({"thresholds": {}}, "thresholds must map"),
    ({"questions": 0}, "positive integer or 'all'"),
    ({"context": "web"}, "context must be one of"),
    ({"judge": "gpt"}, "unknown keys"),
])
def test_bad_suites_are_refused_with_the_reason(change, message):
    with pytest.raises(ValueError, match=message):
        gate.parse_suite({**SUITE, **change})
    with pytest.raises(ValueError, match="missing key 'kb'"):
        gate.parse_suite({k: v for k, v in SUITE.items() if k != "kb"})


def test_the_course_suite_file_loads(tmp_path):
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    suites = sorted((root / "evals").glob("*.yaml"))
    assert suites, "no suite in evals/"
    for path in suites:
        assert gate.load_suite(path).thresholds
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed\n")
    with pytest.raises(ValueError, match="not valid YAML"):
        gate.load_suite(bad)
    with pytest.raises(ValueError, match="cannot read suite"):
        gate.load_suite(tmp_path / "missing.yaml")


def test_cli_eval_reports_bad_input_with_exit_code_2(tmp_path, capsys):
    assert cli.main(["eval", str(tmp_path / "missing.yaml"), "--prompt", "rag-answer"]) == 2
    assert "cannot read suite" in capsys.readouterr().err
    suite = tmp_path / "s.yaml"
    suite.write_text("name: s\nkb: shop-help\nthresholds: {token_f1: {min: 0.1}}\n")
    assert cli.main(["eval", str(suite), "--prompt", "rag-answer@v9"]) == 2
    assert "no version 'v9'" in capsys.readouterr().err
    assert cli.main(["eval", str(suite), "--prompt", "rag-answer", "--limit", "0"]) == 2
    assert "--limit must be at least 1" in capsys.readouterr().err


def test_evaluation_sample_keeps_every_type():
    sample = rag.evaluation_sample("shop-help", 1, 24)
    assert len(sample) == 24 and all(q.kb_version == 1 for q in sample)
    types = {q.type for q in sample}
    assert types == {q.type for q in rag.evaluation_sample("shop-help", 1)}
    assert all(sum(q.type == t for q in sample) >= 2 for t in types)
    assert rag.evaluation_sample("shop-help", 1, 24) == sample  # deterministic
    with pytest.raises(ValueError, match="no evaluation questions"):
        rag.evaluation_sample("shop-help", 7)


def test_with_fallback_declines_chosen_questions_and_rescores_them():
    run = rag.answer_eval_set(FakeClient({**REPLIES, "can you gift wrap": "Yes, for free."}), "m",
                              _prompt(RAG_PROMPT), QUESTIONS, retriever=FakeRetriever(RETRIEVED),
                              config=rag.RagConfig(top_k=1), show_progress=False)
    assert run.metrics()["abstained_when_should"] == 0.0  # the model answered the unanswerable one
    fallback = rag.with_fallback(run, QUESTIONS, {"b"})
    m = fallback.metrics()
    assert m["abstained_when_should"] == 1.0 and m["answered_when_should"] == run.metrics()["answered_when_should"]
    b = next(a for a in fallback.answers if a.question_id == "b")
    old = next(a for a in run.answers if a.question_id == "b")
    assert b.abstained and b.answer == "I don't know." and b.source_precision is None
    assert (b.context_ids, b.latency_s, b.completion_tokens) == (old.context_ids, old.latency_s, old.completion_tokens)
    assert [a for a in fallback.answers if a.question_id != "b"] == [a for a in run.answers if a.question_id != "b"]
    # Declining an answerable question costs its score.
    worse = rag.with_fallback(run, QUESTIONS, {"a"})
    assert worse.metrics()["token_f1"] < run.metrics()["token_f1"]
    assert rag.with_fallback(run, QUESTIONS, set()) == run
    with pytest.raises(ValueError, match="not questions of this run"):
        rag.with_fallback(run, QUESTIONS, {"zz"})
    with pytest.raises(ValueError, match="not among the questions given"):
        rag.with_fallback(run, QUESTIONS[:1], {"a"})
    with pytest.raises(ValueError, match="abstention"):
        rag.with_fallback(run, QUESTIONS, {"b"}, message="Sure!")
