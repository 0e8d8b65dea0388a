"""Reciprocal rank fusion (framework step 3b: retrieval design).

Keyword and vector scores live on different scales (BM25 is unbounded, cosine similarity
sits in [-1, 1]), so hybrid search combines *ranks*, not scores. Reciprocal rank fusion
(Cormack, Clarke and Buettcher, SIGIR 2009) gives an item ``sum over lists of
1 / (k + rank)``, with ranks counted from 1 and ``k = 60`` damping the advantage of the
very top ranks. An item missing from a list gets nothing from it. Left out: weighted
fusion and score-based methods (convex combination of normalised scores).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import TypeVar

RRF_K = 60  # the damping constant of the original paper

Key = TypeVar("Key", bound=Hashable)


def reciprocal_rank_fusion(rankings: Sequence[Sequence[Key]], k: int = RRF_K,
                           weights: Sequence[float] | None = None) -> list[tuple[Key, float]]:
    """Fuse ranked lists of ids into one, best first, as ``(id, fused score)`` pairs.

    Each list is best-first; an id repeated within one list counts at its first position.
    Ties keep the order in which ids were first seen (earlier lists first). ``weights``
    (default all 1) multiply each list's contribution.
    """
    if k < 0:
        raise ValueError(f"k must be >= 0, got {k}")
    if weights is not None and len(weights) != len(rankings):
        raise ValueError(f"{len(weights)} weights for {len(rankings)} rankings")
    scores: dict[Key, float] = {}
    for index, ranking in enumerate(rankings):
        weight = 1.0 if weights is None else weights[index]
        seen: set[Key] = set()
        for rank, key in enumerate(ranking, start=1):
            if key in seen:
                continue
            seen.add(key)
            scores[key] = scores.get(key, 0.0) + weight / (k + rank)
    order = {key: i for i, key in enumerate(scores)}
    return sorted(scores.items(), key=lambda item: (-item[1], order[item[0]]))
