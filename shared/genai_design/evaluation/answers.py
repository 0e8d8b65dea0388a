"""Scoring a generated answer against a reference and against its sources (framework step 7,
offline metrics).

Answer overlap follows the SQuAD convention: lower-case, drop punctuation and the articles
"a", "an", "the", split on whitespace. :func:`exact_match` compares the normalised strings,
:func:`token_f1` the bags of normalised tokens, and :func:`rouge_l` is the longest common
subsequence F-measure from Google's ``rouge-score`` package (the implementation most papers
report, with Porter stemming).

Faithfulness asks whether the answer says only what the sources say. Two measures:
:func:`source_precision` is lexical (the share of the answer's content tokens that appear in
the sources: cheap, exact, fooled by paraphrase) and :func:`supported_share` uses step 6's
:class:`~genai_design.guardrails.GroundingChecker` (the share of sentences whose support
reaches a threshold).

Abstention: :func:`is_abstention` recognises "I don't know" and its usual variants, and
:func:`abstention_quality` asks whether a system abstained on the questions it cannot answer
and answered the ones it can.
Citation markers (``[doc-3]``) are not content: :func:`strip_citations` removes them before a
RAG answer is compared with its reference.
Left out: BLEU, BERTScore and other model-based overlap scores, and judging correctness with a
model (a later part of step 7).
"""

from __future__ import annotations

import functools
import re
import string
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCT = str.maketrans("", "", string.punctuation)
_CITATION = re.compile(r"\[[^\]\n]{1,40}\]")  # [doc-3], [2]: source ids, not content
STOPWORDS = frozenset(
    "a an the and or but if of to in on at by for with from as is are was were be been it its this that "
    "these those you your i we they he she them our us my me do does did not no can will would should "
    "could may might has have had so than then there their what which who when where how".split())

# Phrases that mean "I cannot answer this". Matched case-insensitively anywhere in the answer:
# a system that hedges and then answers anyway still counts as abstaining, which is how a user
# reads it too.
ABSTENTION_PATTERNS = (
    r"\bi (?:do not|don't|dont) know\b",
    r"\b(?:context|passages?|sources?|documents?|help centre|help center)\b[^.]{0,40}"
    r"\b(?:does not|doesn't|do not|don't)\b[^.]{0,20}\b(?:contain|say|mention|cover|include|answer)",
    r"\b(?:cannot|can't|can not|unable to) (?:answer|find|help with)\b",
    r"\bno (?:information|answer|mention)\b",
    r"\bnot (?:covered|mentioned|stated|specified)\b",
)
_ABSTAIN = re.compile("|".join(ABSTENTION_PATTERNS), re.IGNORECASE)


def normalise_answer(text: str) -> str:
    """Lower-case, apostrophes and punctuation and articles removed, whitespace collapsed."""
    if not isinstance(text, str):
        raise TypeError(f"an answer must be a string, got {type(text).__name__}")
    text = text.lower().replace("\u2019", "'").translate(_PUNCT)
    return " ".join(_ARTICLES.sub(" ", text).split())


def exact_match(prediction: str, reference: str) -> float:
    """1.0 if the normalised strings are equal, else 0.0."""
    return float(normalise_answer(prediction) == normalise_answer(reference))


def token_f1(prediction: str, reference: str) -> float:
    """F1 of the normalised token bags; 1.0 when both are empty, 0.0 when only one is."""
    pred, ref = normalise_answer(prediction).split(), normalise_answer(reference).split()
    if not pred or not ref:
        return float(pred == ref)
    common = sum((Counter(pred) & Counter(ref)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(pred), common / len(ref)
    return 2 * precision * recall / (precision + recall)


@functools.lru_cache(maxsize=1)
def _rouge_scorer() -> Any:
    from rouge_score import rouge_scorer, tokenizers  # imported on first use: no work at import time

    # The tokenizer is passed explicitly: left to pick its default, rouge-score logs that through
    # absl before logging is configured, which installs a handler on Python's root logger and
    # makes every library's debug messages appear in notebooks.
    return rouge_scorer.RougeScorer(["rougeL"], tokenizer=tokenizers.DefaultTokenizer(use_stemmer=True))


def rouge_l(prediction: str, reference: str) -> float:
    """ROUGE-L F-measure (longest common subsequence, Porter-stemmed tokens), from rouge-score."""
    for name, value in (("prediction", prediction), ("reference", reference)):
        if not isinstance(value, str):
            raise TypeError(f"{name} must be a string, got {type(value).__name__}")
    return float(_rouge_scorer().score(reference, prediction)["rougeL"].fmeasure)


def strip_citations(text: str) -> str:
    """``text`` without citation markers such as ``[doc-3]`` or ``[shop-help/returns]``."""
    return " ".join(_CITATION.sub(" ", text).split())


def content_tokens(text: str) -> list[str]:
    """Normalised tokens of ``text`` without stop words and citation markers like ``[doc-3]``."""
    return [t for t in normalise_answer(_CITATION.sub(" ", text)).split() if t not in STOPWORDS]


def source_precision(answer: str, sources: Sequence[str]) -> float:
    """Share of the answer's content tokens that occur in any source (1.0 for an empty answer).

    A lexical faithfulness score: an answer copied from its sources scores 1.0; every
    invented word lowers it. Paraphrase lowers it too, so read it beside a semantic measure.
    """
    tokens = content_tokens(answer)
    if not tokens:
        return 1.0
    vocabulary = {t for source in sources for t in content_tokens(source)}
    return sum(t in vocabulary for t in tokens) / len(tokens)


def supported_share(answer: str, sources: Sequence[str], checker: Any, min_support: float) -> float:
    """Share of the answer's sentences whose grounding support reaches ``min_support``.

    ``checker`` is a :class:`~genai_design.guardrails.GroundingChecker` (or anything with its
    ``check(answer, sources)`` method); an answer without sentences scores 1.0.
    """
    supports = checker.check(answer, sources)
    if not supports:
        return 1.0
    return sum(s.support() >= min_support for s in supports) / len(supports)


def is_abstention(answer: str) -> bool:
    """Whether the answer declines to answer ("I don't know", "the context does not say"...)."""
    return bool(_ABSTAIN.search(answer.replace("\u2019", "'")))


@dataclass(frozen=True)
class AbstentionQuality:
    """Abstentions judged against which questions could be answered."""

    n_answerable: int  # questions the knowledge base answers
    n_unanswerable: int  # questions it does not
    abstained_when_should: float  # unanswerable questions abstained on (recall of abstaining)
    answered_when_should: float  # answerable questions answered (not abstained on)
    abstention_precision: float  # abstentions that were on unanswerable questions (1.0 if none)
    abstain_rate: float  # all questions abstained on

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def abstention_quality(abstained: Sequence[bool], answerable: Sequence[bool]) -> AbstentionQuality:
    """Compare abstentions with answerability, question by question (same order, same length)."""
    if len(abstained) != len(answerable) or not abstained:
        raise ValueError(f"need two non-empty sequences of the same length, got {len(abstained)} "
                         f"abstentions and {len(answerable)} labels")
    pairs = [(bool(a), bool(b)) for a, b in zip(abstained, answerable)]
    n_ans = sum(ok for _, ok in pairs)
    n_unans = len(pairs) - n_ans
    abstain_on_unans = sum(a and not ok for a, ok in pairs)
    answered_ans = sum(not a and ok for a, ok in pairs)
    n_abstain = sum(a for a, _ in pairs)
    nan = float("nan")
    return AbstentionQuality(
        n_answerable=n_ans, n_unanswerable=n_unans,
        abstained_when_should=abstain_on_unans / n_unans if n_unans else nan,
        answered_when_should=answered_ans / n_ans if n_ans else nan,
        abstention_precision=abstain_on_unans / n_abstain if n_abstain else 1.0,
        abstain_rate=n_abstain / len(pairs))
