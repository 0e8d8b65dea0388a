"""Response caches for an LLM assistant (framework step 8, deploy and monitor).

A cache answers a repeated question without calling the LLM. :class:`ExactCache` matches a
query after :func:`normalise_query` (case, spacing, trailing punctuation), so it only ever
serves the answer to the same question. :class:`SemanticCache` matches by embedding
similarity, so it also catches paraphrases, and with them its one risk: it serves **the cached
answer of a different question** whenever two questions embed close but need different
answers ("how do I cancel my order" / "how do I cancel my subscription"). That *false hit* is
what its threshold trades against the hit rate.

The threshold comes from a measured curve, as the fallback threshold does in step 6:
:func:`pair_similarities` scores labelled pairs (a new query, the stored query nearest to it),
:func:`cache_curve` gives the hit and false-hit rates at every threshold and
:func:`threshold_for_false_hit_rate` picks the lowest threshold within a budget (on a tuning
set; judge it on another with ``cache_curve(..., thresholds=[t])``). :func:`replay` runs a
query stream through a cache and records each request's latency, for p50/p95 with and without.

Left out on purpose: expiry (a TTL, or flushing when the knowledge base changes: see
:mod:`~genai_design.monitoring.drift`), per-user or per-context keys (a cached answer that
quotes the user's order is wrong for everyone else), an approximate-nearest-neighbour index
(a matrix product is fast enough to thousands of entries), and thread safety.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Protocol

import numpy as np

Embed = Callable[[Sequence[str]], np.ndarray]  # texts -> (len(texts), dim) L2-normalised rows
_TRAILING = ".?!,;:\u2026\u3002\uff1f\uff01 "  # sentence punctuation stripped from the end


def normalise_query(text: str) -> str:
    """Case-folded, runs of whitespace collapsed to one space, trailing ``.?!,;:`` stripped:
    ``"  How do I  RETURN an item?? "`` -> ``"how do i return an item"``."""
    if not isinstance(text, str):
        raise ValueError(f"a query must be a string, got {type(text).__name__}")
    return " ".join(text.casefold().split()).rstrip(_TRAILING)


def _key(query: str) -> str:
    key = normalise_query(query)
    if not key:
        raise ValueError(f"query {query!r} is empty once normalised")
    return key


@dataclass(frozen=True)
class CachedAnswer:
    """An answer served by :class:`ExactCache`."""

    query: str  # the query as it was first stored (its normalised form matched)
    answer: str  # the stored answer

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form."""
        return asdict(self)


@dataclass(frozen=True)
class CacheHit:
    """An answer served by :class:`SemanticCache`: right only if ``matched_query`` needs the
    same answer as ``query``."""

    query: str  # the new query
    matched_query: str  # the stored query whose answer is served
    answer: str  # the stored answer
    similarity: float  # cosine between the two queries' embeddings, >= the threshold

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form."""
        return asdict(self)


class ResponseCache(Protocol):
    """What :func:`replay` needs: ``get`` (``None`` on a miss) and ``put``."""

    def get(self, query: str) -> CachedAnswer | CacheHit | None: ...

    def put(self, query: str, answer: str) -> None: ...


def _check_max_entries(max_entries: int | None) -> None:
    if max_entries is not None and (isinstance(max_entries, bool) or max_entries < 1):
        raise ValueError(f"max_entries must be a positive int or None, got {max_entries!r}")


class ExactCache:
    """Answers keyed by the normalised query; least recently used evicted beyond
    ``max_entries`` (``None``: unbounded)."""

    def __init__(self, max_entries: int | None = None) -> None:
        _check_max_entries(max_entries)
        self.max_entries = max_entries
        self.hits = 0  # get() calls that found an answer
        self.misses = 0  # get() calls that found none
        self.evictions = 0  # entries dropped to stay within max_entries
        self._entries: OrderedDict[str, CachedAnswer] = OrderedDict()  # oldest use first

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, query: str) -> CachedAnswer | None:
        """The stored answer to this query (after normalising), or ``None``."""
        key = _key(query)
        found = self._entries.get(key)
        if found is None:
            self.misses += 1
            return None
        self._entries.move_to_end(key)
        self.hits += 1
        return found

    def put(self, query: str, answer: str) -> None:
        """Store (or replace) the answer to this query."""
        key = _key(query)
        self._entries[key] = CachedAnswer(query, answer)
        self._entries.move_to_end(key)
        if self.max_entries is not None and len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)
            self.evictions += 1


class SemanticCache:
    """Answers keyed by query embedding: ``get`` serves the stored answer of the most similar
    stored query when their cosine is at least ``threshold``, whether or not that answer fits
    the new query. Least recently used entries are evicted beyond ``max_entries``.

    ``embed`` maps texts to L2-normalised rows (sentence-transformers with
    ``normalize_embeddings=True``); rows are normalised again here, so the scores are cosines
    either way. A query whose normalised form is already stored replaces that entry.
    """

    def __init__(self, embed: Embed, threshold: float, max_entries: int | None = None) -> None:
        if not -1.0 <= threshold <= 1.0:  # also rejects NaN
            raise ValueError(f"threshold is a cosine, so in [-1, 1]; got {threshold}")
        _check_max_entries(max_entries)
        self.embed, self.threshold, self.max_entries = embed, float(threshold), max_entries
        self.hits = 0  # get() calls served from the cache
        self.misses = 0  # get() calls below the threshold (or on an empty cache)
        self.evictions = 0  # entries overwritten to stay within max_entries
        self._vectors = np.zeros((0, 0))  # one row per slot; only the first _size are in use
        self._size = 0
        self._queries: list[str] = []  # stored query of each slot
        self._answers: list[str] = []  # stored answer of each slot
        self._slot_of: dict[str, int] = {}  # normalised query -> slot
        self._last_used: list[int] = []  # tick of each slot's last put or hit (for LRU)
        self._tick = 0
        self._memo: tuple[str, np.ndarray] | None = None  # last query embedded, for put after get

    def __len__(self) -> int:
        return self._size

    def _embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.asarray(self.embed(list(texts)), dtype=float)
        if out.ndim != 2 or out.shape[0] != len(texts) or out.shape[1] == 0:
            raise ValueError(f"embed returned shape {out.shape} for {len(texts)} texts; "
                             "expected (len(texts), dim)")
        if self._size and out.shape[1] != self._vectors.shape[1]:
            raise ValueError(f"embed returned dimension {out.shape[1]}, the cache holds "
                             f"{self._vectors.shape[1]}")
        return _unit_rows(out)

    def _vector(self, query: str) -> np.ndarray:
        if self._memo is None or self._memo[0] != query:
            self._memo = (query, self._embed([query])[0])
        return self._memo[1]

    def _serve(self, query: str, sims: np.ndarray) -> CacheHit | None:
        best = int(np.argmax(sims)) if sims.size else -1
        if best < 0 or sims[best] < self.threshold:
            self.misses += 1
            return None
        self.hits += 1
        self._tick += 1
        self._last_used[best] = self._tick
        return CacheHit(query, self._queries[best], self._answers[best], float(sims[best]))

    def get(self, query: str) -> CacheHit | None:
        """The answer of the most similar stored query if its cosine >= threshold, else None."""
        _key(query)
        vector = self._vector(query)  # embedded even when empty: a look-up's real cost
        return self._serve(query, self._vectors[:self._size] @ vector if self._size
                           else np.empty(0))

    def lookup_batch(self, queries: Sequence[str]) -> list[CacheHit | None]:
        """``[get(q) for q in queries]`` (counters and recency too) with one ``embed`` call and
        one matrix product."""
        for q in queries:
            _key(q)
        if not queries:
            return []
        if not self._size:
            self.misses += len(queries)
            return [None] * len(queries)
        sims = self._embed(queries) @ self._vectors[:self._size].T
        return [self._serve(q, row) for q, row in zip(queries, sims)]

    def put(self, query: str, answer: str) -> None:
        """Store the answer to this query (replacing a stored one with the same normalised form)."""
        key = _key(query)
        vector = self._vector(query)
        slot = self._slot_of.get(key)
        if slot is None:
            slot = self._free_slot(len(vector))
            self._slot_of[key] = slot
        self._vectors[slot] = vector
        self._queries[slot], self._answers[slot] = query, answer
        self._tick += 1
        self._last_used[slot] = self._tick

    def put_many(self, queries: Sequence[str], answers: Sequence[str]) -> None:
        """Warm the cache (an FAQ, yesterday's answers) with one ``embed`` call."""
        if len(queries) != len(answers):
            raise ValueError(f"{len(queries)} queries but {len(answers)} answers")
        for query, vector, answer in zip(queries, self._embed(queries), answers):
            self._memo = (query, vector)
            self.put(query, answer)

    def _free_slot(self, dim: int) -> int:
        if self.max_entries is not None and self._size >= self.max_entries:
            slot = int(np.argmin(self._last_used))  # least recently used
            del self._slot_of[_key(self._queries[slot])]
            self.evictions += 1
            return slot
        if self._size == len(self._vectors):  # grow by doubling
            grown = np.zeros((max(8, 2 * self._size), dim))
            if self._size:
                grown[:self._size] = self._vectors[:self._size]
            self._vectors = grown
        self._queries.append("")
        self._answers.append("")
        self._last_used.append(0)
        self._size += 1
        return self._size - 1


def _unit_rows(x: np.ndarray) -> np.ndarray:
    if not np.isfinite(x).all():
        raise ValueError("embeddings contain NaN or infinite values")
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    if np.any(norms == 0):
        raise ValueError("an embedding is the zero vector: its cosine is undefined")
    return x / norms


def pair_similarities(embed: Embed, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
    """Cosine of each (new query, stored query) pair, with one ``embed`` call over the
    distinct texts."""
    if not pairs:
        raise ValueError("no pairs")
    texts = sorted({t for pair in pairs for t in pair})
    vectors = _unit_rows(np.asarray(embed(texts), dtype=float))
    if vectors.shape[0] != len(texts):
        raise ValueError(f"embed returned {vectors.shape[0]} rows for {len(texts)} texts")
    row = {t: i for i, t in enumerate(texts)}
    left = vectors[[row[a] for a, _ in pairs]]
    right = vectors[[row[b] for _, b in pairs]]
    return np.einsum("ij,ij->i", left, right)


@dataclass(frozen=True, eq=False)
class CacheCurve:
    """Outcomes over every threshold of a semantic cache; a pair is served (a *hit*) when its
    similarity >= threshold. Two false-hit rates, with different denominators:
    ``false_hit_rate`` is wrong hits / hits (how often a cached answer is wrong), and
    ``false_hits_share_of_all`` is wrong hits / all pairs (how many users get one)."""

    thresholds: np.ndarray  # ascending: each distinct similarity, then one above them all
    hit_rate: np.ndarray  # hits / all pairs
    correct_hit_rate: np.ndarray  # hits on same-answer pairs / same-answer pairs (NaN if none)
    false_hit_rate: np.ndarray  # hits on different-answer pairs / hits (NaN where no hits)
    false_hits_share_of_all: np.ndarray  # hits on different-answer pairs / all pairs
    n_pairs: int  # labelled pairs the curve was measured on
    n_same_answer: int  # of them, pairs where the stored answer is right for the new query

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form (NaN becomes None)."""
        return {k: [None if np.isnan(x) else float(x) for x in v] if isinstance(v, np.ndarray)
                else v for k, v in asdict(self).items()}


def cache_curve(similarities: Sequence[float], same_answer: Sequence[bool],
                thresholds: Sequence[float] | None = None) -> CacheCurve:
    """Hit, correct-hit and false-hit rates at each threshold (default: every distinct
    similarity, from serving every pair to serving none).

    Each pair is a new query and the stored query nearest to it, ``same_answer`` says whether
    the stored answer is right for the new query. Taking the nearest neighbour as fixed
    assumes the tuning pairs were drawn against a cache holding what production will hold.
    """
    s = np.asarray(similarities, dtype=float)
    ok = np.asarray(same_answer, dtype=bool)
    if s.ndim != 1 or s.shape != ok.shape:
        raise ValueError(f"similarities and same_answer need the same length, got {s.shape} "
                         f"and {ok.shape}")
    if s.size == 0:
        raise ValueError("no pairs: the inputs are empty")
    if not np.isfinite(s).all():
        raise ValueError("similarities must be finite numbers")
    if thresholds is None:
        t = np.append(np.unique(s), np.nextafter(s.max(), np.inf))
    else:
        t = np.sort(np.asarray(thresholds, dtype=float).ravel())
        if t.size == 0 or np.isnan(t).any():
            raise ValueError("thresholds must be a non-empty sequence of numbers")
    order = np.argsort(s, kind="stable")
    s_sorted, wrong_sorted = s[order], ~ok[order]
    first_served = np.searchsorted(s_sorted, t, side="left")  # pairs at or above t start here
    wrong_after = np.append(np.cumsum(wrong_sorted[::-1])[::-1], 0)  # wrong pairs from i on
    hits = s.size - first_served
    wrong_hits = wrong_after[first_served]
    with np.errstate(invalid="ignore", divide="ignore"):
        false_rate = np.where(hits > 0, wrong_hits / hits, np.nan)
        correct = (hits - wrong_hits) / ok.sum() if ok.any() else np.full(t.shape, np.nan)
    return CacheCurve(t, hits / s.size, correct, false_rate, wrong_hits / s.size,
                      int(s.size), int(ok.sum()))


def threshold_for_false_hit_rate(curve: CacheCurve, max_false_hit_rate: float) -> float | None:
    """The lowest threshold whose false-hit rate (wrong hits / hits) is at most the budget:
    the most hits the allowed risk buys. Thresholds that serve nothing do not count; None when
    no threshold that serves something fits (then cache exact matches only)."""
    if not 0 <= max_false_hit_rate <= 1:
        raise ValueError(f"max_false_hit_rate must be in [0, 1], got {max_false_hit_rate}")
    fits = np.flatnonzero(curve.false_hit_rate <= max_false_hit_rate)  # NaN (no hits) never fits
    if fits.size == 0:
        return None
    return float(curve.thresholds[fits[0]])


@dataclass(frozen=True)
class ReplayResult:
    """Each request of a replayed stream, in order."""

    latency_s: list[float]  # seconds: the cache look-up, plus the answer call on a miss
    hit: list[bool]  # served from the cache
    answers: list[str]  # the answer each request got (from the cache or the call)
    matched_query: list[str | None]  # stored query whose answer was served; None on a miss

    @property
    def hit_rate(self) -> float:
        """Share of requests served from the cache."""
        return float(np.mean(self.hit))

    def percentile_s(self, q: float) -> float:
        """The q-th percentile (0-100) of the latencies, in seconds (numpy's linear method)."""
        return float(np.percentile(self.latency_s, q))

    @property
    def p50_s(self) -> float:
        """Median latency, seconds."""
        return self.percentile_s(50)

    @property
    def p95_s(self) -> float:
        """95th-percentile latency, seconds."""
        return self.percentile_s(95)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form, with the summary numbers beside the per-request lists."""
        return {**asdict(self), "requests": len(self.hit), "hit_rate": self.hit_rate,
                "p50_s": self.p50_s, "p95_s": self.p95_s}


def replay(queries: Sequence[str], cache: ResponseCache | None,
           answer_fn: Callable[[str], tuple[str, float]], *,
           lookup_cost_s: float | None = None, fill: bool = True) -> ReplayResult:
    """Send each query through ``cache`` (``None``: no cache, no look-up, every request a miss).

    A miss calls ``answer_fn(query) -> (answer, latency_s)``; its reported latency is used, so
    a simulated LLM works as well as a timed one. Each request's latency is the look-up's
    (timed with ``time.perf_counter``; a semantic look-up includes embedding the query), or
    ``lookup_cost_s`` when given, plus the call's on a miss. With ``fill`` each miss's answer is
    stored; the store is not counted (it can happen after the user has the answer).
    """
    if not queries:
        raise ValueError("no queries to replay")
    if lookup_cost_s is not None and not lookup_cost_s >= 0:
        raise ValueError(f"lookup_cost_s must be >= 0 or None, got {lookup_cost_s}")
    latency, hit, answers, matched = [], [], [], []
    for query in queries:
        start = time.perf_counter()
        found = cache.get(query) if cache is not None else None
        cost = time.perf_counter() - start if lookup_cost_s is None else lookup_cost_s
        if cache is None:
            cost = 0.0
        if found is not None:
            answer, source, total = found.answer, _stored_query(found), cost
        else:
            answer, call_s = answer_fn(query)
            if not call_s >= 0:
                raise ValueError(f"answer_fn reported latency {call_s} s for {query!r}")
            source, total = None, cost + float(call_s)
            if fill and cache is not None:
                cache.put(query, answer)
        latency.append(total)
        hit.append(found is not None)
        answers.append(answer)
        matched.append(source)
    return ReplayResult(latency, hit, answers, matched)


def _stored_query(found: CachedAnswer | CacheHit) -> str:
    return found.matched_query if isinstance(found, CacheHit) else found.query
