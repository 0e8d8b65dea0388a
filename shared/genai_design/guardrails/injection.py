"""Prompt-injection detection, three ways, behind one call (framework step 6: input filtering).

Every detector answers ``scores(texts)``: one number in [0, 1] per text, higher meaning more
likely an attack, so the same scoring code (``guardrails.scoring``) judges them all.

- :class:`RuleDetector`: hand-written patterns (override phrases, role hijacks, requests for
  the system prompt), applied after undoing three cheap obfuscations: letters spaced apart,
  Cyrillic look-alike letters, and base64 payloads. Scores are 0 or 1.
- :class:`NanoGuardDetector`: the small transformer classifier bundled in the
  ``metatronnanoguard`` package. Its own ``scan()`` pads every text to 512 tokens; the model
  pools over the tokens it is given, so it is called here on the unpadded ids, one text at a
  time, which gives the same scores (see the unit tests) for a fraction of the work.
- :class:`TrainedDetector`: a classifier trained in the course (TF-IDF or sentence embeddings
  with logistic regression, from :mod:`genai_design.classify`) on labelled rows.

:func:`load_training_corpus` reads the labelled rows that ship in ``bastioncorpus`` and
``jailbreak-corpus-mini-py``; :func:`load_eval_set` reads the attack set written for the
course (``data/guardrails/injection_eval.yaml``), which no detector trains on.
Left out on purpose: an LLM asked to judge its own input (slow, and itself injectable) and
output-side checks (other modules of this package).
"""

from __future__ import annotations

import base64
import binascii
import re
import statistics
import time
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import yaml

from genai_design.corpora.documents import data_dir


@dataclass(frozen=True)
class LabelledText:
    """One text a detector may see, with the truth about it."""

    text: str  # what reaches the model: a user message, a retrieved passage, a tool output
    is_attack: bool  # True for an injection or jailbreak attempt
    source: str  # the corpus it comes from
    category: str  # the corpus's own category (direct, indirect_tool, hard_negative...)
    channel: str  # user_input, retrieved_document, tool_output, memory


class Detector(Protocol):
    """What the scoring code needs from a detector."""

    name: str

    def scores(self, texts: Sequence[str]) -> np.ndarray: ...


def load_training_corpus() -> list[LabelledText]:
    """The labelled rows of ``bastioncorpus`` (attacks and benign look-alikes, several
    languages, user input and tool output) and the jailbreak prompts of
    ``jailbreak-corpus-mini-py`` (all attacks), in the packages' order."""
    import bastioncorpus
    import jailbreak_corpus_mini

    rows = [LabelledText(r.text, r.label == "malicious", "bastioncorpus", r.category, r.channel)
            for r in bastioncorpus.load_corpus()]
    rows += [LabelledText(f.prompt, True, "jailbreak-corpus-mini", f.category, "user_input")
             for f in jailbreak_corpus_mini.get_jailbreak_fixtures()]
    return rows


def load_eval_set(path: str | Path | None = None) -> list[LabelledText]:
    """The course's own attack set (default: ``data/guardrails/injection_eval.yaml``)."""
    file = Path(path) if path is not None else data_dir() / "guardrails" / "injection_eval.yaml"
    doc = yaml.safe_load(file.read_text(encoding="utf-8"))
    if not isinstance(doc, dict) or not doc.get("items"):
        raise ValueError(f"{file}: expected a mapping with a non-empty 'items' list")
    rows = []
    for item in doc["items"]:
        if item.get("label") not in ("attack", "benign"):
            raise ValueError(f"{file}: item {item.get('id')!r} has label {item.get('label')!r}")
        rows.append(LabelledText(str(item["text"]), item["label"] == "attack", "course",
                                 str(item["category"]), str(item["channel"])))
    return rows


# Patterns that mark an attempt to override the assistant's instructions (checked on
# lower-cased, de-obfuscated text). A registry: name -> regular expression.
RULES: dict[str, str] = {
    "override": r"\b(ignore|disregard|forget|override)\b.{0,30}\b(previous|prior|above|earlier|all|your|the)\b"
                r".{0,20}\b(instructions?|rules|guidelines|prompts?|directions)\b",
    "system_prompt": r"\b(system|hidden|initial|original)\s+(prompt|instructions?|message)\b",
    "role_hijack": r"\byou are (now|no longer)\b|\bact as (an? )?(unrestricted|unfiltered|jailbroken)\b"
                   r"|\b(developer|god|dan) mode\b|\bjailbreak",
    "new_instructions": r"\b(new|updated|real) (instructions|task|rules)\s*:",
    "exfiltrate": r"!\[[^\]]*\]\(https?://|\bsend (it|this|them|the \w+) to\b.{0,40}(https?://|@)",
}

# Cyrillic letters that look like Latin ones (a few of Unicode's confusables).
_CONFUSABLES = str.maketrans("аеорсухіАЕОРСХІ", "aeopcyxiAEOPCXI")
_BASE64_RUN = re.compile(r"[A-Za-z0-9+/]{16,}={0,2}")


def normalise(text: str) -> str:
    """``text`` with cheap obfuscations undone: compatibility forms folded (NFKC), Cyrillic
    look-alikes mapped to Latin, single letters spaced apart joined, lower-cased; any base64
    run that decodes to readable text is appended, decoded."""
    folded = unicodedata.normalize("NFKC", text).translate(_CONFUSABLES)
    joined = re.sub(r"\b(\w)[ .\-_](?=\w\b)", r"\1", folded)
    decoded = []
    for run in _BASE64_RUN.findall(text):
        try:
            plain = base64.b64decode(run + "=" * (-len(run) % 4), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            continue
        if plain.isprintable():
            decoded.append(plain)
    return " ".join([joined, *decoded]).lower()


class RuleDetector:
    """Flags a text when any pattern of ``rules`` matches its normalised form."""

    def __init__(self, rules: dict[str, str] | None = None, name: str = "rules") -> None:
        self.name = name
        self.patterns = {key: re.compile(p) for key, p in (rules or RULES).items()}

    def matches(self, text: str) -> list[str]:
        """Names of the rules that fire on ``text``."""
        norm = normalise(text)
        return [key for key, pattern in self.patterns.items() if pattern.search(norm)]

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        return np.array([1.0 if self.matches(t) else 0.0 for t in texts])


class NanoGuardDetector:
    """The bundled NanoGuard classifier; loads its weights on the first call to ``scores``."""

    def __init__(self, name: str = "NanoGuard") -> None:
        self.name = name
        self.guard: Any = None  # nanoguard.NanoGuard once loaded

    def load(self) -> NanoGuardDetector:
        """Load the model now (about a second); ``scores`` calls it when needed."""
        if self.guard is None:
            from nanoguard import NanoGuard

            self.guard = NanoGuard(device="cpu")
        return self

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        import torch

        self.load()
        seq_len = self.guard.config.sequence_len
        out = []
        with torch.inference_mode():
            for text in texts:
                ids = self.guard.tokenizer.encode(text, max_length=seq_len)
                logits = self.guard.model(torch.tensor([ids], dtype=torch.long))
                out.append(float(torch.softmax(logits.float(), dim=-1)[0, 1]))
        return np.array(out)


class TrainedDetector:
    """A course-trained classifier (``features``: "tfidf" or "embeddings")."""

    def __init__(self, features: str = "tfidf", embedder: Any = None, name: str | None = None) -> None:
        from genai_design.classify import TextClassifier

        self.classifier = TextClassifier(features, embedder)
        self.name = name or f"trained ({features})"

    def fit(self, rows: Sequence[LabelledText]) -> TrainedDetector:
        """Train on labelled rows (both labels needed)."""
        self.classifier.fit([r.text for r in rows], ["attack" if r.is_attack else "benign" for r in rows])
        return self

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        proba = self.classifier.predict_proba(list(texts))
        return proba[:, self.classifier.classes.index("attack")]


def time_per_check_ms(detector: Detector, texts: Sequence[str], repeats: int = 1) -> float:
    """Median milliseconds to score one text on its own, as a guard in a request path does."""
    if not texts:
        raise ValueError("texts is empty")
    detector.scores(list(texts[:1]))  # warm-up: loads, first-call allocations
    times = []
    for _ in range(repeats):
        for text in texts:
            start = time.perf_counter()
            detector.scores([text])
            times.append(1000 * (time.perf_counter() - start))
    return statistics.median(times)
