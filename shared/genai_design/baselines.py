"""Serving without a server: Hugging Face ``generate()`` baselines (framework step 5).

Before measuring vLLM, chapter 5 measures what it replaces. Two naive ways to serve a list
of chat requests with plain ``transformers``:

- :func:`generate_sequential`: one request at a time. No slot is ever wasted, but the
  hardware works on one sequence per step.
- :func:`generate_static_batches`: fixed groups of ``batch_size`` requests, left-padded and
  decoded together until the group's *longest* budget is reached. A request with a short
  budget keeps its slot busy, producing tokens nobody asked for, until the whole group ends.

Every request produces exactly its budget (``min_new_tokens = max_new_tokens``, greedy), so
the accounting is exact: useful tokens are the sum of budgets, slot-steps are the rows
times the decode steps actually run, and the difference is the padding waste that
continuous batching (vLLM) removes. Left out on purpose: KV-cache reuse across requests,
sampling, and padding of prompts (prefill cost is in ``wall_s`` but not in slot-steps).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from genai_design.profiles import Profile

DTYPES = ("bfloat16", "float16", "float32")


@dataclass(frozen=True)
class BaselineResult:
    """Token accounting and speed of one baseline run."""

    method: str  # "sequential" or "static-batch"
    num_requests: int  # requests served
    batch_size: int  # most requests decoded together (1 for sequential)
    useful_output_tokens: int  # tokens the requests asked for: the sum of their budgets
    slot_steps: int  # sum over batches of (rows in the batch x decode steps it ran)
    padding_waste_fraction: float  # 1 - useful_output_tokens / slot_steps
    wall_s: float  # wall-clock time for all requests, tokenising included
    output_tokens_per_s: float  # useful_output_tokens / wall_s

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def load_hf_model(path: str, dtype: str = "bfloat16", device: str = "cpu") -> tuple[Any, Any]:
    """(model, tokenizer) from a local Hugging Face folder (or hub id), ready for batched
    generation on ``device`` ("cpu" or "cuda").

    The tokenizer pads on the left, so every row of a batch ends at its last prompt token
    and generation continues from there.
    """
    if dtype not in DTYPES:
        raise ValueError(f"dtype must be one of {DTYPES}, got {dtype!r}")
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(path)
    tokenizer.padding_side = "left"
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    model = AutoModelForCausalLM.from_pretrained(path, dtype=getattr(torch, dtype)).to(device)
    model.eval()
    return model, tokenizer


def load_profile_model(profile: Profile) -> tuple[Any, Any]:
    """(model, tokenizer) of the model ``profile`` serves, on its device and in its dtype, so
    a baseline compares like with like (GPU ``generate()`` against GPU vLLM)."""
    from genai_design.models import prepare_model

    return load_hf_model(prepare_model(profile.model).path, profile.dtype, profile.device)


def _check(prompts: Sequence[str], budgets: Sequence[int]) -> None:
    if not prompts:
        raise ValueError("prompts is empty: pass at least one prompt")
    if len(prompts) != len(budgets):
        raise ValueError(f"prompts and budgets must have the same length, "
                         f"got {len(prompts)} and {len(budgets)}")
    if any(b < 1 for b in budgets):
        raise ValueError(f"every budget must be a positive number of tokens, got {list(budgets)}")


def _generate(model: Any, tokenizer: Any, prompts: Sequence[str], new_tokens: int) -> None:
    """Greedy-decode exactly ``new_tokens`` for every prompt of one batch."""
    import torch

    texts = [tokenizer.apply_chat_template([{"role": "user", "content": p}],
                                           add_generation_prompt=True, tokenize=False)
             for p in prompts]
    batch = tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=False)
    batch = batch.to(model.device)
    with torch.inference_mode():
        output = model.generate(**batch, max_new_tokens=new_tokens, min_new_tokens=new_tokens,
                                do_sample=False, pad_token_id=tokenizer.pad_token_id)
    if output.is_cuda:  # CUDA runs asynchronously: wait, so the caller's clock is honest
        torch.cuda.synchronize(output.device)
    produced = output.shape[1] - batch["input_ids"].shape[1]
    if produced != new_tokens:
        raise RuntimeError(f"generate() produced {produced} tokens per row, not {new_tokens}; "
                           "the accounting would be wrong")


def _result(method: str, budgets: Sequence[int], batch_size: int, slot_steps: int,
            wall_s: float) -> BaselineResult:
    useful = sum(budgets)
    return BaselineResult(
        method=method, num_requests=len(budgets), batch_size=batch_size,
        useful_output_tokens=useful, slot_steps=slot_steps,
        padding_waste_fraction=1.0 - useful / slot_steps, wall_s=wall_s,
        output_tokens_per_s=useful / wall_s if wall_s > 0 else float("nan"),
    )


def generate_sequential(model: Any, tokenizer: Any, prompts: Sequence[str],
                        budgets: Sequence[int]) -> BaselineResult:
    """Serve the requests one at a time; request i generates exactly ``budgets[i]`` tokens."""
    _check(prompts, budgets)
    started = time.perf_counter()
    for prompt, budget in zip(prompts, budgets, strict=True):
        _generate(model, tokenizer, [prompt], budget)
    return _result("sequential", budgets, 1, sum(budgets), time.perf_counter() - started)


def generate_static_batches(model: Any, tokenizer: Any, prompts: Sequence[str],
                            budgets: Sequence[int], batch_size: int) -> BaselineResult:
    """Serve the requests in order, ``batch_size`` at a time, each batch to its longest budget.

    The last batch may hold fewer rows; slot-steps count the rows a batch really has.
    """
    _check(prompts, budgets)
    if batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size}")
    started = time.perf_counter()
    slot_steps = 0
    for start in range(0, len(prompts), batch_size):
        group = list(prompts[start:start + batch_size])
        steps = max(budgets[start:start + batch_size])
        _generate(model, tokenizer, group, steps)
        slot_steps += len(group) * steps
    return _result("static-batch", budgets, min(batch_size, len(prompts)), slot_steps,
                   time.perf_counter() - started)
