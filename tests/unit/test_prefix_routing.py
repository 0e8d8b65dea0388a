"""Routing across replicas that each cache their own prefixes (capacity.prefix_routing)."""

from __future__ import annotations

import numpy as np
import pytest

from genai_design.capacity import (ROUTING_POLICIES, PrefixCosts, PrefixWorkload, compare_routing,
                                   replica_order, simulate_routing)
from genai_design.capacity import prefix_routing

COSTS = PrefixCosts(miss_s=0.8, hit_s=0.1)


def scripted(monkeypatch, arrivals: list[float], tenants: list[int]) -> PrefixWorkload:
    """A workload whose requests are exactly these (arrival time, tenant) pairs."""
    monkeypatch.setattr(PrefixWorkload, "requests",
                        lambda self: (np.array(arrivals, dtype=float), np.array(tenants)))
    return PrefixWorkload(tenants=max(tenants) + 1, rate_rps=1.0, num_requests=len(arrivals))


def test_round_robin_misses_where_prefix_hash_hits(monkeypatch):
    # One tenant, two requests 10 s apart, two replicas: round-robin sends the second request to
    # the replica that has never seen the prefix; prefix-hash sends it home, where it is cached.
    workload = scripted(monkeypatch, [0.0, 10.0], [0, 0])
    rr = simulate_routing("round-robin", COSTS, workload, replicas=2, cache_slots=4)
    home = simulate_routing("prefix-hash", COSTS, workload, replicas=2, cache_slots=4)
    assert rr.hit_rate == 0.0 and rr.ttft_ms == pytest.approx((800.0, 800.0))
    assert home.hit_rate == 0.5 and home.ttft_ms == pytest.approx((800.0, 100.0))
    assert home.busiest_share == 2.0 and rr.busiest_share == 1.0


def test_queue_wait_is_part_of_time_to_first_token(monkeypatch):
    # Two misses at once on one replica: the second waits for the first's prefill.
    workload = scripted(monkeypatch, [0.0, 0.0], [0, 1])
    result = simulate_routing("least-connections", COSTS, workload, replicas=1, cache_slots=4)
    assert result.ttft_ms == pytest.approx((800.0, 1600.0))
    assert result.ttft_p50_ms == pytest.approx(1200.0)


def test_least_connections_avoids_the_busy_replica(monkeypatch):
    # The first request takes replica 0 (a tie, broken round-robin). The second arrives while the
    # first still prefills, so it goes to the idle replica 1 and misses there; the third comes
    # after both finish, ties again, and goes to replica 0, where the prefix is cached.
    workload = scripted(monkeypatch, [0.0, 0.1, 5.0], [0, 0, 0])
    result = simulate_routing("least-connections", COSTS, workload, replicas=2, cache_slots=4)
    assert result.ttft_ms == pytest.approx((800.0, 800.0, 100.0))  # no waits; a miss on replica 1
    assert result.busiest_share == pytest.approx(2 / 1.5)


def test_lru_cache_evicts_the_least_recently_used_prefix(monkeypatch):
    # One replica holding one prefix: tenants 0, 1, 0 all miss (1 evicts 0); 0, 0 hits.
    workload = scripted(monkeypatch, [0.0, 10.0, 20.0, 30.0], [0, 1, 0, 0])
    result = simulate_routing("prefix-hash", COSTS, workload, replicas=1, cache_slots=1)
    assert result.ttft_ms == pytest.approx((800.0, 800.0, 800.0, 100.0))
    two = simulate_routing("prefix-hash", COSTS, workload, replicas=1, cache_slots=2)
    assert two.ttft_ms == pytest.approx((800.0, 800.0, 100.0, 100.0))


def test_cache_aware_leaves_a_cached_replica_only_when_its_wait_exceeds_the_saving(monkeypatch):
    # Tenant 0 is cached on its home replica. A burst of tenant-0 requests queues there; once the
    # queued work (n x 0.1 s) exceeds the miss penalty (0.7 s), the next goes to the other replica.
    order = replica_order(0, 2)
    workload = scripted(monkeypatch, [0.0] + [10.0] * 10, [0] * 11)
    result = simulate_routing("cache-aware", COSTS, workload, replicas=2, cache_slots=4)
    ttft = result.ttft_ms
    assert ttft[0] == pytest.approx(800.0)  # first request: miss at home
    assert list(ttft[1:9]) == pytest.approx([100.0 * k for k in range(1, 9)])  # queued hits at home
    assert ttft[9] == pytest.approx(800.0)  # waiting 0.8 s + 0.1 s at home loses to a 0.8 s miss
    assert order[0] != order[1]


def test_replica_order_is_stable_and_moves_few_tenants_when_a_replica_is_added():
    assert replica_order(7, 4) == replica_order(7, 4)
    assert sorted(replica_order(7, 4)) == [0, 1, 2, 3]
    homes4 = [replica_order(t, 4)[0] for t in range(1000)]
    homes5 = [replica_order(t, 5)[0] for t in range(1000)]
    moved = [t for t in range(1000) if homes4[t] != homes5[t]]
    assert all(homes5[t] == 4 for t in moved)  # a tenant only moves to the new replica
    assert 0.1 < len(moved) / 1000 < 0.3  # about one in five


def test_routing_by_prefix_raises_hit_rate_and_cuts_the_tail_under_load():
    # 120 tenants, one replica's cache holds 30: evenly spread traffic keeps missing.
    workload = PrefixWorkload(tenants=120, rate_rps=2.0 * 4 / COSTS.miss_s, num_requests=3000)
    results = compare_routing(COSTS, workload, replicas=4, cache_slots=30)
    assert list(results) == list(ROUTING_POLICIES)
    lc, home, aware = results["least-connections"], results["prefix-hash"], results["cache-aware"]
    assert home.hit_rate > lc.hit_rate + 0.2
    assert aware.ttft_p95_ms < lc.ttft_p95_ms
    assert home.busiest_share > aware.busiest_share > lc.busiest_share
    for r in results.values():
        assert 0 <= r.hit_rate <= 1 and 0 < r.utilisation <= 1
        assert r.ttft_p50_ms <= r.ttft_p95_ms <= r.ttft_p99_ms
        assert len(r.ttft_ms) == 3000 and min(r.ttft_ms) >= COSTS.hit_s * 1000 - 1e-9


def test_same_seed_same_numbers_and_skew_concentrates_traffic():
    a = PrefixWorkload(tenants=50, rate_rps=3.0, num_requests=500, seed=3).requests()
    b = PrefixWorkload(tenants=50, rate_rps=3.0, num_requests=500, seed=3).requests()
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    assert np.all(np.diff(a[0]) > 0)
    flat = PrefixWorkload(tenants=50, rate_rps=3.0, num_requests=5000, zipf_s=0.0).requests()[1]
    skew = PrefixWorkload(tenants=50, rate_rps=3.0, num_requests=5000, zipf_s=1.2).requests()[1]
    assert np.mean(skew == 0) > 3 * np.mean(flat == 0)


@pytest.mark.parametrize("kwargs", [dict(miss_s=0.1, hit_s=0.2), dict(miss_s=0.1, hit_s=0.0)])
def test_bad_costs_are_refused(kwargs):
    with pytest.raises(ValueError, match="hit_s"):
        PrefixCosts(**kwargs)


@pytest.mark.parametrize("kwargs", [dict(tenants=0, rate_rps=1.0), dict(tenants=5, rate_rps=0.0),
                                    dict(tenants=5, rate_rps=1.0, num_requests=0),
                                    dict(tenants=5, rate_rps=1.0, zipf_s=-1.0)])
def test_bad_workloads_are_refused(kwargs):
    with pytest.raises(ValueError):
        PrefixWorkload(**kwargs)


def test_bad_policy_and_pool_are_refused():
    workload = PrefixWorkload(tenants=5, rate_rps=1.0, num_requests=10)
    with pytest.raises(ValueError, match="unknown policy 'random'.*cache-aware"):
        simulate_routing("random", COSTS, workload, replicas=2, cache_slots=2)
    for replicas, slots in ((0, 2), (2, 0)):
        with pytest.raises(ValueError, match="replicas and cache_slots"):
            simulate_routing("prefix-hash", COSTS, workload, replicas=replicas, cache_slots=slots)
    assert prefix_routing.ROUTING_POLICIES == ROUTING_POLICIES
