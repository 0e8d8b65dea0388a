"""A persistent vector store of chunks in Chroma (framework step 3b: retrieval design).

:class:`ChunkStore` keeps one Chroma collection per (knowledge base, KB version, chunking
strategy, embedder), in cosine space, on disk. Vectors are always computed here and handed
to Chroma (the collection has no embedding function), because Chroma's default embedding
function downloads a model on first use.

``ingest(docs)`` is idempotent. Each chunk is stored under its ``chunk_id`` with a hash of
what was embedded; ingesting the same documents again embeds nothing. For every document
passed in, new or changed chunks are embedded and upserted and chunks that no longer exist
(the document got shorter) are deleted; documents not passed in are left alone (remove
them with :meth:`ChunkStore.delete_documents`). A text is embedded once per call however
many chunks share it, and not at all when its vector is handed in (``known_vectors``, keyed
by the embedded text: benchmarks grow an index from copies this way). When the embedder's
``disk_cache`` is on, the texts a call must embed are looked up in the course's embedding cache
first (:meth:`~genai_design.retrieval.embedding.Embedder.encode_cached`), so a second index of
the same chunks, in another folder or another notebook, reads its vectors instead of embedding
them again. Bad input fails before anything is
written, with a ValueError: empty or whitespace-only text, text over ``max_doc_bytes`` (2 MB
by default), bytes that are not UTF-8 (``bytes`` text is accepted and decoded strictly),
a document of another KB, the same id twice in one call, and empty queries.

Left out: metadata filters at query time, multi-tenant collections, and locking against
two processes writing the same collection at once (Chroma's own guarantees apply).
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from genai_design.corpora import Document
from genai_design.retrieval.base import validate_query, validate_top_k
from genai_design.retrieval.chunking import Chunk, ChunkConfig, chunk_document, embedding_text
from genai_design.retrieval.embedding import Embedder

MAX_DOC_BYTES = 2 * 1024 * 1024  # default size limit of one document's text, UTF-8 bytes
GET_BATCH = 500  # document ids per metadata look-up


@dataclass(frozen=True)
class IngestReport:
    """What one ``ingest`` call did, counted in chunks."""

    num_docs: int  # documents passed in
    chunks_added: int  # chunk ids that were not stored before
    chunks_updated: int  # stored chunk ids whose content changed (re-embedded)
    chunks_unchanged: int  # stored chunks with the same hash (not embedded again)
    chunks_deleted: int  # stored chunks of these documents that no longer exist
    total_chunks: int  # chunks in the collection afterwards
    seconds: float  # wall time of the call
    texts_embedded: int = 0  # distinct texts embedded (the others were handed in, shared or cached)
    texts_from_cache: int = 0  # distinct texts whose vectors were read from the embedding cache

    def to_dict(self) -> dict[str, float]:
        """JSON-serialisable form."""
        return asdict(self)


@dataclass(frozen=True)
class StoredHit:
    """One chunk returned by a vector search."""

    chunk_id: str  # "<doc_id>#<n>"
    doc_id: str  # document the chunk belongs to
    text: str  # the chunk text (without the title that was embedded with it)
    title: str  # title the chunk was embedded with
    similarity: float  # cosine similarity to the query, in [-1, 1]


def collection_name(kb: str, version: int, chunking: str, embedder_name: str) -> str:
    """Chroma collection name for one (kb, version, chunking, embedder), in Chroma's alphabet."""
    raw = f"{kb}-v{version}-{chunking}-{embedder_name}"
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", raw).strip("-._")
    return re.sub(r"\.{2,}", ".", name)[:512]


def validate_documents(docs: Iterable[Document], kb: str | None = None,
                       max_bytes: int = MAX_DOC_BYTES) -> list[Document]:
    """Check documents before indexing; decode ``bytes`` text strictly as UTF-8.

    Raises ValueError naming the first bad document and what is accepted.
    """
    out: list[Document] = []
    seen: set[str] = set()
    for doc in docs:
        text: Any = doc.text
        if isinstance(text, bytes):
            try:
                text = text.decode("utf-8", errors="strict")
            except UnicodeDecodeError as error:
                raise ValueError(f"document {doc.id!r}: text is not valid UTF-8 ({error.reason} "
                                 f"at byte {error.start}); only UTF-8 is accepted") from None
            doc = dataclasses.replace(doc, text=text)
        if not isinstance(text, str):
            raise TypeError(f"document {doc.id!r}: text must be str or UTF-8 bytes, "
                             f"got {type(text).__name__}")
        try:
            size = len(text.encode("utf-8", errors="strict"))
        except UnicodeEncodeError as error:
            raise ValueError(f"document {doc.id!r}: text cannot be encoded as UTF-8 "
                             f"({error.reason} at character {error.start})") from None
        if not text.strip():
            raise ValueError(f"document {doc.id!r}: text is empty or whitespace only")
        if size > max_bytes:
            raise ValueError(f"document {doc.id!r}: text is {size:,} bytes, over the limit of "
                             f"{max_bytes:,} bytes; split it before indexing")
        if kb is not None and doc.kb != kb:
            raise ValueError(f"document {doc.id!r} belongs to kb {doc.kb!r}, not {kb!r}")
        if doc.id in seen:
            raise ValueError(f"document id {doc.id!r} appears more than once in one call; "
                             "ids must be unique")
        seen.add(doc.id)
        out.append(doc)
    return out


def content_hash(chunk: Chunk) -> str:
    """Hash of everything that decides a chunk's vector and stored fields."""
    key = f"{chunk.start_char}:{chunk.end_char}:{chunk.version}\n{embedding_text(chunk)}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def _metadata(chunk: Chunk) -> dict[str, str | int]:
    return {"doc_id": chunk.doc_id, "title": chunk.title, "start_char": chunk.start_char,
            "end_char": chunk.end_char, "version": chunk.version, "hash": content_hash(chunk)}


class ChunkStore:
    """Chunks of one KB version, embedded and kept in a persistent Chroma collection."""

    def __init__(self, path: str | Path, kb: str, version: int = 1, chunking: str = "recursive",
                 embedder: Embedder | None = None, chunk_config: ChunkConfig | None = None,
                 max_doc_bytes: int = MAX_DOC_BYTES) -> None:
        import chromadb
        from chromadb.config import Settings

        self.kb, self.version, self.chunking = kb, version, chunking
        self.embedder = embedder or Embedder()
        self.chunk_config = chunk_config or ChunkConfig()
        self.max_doc_bytes = max_doc_bytes
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)
        self.client = chromadb.PersistentClient(
            path=str(self.path), settings=Settings(anonymized_telemetry=False))
        self.name = collection_name(kb, version, chunking, self.embedder.name)
        self.collection = self.client.get_or_create_collection(
            self.name, embedding_function=None, configuration={"hnsw": {"space": "cosine"}},
            metadata={"kb": kb, "kb_version": version, "chunking": chunking,
                      "embedder": self.embedder.name})

    def count(self) -> int:
        """Number of chunks stored."""
        return self.collection.count()

    def _stored(self, doc_ids: Sequence[str]) -> dict[str, tuple[str, str]]:
        """chunk_id -> (doc_id, hash) for the stored chunks of ``doc_ids``."""
        out: dict[str, tuple[str, str]] = {}
        for i in range(0, len(doc_ids), GET_BATCH):
            batch = list(doc_ids[i:i + GET_BATCH])
            got = self.collection.get(where={"doc_id": {"$in": batch}}, include=["metadatas"])
            for chunk_id, meta in zip(got["ids"], got["metadatas"] or []):
                out[chunk_id] = (str(meta["doc_id"]), str(meta.get("hash", "")))
        return out

    def ingest(self, docs: Iterable[Document], show_progress: bool | None = None,
               known_vectors: Mapping[str, np.ndarray] | None = None) -> IngestReport:
        """Add or update ``docs``; embed only new or changed chunks (see module docstring).

        ``known_vectors`` maps an embedded text (:func:`embedding_text`) to its vector.
        """
        started = time.perf_counter()
        checked = validate_documents(docs, self.kb, self.max_doc_bytes)
        chunks = [c for doc in checked
                  for c in chunk_document(doc, self.chunking, self.chunk_config)]
        stored = self._stored([doc.id for doc in checked])
        new_ids = {c.chunk_id for c in chunks}
        todo = [c for c in chunks if stored.get(c.chunk_id, ("", ""))[1] != content_hash(c)]
        updated = sum(1 for c in todo if c.chunk_id in stored)
        stale = [chunk_id for chunk_id in stored if chunk_id not in new_ids]
        if stale:
            self.collection.delete(ids=stale)
        texts = [embedding_text(c) for c in todo]
        vectors = dict(known_vectors or {})
        missing = [t for t in dict.fromkeys(texts) if t not in vectors]
        on_disk = self.embedder.config.disk_cache
        cached = self.embedder.read_cached(missing) if missing and on_disk else None
        if cached is not None:
            vectors.update(zip(missing, cached))
        elif missing:
            vectors.update(zip(missing, self.embedder.encode_cached(missing, show_progress=show_progress)
                               if on_disk else self.embedder.encode(missing, show_progress)))
        if todo:
            self.add_vectors(todo, np.stack([vectors[t] for t in texts]))
        return IngestReport(num_docs=len(checked), chunks_added=len(todo) - updated,
                            chunks_updated=updated, chunks_unchanged=len(chunks) - len(todo),
                            chunks_deleted=len(stale), total_chunks=self.count(),
                            seconds=time.perf_counter() - started,
                            texts_embedded=0 if cached is not None else len(missing),
                            texts_from_cache=len(missing) if cached is not None else 0)

    def add_vectors(self, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        """Upsert chunks with vectors computed elsewhere (benchmarks reuse vectors this way)."""
        if len(chunks) != len(vectors):
            raise ValueError(f"{len(chunks)} chunks but {len(vectors)} vectors")
        limit = self.client.get_max_batch_size()
        for i in range(0, len(chunks), limit):
            part = chunks[i:i + limit]
            self.collection.upsert(ids=[c.chunk_id for c in part],
                                   embeddings=np.asarray(vectors[i:i + limit], dtype=np.float32),
                                   documents=[c.text for c in part],
                                   metadatas=[_metadata(c) for c in part])

    def delete_documents(self, doc_ids: Iterable[str]) -> int:
        """Remove every chunk of ``doc_ids``; returns the number of chunks removed."""
        stale = list(self._stored(list(doc_ids)))
        if stale:
            self.collection.delete(ids=stale)
        return len(stale)

    def doc_ids(self) -> set[str]:
        """Ids of the documents that have chunks in the store."""
        got = self.collection.get(include=["metadatas"])
        return {str(meta["doc_id"]) for meta in got["metadatas"] or []}

    def vectors(self, chunk_ids: Sequence[str] | None = None) -> dict[str, np.ndarray]:
        """chunk_id -> stored vector, for ``chunk_ids`` (default: every chunk)."""
        got = self.collection.get(ids=None if chunk_ids is None else list(chunk_ids),
                                  include=["embeddings"])
        embeddings = got["embeddings"] if got["embeddings"] is not None else []
        return {cid: np.asarray(v, dtype=np.float32) for cid, v in zip(got["ids"], embeddings)}

    def chunks(self) -> list[Chunk]:
        """Every stored chunk, sorted by document and position (BM25 indexes these)."""
        got = self.collection.get(include=["documents", "metadatas"])
        out = [Chunk(chunk_id=cid, doc_id=str(meta["doc_id"]), text=text,
                     start_char=int(meta["start_char"]), end_char=int(meta["end_char"]),
                     kb=self.kb, version=int(meta["version"]), title=str(meta["title"]))
               for cid, text, meta in zip(got["ids"], got["documents"] or [],
                                          got["metadatas"] or [])]
        return sorted(out, key=lambda c: (c.doc_id, c.start_char, c.chunk_id))

    def search(self, query: str, top_k: int = 10) -> list[StoredHit]:
        """The ``top_k`` chunks nearest to ``query`` (embedded here, LRU-cached)."""
        validate_query(query, top_k)
        return self.search_vector(self.embedder.encode_query(query), top_k)

    def search_vector(self, vector: np.ndarray, top_k: int = 10) -> list[StoredHit]:
        """The ``top_k`` chunks nearest to a unit-length query vector, most similar first."""
        validate_top_k(top_k)
        n = min(top_k, self.count())
        if n == 0:
            return []
        got = self.collection.query(query_embeddings=[np.asarray(vector, dtype=np.float32)],
                                    n_results=n, include=["documents", "metadatas", "distances"])
        return [StoredHit(chunk_id=cid, doc_id=str(meta["doc_id"]), text=text,
                          title=str(meta["title"]), similarity=1.0 - float(dist))
                for cid, text, meta, dist in zip(got["ids"][0], (got["documents"] or [[]])[0],
                                                 (got["metadatas"] or [[]])[0],
                                                 (got["distances"] or [[]])[0])]
