"""Step 2's pattern choice on the course's products and on the edges of each rule."""

from __future__ import annotations

import dataclasses

import pytest

from genai_design.pattern import EXAMPLES, FINE_TUNE_MIN_EXAMPLES, PatternNeeds, choose_pattern


def needs(**changes) -> PatternNeeds:
    fields = dict(name="p", own_knowledge=False, knowledge_changes_per_month=0, citations=False, actions=False,
                  fixed_steps=False, narrow_behaviour=False, labelled_examples=0, private=False)
    return PatternNeeds(**{**fields, **changes})


@pytest.mark.parametrize("product, pattern, parts", [
    ("shop help assistant", "RAG", ("prompted model", "RAG")),
    ("returns assistant", "fixed tool pipeline", ("prompted model", "RAG", "fixed tool pipeline")),
    ("news archive tagger", "fine-tuning", ("prompted model", "fine-tuning")),
    ("travel booking agent", "agent", ("prompted model", "RAG", "agent")),
])
def test_the_course_products(product, pattern, parts):
    choice = choose_pattern(EXAMPLES[product])
    assert (choice.pattern, choice.parts) == (pattern, parts)
    assert len(choice.reasons) >= len(choice.parts)


def test_a_plain_task_stays_a_prompted_model():
    choice = choose_pattern(needs())
    assert choice.pattern == "prompted model" and choice.parts == ("prompted model",)
    assert len(choice.rejected) == 3 and choice.hosting == "managed API or self-hosted"


def test_fine_tuning_needs_enough_labels_and_never_carries_changing_knowledge():
    few = choose_pattern(needs(narrow_behaviour=True, labelled_examples=FINE_TUNE_MIN_EXAMPLES - 1))
    assert "fine-tuning" not in few.parts and any("constrained decoding" in r for r in few.rejected)
    assert "fine-tuning" in choose_pattern(needs(narrow_behaviour=True, labelled_examples=FINE_TUNE_MIN_EXAMPLES)).parts
    changing = choose_pattern(needs(own_knowledge=True, knowledge_changes_per_month=2))
    assert any("yesterday's version" in r for r in changing.rejected)
    assert "2 times a month" in changing.reasons[1]


def test_privacy_decides_hosting_not_pattern():
    open_, closed = choose_pattern(needs(own_knowledge=True)), choose_pattern(needs(own_knowledge=True, private=True))
    assert open_.parts == closed.parts and closed.hosting == "self-hosted"


def test_contradictory_needs_are_refused():
    with pytest.raises(ValueError, match="fixed_steps"):
        needs(fixed_steps=True)
    with pytest.raises(ValueError):
        needs(labelled_examples=-1)
    assert dataclasses.asdict(EXAMPLES["shop help assistant"]) == EXAMPLES["shop help assistant"].to_dict()
