"""Step 5's KV-cache accounting: contiguous reservation against paged blocks, prefix sharing and
preemption under a block budget, checked against counts worked by hand."""

from __future__ import annotations

import pytest

from genai_design.capacity.paged import (SCHEMES, KvRequest, blocks_for, lifetime_waste, sequences_that_fit,
                                         shared_prefix_blocks, simulate_preemption)

WHOLE, CAPPED, PAGED = SCHEMES


def test_waste_worked_by_hand():
    r = [KvRequest(prompt_tokens=10, output_tokens=4)]
    # Steps hold 11, 12, 13, 14 tokens: 50 used.
    whole = lifetime_waste(r, WHOLE, max_model_len=100, output_cap=8)
    assert (whole.used_token_steps, whole.reserved_token_steps) == (50, 400)
    capped = lifetime_waste(r, CAPPED, max_model_len=100, output_cap=8)
    assert capped.reserved_token_steps == 4 * 18
    paged = lifetime_waste(r, PAGED, max_model_len=100, output_cap=8, block_size=4)
    assert paged.reserved_token_steps == 12 + 12 + 16 + 16  # 3, 3, 4, 4 blocks of 4
    assert whole.share > capped.share > paged.share > 0
    one = lifetime_waste(r, PAGED, max_model_len=100, output_cap=8, block_size=1)
    assert one.share == 0, "blocks of one token waste nothing"


def test_output_cap_stops_a_request_and_long_requests_are_refused():
    r = [KvRequest(10, 50)]
    assert lifetime_waste(r, PAGED, max_model_len=100, output_cap=8).used_token_steps == sum(range(11, 19))
    with pytest.raises(ValueError, match="max_model_len"):
        lifetime_waste([KvRequest(95, 10)], WHOLE, max_model_len=100, output_cap=8)
    with pytest.raises(ValueError, match="scheme"):
        lifetime_waste(r, "buddy", max_model_len=100, output_cap=8)
    with pytest.raises(ValueError):
        KvRequest(0, 5)


def test_paged_fits_more_sequences():
    reqs = [KvRequest(100, 20), KvRequest(300, 60)]
    fits = {s: sequences_that_fit(10_000, reqs, s, max_model_len=2048, output_cap=256) for s in SCHEMES}
    assert fits[WHOLE] == pytest.approx(10_000 / 2048)
    assert fits[PAGED] > fits[CAPPED] > fits[WHOLE]


def test_shared_prefix_keeps_full_blocks_once():
    # 40-token prefix in blocks of 16: two full blocks shared, 8 tokens copied into each request.
    alone, shared = shared_prefix_blocks(40, [8, 9, 24], block_size=16)
    assert alone == 3 + 4 + 4
    assert shared == 2 + 1 + 2 + 2
    assert blocks_for(0, 16) == 0 and blocks_for(17, 16) == 2
    with pytest.raises(ValueError):
        blocks_for(5, 0)


def test_no_preemption_when_everything_fits_and_some_when_it_does_not():
    reqs = [KvRequest(16, 16) for _ in range(8)]  # each ends holding 32 tokens: 2 blocks of 16
    roomy = simulate_preemption(reqs, budget_blocks=16, block_size=16)
    assert roomy.preemptions == 0 and roomy.recomputed_tokens == 0
    assert roomy.peak_running == 8 and roomy.steps == 16
    tight = simulate_preemption(reqs, budget_blocks=9, block_size=16)
    assert tight.preemptions > 0 and tight.recomputed_tokens > 0 and tight.steps > roomy.steps
    # One request's worth of blocks still finishes everything, one at a time.
    single = simulate_preemption(reqs, budget_blocks=2, block_size=16)
    assert single.peak_running <= 2 and single.steps >= 8 * 16
    with pytest.raises(ValueError, match="longest"):
        simulate_preemption(reqs, budget_blocks=1, block_size=16)


def test_holding_admissions_after_a_preemption_as_vllm_does():
    reqs = [KvRequest(16, 16) for _ in range(8)]
    plain = simulate_preemption(reqs, budget_blocks=9, block_size=16)
    held = simulate_preemption(reqs, budget_blocks=9, block_size=16, admit_after_preemption=False)
    # freed blocks go to the requests still running, not to a newcomer: fewer evictions, less recomputed
    assert (plain.preemptions, held.preemptions) == (18, 11)
    assert held.recomputed_tokens < plain.recomputed_tokens and held.steps == plain.steps
    roomy = simulate_preemption(reqs, budget_blocks=16, block_size=16, admit_after_preemption=False)
    assert roomy == simulate_preemption(reqs, budget_blocks=16, block_size=16)  # no preemption, no difference


def test_max_num_seqs_caps_the_batch():
    reqs = [KvRequest(4, 4) for _ in range(10)]
    run = simulate_preemption(reqs, budget_blocks=100, block_size=16, max_num_seqs=3)
    assert run.peak_running == 3 and run.preemptions == 0 and run.steps == 4 * 4


def test_common_prefix_of_token_lists():
    from genai_design.capacity.paged import common_prefix_length

    assert common_prefix_length([[1, 2, 3, 4], [1, 2, 5], [1, 2, 3]]) == 2
    assert common_prefix_length([[1, 2], [1, 2, 3]]) == 2
    assert common_prefix_length([[7], [8]]) == 0
    with pytest.raises(ValueError):
        common_prefix_length([])
