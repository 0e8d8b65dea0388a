"""Tests of genai_design.prompts: hashing, registration, lookup, rendering, history, ledger."""

from __future__ import annotations

import hashlib
import itertools
import json
import threading
from datetime import datetime, timedelta, timezone

import pytest

from genai_design.prompts import (
    PromptRegistry,
    PromptVersion,
    content_hash,
    default_registry,
    normalise_text,
    placeholders,
    render_template,
)

TEMPLATE = "Context:\n{context}\n\nQuestion: {question}\nAnswer:"


@pytest.fixture()
def reg(tmp_path):
    start, ticks = datetime(2025, 1, 1, 12, tzinfo=timezone.utc), itertools.count()
    return PromptRegistry(tmp_path / "prompts",
                          clock=lambda: start + timedelta(seconds=next(ticks)))


def test_hash_is_sha256_of_normalised_text_and_ignores_cosmetic_changes():
    expected = hashlib.sha256(TEMPLATE.encode("utf-8")).hexdigest()  # TEMPLATE is already normal
    messy = "\n\n" + TEMPLATE.replace("\n", "  \r\n") + "\r\n\n"
    assert normalise_text(messy) == TEMPLATE
    assert content_hash(TEMPLATE) == content_hash(messy) == expected
    assert content_hash(TEMPLATE + " extra") != expected
    # NFC: a precomposed and a decomposed "é" are one text
    assert content_hash("caf\u00e9 {x}") == content_hash("cafe\u0301 {x}")


def test_register_is_idempotent_and_labels_are_sequential(reg):
    v1 = reg.register("rag-answer", TEMPLATE, note="first")
    again = reg.register("rag-answer", TEMPLATE.replace("\n", "\r\n") + "\n\n", note="ignored")
    v2 = reg.register("rag-answer", TEMPLATE + "\nBe brief.")
    assert again == v1
    assert (v1.label, v2.label) == ("v1", "v2")
    assert v1.sha256 == hashlib.sha256(TEMPLATE.encode()).hexdigest()
    assert v1.short_sha == v1.sha256[:12] and len(v1.short_sha) == 12
    assert v1.note == "first" and v1.created_at == "2025-01-01T12:00:00+00:00"
    assert sorted(p.name for p in (reg.root / "rag-answer").glob("v*.txt")) == ["v1.txt", "v2.txt"]
    assert [e.event for e in reg.history("rag-answer")] == ["register", "activate", "register"]
    assert reg.versions("rag-answer") == [v1, v2]
    assert reg.names() == ["rag-answer"]


def test_lookup_by_label_hash_and_prefix(reg):
    v1 = reg.register("p", "one {x}")
    v2 = reg.register("p", "two {x}")
    assert reg.get("p") == v1  # first registration is active; v2 waits for activate()
    assert reg.get("p", "v2") == v2
    assert reg.get("p", v2.sha256) == v2
    assert reg.get("p", v2.short_sha.upper()) == v2
    assert reg.get("p", v1.sha256[:8]) == v1
    with pytest.raises(KeyError, match="v3"):
        reg.get("p", "v3")
    with pytest.raises(ValueError, match="neither a label"):
        reg.get("p", v1.sha256[:3])
    with pytest.raises(ValueError, match="neither a label"):
        reg.get("p", "latest")
    with pytest.raises(KeyError, match="no prompt named 'nope'"):
        reg.get("nope")


def test_ambiguous_prefix_is_an_error(reg):
    seen: dict[str, str] = {}
    for i in itertools.count():  # birthday search: two texts whose hashes share 4 hex digits
        text = f"variant {i}: {{x}}"
        prefix = content_hash(text)[:4]
        if prefix in seen:
            break
        seen[prefix] = text
    a, b = reg.register("p", seen[prefix]), reg.register("p", text)
    with pytest.raises(ValueError, match="ambiguous"):
        reg.get("p", prefix)
    # the shortest prefix that tells the two apart
    distinct = next(n for n in range(5, 65) if a.sha256[:n] != b.sha256[:n])
    assert reg.get("p", a.sha256[:distinct]) == a
    assert reg.get("p", b.sha256[:distinct]) == b


def test_render_fills_and_names_missing_or_unexpected_variables(reg):
    v = reg.register("p", TEMPLATE)
    assert v.placeholders == ("context", "question")
    out = reg.render(v, context="[d1] Paris is in France.", question="Where is {Paris}?")
    assert out == "Context:\n[d1] Paris is in France.\n\nQuestion: Where is {Paris}?\nAnswer:"
    with pytest.raises(ValueError) as missing:
        reg.render(v, context="c")
    assert "missing: ['question']" in str(missing.value) and "unexpected: []" in str(missing.value)
    with pytest.raises(ValueError) as extra:
        reg.render(v, context="c", question="q", user="u")
    assert "unexpected: ['user']" in str(extra.value) and "missing: []" in str(extra.value)
    assert render_template("JSON: {{\"a\": {n}}}", n=1) == 'JSON: {"a": 1}'


BAD_TEMPLATES = ["{}", "{0}", "{a.b}", "{a[0]}", "{a!r}", "{a:>5}", "open { brace", "close } brace"]


@pytest.mark.parametrize("bad", BAD_TEMPLATES)
def test_malformed_templates_are_refused_at_registration(reg, bad):
    with pytest.raises(ValueError):
        reg.register("p", f"text {bad}")
    assert not (reg.root / "p" / "v1.txt").exists()


def test_diff_is_unified_and_names_versions(reg):
    a = reg.register("p", "line one\nkeep me\nold line {x}")
    b = reg.register("p", "line one\nkeep me\nnew line {x}")
    d = reg.diff("p", "v1", b.short_sha)
    lines = d.splitlines()
    assert lines[0] == f"--- {a.ref}" and lines[1] == f"+++ {b.ref}"
    assert "-old line {x}" in lines and "+new line {x}" in lines and " keep me" in lines
    assert reg.diff("p", "v1", "v1") == ""


def test_activate_and_rollback_follow_a_stack_and_keep_history(reg):
    for i in (1, 2, 3):
        reg.register("p", f"version {i} {{x}}")
    assert reg.get("p").label == "v1"
    reg.activate("p", "v2")
    reg.activate("p", "v3")
    n_events = len(reg.history("p"))
    assert reg.activate("p", "v3").label == "v3"  # already active: no new event
    assert len(reg.history("p")) == n_events
    assert reg.rollback("p").label == "v2" and reg.get("p").label == "v2"
    assert reg.rollback("p").label == "v1" and reg.get("p").label == "v1"
    with pytest.raises(ValueError, match="no earlier activation"):
        reg.rollback("p")
    events = [(e.event, e.label, e.previous) for e in reg.history("p") if e.event != "register"]
    assert events == [("activate", "v1", None), ("activate", "v2", "v1"), ("activate", "v3", "v2"),
                      ("rollback", "v2", "v3"), ("rollback", "v1", "v2")]
    assert [v.label for v in reg.versions("p")] == ["v1", "v2", "v3"]  # nothing deleted
    # re-activating an old version and rolling back returns to the one before it
    reg.activate("p", "v3")
    reg.activate("p", "v1")
    assert reg.rollback("p").label == "v3"
    # the history file is append-only JSONL, one event per line
    lines = (reg.root / "p" / "history.jsonl").read_text().splitlines()
    assert len(lines) == len(reg.history("p")) == 3 + 5 + 3
    assert all(json.loads(line)["event"] in {"register", "activate", "rollback"} for line in lines)


def test_edited_or_stray_version_files_are_refused(reg):
    v1 = reg.register("p", "hello {x}")
    path = reg.root / "p" / "v1.txt"
    path.write_text("hello {x}  \r\n\r\n")  # cosmetic change: still the same version
    assert reg.get("p", "v1") == v1
    path.write_text("hello there {x}\n")
    with pytest.raises(ValueError, match="no longer matches"):
        reg.get("p")
    path.write_text("hello {x}\n")
    (reg.root / "p" / "v2.txt").write_text("sneaked in {x}")
    with pytest.raises(ValueError, match="unregistered"):
        reg.get("p")


def test_usage_ledger_round_trip_and_filters(tmp_path):
    reg = PromptRegistry(tmp_path / "prompts", state_dir=tmp_path / "state")
    a1 = reg.register("a", "A1 {q}")
    a2 = reg.register("a", "A2 {q}")
    b1 = reg.register("b", "B1 {q}")
    u = reg.record_use(a1, "req-1", "answer one", model="smollm2-135m", latency_ms=12.5)
    reg.record_use(a2, "req-2", "answer two")
    reg.record_use(b1, "req-3", "answer three", tags=["x", "y"])
    assert (tmp_path / "state" / "prompt-usage.jsonl").is_file()
    assert not (tmp_path / "prompts" / "prompt-usage.jsonl").exists()
    everything = reg.uses()
    assert [r.request_id for r in everything] == ["req-1", "req-2", "req-3"]
    assert everything[0] == u and u.meta == {"model": "smollm2-135m", "latency_ms": 12.5}
    assert everything[0].sha256 == a1.sha256 and everything[0].label == "v1"
    assert [r.request_id for r in reg.uses(name="a")] == ["req-1", "req-2"]
    assert [r.request_id for r in reg.uses(name="a", version="v2")] == ["req-2"]
    assert [r.request_id for r in reg.uses(version=b1)] == ["req-3"]
    assert reg.uses(name="b")[0].meta == {"tags": ["x", "y"]}
    with pytest.raises(ValueError, match="needs name"):
        reg.uses(version="v1")
    with pytest.raises(ValueError, match="JSON-serialisable"):
        reg.record_use(a1, "req-4", "x", when=datetime.now())
    with pytest.raises(ValueError, match="request_id"):
        reg.record_use(a1, "", "x")
    forged = PromptVersion("a", "v2", a1.sha256, a1.text, a1.created_at)
    with pytest.raises(ValueError, match="not a version of this registry"):
        reg.record_use(forged, "req-5", "x")
    assert len(reg.uses()) == 3  # failed calls wrote nothing


def test_concurrent_appends_keep_every_line_whole(reg):
    v = reg.register("p", "x {q}")
    big = "y" * 20_000  # longer than a default I/O buffer

    def worker(t: int) -> None:
        for i in range(40):
            reg.record_use(v, f"t{t}-{i}", big, thread=t)

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lines = (reg.state_dir / "prompt-usage.jsonl").read_text().splitlines()
    assert len(lines) == 240
    ids = {json.loads(line)["request_id"] for line in lines}
    assert ids == {f"t{t}-{i}" for t in range(6) for i in range(40)}


BAD_NAMES = ["", "Rag", "rag_answer", "rag answer", "../etc", "-rag", "rag-", "a--b", "é"]


@pytest.mark.parametrize("bad", BAD_NAMES)
def test_bad_names_are_rejected(reg, bad):
    with pytest.raises(ValueError, match="not a slug"):
        reg.register(bad, "text")
    with pytest.raises(ValueError, match="not a slug"):
        reg.get(bad)


def test_shipped_templates_are_registered_and_consistent(tmp_path):
    reg = default_registry(state_dir=tmp_path)  # ledger to tmp: the test never writes to the repo
    assert {"rag-answer", "support-agent"} <= set(reg.names())
    rag = reg.get("rag-answer")
    assert rag.label == "v2"
    for version in reg.versions("rag-answer"):
        assert version.placeholders == ("context", "question")
        assert "I don't know" in version.text
        assert version.sha256 == hashlib.sha256(version.text.encode()).hexdigest()
    assert reg.diff("rag-answer", "v1", "v2").count("\n+") >= 3
    support = reg.get("support-agent")
    assert support.placeholders == ("customer_context", "question")
    for version in (rag, support):
        assert len(version.text.split()) < 120  # short enough for a small model
    assert placeholders("{a} {b} {a}") == ("a", "b")
