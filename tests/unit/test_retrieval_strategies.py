"""KBIndex.build() and the strategies over it, on a tiny corpus with a fake embedder (step 3b)."""

import pytest

from genai_design.corpora import Document
from genai_design.retrieval.chunking import ChunkConfig, embedding_text
from genai_design.retrieval.embedding import HashingEmbedder
from genai_design.retrieval.index import KBIndex
from genai_design.retrieval.strategies import (
    STRATEGIES,
    FusedRerankSearch,
    HybridSearch,
    IndexRetriever,
    RerankSearch,
    RetrieverConfig,
    make_retriever,
    open_retriever,
)

DOCS = [
    Document("kb/refund", "Refunds", "Refunds reach the original card within five working days "
             "after we receive the parcel.", "kb"),
    Document("kb/delivery", "Delivery", "Parcels are shipped by courier and arrive within two "
             "working days.", "kb"),
    Document("kb/warranty", "Warranty", "Appliances carry a two-year warranty covering "
             "manufacturing faults.", "kb"),
    Document("kb/password", "Password", "To reset a forgotten password, use the link on the "
             "sign-in page.", "kb"),
    Document("kb/vouchers", "Vouchers", "\n\n".join(
        f"Gift vouchers paragraph {name}: vouchers can be redeemed online in part {name}."
        for name in ("alpha", "beta", "gamma", "delta")),
        "kb"),
]
CHUNKS = ChunkConfig(size_chars=120)


class CountingEmbedder(HashingEmbedder):
    """The hashing fake, counting the texts it is asked to encode."""

    def __init__(self) -> None:
        super().__init__()
        self.encoded: list[str] = []

    def encode(self, texts, show_progress=None):
        self.encoded.extend(texts)
        return super().encode(texts, show_progress)


def _index(index_dir, docs=DOCS, embedder=None) -> KBIndex:
    return KBIndex("kb", docs=docs, index_dir=index_dir, embedder=embedder or CountingEmbedder(),
                   chunk_config=CHUNKS)


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> KBIndex:
    built = _index(tmp_path_factory.mktemp("indexes"))
    built.build()
    return built


def test_nothing_is_built_until_build_is_called(tmp_path):
    index = _index(tmp_path)
    assert index.store is None and index.bm25 is None and index.report is None
    assert not (tmp_path / "chroma.sqlite3").exists()
    with pytest.raises(RuntimeError, match=r"call build\(\) first"):
        make_retriever(index, "hybrid").search("courier")


def test_build_reports_what_it_did(tmp_path):
    first = _index(tmp_path)
    report = first.build()
    assert (report.num_docs, report.num_chunks) == (5, 8)
    assert (report.chunks_embedded, report.chunks_reused, report.chunks_already_stored,
            report.chunks_deleted) == (8, 0, 0, 0)
    assert len(first.embedder.encoded) == 8
    assert report.chroma_folder_bytes > 0 and report.bm25_bytes > 0 and report.seconds > 0
    assert first.report == report and "8 embedded now" in str(report)
    again = _index(tmp_path)  # a second process opening the same folder
    report = again.build()
    assert (report.chunks_embedded, report.chunks_already_stored) == (0, 8)
    assert again.embedder.encoded == []
    smaller = _index(tmp_path, DOCS[:-1])  # the vouchers document left the KB
    report = smaller.build()
    assert (report.num_chunks, report.chunks_deleted) == (4, 4)


def test_a_second_index_of_the_same_chunks_reads_the_embedding_cache(tmp_path, monkeypatch):
    import dataclasses

    monkeypatch.setenv("GENAI_DESIGN_HOME", str(tmp_path / "home"))
    first, second = CountingEmbedder(), CountingEmbedder()
    for embedder in (first, second):  # the hashing fake opts out of the disk cache; opt back in
        embedder.config = dataclasses.replace(embedder.config, disk_cache=True)
    built = _index(tmp_path / "a", embedder=first)
    report = built.build()
    assert (report.chunks_embedded, report.chunks_reused) == (8, 0) and len(first.encoded) == 8
    assert len(list((tmp_path / "home" / "embeddings").iterdir())) == 1
    other = _index(tmp_path / "b", embedder=second)  # another folder, as another notebook would use
    report = other.build()
    assert (report.chunks_embedded, report.chunks_reused, report.num_chunks) == (0, 8, 8)
    assert second.encoded == []  # read from the cache, nothing embedded
    ours, theirs = other.store.vectors(), built.store.vectors()
    assert ours.keys() == theirs.keys() and all((ours[cid] == theirs[cid]).all() for cid in theirs)
    assert "0 embedded now, 8 reused" in str(report)


def test_known_vectors_are_stored_without_embedding(index, tmp_path):
    known = {embedding_text(index.chunks[cid]): v for cid, v in index.store.vectors().items()}
    copy = _index(tmp_path)
    report = copy.build(known_vectors=known)
    assert (report.chunks_embedded, report.chunks_reused, report.num_chunks) == (0, 8, 8)
    assert copy.embedder.encoded == []
    ours, theirs = copy.store.vectors(), index.store.vectors()
    assert all((ours[cid] == theirs[cid]).all() for cid in theirs)


def test_bm25_exact_keyword(index):
    hits = make_retriever(index, "bm25").search("courier", top_k=3)
    assert [h.doc_id for h in hits] == ["kb/delivery"]  # no other document has the word
    assert hits[0].rank == 1 and hits[0].strategy == "bm25" and "courier" in hits[0].text


def test_hybrid_scores_are_rrf_of_both_rankings(index):
    hits = make_retriever(index, "hybrid").search("courier", top_k=5)
    assert hits[0].doc_id == "kb/delivery"
    dense = [h.doc_id for h in make_retriever(index, "dense").search("courier", 5)]
    # delivery has a single chunk: rank 1 in BM25, dense rank among chunks == among documents
    assert hits[0].score == pytest.approx(1 / 61 + 1 / (60 + dense.index("kb/delivery") + 1))


def test_results_are_documents_with_their_best_chunk(index):
    hits = make_retriever(index, "bm25").search("gift vouchers redeemed gamma", top_k=5)
    assert hits[0].doc_id == "kb/vouchers" and hits[0].chunk_id == "kb/vouchers#2"
    assert len({h.doc_id for h in hits}) == len(hits)
    assert [h.rank for h in hits] == list(range(1, len(hits) + 1))


class Reverse:
    """A reranker that prefers later candidates: it reverses the first stage's order."""

    def score(self, query, passages):
        return [float(i) for i in range(len(passages))]


def test_rerank_reorders_only_its_candidates(index):
    config = RetrieverConfig(rerank_candidates=3)
    head = [cid for cid, _ in HybridSearch(index, config)._rank("vouchers courier", 50)][:3]
    plain = RerankSearch(index, config, reranker=Reverse())
    assert [cid for cid, _ in plain._rank("vouchers courier", 50)] == head[::-1]
    fused = FusedRerankSearch(index, config, reranker=Reverse())
    # RRF of (h0, h1, h2) and (h2, h1, h0): h0 and h2 tie above h1; the tie keeps h0 first
    assert [cid for cid, _ in fused._rank("vouchers courier", 50)] == [head[0], head[2], head[1]]
    assert fused.search("vouchers courier")[0].strategy == "hybrid+rerank(fused)"
    named = RerankSearch(index, config, reranker=Reverse(), strategy="hybrid+judge")
    assert named.search("courier")[0].strategy == "hybrid+judge"


def test_a_new_strategy_is_one_override(index):
    class TitleFirst(IndexRetriever):
        strategy = "title"

        def _rank(self, query, n):
            return [(c.chunk_id, 1.0) for c in self.chunks.values()
                    if c.title.lower() in query.lower()][:n]

    hits = TitleFirst(index).search("is my warranty still valid?")
    assert [(h.doc_id, h.strategy) for h in hits] == [("kb/warranty", "title")]
    assert (TitleFirst(index).kb, TitleFirst(index).version) == ("kb", 1)


def test_bad_arguments_are_rejected(index, tmp_path):
    with pytest.raises(ValueError, match="unknown strategy 'magic'; known: bm25, dense"):
        make_retriever(index, "magic")
    with pytest.raises(ValueError, match="unknown strategy"):
        open_retriever("kb", strategy="magic", docs=DOCS, index_dir=tmp_path)
    assert not any(tmp_path.iterdir())  # refused before building anything
    with pytest.raises(ValueError, match="unknown chunking"):
        KBIndex("kb", chunking="semantic", docs=DOCS, index_dir=tmp_path)
    with pytest.raises(ValueError, match="non-empty"):
        make_retriever(index, "hybrid").search("   ")
    with pytest.raises(ValueError, match="top_k"):
        make_retriever(index, "bm25").search("courier", top_k=0)
    assert set(STRATEGIES) == {"bm25", "dense", "hybrid", "hybrid+rerank",
                               "hybrid+rerank(fused)"}


def test_open_retriever_builds_and_returns_the_strategy(tmp_path):
    retriever = open_retriever("kb", strategy="bm25", docs=DOCS, index_dir=tmp_path,
                               embedder=HashingEmbedder(), chunk_config=CHUNKS)
    assert retriever.index.report is not None and retriever.index.report.num_chunks == 8
    assert retriever.search("courier")[0].doc_id == "kb/delivery"


def test_dense_finds_a_paraphrase_with_the_real_embedder(tmp_path):
    index = KBIndex("kb", docs=DOCS, index_dir=tmp_path, chunk_config=CHUNKS)  # bundled MiniLM
    index.build()
    assert index.keyword_ranking("how quickly is my money returned", 5) == []
    hits = make_retriever(index, "dense").search("how quickly is my money returned", top_k=3)
    assert hits[0].doc_id == "kb/refund" and hits[0].score > hits[1].score
