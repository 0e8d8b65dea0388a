"""Tests of genai_design.baselines on the real SmolLM2-135M (tiny budgets, CPU)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from genai_design.baselines import (
    generate_sequential,
    generate_static_batches,
    load_hf_model,
)
from genai_design.models import prepare_model

PROMPTS = ["Name a colour.", "What is two plus two?", "Say hello in French."]
BUDGETS = [2, 4, 3]


@pytest.fixture(scope="module")
def model_and_tokenizer() -> Iterator[tuple[Any, Any]]:
    # One thread: on a small shared CPU, two busy-waiting threads run ~10x slower.
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield load_hf_model(prepare_model("smollm2-135m-instruct").path)
    finally:
        torch.set_num_threads(threads)


def test_sequential_wastes_nothing(model_and_tokenizer: tuple[Any, Any]) -> None:
    result = generate_sequential(*model_and_tokenizer, PROMPTS, BUDGETS)
    assert result.useful_output_tokens == 9 and result.slot_steps == 9
    assert result.padding_waste_fraction == 0.0
    assert result.output_tokens_per_s == pytest.approx(9 / result.wall_s)


def test_static_batches_account_for_padding(model_and_tokenizer: tuple[Any, Any]) -> None:
    result = generate_static_batches(*model_and_tokenizer, PROMPTS, BUDGETS, batch_size=2)
    # batches [2, 4] -> 2 rows x 4 steps; [3] -> 1 row x 3 steps
    assert result.useful_output_tokens == 2 + 4 + 3
    assert result.slot_steps == 2 * 4 + 1 * 3
    assert result.padding_waste_fraction == pytest.approx(2 / 11)  # (11 - 9) / 11
    assert (result.method, result.batch_size, result.num_requests) == ("static-batch", 2, 3)


def test_left_padding_is_set(model_and_tokenizer: tuple[Any, Any]) -> None:
    _, tokenizer = model_and_tokenizer
    assert tokenizer.padding_side == "left" and tokenizer.pad_token is not None


def test_bad_arguments(model_and_tokenizer: tuple[Any, Any]) -> None:
    with pytest.raises(ValueError, match="same length"):
        generate_sequential(*model_and_tokenizer, PROMPTS, [1])
    with pytest.raises(ValueError, match="positive"):
        generate_static_batches(*model_and_tokenizer, PROMPTS, [1, 0, 1], batch_size=2)
    with pytest.raises(ValueError, match="batch_size"):
        generate_static_batches(*model_and_tokenizer, PROMPTS, BUDGETS, batch_size=0)
    with pytest.raises(ValueError, match="dtype"):
        load_hf_model("unused", dtype="int3")


def test_profile_model_loads_on_the_profiles_device_and_dtype() -> None:
    import torch

    from genai_design.baselines import load_profile_model
    from genai_design.profiles import get_profile

    profile = get_profile("cpu-default").with_overrides(dtype="float32")
    model, tokenizer = load_profile_model(profile)
    assert model.device.type == profile.device == "cpu"
    assert model.dtype == torch.float32
    assert tokenizer.padding_side == "left"
