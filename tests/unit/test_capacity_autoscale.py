"""Unit tests for genai_design.capacity.traffic and .autoscale."""

import json
import time
from itertools import pairwise

import numpy as np
import pytest

from genai_design.capacity import (
    AutoscaleConfig,
    ServiceCurve,
    Traffic,
    arrival_times,
    constant_traffic,
    daily_traffic,
    ramp_traffic,
    replicas_needed,
    simulate,
    spike_traffic,
)
from genai_design.capacity import autoscale

# One replica: latency grows with concurrency; throughput = concurrency / latency.
CURVE = ServiceCurve.from_lists([1, 2, 4, 8, 16], [0.5, 0.55, 0.65, 0.85, 1.3])


def fixed(n: int, **kw) -> AutoscaleConfig:
    return AutoscaleConfig(min_replicas=n, max_replicas=n, **kw)


def test_curve_interpolates_and_defaults_throughput():
    assert CURVE.latency_s_at(3) == pytest.approx(0.6)
    assert CURVE.throughput_rps_at(8) == pytest.approx(8 / 0.85)
    assert CURVE.latency_s_at(40) == pytest.approx(1.3)  # flat beyond the measurements
    assert CURVE.max_concurrency == 16


def test_traffic_shapes():
    assert constant_traffic(3.0, 10).rate_rps == (3.0,) * 10
    ramp = ramp_traffic(0.0, 10.0, 100, step_s=10)
    assert ramp.rate_rps[0] == pytest.approx(0.5) and ramp.rate_rps[-1] == pytest.approx(9.5)
    day = daily_traffic(100.0, 20.0, peak_at_s=14.5 * 3600, step_s=3600)  # peak mid-step 14
    assert np.argmax(day.rate_rps) == 14 and day.rate_rps[14] == pytest.approx(100.0)
    assert np.argmin(day.rate_rps) == 2 and day.rate_rps[2] == pytest.approx(20.0)
    spike = spike_traffic(2.0, 50.0, 100, 60, 300)
    assert spike.rate_at(99) == 2.0 and spike.rate_at(100) == 50.0 and spike.rate_at(160) == 2.0


def test_arrivals_uniform_exact_and_poisson_seeded():
    uniform = arrival_times(constant_traffic(2.0, 100), process="uniform")
    assert uniform.size == 200 and np.allclose(np.diff(uniform), 0.5)
    a, b = arrival_times(constant_traffic(20.0, 500), seed=3), arrival_times(constant_traffic(20.0, 500), seed=3)
    assert np.array_equal(a, b) and np.all(np.diff(a) >= 0)
    assert a.size == pytest.approx(10_000, rel=0.05)  # sd of a Poisson(10000) count is 100


def test_flat_curve_latency_equals_curve():
    flat = ServiceCurve.from_lists([1, 16], [0.2, 0.2])
    res = simulate(flat, constant_traffic(5.0, 600), fixed(1), slo_ms=200.0, seed=1)
    assert res.num_requests > 2500
    assert res.latency_p50_ms == pytest.approx(200.0) and res.latency_p99_ms == pytest.approx(200.0)
    assert res.goodput_fraction == 1.0


def test_lone_requests_see_curve_latency_at_concurrency_one():
    res = simulate(CURVE, constant_traffic(1.0, 300), fixed(1), slo_ms=1000.0, arrival_process="uniform")
    assert np.allclose(res.latencies_ms, 500.0)


def test_queueing_when_replica_is_full():
    # Two requests at once on a replica that admits one: the second waits a full service time.
    one_slot = ServiceCurve.from_lists([1], [1.0])
    res = simulate(one_slot, Traffic((2.0,), step_s=1.0), fixed(1), slo_ms=1500.0, arrival_process="uniform")
    assert sorted(res.latencies_ms.tolist()) == pytest.approx([1000.0, 1500.0])
    assert res.goodput_fraction == 1.0


def test_replica_seconds_of_fixed_pool():
    res = simulate(CURVE, constant_traffic(4.0, 600), fixed(3), slo_ms=2000.0)
    assert 3 * 600 <= res.replica_seconds <= 3 * 602
    assert res.mean_replicas == pytest.approx(3.0, rel=0.01)


def test_replicas_needed_by_hand():
    # SLO 1 s allows concurrency up to 10 (latency 0.9625 s); throughput there
    # interpolates 8/0.85 -> 16/1.3 at a quarter of the way: 10.136 req/s.
    per_replica = 8 / 0.85 + (16 / 1.3 - 8 / 0.85) / 4
    assert replicas_needed(CURVE, 30.0, 1000.0) == 3 == int(np.ceil(30 / per_replica))
    assert replicas_needed(CURVE, 31.0, 1000.0) == 4
    assert replicas_needed(CURVE, 30.0, 1000.0, headroom_fraction=0.2) == 4
    with pytest.raises(ValueError, match="500 ms"):
        replicas_needed(CURVE, 10.0, 400.0)


def test_longer_cold_start_worsens_spike_p99():
    traffic = spike_traffic(5.0, 30.0, 300, 300, 900)
    p99 = [simulate(CURVE, traffic, AutoscaleConfig(target=8.0, interval_s=10, cold_start_s=cs),
                    slo_ms=2000.0, seed=0).latency_p99_ms for cs in (0, 30, 90, 180)]
    assert all(b >= a for a, b in pairwise(p99))
    assert p99[-1] > 5 * p99[0]


@pytest.mark.parametrize("policy,target", [("qps", 8.0), ("utilization", 0.6)])
def test_both_policies_keep_goodput_on_a_ramp(policy, target):
    res = simulate(CURVE, ramp_traffic(2.0, 40.0, 1800), AutoscaleConfig(policy=policy, target=target),
                   slo_ms=2000.0, seed=0)
    assert res.goodput_fraction >= 0.9
    assert res.peak_replicas >= 4  # 40 req/s needs more than three replicas of ~12 req/s
    assert res.timeline_replicas[0] < res.timeline_replicas[-1]


def test_utilization_signal_counts_the_queue(monkeypatch):
    # Twice what one single-slot replica can serve: requests pile up behind the slot. Running
    # plus waiting sees that queue and scales out; running alone sees one full slot per replica
    # (the target) and never asks for more.
    one_slot = ServiceCurve.from_lists([1], [1.0])
    cfg = AutoscaleConfig(policy="utilization", target=1.0, interval_s=15, cold_start_s=0, max_replicas=8)

    def run():
        return simulate(one_slot, constant_traffic(2.0, 300), cfg, slo_ms=2000.0, arrival_process="uniform")

    assert autoscale.UTILIZATION_SIGNAL == (autoscale.RUNNING, autoscale.WAITING)
    assert run().peak_replicas >= 2
    monkeypatch.setattr(autoscale, "UTILIZATION_SIGNAL", (autoscale.RUNNING,))
    assert run().peak_replicas == 1
    monkeypatch.setattr(autoscale, "UTILIZATION_SIGNAL", (autoscale.RUNNING, "vllm:gpu_cache_usage_perc"))
    with pytest.raises(ValueError, match="gpu_cache_usage_perc"):
        run()


def test_qps_target_at_peak_capacity_fails_the_slo():
    res = simulate(CURVE, ramp_traffic(2.0, 40.0, 1800), AutoscaleConfig(policy="qps", target=12.0),
                   slo_ms=2000.0, seed=0)
    assert res.goodput_fraction < 0.9


def test_deterministic_for_a_seed():
    cfg = AutoscaleConfig(policy="utilization", target=0.6, cold_start_s=30)
    runs = [simulate(CURVE, spike_traffic(5.0, 25.0, 120, 120, 600), cfg, 2000.0, seed=s) for s in (7, 7, 8)]
    assert runs[0].to_dict() == runs[1].to_dict()
    assert np.array_equal(runs[0].latencies_ms, runs[1].latencies_ms)
    assert runs[0].to_dict() != runs[2].to_dict()
    json.dumps(runs[0].to_dict(include_latencies=True))


def test_one_hour_at_20_rps_is_fast():
    start = time.perf_counter()
    res = simulate(CURVE, constant_traffic(20.0, 3600), AutoscaleConfig(target=8.0), slo_ms=2000.0)
    assert time.perf_counter() - start < 5.0
    assert res.num_requests == pytest.approx(72_000, rel=0.02)


def test_bad_inputs_raise():
    with pytest.raises(ValueError, match="qps, utilization"):
        AutoscaleConfig(policy="cpu")
    with pytest.raises(ValueError, match="min_replicas"):
        AutoscaleConfig(min_replicas=0)
    with pytest.raises(ValueError, match="poisson"):
        arrival_times(constant_traffic(1.0, 10), process="bursty")
    with pytest.raises(ValueError, match="rate_rps"):
        Traffic((1.0, -2.0))
    with pytest.raises(ValueError, match="strictly increasing"):
        ServiceCurve.from_lists([2, 1], [0.1, 0.2])
    with pytest.raises(ValueError, match="slo_ms"):
        simulate(CURVE, constant_traffic(1.0, 10), AutoscaleConfig(), slo_ms=0)
