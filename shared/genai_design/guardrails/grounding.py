"""Is each sentence of an answer supported by the sources it was given? (framework step 6:
output validation against hallucination).

:class:`GroundingChecker` splits an answer and its sources into sentences and gives every
answer sentence a support score: the highest cosine similarity between its embedding and any
source sentence's. Embeddings see topic and wording, not facts: "returns are free within 30
days" and "within 14 days" sit almost on top of each other. So a second, exact signal checks
numbers: an answer sentence that states a number no source states is unsupported, whatever
its similarity (``number_rule``). An answer is as well supported as its weakest sentence;
:meth:`GroundingChecker.risk` turns that into a score in [0, 1] where higher means more
likely ungrounded, so ``guardrails.scoring`` can tune and judge a threshold as it does for
injection detectors.
Left out on purpose: entailment models (none ships offline; train one or load one online)
and an LLM judge (step 7 measures judges).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text`` (a break after . ! or ? followed by a capital, digit or quote);
    Markdown headings and list markers become sentence breaks too."""
    parts = []
    for line in text.splitlines():
        line = line.strip().lstrip("#*-> ").strip()
        if line:
            parts += [s.strip() for s in _SENTENCE_END.split(line) if s.strip()]
    return parts


def numbers_in(text: str) -> set[str]:
    """The numbers written in ``text`` ("14", "4.95"; a comma decimal is read as a point)."""
    return {n.replace(",", ".") for n in _NUMBER.findall(text)}


@dataclass(frozen=True)
class SentenceSupport:
    """How well one answer sentence is supported."""

    sentence: str  # the answer sentence
    similarity: float  # best cosine similarity to any source sentence
    closest: str  # that source sentence
    missing_numbers: tuple[str, ...]  # numbers in the sentence that no source states

    def support(self, number_rule: bool = True) -> float:
        """The sentence's support in [0, 1]: its similarity, or 0 when the number rule is on
        and it states a number the sources do not."""
        if number_rule and self.missing_numbers:
            return 0.0
        return min(1.0, max(0.0, self.similarity))


class GroundingChecker:
    """Sentence-level support of answers by their sources, with ``embedder`` (an Embedder)."""

    def __init__(self, embedder: Any, number_rule: bool = True) -> None:
        self.embedder = embedder
        self.number_rule = number_rule  # count unstated numbers as unsupported

    def check(self, answer: str, sources: Sequence[str]) -> list[SentenceSupport]:
        """One :class:`SentenceSupport` per sentence of ``answer``."""
        sentences = split_sentences(answer)
        source_sentences = [s for text in sources for s in split_sentences(text)]
        if not sentences:
            raise ValueError("the answer has no sentences to check")
        if not source_sentences:
            raise ValueError("no source text to check the answer against")
        vectors = self.embedder.encode(sentences + source_sentences, show_progress=False)
        sims = vectors[: len(sentences)] @ vectors[len(sentences):].T
        stated = set().union(*(numbers_in(s) for s in sources))
        return [SentenceSupport(s, float(sims[i].max()), source_sentences[int(sims[i].argmax())],
                                tuple(sorted(numbers_in(s) - stated)))
                for i, s in enumerate(sentences)]

    def risk(self, answer: str, sources: Sequence[str]) -> float:
        """1 minus the support of the answer's weakest sentence: higher, more likely ungrounded."""
        support = min(s.support(self.number_rule) for s in self.check(answer, sources))
        return float(min(1.0, max(0.0, 1.0 - support)))

    def weakest(self, answer: str, sources: Sequence[str]) -> str:
        """The answer sentence with the least support (where a reviewer should look first)."""
        checked = self.check(answer, sources)
        return checked[int(np.argmin([s.support(self.number_rule) for s in checked]))].sentence
