"""Tests of genai_design.loadtest.workloads."""

from __future__ import annotations

import pytest

from genai_design.loadtest import RequestSpec, fixed_prompts, mixed_output_lengths, shared_prefix


def test_fixed_prompts() -> None:
    specs = fixed_prompts(3, max_tokens=7, prompt="hello")
    assert len(specs) == 3
    assert all(s == RequestSpec(({"role": "user", "content": "hello"},), 7) for s in specs)
    assert specs[0].ignore_eos is True


def test_mixed_output_lengths_is_seeded_and_draws_from_the_list() -> None:
    a = [s.max_tokens for s in mixed_output_lengths(200, (8, 32, 128), seed=3)]
    b = [s.max_tokens for s in mixed_output_lengths(200, (8, 32, 128), seed=3)]
    c = [s.max_tokens for s in mixed_output_lengths(200, (8, 32, 128), seed=4)]
    assert a == b and a != c
    assert set(a) == {8, 32, 128}  # 200 draws from 3 values hit each one


def test_shared_prefix_shares_the_system_message_only() -> None:
    specs = shared_prefix(10, prefix_repeats=5, max_tokens=4, questions=("q1", "q2", "q3"))
    systems = {s.messages[0]["content"] for s in specs}
    assert len(systems) == 1 and specs[0].messages[0]["role"] == "system"
    assert len(next(iter(systems)).split(". ")) > 5  # five copies of a multi-sentence text
    assert [s.messages[1]["content"] for s in specs[:4]] == ["q1", "q2", "q3", "q1"]


def test_spec_copies_its_messages() -> None:
    messages = [{"role": "user", "content": "a"}]
    spec = RequestSpec(messages, 2)  # type: ignore[arg-type]
    messages[0]["content"] = "changed"
    assert spec.messages == ({"role": "user", "content": "a"},)


@pytest.mark.parametrize("build", [
    lambda: fixed_prompts(0),
    lambda: fixed_prompts(2, max_tokens=0),
    lambda: mixed_output_lengths(2, ()),
    lambda: shared_prefix(2, prefix_repeats=0),
    lambda: RequestSpec((), 3),
])
def test_bad_arguments_raise_value_error(build) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError):
        build()
