"""The served LLM as a zero-shot classifier (framework step 0).

:func:`classify_with_llm` asks the model for one label per text. With ``constrained=True``
the server's constrained decoding (vLLM's ``structured_outputs`` choice) masks every token
that would leave the label set, so the answer is always a valid label and needs at most a
few output tokens; unconstrained, the model answers freely and anything that is not a label
counts as wrong. Requests run ``concurrency`` at a time (the server batches them), and the
result keeps what the cost model needs: tokens in and out as the server counted them, and
the wall time of the whole run.
Left out on purpose: few-shot examples and label-probability calibration (exercises), and
retries (a failed request raises).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from genai_design.progress import progress

SYSTEM_PROMPT = ("You sort news articles by topic. Reply with exactly one word from this list: "
                 "{labels}.")  # {labels}: the label set, comma-separated
USER_PROMPT = "Article:\n{text}\n\nTopic ({labels})?"  # {text}: the (truncated) article


@dataclass(frozen=True)
class LLMClassification:
    """Answers and costs of one classification run."""

    predictions: list[str]  # the model's answer per text ("" when it gave none)
    latency_s: list[float]  # seconds per request, as the client saw them
    prompt_tokens: list[int]  # input tokens per request (server's count)
    completion_tokens: list[int]  # output tokens per request (server's count)
    wall_s: float  # seconds for the whole run
    concurrency: int  # requests in flight

    def accuracy(self, labels: Sequence[str]) -> float:
        """Share of answers equal to ``labels`` (same order as the texts)."""
        if len(labels) != len(self.predictions):
            raise ValueError(f"{len(labels)} labels for {len(self.predictions)} predictions")
        return float(np.mean([p == t for p, t in zip(self.predictions, labels, strict=True)]))

    def valid_share(self, label_set: Sequence[str]) -> float:
        """Share of answers that are one of ``label_set``."""
        allowed = set(label_set)
        return float(np.mean([p in allowed for p in self.predictions]))

    @property
    def items_per_s(self) -> float:
        """Throughput of the run."""
        return len(self.predictions) / self.wall_s if self.wall_s > 0 else 0.0


def truncate_tokens(tokenizer: Any, text: str, max_tokens: int) -> str:
    """``text`` cut to its first ``max_tokens`` tokens of ``tokenizer`` (whole text if shorter)."""
    if max_tokens < 1:
        raise ValueError(f"max_tokens must be >= 1, got {max_tokens}")
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    return text if len(ids) <= max_tokens else str(tokenizer.decode(ids[:max_tokens]))


def classification_messages(text: str, labels: Sequence[str]) -> list[dict[str, str]]:
    """The chat messages that ask for ``text``'s label."""
    names = ", ".join(labels)
    return [{"role": "system", "content": SYSTEM_PROMPT.format(labels=names)},
            {"role": "user", "content": USER_PROMPT.format(text=text, labels=names)}]


def classify_with_llm(client: Any, model: str, texts: Sequence[str], labels: Sequence[str], *,
                      constrained: bool = True, concurrency: int = 16, max_tokens: int = 8,
                      show_progress: bool = True) -> LLMClassification:
    """One chat request per text, ``concurrency`` at a time; see the module docstring."""
    if not texts:
        raise ValueError("texts is empty")
    if len(set(labels)) < 2:
        raise ValueError(f"need at least two distinct labels, got {list(labels)}")
    if concurrency < 1:
        raise ValueError(f"concurrency must be >= 1, got {concurrency}")
    extra = {"extra_body": {"structured_outputs": {"choice": list(labels)}}} if constrained else {}

    def ask(text: str) -> tuple[str, float, int, int]:
        start = time.perf_counter()
        reply = client.chat.completions.create(
            model=model, messages=classification_messages(text, labels), max_tokens=max_tokens,
            temperature=0.0, **extra)
        answer = (reply.choices[0].message.content or "").strip()
        usage = reply.usage
        return (answer, time.perf_counter() - start, int(usage.prompt_tokens),
                int(usage.completion_tokens))

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        out = list(progress(pool.map(ask, texts), total=len(texts), show=show_progress,
                            desc="LLM", unit="item"))
    wall_s = time.perf_counter() - start
    return LLMClassification([o[0] for o in out], [o[1] for o in out], [o[2] for o in out],
                             [o[3] for o in out], wall_s, concurrency)
