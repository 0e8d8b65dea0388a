"""Embedder: unit vectors, query cache, thread setting restored (step 3b)."""

import os

import numpy as np
import pytest
import torch

from genai_design.retrieval.embedding import (
    Embedder,
    EmbedderConfig,
    HashingEmbedder,
    default_embedder,
)


@pytest.fixture(scope="module")
def model():
    return default_embedder().model


def _embedder(model, **config) -> Embedder:
    embedder = Embedder(EmbedderConfig(**config))
    embedder._model = model  # share the loaded model: loading it again costs seconds
    return embedder


def test_vectors_are_unit_length_and_paraphrases_are_close(model):
    embedder = _embedder(model, batch_size=2)
    vectors = embedder.encode(["How do I get a refund?", "Can I have my money back?",
                               "The printer is out of toner."])
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2
    assert embedder.encode([]).shape == (0, 384)
    assert os.environ.get("HF_HUB_OFFLINE")  # set (or kept) before loading


def test_texts_are_encoded_shortest_first_and_returned_in_the_order_given(model):
    batches = []

    class Recording:  # stands in for the model: records each batch, encodes it with the real one
        def encode(self, batch, **kwargs):
            batches.append(list(batch))
            return model.encode(batch, **kwargs)

    embedder = _embedder(Recording(), batch_size=2)
    texts = ["a much longer sentence than all the others here", "short", "medium length", "tiny one"]
    vectors = embedder.encode(texts, show_progress=False)
    assert batches == [["short", "tiny one"], ["medium length", texts[0]]]  # similar lengths together
    alone = np.vstack([_embedder(model).encode([t]) for t in texts])
    assert np.allclose(vectors, alone, atol=1e-5)  # padding moves a vector by rounding error only


def test_query_cache_is_lru_and_matches_encode(model):
    embedder = _embedder(model, query_cache_size=2)
    first = embedder.encode_query("alpha")
    assert np.allclose(first, embedder.encode(["alpha"])[0], atol=1e-5)
    embedder.encode_query("beta")
    assert embedder.encode_query("alpha") is first  # hit, and "alpha" becomes most recent
    embedder.encode_query("gamma")  # evicts "beta", the least recently used
    assert (embedder.cache_hits, embedder.cache_misses) == (1, 3)
    embedder.encode_query("alpha")
    embedder.encode_query("beta")
    assert (embedder.cache_hits, embedder.cache_misses) == (2, 4)
    with pytest.raises(ValueError, match="non-empty"):
        embedder.encode_query(" ")


def test_query_threads_are_restored(model):
    before = torch.get_num_threads()
    _embedder(model, query_threads=1, query_cache_size=0).encode_query("restore threads")
    assert torch.get_num_threads() == before


def test_name_is_safe_for_collections():
    assert Embedder().name == "all-MiniLM-L6-v2"
    assert Embedder(EmbedderConfig(model="some/dir/My Model")).name == "My-Model"


def _refuse_to_encode(*args, **kwargs):
    raise AssertionError("encode() called: the cached vectors were not read")


def test_encode_cached_writes_once_then_reads_the_file(tmp_path, monkeypatch):
    embedder = HashingEmbedder()
    texts = ["alpha beta", "gamma", "delta alpha"]
    first = embedder.encode_cached(texts, cache_dir=tmp_path)
    assert np.array_equal(first, embedder.encode(texts))
    files = [p.name for p in tmp_path.iterdir()]
    assert len(files) == 1 and files[0].startswith("hashing-64-3-") and files[0].endswith(".npy")
    monkeypatch.setattr(embedder, "encode", _refuse_to_encode)
    second = embedder.encode_cached(texts, cache_dir=tmp_path)
    assert np.array_equal(second, first) and second.dtype == np.float32
    assert [p.name for p in tmp_path.iterdir()] == files  # nothing new, no temporary left


def test_encode_cached_key_depends_on_texts_order_and_model(tmp_path):
    HashingEmbedder().encode_cached(["alpha", "beta"], cache_dir=tmp_path)
    HashingEmbedder().encode_cached(["beta", "alpha"], cache_dir=tmp_path)  # order matters
    HashingEmbedder().encode_cached(["alph", "abeta"], cache_dir=tmp_path)  # same joined text
    HashingEmbedder().encode_cached(["alpha", "beta"], cache_dir=tmp_path)  # same: no new file
    HashingEmbedder(size=32).encode_cached(["alpha", "beta"], cache_dir=tmp_path)  # new model
    names = sorted(p.name for p in tmp_path.iterdir())
    assert len(names) == 4
    assert sum(name.startswith("hashing-32-2-") for name in names) == 1


def test_encode_cached_defaults_to_the_course_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GENAI_DESIGN_HOME", str(tmp_path / "home"))
    vectors = HashingEmbedder().encode_cached(["alpha"])
    saved = list((tmp_path / "home" / "embeddings").glob("hashing-64-1-*.npy"))
    assert len(saved) == 1 and np.array_equal(np.load(saved[0]), vectors)
