"""Cutting documents into chunks (framework step 3b: retrieval design).

A chunk is a span of one document: ``chunk.text == doc.text[chunk.start_char:chunk.end_char]``
always holds, so a hit can be traced back to the exact characters it came from. Three
strategies live in the :data:`CHUNKERS` registry:

- ``"fixed"``: windows of ``size_chars`` characters that overlap by ``overlap_chars``
  (default one eighth of the size),
  blind to words and sentences (the baseline every other strategy is compared with);
- ``"recursive"``: split at paragraphs, then lines, then sentences, then spaces, and pack
  the pieces greedily back together up to ``size_chars``;
- ``"heading"``: one chunk per section under a markdown heading (``## ...`` or a line
  underlined with ``===``/``---``/``***``, the style of the Python reference); sections longer
  than ``size_chars`` are packed like ``"recursive"``, and a document without headings falls
  back to paragraph blocks. The section heading is added to the chunk's ``title``.

What gets embedded is :func:`embedding_text`: the title, a blank line, then the chunk text.
A chunk cut from the middle of a long topic often never names its subject; the title puts it
back. Sizes are counted in characters, not tokens, to stay model-independent (MiniLM reads
at most 256 word pieces, about 1,000 characters of English). Left out: token-based sizes,
semantic (embedding-similarity) splitting and parent/child chunk hierarchies.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass

from genai_design.corpora import Document


@dataclass(frozen=True)
class Chunk:
    """One span of a document, the unit that is embedded and searched."""

    chunk_id: str  # "<doc_id>#<n>", n counting from 0 in document order
    doc_id: str  # id of the document the chunk was cut from
    text: str  # exactly doc.text[start_char:end_char]
    start_char: int  # offset of the first character in the document text
    end_char: int  # offset one past the last character
    kb: str  # knowledge base name
    version: int  # document revision (shop-help articles changed by the update: 2)
    title: str  # document title, plus " > <section heading>" for heading chunks

    def to_dict(self) -> dict[str, object]:
        """JSON-serialisable form."""
        return asdict(self)


@dataclass(frozen=True)
class ChunkConfig:
    """How big the chunks are; one config serves every strategy."""

    size_chars: int = 800  # upper bound on a chunk's length, characters
    overlap_chars: int | None = None  # "fixed" only: characters shared by neighbours; None: size/8

    def __post_init__(self) -> None:
        if self.size_chars < 20:
            raise ValueError(f"size_chars must be at least 20, got {self.size_chars}")
        if self.overlap_chars is not None and not 0 <= self.overlap_chars < self.size_chars:
            raise ValueError(f"overlap_chars must be in [0, size_chars={self.size_chars}), "
                             f"got {self.overlap_chars}")

    @property
    def overlap(self) -> int:
        """The overlap in characters, with the default resolved."""
        return self.size_chars // 8 if self.overlap_chars is None else self.overlap_chars


Span = tuple[int, int]  # (start, end) character offsets into a document's text

# Separators tried in order by the recursive splitter: paragraph, line, sentence, word.
_SEPARATORS = (re.compile(r"\n[ \t]*\n\s*"), re.compile(r"\n"),
               re.compile(r"(?<=[.!?:;])\s+"), re.compile(r"\s+"))
_ATX_HEADING = re.compile(r"^#{1,6} +\S")
UNDERLINE = re.compile(r"^(=+|-+|\*+|~+)\s*$")  # a line underlining a heading (Python reference style)


def embedding_text(chunk: Chunk) -> str:
    """The text handed to the embedder: title, blank line, chunk text."""
    return f"{chunk.title}\n\n{chunk.text}" if chunk.title else chunk.text


def _strip(text: str, span: Span) -> Span | None:
    """Shrink a span past leading and trailing whitespace; None when nothing is left."""
    start, end = span
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def _pieces(text: str, span: Span, size: int, level: int = 0) -> list[Span]:
    """Split a span into contiguous pieces no longer than ``size``, coarse separators first."""
    start, end = span
    if end - start <= size:
        return [span]
    if level == len(_SEPARATORS):  # a single word longer than size: cut it by characters
        return [(s, min(s + size, end)) for s in range(start, end, size)]
    out: list[Span] = []
    piece_start = start
    for match in _SEPARATORS[level].finditer(text, start, end):
        if match.end() > piece_start and match.start() > piece_start:
            out.extend(_pieces(text, (piece_start, match.end()), size, level + 1))
            piece_start = match.end()
    if piece_start < end:
        out.extend(_pieces(text, (piece_start, end), size, level + 1))
    return out


def _pack(text: str, span: Span, size: int) -> list[Span]:
    """Greedily merge neighbouring pieces while the merged span fits in ``size``."""
    packed: list[Span] = []
    for piece in _pieces(text, span, size):
        stripped = _strip(text, piece)
        if stripped is None:
            continue
        if packed and stripped[1] - packed[-1][0] <= size:
            packed[-1] = (packed[-1][0], stripped[1])
        else:
            packed.append(stripped)
    return packed


def _make(doc: Document, spans: Iterable[Span], titles: Iterable[str] | None = None) -> list[Chunk]:
    titles = iter(titles) if titles is not None else None
    chunks = []
    for n, (start, end) in enumerate(spans):
        title = next(titles) if titles is not None else doc.title
        chunks.append(Chunk(chunk_id=f"{doc.id}#{n}", doc_id=doc.id, text=doc.text[start:end],
                            start_char=start, end_char=end, kb=doc.kb, version=doc.version,
                            title=title))
    return chunks


def chunk_fixed(doc: Document, config: ChunkConfig) -> list[Chunk]:
    """Windows of ``size_chars`` characters, each starting ``size - overlap`` after the last."""
    step = config.size_chars - config.overlap
    spans: list[Span] = []
    for start in range(0, len(doc.text), step):
        stripped = _strip(doc.text, (start, min(start + config.size_chars, len(doc.text))))
        if stripped is not None and (not spans or stripped[1] > spans[-1][1]):
            spans.append(stripped)
        if start + config.size_chars >= len(doc.text):
            break
    return _make(doc, spans)


def chunk_recursive(doc: Document, config: ChunkConfig) -> list[Chunk]:
    """Paragraphs, then lines, sentences and words, packed up to ``size_chars``."""
    return _make(doc, _pack(doc.text, (0, len(doc.text)), config.size_chars))


def _headings(text: str) -> list[tuple[int, str]]:
    """(offset of the heading's first line, heading text) for every heading in ``text``."""
    found: list[tuple[int, str]] = []
    lines = text.splitlines(keepends=True)
    offset = 0
    previous: tuple[int, str] | None = None  # (offset, stripped text) of the previous line
    for line in lines:
        stripped = line.strip()
        if _ATX_HEADING.match(line):
            found.append((offset, stripped.lstrip("#").strip()))
        elif (UNDERLINE.match(stripped) and previous is not None and previous[1]
              and len(stripped) >= 3 and not UNDERLINE.match(previous[1])):
            found.append(previous)
        previous = (offset, stripped)
        offset += len(line)
    return found


def chunk_by_heading(doc: Document, config: ChunkConfig) -> list[Chunk]:
    """One chunk per heading section (long sections packed); paragraph blocks without headings."""
    headings = _headings(doc.text)
    if not headings:
        return chunk_recursive(doc, config)
    bounds = [(0, "")] + headings if headings[0][0] > 0 else headings
    spans: list[Span] = []
    titles: list[str] = []
    for i, (start, heading) in enumerate(bounds):
        end = bounds[i + 1][0] if i + 1 < len(bounds) else len(doc.text)
        title = f"{doc.title} > {heading}" if heading and heading != doc.title else doc.title
        for span in _pack(doc.text, (start, end), config.size_chars):
            spans.append(span)
            titles.append(title)
    return _make(doc, spans, titles)


Chunker = Callable[[Document, ChunkConfig], list[Chunk]]

CHUNKERS: dict[str, Chunker] = {
    "fixed": chunk_fixed,
    "recursive": chunk_recursive,
    "heading": chunk_by_heading,
}


def chunk_document(doc: Document, strategy: str = "recursive",
                   config: ChunkConfig | None = None) -> list[Chunk]:
    """Cut one document with a strategy from :data:`CHUNKERS`."""
    if strategy not in CHUNKERS:
        raise ValueError(f"unknown chunking strategy {strategy!r}; known: {', '.join(CHUNKERS)}")
    return CHUNKERS[strategy](doc, config or ChunkConfig())


def chunk_documents(docs: Iterable[Document], strategy: str = "recursive",
                    config: ChunkConfig | None = None) -> list[Chunk]:
    """Cut every document; chunks come out in document order."""
    return [chunk for doc in docs for chunk in chunk_document(doc, strategy, config)]
