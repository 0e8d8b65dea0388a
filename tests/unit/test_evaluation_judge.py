"""The LLM judge's prompts and probes against a fake model, and the cheap judges (step 7)."""

import threading
from types import SimpleNamespace as NS

import numpy as np
import pytest

from genai_design.evaluation import judge

ITEM = judge.JudgeItem("q1/v1", "How long is the return window?", "30 days from delivery.",
                       "You have 30 days [shop-help/returns].", ("Returns within 30 days of delivery.",))


class FakeJudge:
    """Says "correct" when the answer block mentions 30, and records the requests."""

    def __init__(self, reply=None):
        self.chat = self.completions = self
        self.requests, self.reply, self.lock = [], reply, threading.Lock()

    def create(self, model, messages, **options):
        prompt = messages[-1]["content"]
        with self.lock:
            self.requests.append({"prompt": prompt, **options})
        graded = prompt.split("Answer to grade:\n")[1].split("\n")[0]
        verdict = self.reply or ("correct" if "30" in graded else "incorrect")
        return NS(choices=[NS(message=NS(content=verdict))])


def test_prompt_orders_and_padding():
    normal, swapped = judge.judge_prompt(ITEM), judge.judge_prompt(ITEM, answer_first=True)
    assert normal.index("Reference answer") < normal.index("Answer to grade")
    assert swapped.index("Answer to grade") < swapped.index("Reference answer")
    assert judge.RUBRIC in normal and normal.endswith("correct or incorrect.")
    long = judge.padded(ITEM)
    assert long.answer.startswith(ITEM.answer.rstrip()) and long.answer.endswith(judge.PADDING.strip())
    assert long.item_id == ITEM.item_id and long.sources == ITEM.sources


def test_llm_judge_constrains_the_verdict():
    wrong = judge.JudgeItem("q1/v2", ITEM.question, ITEM.reference, "You have 14 days.")
    client = FakeJudge()
    assert judge.llm_judge(client, "m", [ITEM, wrong], show_progress=False) == ["correct", "incorrect"]
    assert all(r["extra_body"]["structured_outputs"]["choice"] == ["correct", "incorrect"]
               for r in client.requests)
    assert all(r["temperature"] == 0.0 for r in client.requests)
    with pytest.raises(ValueError, match="not one of"):
        judge.llm_judge(FakeJudge(reply="yes"), "m", [ITEM], show_progress=False)
    with pytest.raises(ValueError, match="no items"):
        judge.llm_judge(client, "m", [], show_progress=False)


def test_flip_rate():
    assert judge.flip_rate(["correct", "incorrect", "correct"], ["correct", "correct", "incorrect"]) == 2 / 3
    with pytest.raises(ValueError):
        judge.flip_rate([], [])


def _embed(texts):  # words as a bag over a tiny vocabulary, L2-normalised
    vocab = ["30", "days", "14", "delivery", "you", "have"]
    v = np.array([[t.lower().count(w) for w in vocab] for t in texts], dtype=float) + 1e-9
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_features_by_hand():
    (row,) = judge.features([ITEM], _embed)
    f = dict(zip(judge.FEATURE_NAMES, row))
    assert f["abstained"] == 0.0 and f["source precision"] == 1.0
    assert 0 < f["token F1"] < 1 and 0 < f["cosine"] <= 1
    assert f["log words"] == pytest.approx(np.log1p(4))  # "You have 30 days" without the citation


def test_cheap_judges_learn_a_separable_rule():
    rng = np.random.default_rng(0)
    labels = ["correct"] * 30 + ["incorrect"] * 30
    cosine = np.r_[rng.uniform(0.7, 1.0, 30), rng.uniform(0.0, 0.5, 30)]
    assert judge.similarity_judge(cosine, labels) == labels
    x = np.c_[cosine, rng.normal(size=60)]
    assert judge.feature_judge(x, labels) == labels
    with pytest.raises(ValueError, match="folds"):
        judge.similarity_judge(cosine[:3], labels[:3], folds=5)


def _write(folder, answers, labels):
    import json
    (folder / "answers.jsonl").write_text("".join(json.dumps(r) + "\n" for r in answers))
    (folder / "labels.jsonl").write_text("".join(json.dumps(r) + "\n" for r in labels))


ROW = {"id": "q1/v1", "question_id": "q1", "type": "factual", "system": "v1", "question": "q",
       "reference": "r", "answer": "a", "sources": ["s"]}


def test_load_judge_set(tmp_path):
    _write(tmp_path, [ROW, {**ROW, "id": "q1/v2", "system": "v2"}],
           [{"id": "q1/v1", "labeller": "ana", "label": "correct"},
            {"id": "q1/v2", "labeller": "ana", "label": "incorrect"},
            {"id": "q1/v2", "labeller": "ben", "label": "correct"}])
    js = judge.load_judge_set(tmp_path)
    assert [i.item_id for i in js.items] == ["q1/v1", "q1/v2"] and js.items[0].sources == ("s",)
    assert js.meta["q1/v2"]["system"] == "v2"
    items, labels = js.labelled_by("ben")
    assert [i.item_id for i in items] == ["q1/v2"] and labels == ["correct"]
    _write(tmp_path, [ROW], [{"id": "q9/v1", "labeller": "ana", "label": "correct"}])
    with pytest.raises(ValueError, match="unknown id"):
        judge.load_judge_set(tmp_path)
    _write(tmp_path, [ROW, ROW], [])
    with pytest.raises(ValueError, match="duplicate id"):
        judge.load_judge_set(tmp_path)
