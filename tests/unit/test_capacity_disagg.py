"""Unit tests for genai_design.capacity.disagg and .disagg_sweep."""

import json

import numpy as np
import pytest

from genai_design.capacity import (
    MIXES,
    MODELS,
    DisaggCosts,
    WorkloadMix,
    compare,
    estimate_capacity_rps,
    goodput_rps,
    goodput_table,
    kv_transfer_s_per_token,
    simulate_pool,
    sweep_mixes,
)

# Costs simple enough to follow by hand: 1 ms per prompt token, 100 ms per decode step.
TOY = DisaggCosts(prefill_fixed_s=0.0, prefill_s_per_token=1e-3, decode_step_base_s=0.1,
                  decode_step_s_per_seq=0.0, decode_step_s_per_kv_token=0.0, kv_transfer_s_per_token=1e-4)
ONE = WorkloadMix("one", (1000, 1000), (3, 3))
COSTS = DisaggCosts()


def test_single_request_colocated_by_hand():
    res = simulate_pool(TOY, ONE, rate_rps=1.0, num_workers=1, num_requests=1)
    assert res.ttft_p50_ms == pytest.approx(1000.0)  # 1000 tokens * 1 ms
    assert res.itl_ms.tolist() == pytest.approx([100.0, 100.0])  # two decode steps
    assert res.tpot_p50_ms == pytest.approx(100.0)


def test_single_request_split_pays_the_transfer():
    res = simulate_pool(TOY, ONE, rate_rps=1.0, num_workers=2, prefill_workers=1, num_requests=1)
    assert res.ttft_p50_ms == pytest.approx(1000.0)
    # first gap: 0.1 s KV transfer (1000 tokens * 0.1 ms) + one step; second gap: one step
    assert sorted(res.itl_ms.tolist()) == pytest.approx([100.0, 200.0])


def test_colocated_prefill_stalls_running_decode():
    # Request A decodes; B's 1 s prefill on the same worker freezes A for a whole second.
    mix = WorkloadMix("stall", (1000, 1000), (40, 40))
    colo = simulate_pool(TOY, mix, rate_rps=1.0, num_workers=1, num_requests=2, seed=2)
    split = simulate_pool(TOY, mix, rate_rps=1.0, num_workers=2, prefill_workers=1, num_requests=2, seed=2)
    assert colo.itl_ms.max() >= 1000.0
    assert split.itl_ms.max() < 300.0


def test_kv_transfer_cost_from_model_and_link():
    assert kv_transfer_s_per_token(MODELS["Llama-3.1-8B-Instruct"], 50.0) == pytest.approx(131072 / 50e9)


def test_long_prompts_long_outputs_split_cuts_the_itl_tail():
    # What the model shows: each long prefill stalls every running sequence once, which is
    # a percent or two of all gaps. ITL p99 carries the stall; ITL p95 does not, and the
    # split's fewer decode workers make p95 (and per-request TPOT) a little slower.
    mix = MIXES["long-document"]
    rate = 0.6 * estimate_capacity_rps(COSTS, mix, 4)
    cmp = compare(COSTS, mix, 4, rate, ttft_slo_ms=2000.0, itl_slo_ms=100.0)
    colo, best = cmp.colocated, cmp.best_split
    assert best.prefill_workers + best.decode_workers == 4
    assert colo.itl_p99_ms > 10 * colo.itl_p50_ms and colo.itl_p95_ms < 2 * colo.itl_p50_ms
    assert best.itl_p99_ms < 0.2 * colo.itl_p99_ms
    assert cmp.slo_ratio(best) <= 1.0 < cmp.slo_ratio(colo)
    assert best.throughput_tokens_s == pytest.approx(colo.throughput_tokens_s, rel=0.1)


def test_short_prompts_split_does_not_help_ttft():
    rows = {r["mix"]: r for r in sweep_mixes(COSTS, ["short-chat", "long-document"], num_workers=4)}
    chat = rows["short-chat"]
    assert not chat["split_helps_ttft"]
    assert chat["split_ttft_p95_ms"] >= 0.8 * chat["colocated_ttft_p95_ms"]
    assert chat["colocated_ttft_p95_ms"] < 100.0  # prefill of <= 200 tokens is cheap either way
    assert rows["long-document"]["split_helps_itl"] and not rows["long-document"]["colocated_meets_slo"]
    json.dumps(list(rows.values()))


def test_deterministic_for_a_seed():
    a = simulate_pool(COSTS, MIXES["rag"], 8.0, 4, 2, num_requests=200, seed=5)
    b = simulate_pool(COSTS, MIXES["rag"], 8.0, 4, 2, num_requests=200, seed=5)
    c = simulate_pool(COSTS, MIXES["rag"], 8.0, 4, 2, num_requests=200, seed=6)
    assert a.to_dict() == b.to_dict() and np.array_equal(a.itl_ms, b.itl_ms)
    assert a.to_dict() != c.to_dict()


def test_every_request_finishes_and_throughput_adds_up():
    res = simulate_pool(COSTS, MIXES["short-chat"], 20.0, 4, num_requests=300, seed=1)
    lo, hi = MIXES["short-chat"].output_tokens
    # one gap per output token after the first, for every request
    assert 300 * (lo - 1) <= res.itl_ms.size <= 300 * (hi - 1)
    assert res.throughput_tokens_s == pytest.approx((res.itl_ms.size + 300) * res.throughput_rps / 300)


def test_bad_inputs_raise():
    with pytest.raises(ValueError, match="short-chat"):
        compare(COSTS, "video", 4, 1.0, 1000.0, 100.0)
    with pytest.raises(ValueError, match="itl_p99_ms"):
        compare(COSTS, "rag", 4, 1.0, 1000.0, 100.0, itl_stat="itl_max")
    with pytest.raises(ValueError, match="num_workers"):
        compare(COSTS, "rag", 1, 1.0, 1000.0, 100.0)
    with pytest.raises(ValueError, match="prompt_tokens"):
        WorkloadMix("bad", (10, 5), (1, 1))
    with pytest.raises(ValueError, match="rate_rps"):
        simulate_pool(COSTS, MIXES["rag"], 0.0, 2)
    with pytest.raises(ValueError, match="prefill_workers"):
        simulate_pool(COSTS, MIXES["rag"], 1.0, 2, prefill_workers=2)
    with pytest.raises(ValueError, match="link_gb_s"):
        kv_transfer_s_per_token("SmolLM2-135M-Instruct", -1.0)


def test_tpot_per_request_and_slo_attainment_by_hand():
    # One request: TTFT 1,000 ms, then two 100 ms steps, so TPOT 100 ms.
    res = simulate_pool(TOY, ONE, rate_rps=1.0, num_workers=1, num_requests=1)
    assert res.tpot_ms.tolist() == pytest.approx([100.0])
    assert res.slo_attainment(1000.001, 100.001) == 1.0  # (a hair above: float sums)
    assert res.slo_attainment(999.0, 100.001) == 0.0  # a request must meet both objectives
    assert res.slo_attainment(1000.001, 99.0) == 0.0
    assert "tpot_ms" not in res.to_dict()


def test_goodput_is_the_highest_rate_that_meets_the_target_share():
    mix = MIXES["rag"]
    ttft, tpot = 2000.0, 60.0
    rate = goodput_rps(COSTS, mix, 4, None, ttft, tpot, num_requests=300)
    assert 0 < rate < 4 * estimate_capacity_rps(COSTS, mix, 4)
    at = simulate_pool(COSTS, mix, rate, 4, None, 300).slo_attainment(ttft, tpot)
    above = simulate_pool(COSTS, mix, rate * 1.5, 4, None, 300).slo_attainment(ttft, tpot)
    assert at >= 0.9 > above  # the rate found meets the target share; half as much again does not
    # A looser target share allows at least as much traffic; an impossible objective allows none.
    assert goodput_rps(COSTS, mix, 4, None, ttft, tpot, attainment=0.5, num_requests=300) >= rate
    assert goodput_rps(COSTS, mix, 4, None, 1.0, tpot, num_requests=300) == 0.0


def test_goodput_table_compares_every_split_per_worker():
    rows = goodput_table(COSTS, ["short-chat", "rag"], 4, 2000.0, 60.0, num_requests=200)
    assert [r["mix"] for r in rows] == ["short-chat", "rag"]
    for row in rows:
        split = int(row["best_split"][0])
        best = goodput_rps(COSTS, row["mix"], 4, split, 2000.0, 60.0, num_requests=200) / 4
        assert row["split_goodput_rps_per_worker"] == pytest.approx(best)
        for p in (1, 2, 3):  # the best split is the best of all three
            assert goodput_rps(COSTS, row["mix"], 4, p, 2000.0, 60.0, num_requests=200) / 4 <= best + 1e-12
        assert row["goodput_ratio"] == pytest.approx(row["split_goodput_rps_per_worker"]
                                                     / row["colocated_goodput_rps_per_worker"])


def test_goodput_refuses_bad_objectives():
    with pytest.raises(ValueError, match="attainment"):
        goodput_rps(COSTS, "rag", 4, None, 1000.0, 100.0, attainment=0.0)
    with pytest.raises(ValueError, match="tpot_slo_ms"):
        goodput_rps(COSTS, "rag", 4, None, 1000.0, -1.0)
