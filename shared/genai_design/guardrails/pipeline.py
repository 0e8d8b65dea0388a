"""One guardrail pipeline around any LLM call (framework step 6: input checks, output checks, fallback).

:class:`Guard` composes the chapter's measured defences in the order a request meets them:

1. **Clean** the text (:func:`clean_text`): invisible format characters (zero-width joiners,
   bidirectional overrides), control characters and unpaired surrogates (invalid UTF-8 decoded
   leniently) are removed or replaced, and the text is refused when empty or longer than
   ``max_chars``.
2. **Input checks**: prompt injection by the rules plus the TF-IDF classifier (the combination
   notebook 06a measures; its threshold is tuned here, on the same kind of held-out split, for a
   false-positive budget), and PII found by the course's scrubber and replaced by placeholders.
3. **The call**, with the redacted text only: the model never sees the customer's details.
   A message holding a type listed in ``escalate_pii`` (a new address, bank details) goes to a
   person before any call: the assistant answers questions, it does not change accounts.
4. **Output checks and fallback**: retrieval confidence and the answer's grounding risk decide
   between answering, abstaining and escalating to a person (:class:`FallbackPolicy`);
   e-mail addresses, phone numbers, card numbers and IBANs in the answer that the customer did not
   give are redacted; the customer's own details are put back (reversible pseudonymisation).

Every decision, with its reasons, is appended to an :class:`~genai_design.guardrails.audit.AuditLog`
(no customer text in it). Nothing raises on hostile input: every text gets a verdict, and a
failing call becomes an escalation with its reason.
"""

from __future__ import annotations

import hashlib
import time
import unicodedata
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from genai_design.guardrails.audit import AuditLog
from genai_design.guardrails.fallback import FallbackPolicy
from genai_design.guardrails.injection import RuleDetector, TrainedDetector, load_training_corpus
from genai_design.guardrails.pii import CourseScrubber, PiiSpan, pseudonymise, restore
from genai_design.guardrails.scoring import threshold_for_fpr

BLOCKED_MESSAGE = ("I can't act on that message. A colleague from customer service can help you: "
                   "shall I pass it on?")
ABSTAIN_MESSAGE = ("I can't find that in the help centre, so I'd rather not guess. "
                   "Shall I pass your question to a colleague?")
ESCALATE_MESSAGE = "A colleague from customer service will answer this one; you'll hear from us soon."
# Entity types an answer may contain only when the customer gave them (exact validators, no NER).
OUTPUT_PII_TYPES = ("EMAIL", "PHONE", "CARD", "IBAN")


@dataclass(frozen=True)
class GuardConfig:
    """How strict the guard is; every field has the value the chapter measured with."""

    max_chars: int = 20_000  # longer inputs are refused (still scanned for PII); a chat turn is far shorter
    injection_max_fpr: float = 0.05  # false-positive budget on the tuning split that sets the threshold
    injection_threshold: float | None = None  # a fixed classifier threshold instead of a tuned one
    block_injection: bool = True  # False: flag and log suspected injections, let them through (shadow mode)
    tune_fraction: float = 0.3  # share of the injection corpora held out to tune the threshold
    seed: int = 0  # seeds that train/tune split
    fallback: FallbackPolicy | None = None  # None: answer whatever the retrieval confidence
    # PII types that send a message to a person before any model call: data the assistant may not
    # act on (a new address, bank details for a refund, a card number typed into a chat).
    escalate_pii: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.max_chars < 1:
            raise ValueError(f"max_chars must be at least 1, got {self.max_chars}")
        if isinstance(self.escalate_pii, str):
            raise ValueError(f"escalate_pii must be a tuple of PII types, not the string {self.escalate_pii!r}")
        if not 0 < self.injection_max_fpr < 1 or not 0 < self.tune_fraction < 1:
            raise ValueError("injection_max_fpr and tune_fraction must lie strictly between 0 and 1")
        if self.injection_threshold is not None and not 0 <= self.injection_threshold <= 1:
            raise ValueError(f"injection_threshold must lie in [0, 1], got {self.injection_threshold}")


@dataclass(frozen=True)
class CleanText:
    """A text made safe to check, and where each of its characters came from."""

    text: str  # the cleaned text: what the checks and the model see
    origin: tuple[int, ...] | None  # origin[i]: index in the given text of text[i]; None: unchanged
    notes: tuple[str, ...]  # what was removed or replaced, for the verdict's reasons


def clean_text(text: str) -> CleanText:
    """Remove invisible format characters (Unicode category Cf: zero-width characters, bidi
    overrides) and control characters other than tab and newline; replace unpaired surrogates
    (left by lenient decoding of invalid UTF-8) with U+FFFD."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    kept, origin = [], []
    removed_format = removed_control = replaced = 0
    for index, char in enumerate(text):
        category = unicodedata.category(char)
        if category == "Cf":
            removed_format += 1
            continue
        if category == "Cc" and char not in "\t\n\r":
            removed_control += 1
            continue
        if category == "Cs":
            char, replaced = "\ufffd", replaced + 1
        kept.append(char)
        origin.append(index)
    notes = []
    if removed_format:
        notes.append(f"{removed_format} invisible format character(s) removed (zero-width, bidi)")
    if removed_control:
        notes.append(f"{removed_control} control character(s) removed")
    if replaced:
        notes.append(f"{replaced} invalid character(s) replaced (bytes that were not UTF-8)")
    changed = removed_format or removed_control
    return CleanText("".join(kept), tuple(origin) if changed else None, tuple(notes))


def decode_text(data: bytes) -> tuple[str, tuple[str, ...]]:
    """``data`` decoded as UTF-8, invalid bytes replaced by U+FFFD and counted in a note."""
    try:
        return data.decode("utf-8"), ()
    except UnicodeDecodeError:
        text = data.decode("utf-8", errors="replace")
        return text, (f"invalid UTF-8 bytes replaced ({text.count(chr(0xFFFD))} character(s))",)


@dataclass(frozen=True)
class InputVerdict:
    """What the input checks decided about one text."""

    allowed: bool  # may the text reach the model?
    injection: bool  # was it flagged as a prompt injection?
    injection_score: float  # the detectors' score, 0-1 (the larger of the rules and the classifier)
    pii: tuple[PiiSpan, ...]  # PII found; offsets index the text as given
    redacted: str  # the cleaned text with each PII span replaced by a placeholder such as <EMAIL_1>
    reasons: tuple[str, ...]  # every decision and note, readable
    mapping: dict[str, str] = field(repr=False)  # placeholder -> original value (kept out of logs)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form the command line prints (no original PII values in it)."""
        return {"allowed": self.allowed, "injection": self.injection,
                "injection_score": round(self.injection_score, 4),
                "pii": [{"type": s.type, "start": s.start, "end": s.end} for s in self.pii],
                "redacted": self.redacted, "reasons": list(self.reasons)}


@dataclass(frozen=True)
class GuardedResult:
    """One guarded request: what the user gets and why."""

    request_id: str  # ties the result to its audit records
    action: str  # "answer", "abstain", "escalate" or "block"
    answer: str  # the model's answer with the customer's details restored, or a fallback message
    verdict: InputVerdict  # the input checks' verdict
    confidence: float | None  # retrieval confidence, when a retriever was given
    grounding_risk: float | None  # the answer's grounding risk, when a grounding check was given
    reasons: tuple[str, ...]  # input and output reasons together
    guard_ms: float  # time spent in the guard's own checks (everything but retrieval and the call)
    call_ms: float  # time spent in the model call (0 when it was not made)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", errors="replace")).hexdigest()[:16]


class Guard:
    """Input checks, the call, output checks and fallback, with an audit record per decision."""

    def __init__(self, scrubber: Any, detector: Any, threshold: float, config: GuardConfig = GuardConfig(),
                 audit: AuditLog | None = None, rules: RuleDetector | None = None) -> None:
        self.scrubber = scrubber  # has find(text) -> list[PiiSpan]
        self.detector = detector  # has scores(texts) -> array in [0, 1]
        self.threshold = float(threshold)  # detector score at or above which a text is an injection
        self.config = config
        self.audit = audit
        self.rules = rules or RuleDetector()

    @classmethod
    def build(cls, config: GuardConfig = GuardConfig(), audit: AuditLog | None = None,
              scrubber: Any = None) -> Guard:
        """Train the injection classifier, tune its threshold for ``config.injection_max_fpr``
        on held-out rows, and load the PII scrubber (a few seconds on a laptop CPU)."""
        from sklearn.model_selection import train_test_split

        corpus = load_training_corpus()
        train, tune = train_test_split(corpus, test_size=config.tune_fraction, random_state=config.seed,
                                       stratify=[r.is_attack for r in corpus])
        detector = TrainedDetector("tfidf").fit(train)
        threshold = config.injection_threshold
        if threshold is None:
            threshold = threshold_for_fpr(detector.scores([r.text for r in tune]),
                                          [r.is_attack for r in tune], config.injection_max_fpr)
        return cls(scrubber or CourseScrubber().load(), detector, threshold, config, audit)

    def check(self, text: str | bytes) -> InputVerdict:
        """The input checks on one text; never raises on a str or bytes."""
        notes: tuple[str, ...] = ()
        if isinstance(text, bytes):
            text, notes = decode_text(text)
        clean = clean_text(text)
        reasons = [*notes, *clean.notes]
        body = clean.text
        allowed = True
        if not body.strip():
            allowed = False
            reasons.append("empty text")
        elif len(body) > self.config.max_chars:
            allowed = False
            reasons.append(f"text is {len(body):,} characters, over the {self.config.max_chars:,} limit")
        scored = body[: self.config.max_chars]
        fired = self.rules.matches(scored) if body.strip() else []
        model_score = float(self.detector.scores([scored])[0]) if body.strip() else 0.0
        injection = bool(fired) or model_score >= self.threshold
        if fired:
            reasons.append(f"injection rules fired: {', '.join(fired)}")
        if model_score >= self.threshold:
            reasons.append(f"injection classifier score {model_score:.2f} >= {self.threshold:.2f}")
        if injection and self.config.block_injection:
            allowed = False
        spans = self.scrubber.find(body) if body else []
        redacted, mapping = pseudonymise(body, spans)
        if spans:
            counts: dict[str, int] = {}
            for span in spans:
                counts[span.type] = counts.get(span.type, 0) + 1
            reasons.append("PII redacted: " + ", ".join(f"{n} {t}" for t, n in sorted(counts.items())))
        return InputVerdict(allowed=allowed, injection=injection,
                            injection_score=1.0 if fired else model_score,
                            pii=tuple(self._in_given_text(spans, clean)), redacted=redacted,
                            reasons=tuple(reasons), mapping=mapping)

    @staticmethod
    def _in_given_text(spans: Sequence[PiiSpan], clean: CleanText) -> list[PiiSpan]:
        if clean.origin is None:
            return list(spans)
        origin = clean.origin
        return [PiiSpan(s.type, origin[s.start], origin[s.end - 1] + 1, s.text, s.source) for s in spans]

    def record(self, request_id: str, stage: str, decision: str, reasons: Sequence[str], **extra: Any) -> None:
        """Append one decision to the audit log (no-op without a log)."""
        if self.audit is not None:
            self.audit.append({"request_id": request_id, "stage": stage, "decision": decision,
                               "reasons": list(reasons), **extra})

    def run(self, text: str | bytes, call: Callable[[str, Sequence[str]], str], *,
            retrieve: Callable[[str], tuple[Sequence[str], float]] | None = None,
            grounding: Callable[[str, Sequence[str]], float] | None = None,
            request_id: str | None = None) -> GuardedResult:
        """Guard one request: ``call(redacted_text, sources)`` is the model call; ``retrieve``
        returns (sources, confidence) for the redacted text; ``grounding`` scores an answer's
        risk against the sources (0 safe, 1 unsupported)."""
        rid = request_id or uuid.uuid4().hex[:12]
        start = time.perf_counter()
        verdict = self.check(text)
        reasons = list(verdict.reasons)
        self.record(rid, "input", "allow" if verdict.allowed else "block", verdict.reasons,
                    injection_score=round(verdict.injection_score, 4), pii=[s.type for s in verdict.pii],
                    chars=len(verdict.redacted), text_sha=_sha(verdict.redacted))
        outside = 0.0  # seconds spent in retrieval and the call, not in the guard

        def finish(action: str, answer: str, confidence: float | None = None, risk: float | None = None,
                   call_s: float = 0.0) -> GuardedResult:
            guard_ms = 1000 * (time.perf_counter() - start - outside)
            return GuardedResult(rid, action, answer, verdict, confidence, risk, tuple(reasons), guard_ms,
                                 1000 * call_s)

        if not verdict.allowed:
            return finish("block", BLOCKED_MESSAGE)
        handover = sorted({s.type for s in verdict.pii} & set(self.config.escalate_pii))
        if handover:
            why = [f"message holds {', '.join(handover)}: a person handles it"]
            reasons.extend(why)
            self.record(rid, "input", "escalate", why)
            return finish("escalate", ESCALATE_MESSAGE)
        sources: Sequence[str] = ()
        confidence = None
        policy = self.config.fallback
        if retrieve is not None:
            began = time.perf_counter()
            sources, confidence = retrieve(verdict.redacted)
            outside += time.perf_counter() - began
            if policy is not None:
                action, why = policy.decide(confidence)
                if action != "answer":
                    reasons.extend(why)
                    self.record(rid, "retrieval", action, why, confidence=confidence)
                    return finish(action, ABSTAIN_MESSAGE, confidence)
        began = time.perf_counter()
        try:
            raw = call(verdict.redacted, list(sources))
        except Exception as error:  # the user gets an escalation, the log gets the reason
            outside += time.perf_counter() - began
            why = [f"model call failed: {type(error).__name__}: {str(error)[:200]}"]
            reasons.extend(why)
            self.record(rid, "call", "escalate", why)
            return finish("escalate", ESCALATE_MESSAGE, confidence, call_s=time.perf_counter() - began)
        call_s = time.perf_counter() - began
        outside += call_s
        risk = None
        if grounding is not None and sources:
            risk = float(grounding(raw, sources))
            if policy is not None:
                action, why = policy.decide(confidence, risk)
                if action != "answer":
                    reasons.extend(why)
                    self.record(rid, "output", action, why, confidence=confidence, grounding_risk=risk)
                    return finish(action, ESCALATE_MESSAGE, confidence, risk, call_s)
        answer, leaked = self.screen_answer(restore(raw, verdict.mapping), verdict.mapping)
        if leaked:
            why = [f"answer held {n} {t} the customer did not give: redacted" for t, n in sorted(leaked.items())]
            reasons.extend(why)
        self.record(rid, "output", "answer", [r for r in reasons if r not in verdict.reasons],
                    confidence=confidence, grounding_risk=risk, chars=len(answer))
        return finish("answer", answer, confidence, risk, call_s)

    def screen_answer(self, answer: str, mapping: dict[str, str]) -> tuple[str, dict[str, int]]:
        """The output check: ``answer`` with validated PII (e-mail, phone, card, IBAN) that is not
        one of the customer's own values (``mapping``'s) replaced by ``[TYPE removed]``, and how
        many of each type were removed."""
        given = set(mapping.values())
        foreign = [s for s in self.scrubber.find(answer)
                   if s.type in OUTPUT_PII_TYPES and s.text not in given]
        counts: dict[str, int] = {}
        for span in sorted(foreign, key=lambda s: s.start, reverse=True):
            answer = answer[: span.start] + f"[{span.type} removed]" + answer[span.end:]
            counts[span.type] = counts.get(span.type, 0) + 1
        return answer, counts


def overhead_percentiles(results: Sequence[GuardedResult]) -> dict[str, float]:
    """p50 and p95 of the guard's own milliseconds per request, beside the call's."""
    if not results:
        raise ValueError("no results")
    guard = np.array([r.guard_ms for r in results])
    calls = np.array([r.call_ms for r in results if r.call_ms > 0] or [0.0])
    return {"guard_p50_ms": float(np.percentile(guard, 50)), "guard_p95_ms": float(np.percentile(guard, 95)),
            "call_p50_ms": float(np.percentile(calls, 50)), "call_p95_ms": float(np.percentile(calls, 95))}


ANSWER_SYSTEM_PROMPT = ("You answer customers of an online shop using only the help-centre passages below. "
                        "Placeholders such as <EMAIL_1> stand for the customer's own details: keep them as they are. "
                        "If the passages do not answer the question, say so.")


def chat_call(client: Any, model: str, max_tokens: int = 96,
              system_prompt: str = ANSWER_SYSTEM_PROMPT) -> Callable[[str, Sequence[str]], str]:
    """A model call for :meth:`Guard.run`: the sources go into the system message, the (redacted)
    customer text is the user message; greedy decoding, at most ``max_tokens`` tokens."""
    if max_tokens < 1:
        raise ValueError(f"max_tokens must be at least 1, got {max_tokens}")

    def call(text: str, sources: Sequence[str]) -> str:
        passages = "\n\n".join(f"[{i}] {s}" for i, s in enumerate(sources, start=1)) or "(none)"
        reply = client.chat.completions.create(
            model=model, max_tokens=max_tokens, temperature=0.0,
            messages=[{"role": "system", "content": f"{system_prompt}\n\nPassages:\n{passages}"},
                      {"role": "user", "content": text}])
        return reply.choices[0].message.content or ""

    return call
