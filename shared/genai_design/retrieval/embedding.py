"""Text to vectors with the bundled MiniLM (framework step 3b: retrieval design).

:class:`Embedder` wraps a sentence-transformers model. It loads the model on first use
(constructing one costs nothing), returns unit-length float32 vectors so that a dot product
is the cosine similarity, encodes documents in batches behind a progress bar (optionally
kept on disk in the course cache: :meth:`Embedder.encode_cached`), and keeps
the vectors of recent queries in a small LRU cache, since users and evaluation loops
repeat queries; :func:`default_embedder` shares one instance per process. Before loading
it sets ``HF_HUB_OFFLINE=1`` when that variable is unset, so a bundled model never triggers
a network call.

A single query is embedded with one torch thread (``query_threads``): a dozen tokens gain
almost nothing from a second thread, and on a machine whose cores are shared with a server,
a parallel forward pass waits for its slowest thread. Measured on the course's 2-core CPU
next to a busy vLLM server: p95 query latency 110-490 ms with two threads, 31-34 ms with one.
:class:`HashingEmbedder` is a test double with the same interface: bag-of-words vectors from
hashed words, no model and no torch, so unit tests of everything above the embedder are fast.
:func:`genai_design.progress.progress` draws its progress bar.
Left out: GPU placement choices (whatever sentence-transformers picks), quantised or ONNX
inference, and instruction prefixes that some embedding models expect (MiniLM does not).
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from genai_design.models import BUNDLED, course_home, embedding_model_path
from genai_design.progress import progress
from genai_design.retrieval.base import validate_query

if TYPE_CHECKING:  # imported lazily at run time: torch is slow to import
    from sentence_transformers import SentenceTransformer


@dataclass(frozen=True)
class EmbedderConfig:
    """Which model and how to run it."""

    model: str = "all-MiniLM-L6-v2"  # a bundled key (see models.BUNDLED) or a local folder
    batch_size: int = 64  # texts per forward pass when encoding documents
    query_cache_size: int = 1024  # query vectors kept by the LRU cache (0 turns it off)
    device: str | None = None  # "cpu", "cuda", ...; None lets sentence-transformers choose
    query_threads: int | None = 1  # torch CPU threads while embedding one query; None: unchanged
    # index builds keep their vectors in the course cache (encode_cached), so a notebook that
    # builds the same chunks as an earlier one reads the vectors instead of embedding again
    disk_cache: bool = True


class Embedder:
    """Encode texts into normalised vectors; the model is loaded on first use."""

    def __init__(self, config: EmbedderConfig | None = None) -> None:
        self.config = config or EmbedderConfig()
        self._model: SentenceTransformer | None = None
        self._query_cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self.cache_hits = 0  # queries answered from the cache since construction
        self.cache_misses = 0  # queries that had to be encoded

    @property
    def name(self) -> str:
        """Short model name, safe for collection names (letters, digits, '-', '.', '_')."""
        base = os.path.basename(self.config.model.rstrip("/\\")) or "model"
        if self.config.model in BUNDLED:
            base = self.config.model
        return "".join(ch if ch.isalnum() or ch in "-._" else "-" for ch in base)

    @property
    def model(self) -> SentenceTransformer:
        """The sentence-transformers model, loaded (offline) on first access."""
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            from sentence_transformers import SentenceTransformer

            path = (embedding_model_path(self.config.model) if self.config.model in BUNDLED
                    else self.config.model)
            self._model = SentenceTransformer(path, device=self.config.device)
        return self._model

    @property
    def dimension(self) -> int:
        """Length of every vector this embedder returns."""
        getter: Any = (getattr(self.model, "get_embedding_dimension", None)
                       or self.model.get_sentence_embedding_dimension)
        return int(getter())

    def encode(self, texts: Sequence[str], show_progress: bool | None = None) -> np.ndarray:
        """Vectors for ``texts``, shape (len(texts), dimension), float32, unit length, in the
        order given.

        The texts are encoded shortest first, so each batch pads its texts to similar lengths
        (one long text no longer makes a whole batch of short ones pay for its length); on the
        Python reference's 3,747 sentences this took 43 s instead of 105 s on 2 cores, vectors
        differing by under 1e-6. A progress bar appears for more than a few batches unless
        ``show_progress`` says otherwise.
        """
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        ordered = [texts[i] for i in order]
        size = self.config.batch_size
        batches = [ordered[i:i + size] for i in range(0, len(ordered), size)]
        show = len(batches) > 2 if show_progress is None else show_progress
        out = [self.model.encode(batch, batch_size=size, normalize_embeddings=True,
                                 convert_to_numpy=True, show_progress_bar=False)
               for batch in progress(batches, show=show, desc="embedding", unit="batch")]
        vectors = np.vstack(out).astype(np.float32, copy=False)
        result = np.empty_like(vectors)
        result[order] = vectors  # back in the order given
        return result

    def encode_cached(self, texts: Sequence[str], cache_dir: str | os.PathLike[str] | None = None,
                      show_progress: bool | None = None) -> np.ndarray:
        """:meth:`encode`, kept on disk in the course cache (``$GENAI_DESIGN_HOME/embeddings``)
        under a hash of the model name and the texts, so a notebook that encodes the same
        corpus as an earlier one (or an earlier run) reads the vectors instead."""
        texts = list(texts)
        cached = self.read_cached(texts, cache_dir)
        if cached is not None:
            return cached
        path = self._cache_path(texts, cache_dir)
        vectors = self.encode(texts, show_progress)
        folder = path.parent
        folder.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        with partial.open("wb") as handle:
            np.save(handle, vectors)
        os.replace(partial, path)  # readers never see a half-written file
        return vectors

    def read_cached(self, texts: Sequence[str], cache_dir: str | os.PathLike[str] | None = None
                    ) -> np.ndarray | None:
        """The vectors :meth:`encode_cached` stored for exactly these ``texts``, or None."""
        path = self._cache_path(list(texts), cache_dir)
        return np.load(path) if path.exists() else None

    def _cache_path(self, texts: Sequence[str], cache_dir: str | os.PathLike[str] | None) -> Path:
        """Where :meth:`encode_cached` keeps the vectors of ``texts``."""
        digest = hashlib.sha256(self.config.model.encode())  # the full model path or key
        for text in texts:
            digest.update(hashlib.sha256(text.encode()).digest())
        folder = Path(cache_dir) if cache_dir is not None else course_home() / "embeddings"
        return folder / f"{self.name}-{len(texts)}-{digest.hexdigest()[:20]}.npy"

    def encode_query(self, query: str) -> np.ndarray:
        """One query's vector (dimension,), served from the LRU cache when seen recently."""
        validate_query(query)
        cached = self._query_cache.get(query)
        if cached is not None:
            self._query_cache.move_to_end(query)
            self.cache_hits += 1
            return cached
        self.cache_misses += 1
        vector = self._encode_one(query)
        vector.setflags(write=False)  # shared by every caller that hits the cache
        if self.config.query_cache_size > 0:
            self._query_cache[query] = vector
            if len(self._query_cache) > self.config.query_cache_size:
                self._query_cache.popitem(last=False)
        return vector

    def _encode_one(self, query: str) -> np.ndarray:
        """Encode one text with ``query_threads`` torch threads, restoring the setting after."""
        import torch

        wanted = self.config.query_threads
        previous = torch.get_num_threads()
        if wanted is None or wanted == previous:
            return self.encode([query], show_progress=False)[0]
        torch.set_num_threads(wanted)
        try:
            return self.encode([query], show_progress=False)[0]
        finally:
            torch.set_num_threads(previous)

    def clear_cache(self) -> None:
        """Forget cached query vectors (benchmarks do this to time real encoding)."""
        self._query_cache.clear()


class HashingEmbedder(Embedder):
    """A fake for tests: each lower-cased word adds 1 to one of ``size`` hashed dimensions.

    Texts that share words get similar vectors, so dense search behaves like keyword search.
    One extra dimension is always 1, so no vector is zero.
    """

    def __init__(self, size: int = 64) -> None:
        super().__init__(EmbedderConfig(model=f"hashing-{size}", disk_cache=False))
        self.size = size  # hashed dimensions (plus the constant one)

    @property
    def dimension(self) -> int:
        """Length of every vector: ``size + 1``."""
        return self.size + 1

    def encode(self, texts: Sequence[str], show_progress: bool | None = None) -> np.ndarray:
        """Unit-length bag-of-hashed-words vectors, shape (len(texts), size + 1)."""
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        out[:, self.size] = 1.0
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                out[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % self.size] += 1.0
        return out / np.linalg.norm(out, axis=1, keepdims=True)

    def _encode_one(self, query: str) -> np.ndarray:
        return self.encode([query])[0]


@functools.cache
def default_embedder() -> Embedder:
    """One shared :class:`Embedder` with the default config, so the model loads once per process."""
    return Embedder()
