"""Exact and semantic response caches, the false-hit curve and the replay (monitoring.cache)."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence

import numpy as np
import pytest

from genai_design.monitoring.cache import (
    CachedAnswer,
    CacheHit,
    ExactCache,
    SemanticCache,
    cache_curve,
    normalise_query,
    pair_similarities,
    replay,
    threshold_for_false_hit_rate,
)


def fake_embed(texts: Sequence[str]) -> np.ndarray:
    """Hashed bag of words, 64 dimensions, unit rows: texts sharing words are similar."""
    out = np.zeros((len(texts), 64))
    for row, text in enumerate(texts):
        for word in re.findall(r"\w+", text.lower()):
            out[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % 64] += 1.0
    return out / np.linalg.norm(out, axis=1, keepdims=True)


def fixed_embed(vectors: dict[str, list[float]]):
    """An embedder that looks texts up in a table (exact cosines for boundary tests)."""
    return lambda texts: np.array([vectors[t] for t in texts], dtype=float)


# --- normalise_query and ExactCache ----------------------------------------------------------

def test_normalise_query_folds_case_spacing_and_trailing_punctuation() -> None:
    assert normalise_query("  How do I\tRETURN  an item?? ") == "how do i return an item"
    assert normalise_query("Straße!") == "strasse"  # casefold, not lower
    assert normalise_query("what is f(x)?") == "what is f(x)"  # only trailing sentence marks
    assert normalise_query("a. b") == "a. b"


def test_exact_cache_hits_on_a_normalised_variant_and_counts() -> None:
    cache = ExactCache()
    assert cache.get("Where is my order?") is None
    cache.put("Where is my order?", "Track it under Orders.")
    found = cache.get("where is   my ORDER")
    assert found == CachedAnswer("Where is my order?", "Track it under Orders.")
    assert cache.get("where is my parcel") is None
    assert (cache.hits, cache.misses, len(cache)) == (1, 2, 1)


def test_exact_cache_put_replaces_and_evicts_least_recently_used() -> None:
    cache = ExactCache(max_entries=2)
    cache.put("a", "1")
    cache.put("b", "2")
    assert cache.get("a") is not None  # "a" is now more recent than "b"
    cache.put("c", "3")
    assert cache.get("b") is None and cache.get("a") is not None and cache.get("c") is not None
    cache.put("A.", "1 again")
    assert cache.get("a").answer == "1 again" and len(cache) == 2 and cache.evictions == 1


@pytest.mark.parametrize("bad", [0, -1, True])
def test_exact_cache_rejects_bad_max_entries(bad: int) -> None:
    with pytest.raises(ValueError, match="max_entries"):
        ExactCache(max_entries=bad)


def test_caches_reject_queries_that_are_empty_once_normalised() -> None:
    with pytest.raises(ValueError, match="empty"):
        ExactCache().put(" ?! ", "x")
    with pytest.raises(ValueError, match="empty"):
        SemanticCache(fake_embed, 0.8).get("   ")


# --- SemanticCache ---------------------------------------------------------------------------

def test_semantic_cache_serves_the_nearest_stored_answer_above_threshold() -> None:
    cache = SemanticCache(fake_embed, threshold=0.7)
    cache.put("how do I return an item", "Returns: 30 days.")
    cache.put("how do I change my password", "Settings > Security.")
    hit = cache.get("how can I return an item")
    assert isinstance(hit, CacheHit)
    assert hit.matched_query == "how do I return an item" and hit.answer == "Returns: 30 days."
    expected = pair_similarities(fake_embed, [(hit.query, hit.matched_query)])[0]
    assert hit.similarity == pytest.approx(expected) and 0.7 <= hit.similarity < 1
    assert cache.get("what are your opening hours") is None
    assert (cache.hits, cache.misses) == (1, 1)
    assert json.loads(json.dumps(hit.to_dict()))["answer"] == "Returns: 30 days."


def test_semantic_cache_false_hit_is_served_when_the_questions_embed_close() -> None:
    cache = SemanticCache(fake_embed, threshold=0.7)
    cache.put("how do I cancel my order", "Orders > Cancel.")
    hit = cache.get("how do I cancel my subscription")  # a different question
    assert hit is not None and hit.answer == "Orders > Cancel."


def test_semantic_threshold_is_inclusive_on_an_exact_cosine() -> None:
    embed = fixed_embed({"a": [1.0, 0.0], "b": [0.0, 1.0]})  # cosine exactly 0
    at_zero = SemanticCache(embed, threshold=0.0)
    at_zero.put("a", "A")
    assert at_zero.get("b") == CacheHit("b", "a", "A", 0.0)
    above = SemanticCache(embed, threshold=1e-9)
    above.put("a", "A")
    assert above.get("b") is None


def test_semantic_cache_evicts_least_recently_used_and_replaces_same_query() -> None:
    embed = fixed_embed({"a": [1, 0, 0], "b": [0, 1, 0], "c": [0, 0, 1], "A?": [1, 0, 0]})
    cache = SemanticCache(embed, threshold=0.99, max_entries=2)
    cache.put("a", "1")
    cache.put("b", "2")
    assert cache.get("a") is not None
    cache.put("c", "3")  # evicts "b"
    assert cache.get("b") is None and cache.get("c").answer == "3"
    cache.put("A?", "1 again")  # same normalised query as "a": replaced, nothing evicted
    assert cache.get("a").answer == "1 again" and len(cache) == 2 and cache.evictions == 1


def test_semantic_cache_grows_past_its_first_allocation() -> None:
    cache = SemanticCache(fake_embed, threshold=0.999)
    queries = [f"question number {i} about topic{i}" for i in range(20)]
    cache.put_many(queries, [f"answer {i}" for i in range(20)])
    assert len(cache) == 20
    assert [h.answer for h in cache.lookup_batch(queries)] == [f"answer {i}" for i in range(20)]


def test_lookup_batch_equals_sequential_gets() -> None:
    stored = ["how do I return an item", "reset my password", "shipping to Canada"]
    asked = ["how can I return an item", "opening hours", "password reset please",
             "shipping costs to Canada", "reset my password"]
    one, many = SemanticCache(fake_embed, 0.6), SemanticCache(fake_embed, 0.6)
    for q in stored:
        one.put(q, q.upper())
        many.put(q, q.upper())
    sequential = [one.get(q) for q in asked]
    batch = many.lookup_batch(asked)
    assert [h and (h.matched_query, h.answer) for h in batch] == \
        [h and (h.matched_query, h.answer) for h in sequential]
    assert [h.similarity for h in batch if h] == pytest.approx([h.similarity for h in sequential
                                                                if h])
    assert (many.hits, many.misses) == (one.hits, one.misses)
    assert 0 < many.hits < len(asked)  # the example has hits and misses


def test_semantic_lookup_embeds_once_and_put_after_a_miss_reuses_it() -> None:
    calls: list[list[str]] = []

    def counting_embed(texts: Sequence[str]) -> np.ndarray:
        calls.append(list(texts))
        return fake_embed(texts)

    cache = SemanticCache(counting_embed, 0.7)
    assert cache.get("track my parcel") is None  # an empty cache still embeds: a real cost
    cache.put("track my parcel", "Orders > Track.")
    assert calls == [["track my parcel"]]
    cache.get("opening hours")
    cache.put("returns", "30 days.")  # a different query than the last look-up: embedded
    assert calls[1:] == [["opening hours"], ["returns"]]


@pytest.mark.parametrize("threshold", [1.5, -2.0, float("nan")])
def test_semantic_cache_rejects_a_threshold_that_is_not_a_cosine(threshold: float) -> None:
    with pytest.raises(ValueError, match="threshold"):
        SemanticCache(fake_embed, threshold)


def test_semantic_cache_rejects_bad_embeddings() -> None:
    with pytest.raises(ValueError, match="shape"):
        SemanticCache(lambda texts: np.ones(3), 0.5).put("q", "a")
    with pytest.raises(ValueError, match="NaN"):
        SemanticCache(lambda texts: np.full((len(texts), 3), np.nan), 0.5).put("q", "a")
    with pytest.raises(ValueError, match="zero"):
        SemanticCache(lambda texts: np.zeros((len(texts), 3)), 0.5).put("q", "a")
    dims = iter([3, 4])
    cache = SemanticCache(lambda texts: np.ones((len(texts), next(dims))), 0.5)
    cache.put("q", "a")
    with pytest.raises(ValueError, match="dimension"):
        cache.get("another")


# --- cache_curve and the threshold ---------------------------------------------------------

# Six pairs, similarity ascending; same_answer says if the cached answer fits the new query.
SIMS = [0.50, 0.60, 0.70, 0.80, 0.90, 0.95]
SAME = [False, True, False, True, True, True]


def test_cache_curve_by_hand() -> None:
    curve = cache_curve(SIMS, SAME)
    assert curve.thresholds[:6].tolist() == SIMS and curve.thresholds[6] > 0.95
    assert curve.hit_rate.tolist() == pytest.approx([6 / 6, 5 / 6, 4 / 6, 3 / 6, 2 / 6, 1 / 6, 0])
    assert curve.correct_hit_rate.tolist() == pytest.approx([1, 1, 3 / 4, 3 / 4, 2 / 4, 1 / 4, 0])
    # wrong hits / hits: 2/6, 1/5, 1/4, 0/3, 0/2, 0/1, then no hits (NaN)
    assert curve.false_hit_rate[:6].tolist() == pytest.approx([2 / 6, 1 / 5, 1 / 4, 0, 0, 0])
    assert np.isnan(curve.false_hit_rate[6])
    # wrong hits / all pairs
    assert curve.false_hits_share_of_all.tolist() == pytest.approx([2 / 6, 1 / 6, 1 / 6, 0, 0,
                                                                    0, 0])
    assert (curve.n_pairs, curve.n_same_answer) == (6, 4)
    out = json.loads(json.dumps(curve.to_dict()))
    assert out["false_hit_rate"][6] is None and out["n_pairs"] == 6


def test_cache_curve_matches_brute_force_at_given_thresholds() -> None:
    rng = np.random.default_rng(3)
    sims = rng.uniform(0.3, 1.0, 200).round(2)  # ties on purpose
    same = rng.random(200) < sims
    t = [0.95, 0.4, 0.7, 0.7001]
    curve = cache_curve(sims, same, thresholds=t)
    assert curve.thresholds.tolist() == sorted(t)
    for i, th in enumerate(sorted(t)):
        served = sims >= th
        assert curve.hit_rate[i] == pytest.approx(served.mean())
        assert curve.false_hit_rate[i] == pytest.approx((served & ~same).sum() / served.sum())
        assert curve.false_hits_share_of_all[i] == pytest.approx((served & ~same).mean())
        assert curve.correct_hit_rate[i] == pytest.approx((served & same).sum() / same.sum())


def test_threshold_for_false_hit_rate_picks_the_lowest_that_fits() -> None:
    curve = cache_curve(SIMS, SAME)
    assert threshold_for_false_hit_rate(curve, 0.25) == 0.60  # 1/5 fits, 2/6 does not
    assert threshold_for_false_hit_rate(curve, 0.0) == 0.80
    assert threshold_for_false_hit_rate(curve, 1.0) == 0.50


def test_threshold_for_false_hit_rate_is_none_when_only_serving_nothing_fits() -> None:
    curve = cache_curve([0.8, 0.9], [True, False])  # the most similar pair is the wrong one
    assert threshold_for_false_hit_rate(curve, 0.1) is None
    with pytest.raises(ValueError, match="max_false_hit_rate"):
        threshold_for_false_hit_rate(curve, 1.5)


def test_cache_curve_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="same length"):
        cache_curve([0.5, 0.6], [True])
    with pytest.raises(ValueError, match="empty"):
        cache_curve([], [])
    with pytest.raises(ValueError, match="finite"):
        cache_curve([0.5, float("nan")], [True, False])


def test_pair_similarities_are_cosines_per_pair() -> None:
    sims = pair_similarities(fake_embed, [("reset my password", "Reset my password"),
                                          ("reset my password", "track a parcel"),
                                          ("return an item", "how do I return an item")])
    assert sims[0] == pytest.approx(1.0)
    assert sims[1] < 0.5 < sims[2] < 1.0
    with pytest.raises(ValueError, match="no pairs"):
        pair_similarities(fake_embed, [])


# --- replay ----------------------------------------------------------------------------------

STREAM = ["where is my order", "Where is my order?", "reset password", "where is my order",
          "reset password", "opening hours"]


def slow_answer(query: str) -> tuple[str, float]:
    return f"answer to {normalise_query(query)}", 2.0  # a simulated 2-second LLM call


def test_replay_through_an_exact_cache() -> None:
    result = replay(STREAM, ExactCache(), slow_answer)
    assert result.hit == [False, True, False, True, True, False]
    assert result.matched_query == [None, "where is my order", None, "where is my order",
                                    "reset password", None]
    assert result.answers[1] == "answer to where is my order"
    assert all(s >= 2.0 for s, h in zip(result.latency_s, result.hit) if not h)
    assert all(0 <= s < 0.05 for s, h in zip(result.latency_s, result.hit) if h)
    assert result.hit_rate == pytest.approx(0.5)
    out = json.loads(json.dumps(result.to_dict()))
    assert out["requests"] == 6 and out["p95_s"] == pytest.approx(result.p95_s)


def test_replay_percentiles_with_a_fixed_lookup_cost_and_without_a_cache() -> None:
    cached = replay(STREAM, ExactCache(), slow_answer, lookup_cost_s=0.01)
    assert cached.latency_s == pytest.approx([2.01, 0.01, 2.01, 0.01, 0.01, 2.01])
    assert cached.p50_s == pytest.approx(1.01) and cached.p95_s == pytest.approx(2.01)
    plain = replay(STREAM, None, slow_answer, lookup_cost_s=0.01)
    assert plain.hit == [False] * 6 and plain.latency_s == [2.0] * 6 and plain.p50_s == 2.0


def test_replay_without_fill_never_hits_an_empty_cache_and_semantic_hits_name_the_match() -> None:
    assert not any(replay(STREAM, ExactCache(), slow_answer, fill=False).hit)
    result = replay(["how do I return an item", "how can I return an item"],
                    SemanticCache(fake_embed, 0.7), slow_answer)
    assert result.hit == [False, True] and result.matched_query[1] == "how do I return an item"


def test_replay_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="no queries"):
        replay([], ExactCache(), slow_answer)
    with pytest.raises(ValueError, match="lookup_cost_s"):
        replay(STREAM, ExactCache(), slow_answer, lookup_cost_s=-1)
    with pytest.raises(ValueError, match="latency"):
        replay(STREAM, ExactCache(), lambda q: ("x", float("nan")))
