"""Drift: when the deployed assistant no longer matches what it was built and tested on
(framework step 8, deploy and monitor).

Three kinds, each with its own check:

- a **stale index**: documents edited, added or removed since they were embedded (or the
  embedding model swapped). :func:`manifest_of` records a sha256 per document when the index is
  built; :func:`stale_documents` compares it with the knowledge base today.
- **query drift**: users ask about other things than the eval set covers.
  :func:`embedding_drift_test` is a two-sample permutation test on query embeddings (squared
  MMD, RBF kernel) and :func:`window_alarms` runs it per window (a day, a week).
- **retrieval-quality drift**: :func:`recall_drop` compares per-question recall on the same
  questions before and after a change.

Left out on purpose: correcting for many windows (at ``alpha`` per window, 100 quiet days
give about one false alarm at 0.01), sequential tests that stop early, drift in the answers
themselves (judged in step 7), and re-embedding (the report names the documents; the index
rebuild is the retrieval module's job).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Protocol

import numpy as np


class HasIdText(Protocol):
    """A document as the index saw it: :class:`~genai_design.corpora.Document` fits."""

    id: str
    text: str


def text_sha256(text: str) -> str:
    """Hex sha256 of the UTF-8 text: what changes when a single character does."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class IndexManifest:
    """What an index was built from: one hash per document, written when it was embedded."""

    kb: str  # knowledge-base name, e.g. "shop-help"
    version: int  # KB version the index was built from (as EvalQuestion.kb_version)
    embedded_at: str  # ISO 8601 time the documents were embedded, e.g. "2025-03-01T09:00:00+00:00"
    doc_sha256: Mapping[str, str]  # document id -> sha256 (hex) of its text as embedded
    embedder: str = ""  # embedding model that built the index ("" if not recorded)

    def __post_init__(self) -> None:
        try:
            datetime.fromisoformat(self.embedded_at)
        except (TypeError, ValueError):
            raise ValueError(f"embedded_at must be an ISO 8601 time, got {self.embedded_at!r}"
                             ) from None
        if isinstance(self.version, bool) or not isinstance(self.version, int):
            raise ValueError(f"version must be an int, got {self.version!r}")
        bad = [i for i, h in self.doc_sha256.items()
               if not isinstance(h, str) or len(h) != 64 or h.strip("0123456789abcdef")]
        if bad:
            raise ValueError(f"not a hex sha256 for documents {sorted(bad)[:5]}")
        object.__setattr__(self, "doc_sha256", dict(sorted(self.doc_sha256.items())))

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form."""
        return asdict(self)

    def save(self, path: str | Path) -> Path:
        """Write the manifest as JSON (keys sorted, so a diff shows what changed)."""
        path = Path(path)
        path.write_text(json.dumps(self.to_dict(), indent=1, sort_keys=True) + "\n")
        return path

    @classmethod
    def load(cls, path: str | Path) -> IndexManifest:
        """Read a manifest written by :meth:`save`."""
        data = json.loads(Path(path).read_text())
        missing = {"kb", "version", "embedded_at", "doc_sha256"} - set(data)
        extra = set(data) - {"kb", "version", "embedded_at", "doc_sha256", "embedder"}
        if missing or extra:
            raise ValueError(f"{path}: not an index manifest (missing {sorted(missing)}, "
                             f"unknown {sorted(extra)})")
        return cls(**data)


def _hashes(docs: Iterable[HasIdText]) -> dict[str, str]:
    out: dict[str, str] = {}
    for doc in docs:
        if doc.id in out:
            raise ValueError(f"document id {doc.id!r} appears twice")
        out[doc.id] = text_sha256(doc.text)
    return out


def manifest_of(docs: Iterable[HasIdText], kb: str, version: int, *,
                embedded_at: str | None = None, embedder: str = "") -> IndexManifest:
    """The manifest of an index built from ``docs``: objects with ``.id`` and ``.text`` (the
    text exactly as embedded; if the index embeds title + text, pass that). ``embedded_at``
    defaults to now (UTC)."""
    when = embedded_at or datetime.now(timezone.utc).isoformat(timespec="seconds")
    return IndexManifest(kb, version, when, _hashes(docs), embedder)


@dataclass(frozen=True)
class StaleReport:
    """How the knowledge base today differs from what its index was built from."""

    changed: list[str]  # ids in both whose text changed since embedding (sorted)
    added: list[str]  # ids in the KB but not the index: retrieval cannot find them (sorted)
    removed: list[str]  # ids in the index but gone from the KB: it can still serve them (sorted)
    embedder_changed: bool  # the embedding model today differs from the one that built the index
    n_indexed: int  # documents in the manifest
    n_current: int  # documents in the KB today

    @property
    def is_stale(self) -> bool:
        """Anything to re-embed or delete."""
        return bool(self.changed or self.added or self.removed or self.embedder_changed)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form, with ``is_stale``."""
        return {**asdict(self), "is_stale": self.is_stale}


def stale_documents(manifest: IndexManifest, current_docs: Iterable[HasIdText],
                    embedder: str | None = None) -> StaleReport:
    """Compare the index's manifest with the documents today (objects with ``.id`` and
    ``.text``). With ``embedder``, a model other than the recorded one makes every vector stale."""
    now, then = _hashes(current_docs), manifest.doc_sha256
    swapped = embedder is not None and bool(manifest.embedder) and embedder != manifest.embedder
    return StaleReport(sorted(i for i in now.keys() & then.keys() if now[i] != then[i]),
                       sorted(now.keys() - then.keys()), sorted(then.keys() - now.keys()),
                       swapped, len(then), len(now))


@dataclass(frozen=True)
class DriftTest:
    """A two-sample permutation test of "reference and current queries come from the same
    distribution", on their embeddings."""

    statistic: float  # squared MMD (biased V-statistic, RBF kernel) of reference vs current
    p_value: float  # (1 + permutations with statistic >= observed) / (1 + n_permutations)
    n_reference: int  # reference rows (e.g. the eval set's queries, or launch week's)
    n_current: int  # current rows (e.g. one day's queries)
    n_permutations: int  # random relabellings of the pooled rows
    bandwidth: float  # RBF sigma: median distance between distinct pooled rows
    alpha: float = 0.01  # false-alarm rate per test: drifted when p_value <= alpha

    @property
    def drifted(self) -> bool:
        """The test rejects "same distribution" at ``alpha``."""
        return self.p_value <= self.alpha

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form, with ``drifted``."""
        return {**asdict(self), "drifted": self.drifted}


def _rows(x: np.ndarray, name: str) -> np.ndarray:
    a = np.asarray(x, dtype=float)
    if a.ndim != 2 or a.shape[0] < 2 or a.shape[1] < 1:
        raise ValueError(f"{name} must be a 2-D array with at least 2 rows, got shape {a.shape}")
    if not np.isfinite(a).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    return a


def _rbf_kernel(z: np.ndarray) -> tuple[np.ndarray, float]:
    """Kernel matrix exp(-|x - y|^2 / (2 sigma^2)), sigma by the median heuristic: the median
    Euclidean distance over pairs of distinct pooled rows (of the positive ones if that is 0)."""
    sq = np.einsum("ij,ij->i", z, z)
    d2 = np.maximum(sq[:, None] + sq[None, :] - 2 * z @ z.T, 0.0)
    np.fill_diagonal(d2, 0.0)
    dist = np.sqrt(d2[np.triu_indices(len(z), 1)])
    sigma = float(np.median(dist))
    if sigma == 0.0:
        positive = dist[dist > 0]
        sigma = float(np.median(positive)) if positive.size else 1.0  # all rows identical
    return np.exp(-d2 / (2 * sigma**2)), sigma


def embedding_drift_test(reference: np.ndarray, current: np.ndarray, n_permutations: int = 1000,
                         seed: int = 0, alpha: float = 0.01) -> DriftTest:
    """Permutation test with squared MMD: pool the rows, compute the kernel matrix once, and
    compare the observed statistic with ``n_permutations`` random relabellings of the pool.

    With w = (1/n, ..., 1/n, -1/m, ..., -1/m) the statistic is w' K w; a permutation permutes
    w. Rows are any embeddings of one model (L2-normalised or not); needs >= 2 rows each.
    """
    x, y = _rows(reference, "reference"), _rows(current, "current")
    if x.shape[1] != y.shape[1]:
        raise ValueError(f"reference has dimension {x.shape[1]}, current {y.shape[1]}")
    if isinstance(n_permutations, bool) or not isinstance(n_permutations, int) \
            or n_permutations < 1:
        raise ValueError(f"n_permutations must be a positive int, got {n_permutations!r}")
    if not 1 / (1 + n_permutations) <= alpha < 1:
        raise ValueError(f"alpha must be in [1/(1 + n_permutations), 1) = "
                         f"[{1 / (1 + n_permutations):.4g}, 1) so the test can fire; got {alpha}")
    n, m = len(x), len(y)
    kernel, sigma = _rbf_kernel(np.vstack([x, y]))
    w = np.concatenate([np.full(n, 1 / n), np.full(m, -1 / m)])
    observed = float(w @ (kernel @ w))
    tie = 1e-10 * max(1.0, abs(observed))  # float noise must not turn a tie into "below"
    rng = np.random.default_rng(seed)
    batch = max(1, 2_000_000 // (n + m))  # permutations per matrix product (bounds memory)
    at_least, done = 0, 0
    while done < n_permutations:
        b = min(batch, n_permutations - done)
        perms = rng.permuted(np.tile(np.arange(n + m), (b, 1)), axis=1)
        weights = w[perms]
        stats = np.einsum("pi,pi->p", weights @ kernel, weights)
        at_least += int(np.sum(stats >= observed - tie))
        done += b
    return DriftTest(observed, (1 + at_least) / (1 + n_permutations), n, m, n_permutations,
                     sigma, alpha)


def window_alarms(reference: np.ndarray, windows: Sequence[np.ndarray], alpha: float = 0.01,
                  n_permutations: int = 1000, seed: int = 0) -> list[DriftTest]:
    """:func:`embedding_drift_test` of each window (a day's query embeddings, say) against one
    reference, window i with seed ``seed + i``; ``[t.drifted for t in ...]`` are the alarms.
    Each window is a separate test at ``alpha``: over many quiet windows, about ``alpha`` of
    them still alarm."""
    if not windows:
        raise ValueError("no windows")
    return [embedding_drift_test(reference, window, n_permutations, seed + i, alpha)
            for i, window in enumerate(windows)]


def recall_drop(before: Mapping[str, float], after: Mapping[str, float]) -> dict[str, Any]:
    """Per-question recall on the same questions before and after a change (new index,
    new embedder, edited KB): ``mean_recall_before``, ``mean_recall_after``, ``drop`` (before
    minus after, positive = worse), ``n_worse``, ``n_better`` and ``lost_gold`` (sorted ids
    whose recall fell from above 0 to 0: no gold document retrieved any more)."""
    if before.keys() != after.keys():
        only = sorted(before.keys() ^ after.keys())
        raise ValueError(f"before and after must score the same questions; differ on {only[:5]}")
    if not before:
        raise ValueError("no questions")
    for name, scores in (("before", before), ("after", after)):
        bad = sorted(q for q, r in scores.items() if not (math.isfinite(r) and 0 <= r <= 1))
        if bad:
            raise ValueError(f"{name}: recall must be in [0, 1], not for {bad[:5]}")
    ids = sorted(before)
    b, a = np.array([before[q] for q in ids]), np.array([after[q] for q in ids])
    return {"questions": len(ids), "mean_recall_before": float(b.mean()),
            "mean_recall_after": float(a.mean()), "drop": float(b.mean() - a.mean()),
            "n_worse": int(np.sum(a < b)), "n_better": int(np.sum(a > b)),
            "lost_gold": [q for q, rb, ra in zip(ids, b, a) if rb > 0 and ra == 0]}
