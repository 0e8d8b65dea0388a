"""The LlamaIndex rebuild agrees with the from-scratch pipeline on a tiny corpus (step 3b)."""

from pathlib import Path

import pytest
from test_retrieval_strategies import DOCS as TINY_KB

from genai_design.corpora import Document
from genai_design.retrieval.chunking import ChunkConfig
from genai_design.retrieval.index import KBIndex
from genai_design.retrieval.llamaindex import build_llamaindex_retriever, compare_with_scratch
from genai_design.retrieval.strategies import make_retriever

DOCS = TINY_KB[:4] + [
    Document("kb/vouchers", "Gift vouchers", "Gift vouchers can be redeemed online.\n\n"
             "Vouchers are valid for three years and cannot be exchanged for cash.", "kb"),
]
QUERIES = ["how quickly is my money returned", "courier", "my kettle broke after a year",
           "I forgot my login", "can I swap a voucher for cash", "delivery time"]


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    built = KBIndex("kb", docs=DOCS, index_dir=tmp_path_factory.mktemp("indexes"),
                    chunk_config=ChunkConfig(size_chars=80))  # the bundled MiniLM
    built.build()
    return built


@pytest.mark.parametrize("strategy", ["bm25", "dense"])
def test_single_retrievers_agree_exactly(index, strategy):
    ours = make_retriever(index, strategy)
    theirs = build_llamaindex_retriever(index, strategy)
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


def test_hybrid_agrees_on_top1_and_reuses_its_collection(index):
    ours = make_retriever(index, "hybrid")
    theirs = build_llamaindex_retriever(index, "hybrid")
    result = compare_with_scratch(ours, theirs, QUERIES, top_k=3)
    assert result.num_queries == len(QUERIES)
    assert result.top1_agreement >= 5 / 6
    assert len(result.disagreements) == round((1 - result.top1_agreement) * len(QUERIES))
    with pytest.raises(ValueError, match="unknown strategy"):
        build_llamaindex_retriever(index, "hybrid+rerank(fused)")
    with pytest.raises(ValueError, match="non-empty"):
        theirs.search("  ")


def test_builds_without_an_llm_and_prints_nothing(index, capsys):
    # LlamaIndex prints "LLM is explicitly disabled. Using MockLLM." when an LLM is set to None
    # and reaches for OpenAI when none is set: the builder passes an explicit MockLLM instead.
    hybrid = build_llamaindex_retriever(index, "hybrid")
    assert hybrid.search("courier", 2)[0].doc_id == "kb/delivery"
    assert capsys.readouterr().out == ""
    # its Chroma folder sits next to ours, so the size of ours stays the size of our index
    assert Path(f"{index.index_dir}-llamaindex").is_dir()
