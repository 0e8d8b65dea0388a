"""Workloads: the requests a load test sends (framework step 5, inference infrastructure).

A load test is only as meaningful as its requests. Three shapes cover what chapter 5 needs:

- :func:`fixed_prompts`: the same prompt again and again, every request asking for the same
  number of output tokens. The cleanest signal: every difference comes from the server.
- :func:`mixed_output_lengths`: output budgets drawn (seeded) from a list, the workload on
  which static batching wastes slots and continuous batching does not.
- :func:`shared_prefix`: one long system prompt shared by every request, each with its own
  question, the workload on which prefix caching pays.

``ignore_eos=True`` asks the server to keep generating until ``max_tokens``, so output
lengths are what the workload says and not what the model happens to stop at.
Left out on purpose: arrival processes (Poisson, bursts); requests are sent as fast as the
concurrency limit allows, see :mod:`genai_design.loadtest.runner`.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class RequestSpec:
    """One chat-completion request of a workload."""

    messages: tuple[dict[str, str], ...]  # OpenAI chat messages, e.g. ({"role": "user", ...},)
    max_tokens: int  # output budget in tokens
    ignore_eos: bool = True  # True: generate exactly max_tokens (vLLM's ignore_eos)

    def __post_init__(self) -> None:
        if self.max_tokens < 1:
            raise ValueError(f"max_tokens must be a positive integer, got {self.max_tokens}")
        if not self.messages:
            raise ValueError("messages must hold at least one chat message")
        # Accept any sequence of mappings; keep a tuple of copies, so later edits to the
        # caller's list do not change a spec already handed to a run.
        object.__setattr__(self, "messages", tuple(dict(m) for m in self.messages))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _user(text: str) -> dict[str, str]:
    return {"role": "user", "content": text}


def _check_count(num_requests: int) -> None:
    if num_requests < 1:
        raise ValueError(f"num_requests must be a positive integer, got {num_requests}")


def fixed_prompts(num_requests: int, max_tokens: int = 64,
                  prompt: str = "Write a short story about a lighthouse keeper.",
                  ignore_eos: bool = True) -> list[RequestSpec]:
    """``num_requests`` copies of one user prompt, each asking for ``max_tokens`` tokens."""
    _check_count(num_requests)
    spec = RequestSpec((_user(prompt),), max_tokens, ignore_eos)
    return [spec] * num_requests


def mixed_output_lengths(num_requests: int, output_lengths: Sequence[int] = (16, 64, 256),
                         seed: int = 0,
                         prompt: str = "Explain how a bicycle gear works.",
                         ignore_eos: bool = True) -> list[RequestSpec]:
    """One prompt, with output budgets drawn uniformly (seeded) from ``output_lengths``."""
    _check_count(num_requests)
    if not output_lengths:
        raise ValueError("output_lengths must list at least one output budget in tokens")
    rng = random.Random(seed)
    return [RequestSpec((_user(prompt),), rng.choice(list(output_lengths)), ignore_eos)
            for _ in range(num_requests)]


# A neutral filler for the shared system prompt: repeated to reach the wanted length.
_PREFIX_SENTENCE = ("You are the help desk of a public library. Answer briefly and politely, "
                    "quote the opening hours when asked, and never invent a book title. ")

_QUESTIONS = (
    "When does the library open on Saturdays?",
    "How many books can I borrow at once?",
    "Can I renew a loan online?",
    "Do you have a quiet study room?",
    "How do I get a library card?",
    "Is there a fee for late returns?",
    "Can I print documents at the library?",
    "Do you lend e-books?",
)


def shared_prefix(num_requests: int, prefix_repeats: int = 20, max_tokens: int = 32,
                  questions: Sequence[str] = _QUESTIONS,
                  ignore_eos: bool = True) -> list[RequestSpec]:
    """A long system prompt (``prefix_repeats`` copies of one sentence) + varying questions.

    Every request shares the same system message, so a server with prefix caching computes
    its KV cache once; questions cycle through ``questions``.
    """
    _check_count(num_requests)
    if prefix_repeats < 1:
        raise ValueError(f"prefix_repeats must be a positive integer, got {prefix_repeats}")
    if not questions:
        raise ValueError("questions must list at least one question")
    system = {"role": "system", "content": _PREFIX_SENTENCE * prefix_repeats}
    return [RequestSpec((system, _user(questions[i % len(questions)])), max_tokens, ignore_eos)
            for i in range(num_requests)]
