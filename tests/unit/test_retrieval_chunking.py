"""Chunk invariants for every strategy (step 3b)."""

import pytest

from genai_design.corpora import Document, load_kb
from genai_design.retrieval.chunking import (
    CHUNKERS,
    ChunkConfig,
    chunk_document,
    chunk_documents,
    embedding_text,
)

MARKDOWN = (
    "Intro line about the shop.\n\n"
    "## Returns\n\nYou can return items within 30 days. Refunds take 5 days.\n\n"
    "## Delivery\n\nWe deliver in two days.\n"
)


def _doc(text: str, doc_id: str = "kb/a", title: str = "A title") -> Document:
    return Document(id=doc_id, title=title, text=text, kb="kb")


@pytest.fixture(scope="module")
def reference_slice() -> list[Document]:
    return load_kb("python-reference")[:12]


@pytest.mark.parametrize("strategy", sorted(CHUNKERS))
def test_chunks_are_exact_spans_within_size(strategy, reference_slice):
    config = ChunkConfig(size_chars=300, overlap_chars=50)
    by_id = {doc.id: doc for doc in reference_slice}
    chunks = chunk_documents(reference_slice, strategy, config)
    assert len(chunks) > len(reference_slice)  # long topics were split
    for chunk in chunks:
        assert by_id[chunk.doc_id].text[chunk.start_char:chunk.end_char] == chunk.text
        assert 0 < len(chunk.text) <= 300
        assert chunk.text == chunk.text.strip()
    ids = [chunk.chunk_id for chunk in chunks]
    assert len(set(ids)) == len(ids)
    for doc in reference_slice:
        own = [c for c in chunks if c.doc_id == doc.id]
        assert [c.chunk_id for c in own] == [f"{doc.id}#{n}" for n in range(len(own))]
        assert [c.start_char for c in own] == sorted(c.start_char for c in own)


@pytest.mark.parametrize("strategy", ["recursive", "heading"])
def test_non_overlapping_strategies_lose_only_whitespace(strategy, reference_slice):
    for doc in reference_slice[:4]:
        chunks = chunk_document(doc, strategy, ChunkConfig(size_chars=250))
        covered = "".join(c.text for c in chunks)
        assert "".join(covered.split()) == "".join(doc.text.split())


def test_fixed_windows_overlap_by_the_configured_amount():
    doc = _doc("abcdefghij" * 10)  # 100 characters, no whitespace
    chunks = chunk_document(doc, "fixed", ChunkConfig(size_chars=40, overlap_chars=10))
    assert [(c.start_char, c.end_char) for c in chunks] == [(0, 40), (30, 70), (60, 100)]


def test_recursive_prefers_paragraph_then_sentence_boundaries():
    para_one = "First sentence here. Second sentence here."  # 42 chars
    para_two = "Another paragraph."
    doc = _doc(f"{para_one}\n\n{para_two}")
    assert [c.text for c in chunk_document(doc, "recursive", ChunkConfig(size_chars=50))] == [
        para_one, para_two]
    small = chunk_document(doc, "recursive", ChunkConfig(size_chars=25, overlap_chars=0))
    assert [c.text for c in small] == ["First sentence here.", "Second sentence here.", para_two]


def test_heading_sections_and_titles():
    chunks = chunk_document(_doc(MARKDOWN), "heading", ChunkConfig(size_chars=200))
    assert [c.text.splitlines()[0] for c in chunks] == [
        "Intro line about the shop.", "## Returns", "## Delivery"]
    assert [c.title for c in chunks] == ["A title", "A title > Returns", "A title > Delivery"]


def test_heading_recognises_underlined_headings():
    text = ("Topic\n*****\n\nIntro.\n\nPart one\n========\n\nBody one.\n\n"
            "Part two\n--------\n\nBody two.")
    titles = [c.title for c in chunk_document(_doc(text, title="t"), "heading")]
    assert titles == ["t > Topic", "t > Part one", "t > Part two"]


def test_heading_falls_back_to_paragraph_blocks():
    text = "alpha " * 30 + "\n\n" + "beta " * 30
    doc = _doc(text.strip())
    assert chunk_document(doc, "heading", ChunkConfig(size_chars=200)) == chunk_document(
        doc, "recursive", ChunkConfig(size_chars=200))


def test_embedding_text_prepends_title():
    chunk = chunk_document(_doc("Body text."), "recursive")[0]
    assert embedding_text(chunk) == "A title\n\nBody text."


def test_bad_strategy_and_config_are_rejected():
    with pytest.raises(ValueError, match="unknown chunking strategy"):
        chunk_document(_doc("x"), "semantic")
    with pytest.raises(ValueError, match="overlap_chars"):
        ChunkConfig(size_chars=100, overlap_chars=100)
