"""The label store survives restarts and keeps labellers apart; the widget stores each click."""

import sqlite3

import pytest

from genai_design.evaluation.labels import LabelStore, labelling_widget


def test_labels_persist_and_a_new_label_supersedes(tmp_path):
    path = tmp_path / "labels.sqlite"
    store = LabelStore(path, allowed=("correct", "wrong"))
    store.add("q1", "ana", "correct")
    store.add("q1", "ben", "wrong")
    store.add("q2", "ana", "wrong", note="number off")
    # A new store on the same file (a restarted kernel) sees every label.
    again = LabelStore(path, allowed=("correct", "wrong"))
    assert again.labels("ana") == {"q1": "correct", "q2": "wrong"}
    assert again.labels("ben") == {"q1": "wrong"} and again.labellers() == ["ana", "ben"]
    again.add("q1", "ana", "wrong")  # changed her mind: a new row, the old one kept
    assert store.labels("ana")["q1"] == "wrong"
    assert [h.label for h in store.history("ana") if h.item_id == "q1"] == ["correct", "wrong"]
    assert store.history("ana")[1].note == "number off"
    # Committed: a plain SQLite connection sees the rows.
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT COUNT(*) FROM labels").fetchone()[0] == 4


def test_bad_labels_are_refused(tmp_path):
    store = LabelStore(tmp_path / "l.sqlite", allowed=("correct", "wrong"))
    with pytest.raises(ValueError, match="not one of"):
        store.add("q1", "ana", "maybe")
    with pytest.raises(ValueError, match="labeller must be a non-empty string"):
        store.add("q1", " ", "correct")
    assert store.history() == []


def test_widget_stores_each_click_and_resumes(tmp_path):
    store = LabelStore(tmp_path / "l.sqlite")
    items = [{"id": f"q{i}", "question": f"question {i}", "answer": "<b>x</b>"} for i in range(3)]
    panel = labelling_widget(items, store, "ana", ["correct", "wrong"])
    status, body, row = panel.children
    assert "item 1 of 3" in body.value and "&lt;b&gt;x&lt;/b&gt;" in body.value  # escaped
    row.children[1].click()  # "wrong" for q0
    assert store.labels("ana") == {"q0": "wrong"} and "item 2 of 3" in body.value
    # A new panel (after a restart) starts at the first item not yet labelled.
    panel = labelling_widget(items, store, "ana", ["correct", "wrong"])
    status, body, row = panel.children
    assert "item 2 of 3" in body.value and "1 of 3 labelled" in status.value
    row.children[0].click()
    row.children[0].click()
    assert store.labels("ana") == {"q0": "wrong", "q1": "correct", "q2": "correct"}
    assert "All items are labelled" in body.value and all(b.disabled for b in row.children)
    # Another labeller starts from the beginning: labels are kept apart.
    other = labelling_widget(items, store, "ben", ["correct", "wrong"])
    assert "item 1 of 3" in other.children[1].value
