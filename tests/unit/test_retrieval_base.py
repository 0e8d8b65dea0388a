"""The retriever interface: one query check, one grouping by document, one hook (step 3b)."""

import pytest

from genai_design.retrieval.base import (
    BaseRetriever,
    Reranker,
    SearchHit,
    group_by_document,
    validate_query,
)
from genai_design.retrieval.chunking import Chunk


def _chunk(chunk_id: str, text: str = "") -> Chunk:
    doc_id = chunk_id.split("#")[0]
    return Chunk(chunk_id=chunk_id, doc_id=doc_id, text=text or f"text of {chunk_id}",
                 start_char=0, end_char=10, kb="kb", version=1, title=doc_id)


CHUNKS = {c.chunk_id: c for c in map(_chunk, ["a#0", "a#1", "b#0", "c#0", "c#1", "d#0"])}


class Fixed(BaseRetriever):
    """A strategy whose ranking is given: the smallest possible override."""

    strategy = "fixed"

    def __init__(self, ranking: list[tuple[str, float]]) -> None:
        super().__init__(CHUNKS)
        self.ranking = ranking
        self.asked: list[tuple[str, int]] = []

    def _rank(self, query: str, n: int) -> list[tuple[str, float]]:
        self.asked.append((query, n))
        return self.ranking[:n]


@pytest.mark.parametrize("query, top_k, error, message", [
    ("", 5, ValueError, "non-empty"),
    ("  \n\t", 5, ValueError, "non-empty"),
    (None, 5, TypeError, "non-empty string, got NoneType"),
    (b"bytes", 5, TypeError, "got bytes"),
    (42, 5, TypeError, "got int"),
    ("ok", 0, ValueError, "top_k must be a positive integer, got 0"),
    ("ok", -3, ValueError, "top_k"),
    ("ok", True, ValueError, "top_k"),
    ("ok", 2.5, ValueError, "top_k"),
    ("ok", "5", ValueError, "top_k"),
])
def test_bad_queries_are_refused_with_a_clear_error(query, top_k, error, message):
    with pytest.raises(error, match=message):
        validate_query(query, top_k)
    retriever = Fixed([("a#0", 1.0)])
    with pytest.raises(error, match=message):
        retriever.search(query, top_k)
    assert retriever.asked == []  # checked before the hook runs


def test_a_good_query_passes_unchanged():
    assert validate_query("  spaces kept  ", 3) == "  spaces kept  "


def test_grouping_keeps_each_documents_best_chunk_in_order():
    ranked = [("c#1", 0.9), ("a#1", 0.8), ("c#0", 0.7), ("a#0", 0.6), ("b#0", 0.5), ("d#0", 0.4)]
    hits = group_by_document(ranked, CHUNKS, top_k=3, strategy="s")
    assert [(h.doc_id, h.chunk_id, h.rank) for h in hits] == [
        ("c", "c#1", 1), ("a", "a#1", 2), ("b", "b#0", 3)]
    assert hits[0] == SearchHit("c", "c#1", 0.9, 1, "text of c#1", "s")
    assert all(isinstance(h.score, float) for h in hits)
    assert group_by_document(ranked, CHUNKS, top_k=10, strategy="s")[-1].doc_id == "d"
    assert group_by_document([], CHUNKS, top_k=3, strategy="s") == []


def test_search_is_the_hook_plus_grouping():
    retriever = Fixed([("a#0", 3.0), ("a#1", 2.0), ("b#0", 1.0)])
    hits = retriever.search("q", top_k=2)
    assert [h.doc_id for h in hits] == ["a", "b"]
    assert {h.strategy for h in hits} == {"fixed"}
    assert retriever.asked == [("q", 50)]  # candidates, at least 5 x top_k
    retriever.search("q", top_k=20)
    assert retriever.asked[-1] == ("q", 100)
    assert hits[0].to_dict()["chunk_id"] == "a#0"


def test_reranker_checks_the_query_and_unwraps_chunks():
    class Length(Reranker):
        def _score(self, query, texts):
            return [len(t) for t in texts]

    reranker = Length()
    assert reranker.score("q", ["ab", _chunk("a#0", "abcd")]) == [2.0, 4.0]
    assert reranker.score("q", []) == []
    with pytest.raises(ValueError, match="non-empty"):
        reranker.score(" ", ["x"])
