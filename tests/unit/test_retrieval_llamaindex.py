"""The LlamaIndex rebuild agrees with the from-scratch pipeline on a tiny corpus (step 3b)."""

import pytest

from genai_design.corpora import Document
from genai_design.retrieval.chunking import ChunkConfig
from genai_design.retrieval.llamaindex import build_llamaindex_retriever, compare_with_scratch
from genai_design.retrieval.pipeline import Retriever, RetrieverConfig

DOCS = [
    Document("kb/refund", "Refunds", "Refunds reach the original card within five working days "
             "after we receive the parcel.", "kb"),
    Document("kb/delivery", "Delivery", "Parcels are shipped by courier and arrive within two "
             "working days.", "kb"),
    Document("kb/warranty", "Warranty", "Appliances carry a two-year warranty covering "
             "manufacturing faults.", "kb"),
    Document("kb/password", "Password", "To reset a forgotten password, use the link on the "
             "sign-in page.", "kb"),
    Document("kb/vouchers", "Gift vouchers", "Gift vouchers can be redeemed online.\n\n"
             "Vouchers are valid for three years and cannot be exchanged for cash.", "kb"),
]
QUERIES = ["how quickly is my money returned", "courier", "my kettle broke after a year",
           "I forgot my login", "can I swap a voucher for cash", "delivery time"]
CONFIG = RetrieverConfig(chunk=ChunkConfig(size_chars=80))


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("indexes")


@pytest.mark.parametrize("strategy", ["bm25", "dense"])
def test_single_retrievers_agree_exactly(index_dir, strategy):
    ours = Retriever("kb", strategy=strategy, docs=DOCS, index_dir=index_dir, config=CONFIG)
    theirs = build_llamaindex_retriever("kb", strategy=strategy, docs=DOCS, index_dir=index_dir,
                                        config=CONFIG)
    queries = QUERIES if strategy == "dense" else ["courier", "voucher cash", "password link"]
    result = compare_with_scratch(ours, theirs, queries, top_k=3)
    assert result.top1_agreement == 1.0 and result.disagreements == ()
    for query in queries:
        mine = [h.doc_id for h in ours.search(query, 3)]
        other = theirs.search(query, 3)
        assert [h.doc_id for h in other][:len(mine)] == mine
        # LlamaIndex's BM25 pads the list with documents that share no word (score 0)
        assert all(h.score == 0.0 for h in other[len(mine):])
    if strategy == "dense":
        assert result.overlap_at_k == 1.0
    hits = theirs.search(queries[0], top_k=3)
    assert hits[0].strategy == f"llamaindex-{strategy}"
    assert all(hit.text == ours.chunks[hit.chunk_id].text for hit in hits)


def test_hybrid_agrees_on_top1_and_reuses_its_collection(index_dir):
    ours = Retriever("kb", strategy="hybrid", docs=DOCS, index_dir=index_dir, config=CONFIG)
    theirs = build_llamaindex_retriever("kb", strategy="hybrid", docs=DOCS, index_dir=index_dir,
                                        config=CONFIG)
    result = compare_with_scratch(ours, theirs, QUERIES, top_k=3)
    assert result.num_queries == len(QUERIES)
    assert result.top1_agreement >= 5 / 6
    assert len(result.disagreements) == round((1 - result.top1_agreement) * len(QUERIES))
    with pytest.raises(ValueError, match="unknown strategy"):
        build_llamaindex_retriever("kb", strategy="hybrid+rerank", docs=DOCS, index_dir=index_dir)


def test_settings_never_point_at_openai(index_dir):
    from llama_index.core import Settings

    build_llamaindex_retriever("kb", strategy="dense", docs=DOCS, index_dir=index_dir,
                               config=CONFIG)
    assert type(Settings.llm).__name__ == "MockLLM"
    assert type(Settings.embed_model).__name__ == "HuggingFaceEmbedding"
