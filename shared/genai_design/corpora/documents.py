"""Documents and where the course data lives (framework step 3a: knowledge base).

A ``Document`` is one retrievable unit of a knowledge base exactly as its source gives
it: one language-reference topic, one help-centre article, one support conversation.
Chunking is a retrieval decision (step 3b) and is deliberately not done here. This module
also finds the repository's ``data/`` folder and summarises a knowledge base's size; it
leaves out any caching, so every load reads the files afresh.
"""

import os
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

DATA_ENV_VAR = "GENAI_DESIGN_DATA"  # names a data folder to use instead of the repo's data/

MetadataValue = str | int  # metadata stays JSON-friendly and hashable
# given as (key, value) pairs or a mapping; stored as a tuple of pairs sorted by key
Metadata = tuple[tuple[str, MetadataValue], ...] | Mapping[str, MetadataValue]


@dataclass(frozen=True)
class Document:
    """One document of a knowledge base; frozen and hashable."""

    id: str  # unique within a KB version, "<kb>/<local id>", e.g. "python-reference/assert"
    title: str  # short human-readable name: topic name, article title, or the user's question
    text: str  # the full text that retrieval indexes and the LLM reads
    kb: str  # name of the knowledge base, a key of the KB registry
    version: int = 1  # revision of this document (shop-help articles changed by an update: 2)
    metadata: Metadata = ()  # extra facts (source, category, ...); normalised to sorted pairs

    def __post_init__(self) -> None:
        pairs = self.metadata.items() if isinstance(self.metadata, Mapping) else self.metadata
        normalised = tuple(sorted((tuple(kv) for kv in pairs), key=lambda kv: kv[0]))
        object.__setattr__(self, "metadata", normalised)

    def meta(self, key: str, default: MetadataValue | None = None) -> MetadataValue | None:
        """Return one metadata value, or ``default`` when the key is absent."""
        return dict(self.metadata).get(key, default)

    def to_dict(self) -> dict[str, object]:
        """JSON-serialisable form, with metadata as a plain dict."""
        out = asdict(self)
        out["metadata"] = dict(self.metadata)
        return out


@dataclass(frozen=True)
class KBStats:
    """Size of a knowledge base, counted in characters of ``Document.text``."""

    num_docs: int  # number of documents
    total_chars: int  # sum of text lengths, characters
    mean_chars: float  # mean text length, characters (0.0 for an empty KB)
    max_chars: int  # longest text, characters (0 for an empty KB)

    def to_dict(self) -> dict[str, float]:
        """JSON-serialisable form."""
        return asdict(self)


def kb_stats(docs: Iterable[Document]) -> KBStats:
    """Count documents and characters of a knowledge base."""
    lengths = [len(doc.text) for doc in docs]
    if not lengths:
        return KBStats(num_docs=0, total_chars=0, mean_chars=0.0, max_chars=0)
    total = sum(lengths)
    return KBStats(
        num_docs=len(lengths),
        total_chars=total,
        mean_chars=total / len(lengths),
        max_chars=max(lengths),
    )


def data_dir() -> Path:
    """Return the course data folder.

    ``$GENAI_DESIGN_DATA`` wins when set; otherwise the ``data/`` folder of the repository
    this package sits in (``shared/genai_design`` -> ``../../data``).
    """
    override = os.environ.get(DATA_ENV_VAR)
    if override:
        path = Path(override).expanduser()
        if not path.is_dir():
            raise FileNotFoundError(
                f"${DATA_ENV_VAR} is set to {override!r}, which is not a folder")
        return path
    # this file is shared/genai_design/corpora/documents.py; the repo root is 3 levels up
    path = Path(__file__).resolve().parents[3] / "data"
    if not path.is_dir():
        raise FileNotFoundError(
            f"course data folder not found at {path}; run from a checkout of the course "
            f"repository or set ${DATA_ENV_VAR} to its data/ folder"
        )
    return path
