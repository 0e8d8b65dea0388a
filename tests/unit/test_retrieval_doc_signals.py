"""Document-level signals and the second stage that fuses them with hybrid (step 3b), on a tiny
corpus with the hashing fake embedder."""

import numpy as np
import pytest

from genai_design.corpora import Document
from genai_design.retrieval.chunking import ChunkConfig
from genai_design.retrieval.doc_signals import (
    SIGNALS,
    build_document_signals,
    kb_headings,
    kb_sentences,
)
from genai_design.retrieval.embedding import HashingEmbedder
from genai_design.retrieval.index import KBIndex
from genai_design.retrieval.strategies import STRATEGIES, DocumentFusionSearch, HybridSearch

# "handbook" is a hub: many chunks, each mentioning the shop's words a little; the small topics
# each say one thing plainly.
HUB = "\n\n".join(f"Handbook part {n}. The shop handles parcels, refunds, vouchers and accounts "
                  f"in section {n} of this handbook." for n in range(12))
DOCS = [
    Document("kb/handbook", "Handbook", "The shop handbook\n*****************\n\n" + HUB, "kb"),
    Document("kb/refund", "Refunds", "Refunds\n=======\n\nRefunds reach the original card within "
             "five working days. A refund is never paid in cash.", "kb"),
    Document("kb/vouchers", "Vouchers", "Vouchers\n========\n\nGift vouchers expire after two years. "
             "Expired vouchers cannot be renewed.", "kb"),
    Document("kb/password", "Password", "Password\n========\n\nA forgotten password is reset from "
             "the sign-in page. The reset link lasts one hour.", "kb"),
]


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> KBIndex:
    built = KBIndex("kb", docs=DOCS, index_dir=tmp_path_factory.mktemp("indexes"),
                    embedder=HashingEmbedder(), chunk_config=ChunkConfig(size_chars=160))
    built.build()
    return built


def test_sentences_and_headings_are_cut_from_the_text():
    text = "Title\n=====\n\nFirst sentence is long enough. Second one is long enough too.\n\nshort"
    assert kb_headings(text) == ["Title"]
    assert kb_sentences(text) == ["First sentence is long enough.", "Second one is long enough too."]
    assert kb_sentences("x" * 700) == ["x" * 600]  # a grammar listing is cut, not dropped


def test_signals_score_every_document_and_fuse_everything(index):
    store, _ = index.built()
    signals = build_document_signals(index.docs, store.vectors(), index.chunks, index.embedder.encode)
    assert signals.report.documents == 4 and signals.report.chunks == len(index.chunks)
    assert signals.report.sentences > 12 and signals.report.headings == 4
    query = index.embedder.encode_query("how long does a password reset link last")
    scores = signals.scores(query)
    assert set(scores) == set(SIGNALS) and all(s.shape == (4,) for s in scores.values())
    rankings = signals.rankings(query)
    assert all(sorted(r) == sorted(d.id for d in DOCS) for r in rankings.values())
    assert all(r[0] == "kb/password" for r in rankings.values()), rankings
    fused = signals.fuse(["kb/handbook", "kb/password"], query)
    assert [d for d, _ in fused][0] == "kb/password" and len(fused) == 4
    assert all(a[1] >= b[1] for a, b in zip(fused, fused[1:]))


def test_a_document_without_chunks_is_refused(index):
    store, _ = index.built()
    extra = [*index.docs, Document("kb/new", "New", "Not indexed yet, so it has no chunk at all.", "kb")]
    with pytest.raises(ValueError, match="kb/new"):
        build_document_signals(extra, store.vectors(), index.chunks, index.embedder.encode)


def test_second_stage_returns_documents_hybrid_did_not_reach(index, tmp_path, monkeypatch):
    monkeypatch.setenv("GENAI_DESIGN_HOME", str(tmp_path))  # the sentence vectors' cache
    second = DocumentFusionSearch(index)
    assert list((tmp_path / "embeddings").glob("*.npy"))  # embedded once, kept for the next build
    hits = second.search("gift vouchers expire", top_k=4)
    assert [h.rank for h in hits] == [1, 2, 3, 4] and len({h.doc_id for h in hits}) == 4
    assert hits[0].doc_id == "kb/vouchers" and all(h.strategy == "hybrid+documents" for h in hits)
    assert all(h.chunk_id in index.chunks for h in hits)
    assert len(second.search("zzz unrelated", top_k=10)) == 4  # every document gets a place
    assert isinstance(second, HybridSearch) and "hybrid+documents" not in STRATEGIES
    # Signals built once can be handed to another retriever over the same index.
    again = DocumentFusionSearch(index, signals=second.signals)
    assert [h.doc_id for h in again.search("gift vouchers expire")] == [h.doc_id for h in hits][:5]
    assert np.array_equal(again.signals.sentence_vectors, second.signals.sentence_vectors)
