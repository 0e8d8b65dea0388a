"""Fine-tuning against in-context learning: a LoRA adapter trained on this CPU (framework step 4).

A narrow task (one label out of a few for a short text) can be taught to a small model in two
ways: show it examples in every prompt (few-shot, paid on every request in prompt tokens), or
train a low-rank adapter once (LoRA, paid up front in training time) and send short prompts from
then on. This module does both on the same model and scores them the same way:

- :func:`score_labels` reads the model's next-token log-probabilities of each label (every label
  must be one token after a space, which :func:`label_token_ids` checks), so a prediction is the
  most likely label, with no free text to parse;
- :func:`train_lora` wraps the model with a ``peft`` LoRA adapter on the attention projections
  and trains it with AdamW on the label token only (prompt tokens are masked out of the loss);
- :func:`prompt_for` builds the zero-shot and few-shot prompts both methods share;
- :func:`save_merged` folds a trained adapter into the base weights and saves a plain model
  folder, which any server loads without LoRA support switched on.

Left out on purpose: full fine-tuning, quantised training (QLoRA), hyper-parameter search,
and anything that needs a GPU (the same code runs on one when the model is moved there).
"""

from __future__ import annotations

import json
import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from genai_design.staging import staged_dir


@dataclass(frozen=True)
class LoraSettings:
    """How the adapter is shaped and trained."""

    rank: int = 8  # r: the adapter's inner dimension (parameters grow linearly with it)
    alpha: int = 16  # the adapter's update is scaled by alpha / rank
    dropout: float = 0.05  # dropout on the adapter's input during training
    target_modules: tuple[str, ...] = ("q_proj", "v_proj")  # attention projections that get adapters
    learning_rate: float = 2e-3  # AdamW step size (adapters train at higher rates than full models)
    epochs: int = 2  # passes over the training examples
    batch_size: int = 16  # examples per optimiser step
    max_length: int = 48  # tokens kept per example (prompt and label), longer ones are cut from the left
    seed: int = 0  # seeds the adapter's initialisation and the example order

    def __post_init__(self) -> None:
        if self.rank < 1 or self.alpha < 1 or self.epochs < 1 or self.batch_size < 1 or self.max_length < 4:
            raise ValueError("rank, alpha, epochs and batch_size must be >= 1 and max_length >= 4")
        if not 0 <= self.dropout < 1 or self.learning_rate <= 0:
            raise ValueError("dropout must be in [0, 1) and learning_rate > 0")


@dataclass(frozen=True)
class TrainReport:
    """What training cost and what it changed."""

    seconds: float  # wall time of the training loop
    steps: int  # optimiser steps
    examples: int  # training examples
    losses: tuple[float, ...]  # mean loss of each optimiser step
    trainable_params: int  # adapter parameters
    total_params: int  # all parameters, base model included

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["losses"] = list(self.losses)
        return d


def prompt_for(text: str, instruction: str, examples: Sequence[tuple[str, str]] = ()) -> str:
    """``instruction``, then ``examples`` as "Text: ...\\nLabel: ..." blocks, then ``text`` with an
    open "Label:" for the model to complete (the label follows after a space)."""
    shots = "".join(f"Text: {t}\nLabel: {label}\n\n" for t, label in examples)
    return f"{instruction}\n\n{shots}Text: {' '.join(text.split())}\nLabel:"


def label_token_ids(tokenizer: Any, labels: Sequence[str]) -> list[int]:
    """The one token of each label after a space; refuses labels that take more than one."""
    ids = []
    for label in labels:
        tokens = tokenizer(" " + label, add_special_tokens=False)["input_ids"]
        if len(tokens) != 1:
            raise ValueError(f"label {label!r} is {len(tokens)} tokens after a space; use one-token labels")
        ids.append(tokens[0])
    if len(set(ids)) != len(ids):
        raise ValueError("two labels share a token")
    return ids


def load_model(path: str, device: str = "cpu") -> tuple[Any, Any]:
    """(model, tokenizer) from a local folder, float32 on ``device``, tokenizer padding on the left."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(path)
    tokenizer.padding_side = "left"
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32).to(device)
    model.eval()
    return model, tokenizer


def score_labels(model: Any, tokenizer: Any, prompts: Sequence[str], labels: Sequence[str],
                 batch_size: int = 16) -> np.ndarray:
    """Log-probabilities (prompts x labels) of each label's token right after each prompt.

    Prompts get the tokenizer's own special tokens (Gemma's ``<bos>``, which it needs; SmolLM2
    adds none)."""
    import torch

    ids = label_token_ids(tokenizer, labels)
    device = next(model.parameters()).device
    rows = []
    with torch.inference_mode():
        for start in range(0, len(prompts), batch_size):
            batch = tokenizer(list(prompts[start:start + batch_size]), return_tensors="pt",
                              padding=True).to(device)
            # left padding: the last position is the prompt's, and only its logits are computed
            # (Gemma's vocabulary is 262k tokens: every position's logits would not fit a batch)
            logits = model(**batch, logits_to_keep=1).logits[:, -1, :].float()
            rows.append(torch.log_softmax(logits, dim=-1)[:, ids].cpu().numpy())
    return np.concatenate(rows) if rows else np.zeros((0, len(labels)))


def _batches(tokenizer: Any, examples: Sequence[tuple[str, str]], settings: LoraSettings,
             rng: random.Random) -> list[dict[str, Any]]:
    import torch

    order = list(examples)
    rng.shuffle(order)
    out = []
    for start in range(0, len(order), settings.batch_size):
        chunk = order[start:start + settings.batch_size]
        seqs = []
        for prompt, label in chunk:
            p = tokenizer(prompt, add_special_tokens=False)["input_ids"]
            y = tokenizer(" " + label, add_special_tokens=False)["input_ids"]
            keep = p[-(settings.max_length - len(y)):]  # cut the prompt's start, never the label
            seqs.append((keep + y, [-100] * len(keep) + y))
        width = max(len(s) for s, _ in seqs)
        pad = tokenizer.pad_token_id
        input_ids = torch.tensor([[pad] * (width - len(s)) + s for s, _ in seqs])
        targets = torch.tensor([[-100] * (width - len(t)) + t for _, t in seqs])
        mask = torch.tensor([[0] * (width - len(s)) + [1] * len(s) for s, _ in seqs])
        out.append({"input_ids": input_ids, "attention_mask": mask, "labels": targets})
    return out


def train_lora(model: Any, tokenizer: Any, examples: Sequence[tuple[str, str]], settings: LoraSettings,
               progress: Callable[[str], None] | None = None) -> tuple[Any, TrainReport]:
    """Train a LoRA adapter on ``examples`` ((prompt, label) pairs); returns (the peft model, a report).

    The base weights stay frozen; only the adapter's parameters receive gradients. ``progress``
    gets one line per epoch.
    """
    import torch
    from peft import LoraConfig, get_peft_model

    if not examples:
        raise ValueError("no training examples")
    torch.manual_seed(settings.seed)
    rng = random.Random(settings.seed)
    config = LoraConfig(r=settings.rank, lora_alpha=settings.alpha, lora_dropout=settings.dropout,
                        target_modules=list(settings.target_modules), task_type="CAUSAL_LM")
    peft_model = get_peft_model(model, config)
    trainable = sum(p.numel() for p in peft_model.parameters() if p.requires_grad)
    total = sum(p.numel() for p in peft_model.parameters())
    optimiser = torch.optim.AdamW([p for p in peft_model.parameters() if p.requires_grad], lr=settings.learning_rate)
    device = next(peft_model.parameters()).device
    losses: list[float] = []
    start = time.perf_counter()
    peft_model.train()
    for epoch in range(settings.epochs):
        for batch in _batches(tokenizer, examples, settings, rng):
            loss = peft_model(**{k: v.to(device) for k, v in batch.items()}).loss
            loss.backward()
            optimiser.step()
            optimiser.zero_grad()
            losses.append(float(loss.detach()))
        if progress is not None:
            recent = losses[-max(1, math.ceil(len(examples) / settings.batch_size)):]
            progress(f"epoch {epoch + 1}/{settings.epochs}: mean loss {np.mean(recent):.3f}, "
                     f"{time.perf_counter() - start:.0f} s")
    peft_model.eval()
    report = TrainReport(time.perf_counter() - start, len(losses), len(examples), tuple(losses), trainable, total)
    return peft_model, report


def save_merged(peft_model: Any, tokenizer: Any, folder: str | Path, dtype: str = "bfloat16",
                overwrite: bool = False) -> dict[str, float]:
    """Fold the adapter into the base weights (W + B A x alpha / r) and save the result, with the
    tokenizer, as a plain model folder at ``dtype`` (vLLM serves 16-bit weights); returns the
    folder's size and the adapter's, in bytes.

    The base model held by ``peft_model`` is changed in place: score with it before merging.
    An existing non-empty ``folder`` is refused unless ``overwrite`` (then it is replaced whole,
    once the new folder is complete).
    """
    import torch

    folder = Path(folder)
    if not overwrite and folder.exists() and any(folder.iterdir()):
        raise FileExistsError(f"{folder} is not empty; give a new folder for the merged model")
    if not hasattr(torch, dtype) or not isinstance(getattr(torch, dtype), torch.dtype):
        raise ValueError(f"unknown dtype {dtype!r}; for example 'bfloat16' or 'float32'")
    adapter_bytes = sum(p.numel() * p.element_size() for n, p in peft_model.named_parameters() if "lora_" in n)
    merged = peft_model.merge_and_unload()
    weights = {name: t.detach().to(getattr(torch, dtype)) for name, t in merged.state_dict().items()}
    if getattr(merged.config, "tie_word_embeddings", False):  # the output layer is the embedding: store it once
        weights.pop("lm_head.weight", None)
    with staged_dir(folder) as staging:  # the in-memory model keeps its precision
        merged.save_pretrained(str(staging), state_dict=weights, safe_serialization=True)
        tokenizer.save_pretrained(str(staging))
        config = json.loads((staging / "config.json").read_text())
        for key in ("dtype", "torch_dtype"):  # the saved weights' precision, for servers that read it
            if key in config:
                config[key] = dtype
        (staging / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    folder_bytes = sum(f.stat().st_size for f in folder.iterdir() if f.is_file())
    return {"folder_bytes": float(folder_bytes), "adapter_bytes": float(adapter_bytes)}
