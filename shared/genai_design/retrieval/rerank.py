"""Rerankers: a second look at a first stage's top candidates (framework step 3b).

Both are :class:`~genai_design.retrieval.base.Reranker` subclasses that override ``_score``:

- :class:`CrossEncoderReranker` reads the query and a passage together with a
  sequence-classification model and returns its logit. :func:`course_reranker` loads the
  one the course trains itself (:mod:`genai_design.retrieval.rerank_training`; no
  cross-encoder ships in a package the course can install offline);
  :func:`load_published_reranker` loads a published one by name, online or from the local
  Hugging Face cache, and fails with a clear message otherwise.
- :class:`LLMJudgeReranker` asks the served chat model, for each passage, whether it
  answers the question, and scores P(yes) - P(no) from the log-probabilities of the first
  generated token: one request per passage, sent in parallel so the server batches them.

Left out: listwise LLM reranking (one prompt ranking all passages), score calibration, and
caching scores of (query, passage) pairs.
"""

from __future__ import annotations

import functools
import math
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from genai_design.retrieval.base import Reranker
from genai_design.retrieval.rerank_training import QUICK_CONFIG, train_reranker

PUBLISHED_DEFAULT = "cross-encoder/ms-marco-MiniLM-L6-v2"  # a published reranker, online only


class CrossEncoderReranker(Reranker):
    """Scores (query, passage) pairs with a sequence-classification model (higher: better)."""

    def __init__(self, path_or_name: str | Path, max_length: int = 256, batch_size: int = 32,
                 local_only: bool = True) -> None:
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        self.source = str(path_or_name)  # folder or Hugging Face id of the model
        self.max_length, self.batch_size = max_length, batch_size  # tokens per pair; pairs per pass
        self.tokenizer = AutoTokenizer.from_pretrained(self.source, local_files_only=local_only)
        self.model = AutoModelForSequenceClassification.from_pretrained(
            self.source, local_files_only=local_only)
        self.model.eval()

    def _score(self, query: str, texts: list[str]) -> list[float]:
        import torch

        scores: list[float] = []
        with torch.inference_mode():
            for i in range(0, len(texts), self.batch_size):
                batch = texts[i:i + self.batch_size]
                inputs = self.tokenizer([query] * len(batch), batch, truncation="only_second",
                                        max_length=self.max_length, padding=True,
                                        return_tensors="pt")
                logits = self.model(**inputs).logits
                scores += logits[:, 0 if logits.shape[-1] == 1 else -1].tolist()
        return scores


class LLMJudgeReranker(Reranker):
    """Scores a passage by how much the chat model leans to "yes, it answers the question"."""

    def __init__(self, client: Any, model: str, max_chars: int = 700, workers: int = 10) -> None:
        self.client = client  # an OpenAI-compatible client (env.endpoint.client())
        self.model = model  # the served model name (env.endpoint.model)
        self.max_chars = max_chars  # passage characters shown to the model
        self.workers = workers  # requests in flight at once

    def judge(self, query: str, passage: str) -> float:
        """P(yes) - P(no) for the first answer token, from the top log-probabilities."""
        response = self.client.chat.completions.create(
            model=self.model, max_tokens=1, temperature=0, logprobs=True, top_logprobs=10,
            messages=[{"role": "system", "content": "Answer with yes or no."},
                      {"role": "user", "content": f"Passage:\n{passage[:self.max_chars]}\n\n"
                                                  f"Question: {query}\n"
                                                  "Does the passage answer the question?"}])
        score = 0.0
        for item in response.choices[0].logprobs.content[0].top_logprobs:
            word = item.token.strip().lower()
            if word in ("yes", "no"):
                score += math.exp(item.logprob) * (1 if word == "yes" else -1)
        return score

    def _score(self, query: str, texts: list[str]) -> list[float]:
        with ThreadPoolExecutor(min(self.workers, len(texts))) as pool:
            return list(pool.map(lambda text: self.judge(query, text), texts))


@functools.cache
def course_reranker(quick: bool = False) -> CrossEncoderReranker:
    """The course's own reranker, trained on first use (~3 min; ``quick``: ~1 min)."""
    return CrossEncoderReranker(train_reranker(QUICK_CONFIG if quick else None))


def load_published_reranker(name: str = PUBLISHED_DEFAULT) -> CrossEncoderReranker:
    """A published cross-encoder by Hugging Face id; needs the network or a cached copy.

    Raises ValueError saying so when the model can be neither downloaded nor found in the
    local Hugging Face cache (for example with ``HF_HUB_OFFLINE=1``); use
    :func:`course_reranker` for the reranker the course trains itself.
    """
    offline = os.environ.get("HF_HUB_OFFLINE", "").lower() in {"1", "true", "yes", "on"}
    try:
        return CrossEncoderReranker(name, local_only=offline)
    except (OSError, ValueError) as error:
        raise ValueError(
            f"cannot load the published reranker {name!r}: it is not in the local Hugging Face "
            f"cache and {'HF_HUB_OFFLINE is set' if offline else 'the download failed'} "
            f"({type(error).__name__}). Run once with network access to cache it, or use "
            "course_reranker() for the reranker trained in the course.") from None
