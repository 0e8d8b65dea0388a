"""Document-level signals learned from the knowledge base: a second stage for hybrid search
(framework step 3b: retrieval design).

Hybrid search ranks chunks and represents each document by its best chunk, so a "hub" document
with many chunks (the Python reference's ``specialnames`` or ``compound``, which contain whole
smaller topics) gets many chances to place one chunk near any query, and can take first place when
the right answer is a small topic it contains. This stage adds four rankings of whole documents that do not
reward having many chunks, all computed from the knowledge base alone (the only label is which
document a piece of text came from; no evaluation question is used):

1. ``topic``: a logistic-regression classifier P(document | text), class-balanced, trained on
   the vectors of the KB's sentences, headings and chunks, each labelled with its document;
2. ``chunk centroid``: cosine similarity to the mean of the document's chunk vectors;
3. ``sentence centroid``: cosine similarity to the mean of its sentence vectors;
4. ``best sentences``: the mean cosine similarity of its three sentences nearest the query.

:meth:`DocumentSignals.fuse` merges them with a first-stage document ranking (hybrid's) by
reciprocal rank, equal weights, k = 60: nothing is tuned. Building embeds every sentence of the
KB once (kept in the course's embedding cache); a query then costs one matrix product over the
sentence vectors and the classifier, and reuses the query vector dense search computed.
Left out: weighting the signals (weights fitted on questions would need held-out questions to
judge them), and fine-tuning the embedding model itself.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from genai_design.corpora import Document
from genai_design.retrieval.chunking import UNDERLINE, Chunk
from genai_design.retrieval.fusion import RRF_K, reciprocal_rank_fusion

SIGNALS = ("topic", "chunk centroid", "sentence centroid", "best sentences")
BEST_SENTENCES = 3  # "best sentences" averages a document's this many nearest sentences
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"])")  # a full stop, then a capital or a quote


def kb_sentences(text: str, min_chars: int = 25, max_chars: int = 600) -> list[str]:
    """The sentences of a document: paragraphs with whitespace collapsed, split after ``.!?``
    before a capital; heading underlines and fragments under ``min_chars`` dropped, long
    sentences (grammar listings) cut at ``max_chars``."""
    out: list[str] = []
    for paragraph in re.split(r"\n\s*\n", text):
        flat = " ".join(paragraph.split())
        if len(flat) < min_chars or UNDERLINE.match(flat):
            continue
        out.extend(s[:max_chars] for s in _SENTENCE_END.split(flat) if len(s) >= min_chars)
    return out


def kb_headings(text: str) -> list[str]:
    """Lines underlined with ``===``, ``---``, ``***`` or ``~~~`` (a topic's title and sections)."""
    lines = [line.strip() for line in text.splitlines()]
    return [line for line, under in zip(lines, lines[1:])
            if line and len(under) >= 3 and UNDERLINE.match(under)]


@dataclass(frozen=True)
class SignalsReport:
    """What building the signals did."""

    documents: int  # documents ranked
    sentences: int  # KB sentences embedded (or read from the embedding cache)
    headings: int  # headings embedded
    chunks: int  # chunk vectors reused from the vector store
    seconds: float  # wall time of the build, embedding included


class DocumentSignals:
    """The four document rankings of one knowledge base, built by :func:`build_document_signals`."""

    def __init__(self, doc_ids: Sequence[str], classifier: object, chunk_centroids: np.ndarray,
                 sentence_centroids: np.ndarray, sentence_vectors: np.ndarray,
                 sentence_doc: np.ndarray, report: SignalsReport) -> None:
        self.doc_ids = list(doc_ids)  # position j of every score array is document doc_ids[j]
        self.classifier = classifier  # scikit-learn LogisticRegression over document positions
        self.chunk_centroids = chunk_centroids  # (documents, dim) unit vectors
        self.sentence_centroids = sentence_centroids  # (documents, dim) unit vectors
        self.sentence_vectors = sentence_vectors  # (sentences, dim) unit vectors
        self.sentence_doc = sentence_doc  # (sentences,) document position of each sentence
        self.report = report  # what the build did
        # each document's sentence positions, found once rather than on every query
        self.sentences_of = [np.flatnonzero(sentence_doc == j) for j in range(len(self.doc_ids))]

    def scores(self, query_vector: np.ndarray) -> dict[str, np.ndarray]:
        """Each signal's score for every document (higher is better), for one unit query vector."""
        q = np.asarray(query_vector, dtype=np.float32)
        near = self.sentence_vectors @ q
        best = np.full(len(self.doc_ids), -np.inf, dtype=np.float32)
        for j, rows in enumerate(self.sentences_of):
            mine = np.sort(near[rows])
            if mine.size:
                best[j] = mine[-BEST_SENTENCES:].mean()
        topic = np.full(len(self.doc_ids), -np.inf)
        topic[self.classifier.classes_] = self.classifier.predict_log_proba(q[None])[0]
        return {"topic": topic, "chunk centroid": self.chunk_centroids @ q,
                "sentence centroid": self.sentence_centroids @ q, "best sentences": best}

    def rankings(self, query_vector: np.ndarray) -> dict[str, list[str]]:
        """Each signal's ranking of all documents, best first (ties in document order)."""
        return {name: [self.doc_ids[j] for j in np.argsort(-s, kind="stable")]
                for name, s in self.scores(query_vector).items()}

    def fuse(self, first_stage: Sequence[str], query_vector: np.ndarray,
             k: int = RRF_K) -> list[tuple[str, float]]:
        """``first_stage`` (a document ranking, best first) fused with the four signals by
        reciprocal rank, equal weights: every document, best first, with its fused score."""
        return reciprocal_rank_fusion([list(first_stage), *self.rankings(query_vector).values()], k=k)


def build_document_signals(docs: Sequence[Document], chunk_vectors: Mapping[str, np.ndarray],
                           chunks: Mapping[str, Chunk],
                           embed: Callable[[Sequence[str]], np.ndarray]) -> DocumentSignals:
    """Train the signals of ``docs`` from the KB alone.

    ``chunk_vectors`` and ``chunks``: every chunk's stored vector and the chunk itself, by id (the
    vector store's, so no chunk is embedded again); ``embed``: texts to unit vectors, e.g. an
    embedder's ``encode_cached``. Raises ValueError when a document has no chunk.
    """
    from sklearn.linear_model import LogisticRegression

    started = time.perf_counter()
    position = {d.id: j for j, d in enumerate(docs)}
    chunk_ids = sorted(chunk_vectors)
    chunk_doc = np.array([position[chunks[cid].doc_id] for cid in chunk_ids])
    if missing := [d.id for j, d in enumerate(docs) if not (chunk_doc == j).any()]:
        raise ValueError(f"documents without chunks (build the index first): {missing[:5]}")
    sentences, sentence_doc, headings, heading_doc = [], [], [], []
    for d in docs:
        found = kb_sentences(d.text)
        sentences += found
        sentence_doc += [position[d.id]] * len(found)
        titles = kb_headings(d.text)
        headings += titles
        heading_doc += [position[d.id]] * len(titles)
    chunk_matrix = np.stack([chunk_vectors[cid] for cid in chunk_ids]).astype(np.float32)
    sentence_vectors = np.asarray(embed(sentences), dtype=np.float32).reshape(len(sentences), -1)
    heading_vectors = np.asarray(embed(headings), dtype=np.float32).reshape(len(headings), -1)
    sentence_doc_array = np.array(sentence_doc, dtype=int)
    # The classifier learns which document a piece of text comes from; class weights keep the
    # documents with many sentences (the hubs) from winning by sheer numbers.
    classifier = LogisticRegression(C=1.0, max_iter=3000, class_weight="balanced").fit(
        np.vstack([sentence_vectors, chunk_matrix, heading_vectors]),
        np.concatenate([sentence_doc_array, chunk_doc, np.array(heading_doc, dtype=int)]))
    chunk_centroids = _unit(np.stack([chunk_matrix[chunk_doc == j].mean(0) for j in range(len(docs))]))
    sentence_centroids = _unit(np.stack([
        sentence_vectors[sentence_doc_array == j].mean(0) if (sentence_doc_array == j).any()
        else chunk_centroids[j] for j in range(len(docs))]))
    report = SignalsReport(documents=len(docs), sentences=len(sentences), headings=len(headings),
                           chunks=len(chunk_ids), seconds=time.perf_counter() - started)
    return DocumentSignals([d.id for d in docs], classifier, chunk_centroids, sentence_centroids,
                           sentence_vectors, sentence_doc_array, report)


def _unit(matrix: np.ndarray) -> np.ndarray:
    """Rows scaled to length 1."""
    return (matrix / np.linalg.norm(matrix, axis=1, keepdims=True)).astype(np.float32)
