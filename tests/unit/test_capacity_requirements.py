"""Step 1's requirements calculator against hand-computed plans."""

from __future__ import annotations

import math

import pytest

from genai_design.capacity import (
    HOURS_PER_MONTH,
    LoadPoint,
    Requirements,
    ServingOption,
    api_plan,
    break_even_qps,
    ceiling_option,
    decide,
    plan,
    plan_row,
    replica_capacity_rps,
)
from genai_design.capacity.cost import ApiPrice
from genai_design.loadtest.results import LoadTestResult

PRICE = ApiPrice("api", usd_per_m_input=1.0, usd_per_m_output=4.0, encoding="o200k_base", as_of="2024-01",
                 source="a test")


def chat(**changes) -> Requirements:
    fields = dict(name="chat", qps_now=1.0, qps_later=4.0, peak_to_mean=2.0, input_tokens=200,
                  output_tokens=100, ttft_ms=1000.0, tpot_ms=100.0, private=False)
    return Requirements(**{**fields, **changes})


def option(**changes) -> ServingOption:
    # Two load levels: 1 in flight (fast) and 8 in flight (4x the throughput, slower tokens).
    fields = dict(name="box", model="m", hardware="cpu", usd_per_hour=2.0, gpus_per_replica=0,
                  prompt_tokens=100, prefill_ms_per_token=1.0,
                  points=(LoadPoint(1, 50.0, 300.0, 20.0), LoadPoint(8, 200.0, 600.0, 80.0)), source="measured")
    return ServingOption(**{**fields, **changes})


def test_capacity_is_decode_time_plus_prefill_time():
    # 100 tokens at 200 tokens/s = 0.5 s, plus 200 prompt tokens at 1 ms = 0.2 s: 1 / 0.7 requests/s
    assert replica_capacity_rps(chat(), option(), option().points[1]) == pytest.approx(1 / 0.7)


def test_plan_takes_the_busiest_level_within_the_targets_and_sizes_for_the_peak():
    p = plan(chat(), option())
    assert p.reachable and p.concurrency == 8
    assert p.ttft_ms == pytest.approx(600 + 100 * 1.0)  # 100 prompt tokens beyond the measured 100
    assert p.replicas_now == math.ceil(1 * 2 / (1 / 0.7)) == 2
    assert p.replicas_later == math.ceil(4 * 2 / (1 / 0.7)) == 6
    assert p.monthly_usd_later == pytest.approx(6 * 2.0 * HOURS_PER_MONTH)
    assert p.usd_per_1k_requests == pytest.approx(6 * 2.0 * HOURS_PER_MONTH / (4 * HOURS_PER_MONTH * 3600) * 1000)


def test_a_tighter_target_falls_back_to_a_quieter_level_or_to_unreachable():
    assert plan(chat(tpot_ms=50.0), option()).concurrency == 1
    assert plan(chat(ttft_ms=650.0), option()).concurrency == 1  # 600 + 100 > 650 at level 8
    missed = plan(chat(ttft_ms=100.0), option())
    assert not missed.reachable and missed.monthly_usd_later is None
    assert "no load level meets the targets" in missed.notes[0]
    assert plan(chat(ttft_ms=None, tpot_ms=None), option()).concurrency == 8


def test_api_plan_bills_tokens_and_refuses_private_prompts():
    p = api_plan(chat(), PRICE)
    per_request = (200 * 1.0 + 100 * 4.0) / 1e6
    assert p.monthly_usd_now == pytest.approx(per_request * 1.0 * HOURS_PER_MONTH * 3600)
    assert p.usd_per_1k_requests == pytest.approx(per_request * 1000)
    assert api_plan(chat(), PRICE, api_tokens_per_token=0.5).usd_per_1k_requests == pytest.approx(per_request * 500)
    assert not api_plan(chat(private=True), PRICE).allowed


def test_decide_picks_the_cheapest_allowed_plan_in_six_months():
    req = chat()
    hosted, api = plan(req, option()), api_plan(req, PRICE)
    assert api.monthly_usd_later < hosted.monthly_usd_later  # ~$6k against ~$8.8k
    d = decide(req, [hosted, api])
    assert d.choice == "api" and d.kind == "managed API"
    private = chat(private=True)
    d = decide(private, [plan(private, option()), api_plan(private, PRICE)])
    assert d.choice == "box" and any("may not leave" in r for r in d.reasons)
    with pytest.raises(ValueError, match="no plan"):
        decide(chat(private=True, ttft_ms=1.0), [plan(chat(ttft_ms=1.0), option()), api_plan(chat(private=True), PRICE)])


def test_break_even_is_where_the_fixed_pool_undercuts_per_token_billing():
    # sized for the peak (2x the mean) the box costs $0.00078 a request at best, the API $0.0006:
    assert break_even_qps(option(), chat(), PRICE) is None
    flat = chat(peak_to_mean=1.0)  # at the mean the box costs $0.00039 a request when full
    q = break_even_qps(option(), flat, PRICE)
    assert q is not None
    below = chat(qps_now=q / 1.02, qps_later=q / 1.02, peak_to_mean=1.0)
    above = chat(qps_now=q, qps_later=q, peak_to_mean=1.0)
    assert plan(below, option()).monthly_usd_now >= api_plan(below, PRICE).monthly_usd_now
    assert plan(above, option()).monthly_usd_now < api_plan(above, PRICE).monthly_usd_now
    free_api = ApiPrice("free", 0.0, 0.0, "o200k_base", "2024-01", "a test")
    assert break_even_qps(option(), chat(), free_api, max_qps=10.0) is None


def test_from_load_tests_drops_failed_levels_and_sorts():
    def result(c, tps, errors=0):
        zeros = {f: 0.0 for f in LoadTestResult.__dataclass_fields__ if f.endswith("_ms")}
        return LoadTestResult(**{**zeros, "concurrency": c, "num_requests": 4, "num_errors": errors,
                                 "num_cancelled": 0, "duration_s": 1.0, "total_output_tokens": 10,
                                 "request_throughput_rps": 1.0, "output_tokens_per_s": tps, "goodput_rps": 1.0,
                                 "slo_ttft_ms": None, "slo_tpot_ms": None, "slo_e2e_ms": None,
                                 "p95_ttft_ms": 10.0 * c, "p95_tpot_ms": 5.0})
    o = ServingOption.from_load_tests([result(4, 40.0), result(1, 10.0), result(16, 60.0, errors=1)],
                                      name="x", model="m", hardware="h", usd_per_hour=1.0, prompt_tokens=10,
                                      prefill_ms_per_token=0.5, source="s")
    assert [p.concurrency for p in o.points] == [1, 4]
    assert o.points[1] == LoadPoint(4, 40.0, 40.0, 5.0)


def test_ceiling_option_is_labelled_an_estimate_and_slows_per_token_as_the_batch_grows():
    o = ceiling_option("Llama-3.1-8B-Instruct", "A100-80GB", efficiency=0.5, prompt_tokens=500, context_len=1000)
    assert "estimated" in o.source and "not measured" in o.source
    assert o.gpus_per_replica == 1 and o.usd_per_hour == pytest.approx(4.0)
    tps = [p.output_tokens_per_s for p in o.points]
    assert tps == sorted(tps) and o.points[-1].p95_tpot_ms > o.points[0].p95_tpot_ms
    # batch 1 is memory-bound: 16 GB of weights plus 1000 tokens of KV read at half of 2,039 GB/s
    weights_and_kv = 8_030_261_248 * 2 + 1000 * 131_072
    assert o.points[0].output_tokens_per_s == pytest.approx(0.5 * 2039e9 / weights_and_kv, rel=1e-6)
    assert ceiling_option("Llama-3.1-8B-Instruct", "T4", 0.5, 500, 1000).gpus_per_replica == 2  # 16 GB > 15 GB


@pytest.mark.parametrize("bad", [dict(qps_now=-1.0), dict(peak_to_mean=0.5), dict(input_tokens=0),
                                 dict(ttft_ms=0.0)])
def test_requirements_refuse_impossible_values(bad):
    with pytest.raises(ValueError):
        chat(**bad)


def test_bad_options_are_refused():
    with pytest.raises(ValueError, match="at least one"):
        option(points=())
    with pytest.raises(ValueError, match="efficiency"):
        ceiling_option("Llama-3.1-8B-Instruct", "A100-80GB", 0.0, 100, 1000)
    with pytest.raises(ValueError, match="no published peak"):
        ceiling_option("Llama-3.1-8B-Instruct", "L4", 0.5, 100, 1000)


def test_plan_row_reads_as_a_review_table():
    row = plan_row(plan(chat(ttft_ms=100.0), option()))
    assert row["meets latency"] is False and row["$/month 6 mo"] == "-"
    assert plan_row(api_plan(chat(), PRICE))["replicas now / 6 mo"] == "-"


def test_a_model_below_the_quality_bar_is_sized_but_never_chosen():
    req = chat(models=("big",))
    cheap = plan(req, option(usd_per_hour=0.01))  # model "m": far cheaper than the API
    assert cheap.reachable and not cheap.good_enough and "not among the models" in cheap.notes[0]
    d = decide(req, [cheap, api_plan(req, PRICE)])
    assert d.choice == "api" and any("quality bar" in r for r in d.reasons)
    assert plan(chat(models=("M",)), option()).good_enough  # names compare without case
    assert plan_row(cheap)["good enough"] is False


def test_served_tokens_follow_the_chat_template():
    from transformers import AutoTokenizer

    from genai_design.capacity import count_served_tokens
    from genai_design.models import prepare_model

    tokenizer = AutoTokenizer.from_pretrained(prepare_model("smollm2-135m-instruct").path)
    words = "parcel " * 50
    short = count_served_tokens(tokenizer, [{"role": "user", "content": "hi"}])
    longer = count_served_tokens(tokenizer, [{"role": "user", "content": "hi " + words}])
    content = len(tokenizer(" " + words.strip(), add_special_tokens=False)["input_ids"])
    assert short > 5  # the template's role markers (and this model's default system turn)
    assert abs((longer - short) - content) <= 2
