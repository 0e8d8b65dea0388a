"""ChunkStore: idempotent ingest, replace/delete semantics, bad input, vector search (step 3b)."""

from collections.abc import Sequence

import numpy as np
import pytest

from genai_design.corpora import Document
from genai_design.retrieval.chunking import ChunkConfig, chunk_document, embedding_text
from genai_design.retrieval.embedding import Embedder, EmbedderConfig, default_embedder
from genai_design.retrieval.store import ChunkStore, collection_name

CONFIG = ChunkConfig(size_chars=60)
PARAS = [
    "The kettle boils water in about two minutes.",
    "Returns are free within thirty days of delivery.",
    "Gift cards never expire and can be combined.",
    "Express delivery arrives the next working day.",
]


class CountingEmbedder(Embedder):
    """The shared MiniLM, counting how many texts it is asked to encode (the course's embedding
    cache off, so every count is of this test's work)."""

    def __init__(self) -> None:
        super().__init__(EmbedderConfig(disk_cache=False))
        self._model = default_embedder().model
        self.encoded: list[str] = []

    def encode(self, texts: Sequence[str], show_progress: bool | None = None) -> np.ndarray:
        self.encoded.extend(texts)
        return super().encode(texts, show_progress)


def _doc(doc_id: str, text: str | bytes) -> Document:
    return Document(id=f"kb/{doc_id}", title=doc_id, text=text, kb="kb")  # type: ignore[arg-type]


@pytest.fixture()
def store(tmp_path) -> ChunkStore:
    return ChunkStore(tmp_path / "chroma", kb="kb", chunking="recursive",
                      embedder=CountingEmbedder(), chunk_config=CONFIG)


def test_ingest_is_idempotent(store):
    docs = [_doc("a", "\n\n".join(PARAS[:3])), _doc("b", PARAS[3])]
    first = store.ingest(docs)
    assert (first.chunks_added, first.chunks_unchanged, first.total_chunks) == (4, 0, 4)
    assert len(store.embedder.encoded) == 4
    second = store.ingest(docs)
    assert (second.chunks_added, second.chunks_updated, second.chunks_unchanged,
            second.chunks_deleted) == (0, 0, 4, 0)
    assert len(store.embedder.encoded) == 4  # nothing re-embedded
    assert store.count() == 4


def test_changed_document_replaces_and_deletes_only_its_chunks(store):
    store.ingest([_doc("a", "\n\n".join(PARAS[:3])), _doc("b", PARAS[3])])
    store.embedder.encoded.clear()
    edited = "\n\n".join([PARAS[0], "Returns cost five euros from now on."])
    report = store.ingest([_doc("a", edited)])
    # chunk 0 unchanged, chunk 1 rewritten, chunk 2 vanished; document b untouched
    assert (report.chunks_unchanged, report.chunks_updated, report.chunks_deleted) == (1, 1, 1)
    assert store.embedder.encoded == ["a\n\nReturns cost five euros from now on."]
    stored = {c.chunk_id: c.text for c in store.chunks()}
    assert stored == {"kb/a#0": PARAS[0], "kb/a#1": "Returns cost five euros from now on.",
                      "kb/b#0": PARAS[3]}
    assert store.delete_documents(["kb/a"]) == 2
    assert [c.chunk_id for c in store.chunks()] == ["kb/b#0"]


def test_store_persists_across_instances(store, tmp_path):
    store.ingest([_doc("a", PARAS[0])])
    again = ChunkStore(tmp_path / "chroma", kb="kb", chunking="recursive",
                       embedder=CountingEmbedder(), chunk_config=CONFIG)
    assert again.count() == 1
    assert again.ingest([_doc("a", PARAS[0])]).chunks_unchanged == 1
    assert again.embedder.encoded == []


def test_search_returns_cosine_similarity_of_the_embedded_text(store):
    docs = [_doc(str(i), text) for i, text in enumerate(PARAS)]
    store.ingest(docs)
    hits = store.search("how long do I have to send something back?", top_k=2)
    assert hits[0].doc_id == "kb/1"
    chunk = chunk_document(docs[1], "recursive", CONFIG)[0]
    expected = float(default_embedder().encode([embedding_text(chunk)])[0]
                     @ default_embedder().encode(["how long do I have to send something back?"])[0])
    assert hits[0].similarity == pytest.approx(expected, abs=1e-4)
    assert hits[0].similarity >= hits[1].similarity
    assert len(store.search("kettle", top_k=50)) == 4  # clamped to what is stored


@pytest.mark.parametrize("docs, message", [
    ([_doc("a", "   \n ")], "empty or whitespace"),
    ([_doc("a", "")], "empty or whitespace"),
    ([_doc("a", "x" * (2 * 1024 * 1024 + 1))], "over the limit"),
    ([_doc("a", b"caf\xe9 au lait")], "not valid UTF-8"),
    ([_doc("a", "lone \udcff surrogate")], "cannot be encoded as UTF-8"),
    ([_doc("a", "one"), _doc("a", "two")], "more than once"),
    ([Document(id="other/a", title="a", text="text", kb="other")], "belongs to kb"),
])
def test_bad_documents_are_rejected_before_writing(store, docs, message):
    with pytest.raises(ValueError, match=message):
        store.ingest(docs)
    assert store.count() == 0


def test_utf8_bytes_are_decoded(store):
    store.ingest([_doc("a", "café au lait".encode())])
    assert store.chunks()[0].text == "café au lait"


@pytest.mark.parametrize("query", ["", "   "])
def test_empty_query_is_rejected(store, query):
    with pytest.raises(ValueError, match="non-empty"):
        store.search(query)


def test_collection_names_follow_chromas_alphabet():
    assert collection_name("python-reference", 1, "recursive", "all-MiniLM-L6-v2") == (
        "python-reference-v1-recursive-all-MiniLM-L6-v2")
    assert collection_name("my kb", 2, "fixed", "a/b..c") == "my-kb-v2-fixed-a-b.c"
