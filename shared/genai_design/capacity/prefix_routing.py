"""Routing requests across replicas so that shared prefixes find their cache (framework step 5).

A vLLM replica keeps the KV blocks of the prompt prefixes it has prefilled (notebook 5c), but
only its own. A request that lands on a replica that has never read its prefix pays the whole
prefill again. A load balancer that spreads requests evenly, round-robin or to the replica
with the fewest open requests ("least connections"), sends every tenant's system prompt to
every replica, so each replica's cache must hold all of them. Routing by prefix gives each
tenant a home replica, so each replica holds only its share of the prefixes; but a popular
tenant can then pile its traffic onto one replica. A *cache-aware* router remembers which
prefixes it sent where and how much prefill work each replica has queued, and sends each
request to the replica that would give it the first token soonest: a short queue with the
prefix cached beats an idle replica without it only while the wait is shorter than the
prefill it saves.

The model, simulated from two measured costs (the time to first token of a prefix miss and of
a hit, which 5c measures on the real server):

- Requests arrive as a Poisson stream. Each belongs to one tenant, whose system prompt is the
  shared prefix; tenant ``k`` (from 1) is chosen with probability proportional to
  ``1 / k**zipf_s``, so a few tenants send most of the traffic.
- A replica prefills one request at a time, first come, first served. Time to first token =
  wait in the replica's queue + prefill, where prefill takes ``hit_s`` when the replica's cache
  holds the tenant's prefix and ``miss_s`` when it does not.
- Each replica's cache holds ``cache_slots`` prefixes; the least recently used one is evicted.
- A replica's order for a tenant is rendezvous hashing: replicas sorted by a hash of
  (tenant, replica). Adding a replica moves only the tenants whose new order puts it first.

Left out: decode (on a real server it shares the replica's compute with prefill), partial
prefix hits (two prompts that share only part of a prefix), prompts with no shared prefix,
and replicas failing or being added during a run.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict, deque
from dataclasses import dataclass

import numpy as np

# Routing policies, in the order the notebook shows them.
ROUTING_POLICIES = ("round-robin", "least-connections", "prefix-hash", "cache-aware")


@dataclass(frozen=True)
class PrefixCosts:
    """Prefill time of one request, measured on the real server (notebook 5c)."""

    miss_s: float  # time to first token when the replica has not cached the prefix, seconds
    hit_s: float  # time to first token when it has, seconds

    def __post_init__(self) -> None:
        if not 0 < self.hit_s <= self.miss_s:
            raise ValueError(f"need 0 < hit_s <= miss_s, got hit_s={self.hit_s!r}, miss_s={self.miss_s!r}")


@dataclass(frozen=True)
class PrefixWorkload:
    """Who sends requests, and how fast."""

    tenants: int  # distinct shared prefixes (one system prompt per tenant)
    rate_rps: float  # mean arrivals per second (Poisson)
    num_requests: int = 3000  # requests simulated
    zipf_s: float = 1.0  # popularity skew: tenant k's share is proportional to 1 / k**zipf_s
    seed: int = 0  # seeds arrival times and tenant draws

    def __post_init__(self) -> None:
        if self.tenants < 1 or self.num_requests < 1:
            raise ValueError(f"tenants and num_requests must be >= 1, got {self.tenants!r}, {self.num_requests!r}")
        if self.rate_rps <= 0 or self.zipf_s < 0:
            raise ValueError(f"need rate_rps > 0 and zipf_s >= 0, got {self.rate_rps!r}, {self.zipf_s!r}")

    def requests(self) -> tuple[np.ndarray, np.ndarray]:
        """Arrival times (seconds, sorted) and the tenant (0-based) of each request."""
        rng = np.random.default_rng(self.seed)
        arrivals = np.cumsum(rng.exponential(1.0 / self.rate_rps, self.num_requests))
        weights = 1.0 / np.arange(1, self.tenants + 1) ** self.zipf_s
        tenants = rng.choice(self.tenants, size=self.num_requests, p=weights / weights.sum())
        return arrivals, tenants


@dataclass(frozen=True)
class RoutingResult:
    """What one policy did with one workload."""

    policy: str  # a name from ROUTING_POLICIES
    replicas: int  # replicas in the pool
    hit_rate: float  # share of requests whose replica held their prefix
    ttft_p50_ms: float  # median time to first token (queue wait + prefill)
    ttft_p95_ms: float  # 95th percentile
    ttft_p99_ms: float  # 99th percentile
    busiest_share: float  # requests sent to the busiest replica / requests per replica if even
    utilisation: float  # share of the pool's time spent prefilling
    ttft_ms: tuple[float, ...]  # every request's time to first token, in arrival order

    def row(self) -> dict[str, float]:
        """The headline numbers as a table row."""
        return {"prefix hit rate": self.hit_rate, "TTFT p50 ms": self.ttft_p50_ms,
                "TTFT p95 ms": self.ttft_p95_ms, "TTFT p99 ms": self.ttft_p99_ms,
                "busiest replica share": self.busiest_share, "utilisation": self.utilisation}


def replica_order(tenant: int, replicas: int) -> list[int]:
    """The tenant's replicas, most preferred first (rendezvous hashing, stable across runs)."""
    def weight(replica: int) -> int:
        digest = hashlib.blake2b(f"{tenant}:{replica}".encode(), digest_size=8).digest()
        return int.from_bytes(digest, "big")
    return sorted(range(replicas), key=weight, reverse=True)


def simulate_routing(policy: str, costs: PrefixCosts, workload: PrefixWorkload, replicas: int,
                     cache_slots: int) -> RoutingResult:
    """Send ``workload`` to ``replicas`` replicas under ``policy`` and measure the result.

    ``cache_slots`` is how many tenants' prefixes one replica's cache holds. "cache-aware"
    knows each replica's cache and queue exactly here; a real router only estimates them.
    """
    if policy not in ROUTING_POLICIES:
        raise ValueError(f"unknown policy {policy!r}; known: {', '.join(ROUTING_POLICIES)}")
    if replicas < 1 or cache_slots < 1:
        raise ValueError(f"replicas and cache_slots must be >= 1, got {replicas!r}, {cache_slots!r}")
    arrivals, tenants = workload.requests()
    free_at = [0.0] * replicas  # when each replica finishes the prefills queued on it
    open_until: list[deque[float]] = [deque() for _ in range(replicas)]  # finish times of open requests
    caches: list[OrderedDict[int, None]] = [OrderedDict() for _ in range(replicas)]  # LRU order
    sent, busy_s, hits, ttft = [0] * replicas, 0.0, 0, []
    orders: dict[int, list[int]] = {}
    for i, (now, tenant) in enumerate(zip(arrivals.tolist(), tenants.tolist())):
        for finished in open_until:  # requests whose prefill ended before now are no longer open
            while finished and finished[0] <= now:
                finished.popleft()
        load = [len(q) for q in open_until]
        if policy == "round-robin":
            r = i % replicas
        elif policy == "least-connections":  # fewest open; ties go round-robin from request i
            r = min(range(replicas), key=lambda j: (load[j], (j - i) % replicas))
        else:
            order = orders.setdefault(tenant, replica_order(tenant, replicas))
            r = order[0]  # prefix-hash: always the tenant's home
            if policy == "cache-aware":  # soonest first token: queued work + this prefill; ties by order
                r = min(order, key=lambda j: max(0.0, free_at[j] - now)
                        + (costs.hit_s if tenant in caches[j] else costs.miss_s))
        hit = tenant in caches[r]
        caches[r][tenant] = None
        caches[r].move_to_end(tenant)
        if len(caches[r]) > cache_slots:
            caches[r].popitem(last=False)  # evict the least recently used prefix
        prefill = costs.hit_s if hit else costs.miss_s
        start = max(now, free_at[r])
        free_at[r] = start + prefill
        open_until[r].append(free_at[r])
        ttft.append((free_at[r] - now) * 1000)
        sent[r] += 1
        busy_s += prefill
        hits += hit
    n = len(ttft)
    p50, p95, p99 = np.percentile(ttft, [50, 95, 99])
    span = max(max(free_at), float(arrivals[-1])) - float(arrivals[0]) + costs.miss_s
    return RoutingResult(policy=policy, replicas=replicas, hit_rate=hits / n, ttft_p50_ms=float(p50),
                         ttft_p95_ms=float(p95), ttft_p99_ms=float(p99),
                         busiest_share=max(sent) / (n / replicas),
                         utilisation=busy_s / (replicas * span), ttft_ms=tuple(ttft))


def compare_routing(costs: PrefixCosts, workload: PrefixWorkload, replicas: int, cache_slots: int,
                    policies: tuple[str, ...] = ROUTING_POLICIES) -> dict[str, RoutingResult]:
    """Every policy on the same requests (same seed), by policy name."""
    return {p: simulate_routing(p, costs, workload, replicas, cache_slots) for p in policies}
