"""The latency benchmark: index size, reused vectors, result shape (step 3b)."""

import dataclasses
import json

import pytest

from genai_design.corpora import load_kb
from genai_design.retrieval.bench import BenchResult, combined_docs, replicate, run_bench
from genai_design.retrieval.chunking import chunk_documents
from genai_design.retrieval.embedding import HashingEmbedder
from genai_design.retrieval.index import KBIndex

QUERIES = ["how do I return a parcel?", "when does my refund arrive?", "change my address"]
SOURCES = [("shop-help", 1)]


@pytest.fixture(scope="module")
def result() -> BenchResult:
    return run_bench(QUERIES, SOURCES, min_chunks=300, embedder=HashingEmbedder())


def test_the_index_reaches_the_size_asked_for(result):
    real = len(chunk_documents(load_kb("shop-help", 1)))
    assert result.num_real_chunks == real
    assert result.num_chunks >= 300 and result.num_chunks % real == 0  # whole copies
    assert result.num_replicated_chunks == result.num_chunks - real
    assert 0 < result.chunks_embedded <= real  # a copy's text is never embedded again


def test_result_shape_units_and_json(result):
    assert set(result.p50_latency_ms) == set(result.p95_latency_ms) == {"dense", "hybrid", "bm25"}
    for strategy in result.p50_latency_ms:
        assert 0 < result.p50_latency_ms[strategy] <= result.p95_latency_ms[strategy]
    assert result.queries_embedded == {"dense": 3, "hybrid": 3, "bm25": 0}
    assert (result.num_queries, result.top_k, result.chunk_size_chars) == (3, 5, 800)
    assert result.rows()["bm25"] == {"p50 ms": result.p50_latency_ms["bm25"],
                                     "p95 ms": result.p95_latency_ms["bm25"]}
    assert isinstance(result.meets_target("dense"), bool)
    assert json.loads(json.dumps(result.to_dict()))["num_chunks"] == result.num_chunks
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.num_chunks = 0  # type: ignore[misc]


def test_vectors_of_a_built_index_are_reused(tmp_path):
    embedder = HashingEmbedder()
    shop = KBIndex("shop-help", 1, index_dir=tmp_path, embedder=embedder)
    shop.build()
    result = run_bench(QUERIES[:1], SOURCES, min_chunks=200, embedder=embedder, reuse=[shop],
                       strategies=("dense",))
    assert result.chunks_embedded == 0 and set(result.p95_latency_ms) == {"dense"}


def test_ids_stay_unique_across_versions_and_copies():
    docs = replicate(combined_docs([("shop-help", 1), ("shop-help", 2)]), 2)
    assert len({d.id for d in docs}) == len(docs)
    assert {d.kb for d in docs} == {"bench"}
    with pytest.raises(ValueError, match="no queries"):
        run_bench([], SOURCES)
