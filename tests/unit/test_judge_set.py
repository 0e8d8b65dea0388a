"""Checks of data/judge, the course's labelled answers for calibrating judges (step 7)."""

from collections import Counter

from genai_design.evaluation import judge


def test_every_answer_is_labelled_once_by_the_course_labeller():
    js = judge.load_judge_set()
    assert len(js.items) == 60
    items, labels = js.labelled_by("course-dev")
    assert len(items) == len(js.items)  # every answer labelled
    counts = Counter(labels)
    assert counts["correct"] >= 5 and counts["incorrect"] >= 5  # both classes present
    per_question = Counter(m["question_id"] for m in js.meta.values())
    assert len(per_question) == 20 and set(per_question.values()) == {3}
    assert Counter(m["system"] for m in js.meta.values()) == {"v1": 20, "v2": 20, "v3x": 20}
    assert all(item.answer.strip() and item.sources for item in js.items)
