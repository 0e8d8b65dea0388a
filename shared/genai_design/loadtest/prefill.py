"""What a longer prompt costs before the first token: prefill time against prompt length
(framework steps 1 and 5).

:func:`measure_prefill` sends prompts of several lengths one at a time, each asking for a
single token, and fits time to first token as ``fixed_ms + ms_per_token * prompt_tokens``.
Every prompt starts with a random tag, so the server's prefix cache cannot serve part of it
from an earlier request. :func:`filler_prompt` builds those prompts; ``units`` repeats of a
one-line log entry, about ``tokens_per_unit`` tokens each (measured by the server's count).
Left out on purpose: prefill under concurrent load (step 5's disaggregation notebook models it).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from genai_design.timing import stream_chat

FILLER = "The harbour master logs each ship, its cargo and the hour it docked. "
_OVERHEAD_TOKENS = 30  # chat template, tag and closing instruction, about


def filler_prompt(units: int) -> str:
    """A prompt of ``units`` log lines behind a random tag (no prefix-cache hits between calls)."""
    if units < 0:
        raise ValueError(f"units must be >= 0, got {units}")
    return f"[{uuid.uuid4().hex}]\n" + FILLER * units + "\nSummarise the log in one line."


@dataclass(frozen=True)
class PrefillFit:
    """Time to first token against prompt length, measured one request at a time."""

    fixed_ms: float  # TTFT the fit gives an empty prompt (request overhead, one step); >= 0
    ms_per_token: float  # extra TTFT for each further prompt token
    tokens_per_unit: float  # prompt tokens one filler line adds, by the server's count
    points: tuple[tuple[int, float], ...]  # (prompt tokens the server counted, TTFT ms), as measured

    def ttft_ms(self, prompt_tokens: float) -> float:
        """The fitted time to first token for a prompt of ``prompt_tokens``."""
        return self.fixed_ms + self.ms_per_token * prompt_tokens

    def units_for(self, prompt_tokens: int) -> int:
        """Filler lines that make a prompt of about ``prompt_tokens`` tokens."""
        return max(1, round((prompt_tokens - _OVERHEAD_TOKENS) / self.tokens_per_unit))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _first_token(client: Any, model: str, units: int) -> tuple[int, float]:
    timed = stream_chat(client, model, [{"role": "user", "content": filler_prompt(units)}], max_tokens=1)
    if timed.ttft_ms is None or timed.prompt_tokens is None:
        raise RuntimeError("the server returned no token or no usage for a prefill probe")
    return int(timed.prompt_tokens), float(timed.ttft_ms)


def measure_prefill(client: Any, model: str, prompt_lengths: Sequence[int], repeats: int = 2,
                    progress: Any = None) -> PrefillFit:
    """Measure TTFT at each of ``prompt_lengths`` (about, in tokens) ``repeats`` times and fit a line.

    One untimed warm-up request goes first; ``progress`` (a callable taking a message) reports
    each length's median as it is measured.
    """
    if len(prompt_lengths) < 2 or min(prompt_lengths) < 1 or repeats < 1:
        raise ValueError("give at least two prompt lengths >= 1 token and repeats >= 1")
    _first_token(client, model, 4)  # warm-up, not timed
    probe_tokens, _ = _first_token(client, model, 100)
    base_tokens, _ = _first_token(client, model, 0)
    tokens_per_unit = (probe_tokens - base_tokens) / 100
    draft = PrefillFit(0.0, 0.0, tokens_per_unit, ())
    points = []
    for target in prompt_lengths:
        measured = [_first_token(client, model, draft.units_for(target)) for _ in range(repeats)]
        points.extend(measured)
        if progress is not None:
            progress(f"~{target:5d} tokens: TTFT median {np.median([t for _, t in measured]):6.0f} ms")
    n, t = np.array(points, dtype=float).T
    slope, intercept = np.polyfit(n, t, 1)
    return PrefillFit(max(float(intercept), 0.0), float(slope), tokens_per_unit, tuple(points))
