"""Tests of genai_design.loadtest.results on hand-built records with hand-computed answers."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from genai_design.loadtest import (
    SLO,
    LoadTestResult,
    RequestRecord,
    load_json,
    save_json,
    summarise,
)


def _records() -> list[RequestRecord]:
    return [
        # ok, 3 tokens: tpot = (130 - 100) / 2 = 15 ms
        RequestRecord(0, 0.0, 100.0, (10.0, 20.0), 130.0, 7, 3),
        # ok, 2 tokens: tpot = (350 - 300) / 1 = 50 ms
        RequestRecord(1, 0.1, 300.0, (50.0,), 350.0, 7, 2),
        RequestRecord(2, 0.2, None, (), 40.0, None, 0, error="APIStatusError: 500"),
        # ok, 1 token: no tpot
        RequestRecord(3, 0.5, 50.0, (), 50.0, 7, 1),
        # cancelled at the limit; its end (1.0 + 0.5 s) is the run's last moment
        RequestRecord(4, 1.0, None, (), 500.0, None, 0, error="cancelled", cancelled=True),
    ]


def test_summarise_against_hand_computation() -> None:
    result = summarise(_records(), concurrency=2)
    assert (result.num_requests, result.num_errors, result.num_cancelled) == (4, 1, 1)
    assert result.duration_s == pytest.approx(1.5)
    assert result.total_output_tokens == 6
    assert result.request_throughput_rps == pytest.approx(3 / 1.5)
    assert result.output_tokens_per_s == pytest.approx(6 / 1.5)
    assert result.goodput_rps == pytest.approx(3 / 1.5)  # no SLO: every success counts
    # TTFT over successes [50, 100, 300]; linear-interpolated percentiles by hand:
    # p95 at rank 0.95 * 2 = 1.9 -> 100 + 0.9 * 200 = 280; p99 -> 100 + 0.98 * 200 = 296
    assert (result.mean_ttft_ms, result.p50_ttft_ms) == pytest.approx((150, 100))
    assert (result.p95_ttft_ms, result.p99_ttft_ms) == pytest.approx((280, 296))
    assert (result.mean_itl_ms, result.p50_itl_ms) == pytest.approx((80 / 3, 20))
    assert (result.mean_tpot_ms, result.p50_tpot_ms) == pytest.approx((32.5, 32.5))
    assert (result.mean_e2e_ms, result.p50_e2e_ms) == pytest.approx((530 / 3, 130))


@pytest.mark.parametrize(("slo", "good"), [
    (SLO(ttft_ms=200), 2),  # requests 0 and 3
    (SLO(tpot_ms=20), 2),  # request 0 (15 ms) and request 3 (one token, no tpot)
    (SLO(e2e_ms=100), 1),  # request 3
    (SLO(ttft_ms=200, e2e_ms=100), 1),
    (SLO(ttft_ms=10), 0),
])
def test_goodput_counts_only_requests_within_the_slo(slo: SLO, good: int) -> None:
    result = summarise(_records(), concurrency=2, slo=slo)
    assert result.goodput_rps == pytest.approx(good / 1.5)
    assert (result.slo_ttft_ms, result.slo_tpot_ms, result.slo_e2e_ms) == (
        slo.ttft_ms, slo.tpot_ms, slo.e2e_ms)
    assert result.request_throughput_rps == pytest.approx(3 / 1.5)  # unchanged by the SLO


def test_failed_requests_never_meet_an_slo() -> None:
    assert not SLO().met_by(_records()[2])
    assert SLO().met_by(_records()[0])


def test_all_failed_gives_nan_statistics_and_null_json(tmp_path: Path) -> None:
    result = summarise(_records()[2:3], concurrency=1)
    assert result.num_errors == 1 and result.request_throughput_rps == 0.0
    assert math.isnan(result.p95_ttft_ms)
    assert result.to_dict()["p95_ttft_ms"] is None
    path = save_json(result, tmp_path / "r.json")
    assert json.loads(path.read_text())[0]["p95_ttft_ms"] is None
    assert math.isnan(load_json(path)[0].p95_ttft_ms)


def test_json_round_trip(tmp_path: Path) -> None:
    results = [summarise(_records(), 2, SLO(ttft_ms=200)), summarise(_records()[:2], 1)]
    loaded = load_json(save_json(results, tmp_path / "sub" / "sweep.json"))
    assert loaded == results


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="ttft_ms"):
        SLO(ttft_ms=-1)
    with pytest.raises(ValueError, match="concurrency"):
        summarise(_records(), concurrency=0)
    with pytest.raises(ValueError, match="unknown LoadTestResult fields"):
        LoadTestResult.from_dict({"latency": 1})


def _open_records() -> list[RequestRecord]:
    return [
        # due at 0 s, sent at once: 100 ms
        RequestRecord(0, 0.0, 100.0, (), 100.0, 7, 1, scheduled_s=0.0),
        # due at 0.5 s, sent at 0.9 s (queued 0.4 s): latencies count from 0.5 s
        RequestRecord(1, 0.9, 700.0, (), 700.0, 7, 1, scheduled_s=0.5),
    ]


def test_open_loop_result_reports_mode_rate_and_tail() -> None:
    records = _open_records()
    assert [r.origin_s for r in records] == [0.0, 0.5]
    result = summarise(records, rate_rps=2.0)
    assert (result.mode, result.offered_rate_rps, result.concurrency) == ("open", 2.0, None)
    assert result.load == "open loop, 2 req/s"
    # from the first arrival (0 s) to the last finish (0.5 + 0.7 s); from sends it would be 1.6 s
    assert result.duration_s == pytest.approx(1.2)
    # p95 of [100, 700] = 100 + 0.95 * 600; p99 = 100 + 0.99 * 600
    assert (result.p95_ttft_ms, result.p99_ttft_ms) == pytest.approx((670, 694))
    assert (result.p95_e2e_ms, result.p99_e2e_ms) == pytest.approx((670, 694))
    capped = summarise(records, concurrency=4, rate_rps=2.0)
    assert capped.load == "open loop, 2 req/s, at most 4 in flight"
    closed = summarise(_records(), 2)
    assert (closed.mode, closed.offered_rate_rps, closed.load) == ("closed", None,
                                                                   "closed loop, 2 in flight")


def test_open_loop_json_round_trip_and_old_files(tmp_path: Path) -> None:
    results = [summarise(_open_records(), rate_rps=2.0), summarise(_records(), 2)]
    assert load_json(save_json(results, tmp_path / "mixed.json")) == results
    # a result saved before the mode existed is a closed loop
    old = {k: v for k, v in results[1].to_dict().items() if k not in ("mode", "offered_rate_rps")}
    assert LoadTestResult.from_dict(old) == results[1]


def test_mode_mismatches_are_refused() -> None:
    with pytest.raises(ValueError, match="open-loop run .* pass its rate_rps"):
        summarise(_open_records())
    with pytest.raises(ValueError, match="open-loop run .* pass its rate_rps"):
        summarise(_open_records(), concurrency=2)
    with pytest.raises(ValueError, match="closed-loop run"):
        summarise(_records(), rate_rps=2.0)
    with pytest.raises(ValueError, match="mix"):
        summarise(_records()[:1] + _open_records(), rate_rps=2.0)
    with pytest.raises(ValueError, match="pass concurrency= .* or rate_rps="):
        summarise(_records())
    for rate in (-1.0, 0.0, float("nan")):
        with pytest.raises(ValueError, match="rate_rps"):
            summarise(_open_records(), rate_rps=rate)
    fields = summarise(_open_records(), rate_rps=2.0).to_dict()
    with pytest.raises(ValueError, match="offered_rate_rps"):
        LoadTestResult.from_dict({**fields, "offered_rate_rps": None})
    with pytest.raises(ValueError, match="mode"):
        LoadTestResult.from_dict({**fields, "mode": "half-open"})
