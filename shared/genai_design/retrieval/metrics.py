"""Retrieval metrics on document ids (framework step 3b, measured the step-7 way).

Scoring follows ``data/eval/SCHEMA.md``. Gold sets list alternatives (a topic and the larger
topic that repeats it word for word, or the ~100 copies of one support conversation), so
a question's gold ids are first grouped into *facts*:

- factual, ambiguous and adversarial questions have one fact: any gold id answers it;
- a multi-hop question has one fact per group of gold ids that repeat each other, where
  "repeat" means one document's text appears inside the other's (:func:`containment`
  finds these pairs from the documents themselves; it ignores whitespace and the
  characters that underline headings, which differ between a topic and its container).

``recall@k`` is the share of a question's facts with a gold id in the top ``k`` (for one-fact
questions: the hit rate), ``MRR`` the reciprocal rank of the first gold id (0 if none is
retrieved), and ``nDCG@k`` binary-relevance nDCG with every gold id relevant and the ideal
ranking putting ``min(k, len(gold))`` gold ids first. Unanswerable questions (no gold ids)
are left out of these averages and counted separately. Left out: graded relevance and
judging whether the retrieved text really holds the answer.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from genai_design.corpora import Document

_UNDERLINE = re.compile(r"(?m)^\s*([=\-*~^#])\1{2,}\s*$")


def _normalise(text: str) -> str:
    return " ".join(_UNDERLINE.sub("", text).split())


def containment(docs: Iterable[Document]) -> dict[str, frozenset[str]]:
    """For each document id, the ids of the *other* documents whose text contains its text.

    Identical texts contain each other. Texts are compared after collapsing whitespace and
    dropping heading underlines. Cost: one substring test per pair of distinct texts.
    """
    by_text: dict[str, list[str]] = {}
    for doc in docs:
        by_text.setdefault(_normalise(doc.text), []).append(doc.id)
    texts = sorted(by_text, key=len)
    out: dict[str, set[str]] = {doc_id: set() for ids in by_text.values() for doc_id in ids}
    for i, small in enumerate(texts):
        holders = [doc_id for big in texts[i + 1:] if small in big for doc_id in by_text[big]]
        for doc_id in by_text[small]:
            out[doc_id].update(holders)
            out[doc_id].update(other for other in by_text[small] if other != doc_id)
    return {doc_id: frozenset(ids) for doc_id, ids in out.items()}


def fact_groups(gold_ids: Sequence[str], question_type: str,
                contains: Mapping[str, frozenset[str]] | None = None) -> list[frozenset[str]]:
    """Group gold ids into facts (see the module docstring); [] for unanswerable questions."""
    if not gold_ids:
        return []
    if question_type != "multi-hop":
        return [frozenset(gold_ids)]
    contains = contains or {}
    parent = {g: g for g in gold_ids}

    def find(g: str) -> str:
        while parent[g] != g:
            g = parent[g]
        return g

    for g in gold_ids:
        for holder in contains.get(g, frozenset()):
            if holder in parent:
                parent[find(g)] = find(holder)
    groups: dict[str, set[str]] = {}
    for g in gold_ids:
        groups.setdefault(find(g), set()).add(g)
    return [frozenset(members) for members in groups.values()]


def recall_at_k(retrieved: Sequence[str], facts: Sequence[frozenset[str]], k: int) -> float:
    """Share of ``facts`` with at least one id among the first ``k`` retrieved ids."""
    if not facts:
        raise ValueError("recall is undefined without gold facts (unanswerable question)")
    top = set(retrieved[:k])
    return sum(1 for fact in facts if fact & top) / len(facts)


def reciprocal_rank(retrieved: Sequence[str], gold_ids: Iterable[str]) -> float:
    """1 / rank of the first gold id in ``retrieved`` (ranks from 1); 0.0 when none appears."""
    gold = set(gold_ids)
    for rank, doc_id in enumerate(retrieved, start=1):
        if doc_id in gold:
            return 1.0 / rank
    return 0.0


def ndcg_at_k(retrieved: Sequence[str], gold_ids: Iterable[str], k: int) -> float:
    """Binary-relevance nDCG@k: gain 1 for a gold id, discount log2(rank + 1)."""
    gold = set(gold_ids)
    if not gold:
        raise ValueError("nDCG is undefined without gold ids (unanswerable question)")
    dcg = sum(1.0 / math.log2(rank + 1)
              for rank, doc_id in enumerate(retrieved[:k], start=1) if doc_id in gold)
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(k, len(gold)) + 1))
    return dcg / ideal


def percentile_ms(latencies_ms: Sequence[float], percent: float) -> float:
    """The ``percent``-th percentile (linear interpolation) of latencies in milliseconds."""
    if not latencies_ms:
        raise ValueError("no latencies to summarise")
    if not 0 <= percent <= 100:
        raise ValueError(f"percent must be in [0, 100], got {percent}")
    return float(np.percentile(np.asarray(latencies_ms, dtype=float), percent))
