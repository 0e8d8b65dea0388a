"""Is splitting prefill from decode worth it? Best split and mix sweep (framework step 5).

`compare` runs a colocated pool of N workers and every split P + D = N (see `disagg`),
and picks the split with the most SLO margin. `sweep_mixes` does that for several
workload mixes and returns one table row per mix saying whether splitting helps TTFT,
helps inter-token latency, and whether each layout meets the SLOs.

What the model shows (with the default costs): an un-chunked prefill stalls every running
sequence on its worker once, so a long prompt puts one long gap into each of them, but
only into a percent or two of all gaps. Splitting removes those gaps, so ITL p99 drops
many-fold, while ITL p95 and per-request TPOT do not improve and can get worse (the fewer
decode workers run bigger, slower batches). Short prompts cost little to prefill, so
splitting does not help TTFT. Which ITL statistic the SLO is judged on is therefore a
parameter (default ITL p99).

`goodput_rps` asks the question the way DistServe (Zhong et al., 2024) does: the highest
arrival rate at which a target share of requests (90% by default) meets both a TTFT and a
time-per-output-token objective, per worker, so that layouts are compared on the traffic one
GPU can carry within the objectives rather than on raw throughput. `goodput_table` does that
for the colocated pool and every split of several mixes.

Deliberately left out: splits across nodes with different GPU types, and cost per token.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from genai_design.capacity.disagg import MIXES, DisaggCosts, DisaggResult, WorkloadMix, simulate_pool

_STATS = ("ttft_p50_ms", "ttft_p95_ms", "itl_p50_ms", "itl_p95_ms", "itl_p99_ms", "tpot_p50_ms", "tpot_p95_ms")


@dataclass(frozen=True)
class SplitComparison:
    """Colocated pool against its best split, for one mix and arrival rate."""

    mix: str  # WorkloadMix.name
    num_workers: int  # N, the same in both layouts
    rate_rps: float  # Poisson arrival rate into the pool
    ttft_stat: str  # DisaggResult field the TTFT SLO is judged on
    itl_stat: str  # DisaggResult field the ITL SLO is judged on
    ttft_slo_ms: float
    itl_slo_ms: float
    colocated: DisaggResult  # all N workers do both phases
    best_split: DisaggResult  # the P + D split with the smallest worst SLO ratio
    splits: tuple[DisaggResult, ...]  # every split tried, P = 1 .. N-1

    def slo_ratio(self, result: DisaggResult) -> float:
        """The worse of TTFT/SLO and ITL/SLO; <= 1 means both SLOs are met."""
        return max(getattr(result, self.ttft_stat) / self.ttft_slo_ms, getattr(result, self.itl_stat) / self.itl_slo_ms)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable view (summaries, no per-request arrays)."""
        return {
            "mix": self.mix, "num_workers": self.num_workers, "rate_rps": self.rate_rps,
            "ttft_stat": self.ttft_stat, "itl_stat": self.itl_stat,
            "ttft_slo_ms": self.ttft_slo_ms, "itl_slo_ms": self.itl_slo_ms,
            "colocated": self.colocated.to_dict(), "best_split": self.best_split.to_dict(),
            "splits": [s.to_dict() for s in self.splits],
        }


def compare(
    costs: DisaggCosts,
    mix: WorkloadMix | str,
    num_workers: int,
    rate_rps: float,
    ttft_slo_ms: float,
    itl_slo_ms: float,
    ttft_stat: str = "ttft_p95_ms",
    itl_stat: str = "itl_p99_ms",
    num_requests: int = 400,
    seed: int = 0,
) -> SplitComparison:
    """Simulate colocated N and every split P + (N - P); keep the split with the most SLO margin."""
    mix = _get_mix(mix)
    for stat in (ttft_stat, itl_stat):
        if stat not in _STATS:
            raise ValueError(f"unknown statistic {stat!r}; accepted: {', '.join(_STATS)}")
    if num_workers < 2:
        raise ValueError(f"num_workers must be >= 2 to split, got {num_workers}")
    if ttft_slo_ms <= 0 or itl_slo_ms <= 0:
        raise ValueError("ttft_slo_ms and itl_slo_ms must be > 0")
    colocated = simulate_pool(costs, mix, rate_rps, num_workers, None, num_requests, seed)
    splits = tuple(simulate_pool(costs, mix, rate_rps, num_workers, p, num_requests, seed)
                   for p in range(1, num_workers))
    partial = SplitComparison(mix.name, num_workers, float(rate_rps), ttft_stat, itl_stat, float(ttft_slo_ms),
                              float(itl_slo_ms), colocated, splits[0], splits)
    best = min(splits, key=lambda s: (round(partial.slo_ratio(s), 6), -s.throughput_tokens_s))
    return SplitComparison(mix.name, num_workers, float(rate_rps), ttft_stat, itl_stat, float(ttft_slo_ms),
                           float(itl_slo_ms), colocated, best, splits)


def estimate_capacity_rps(costs: DisaggCosts, mix: WorkloadMix | str, num_workers: int) -> float:
    """Upper bound on the rate a colocated pool sustains: mean prefill plus a full batch's decode share."""
    mix = _get_mix(mix)
    prompt, output = sum(mix.prompt_tokens) / 2, sum(mix.output_tokens) / 2
    batch = costs.max_batch_seqs
    step = costs.decode_step_s(batch, int(batch * (prompt + output / 2)))
    return num_workers / (costs.prefill_s(int(prompt)) + output * step / batch)


def sweep_mixes(
    costs: DisaggCosts,
    mixes: list[WorkloadMix | str] | None = None,
    num_workers: int = 4,
    load_fraction: float = 0.6,
    ttft_slo_ms: float = 1000.0,
    itl_slo_ms: float = 100.0,
    min_gain_fraction: float = 0.2,
    itl_stat: str = "itl_p99_ms",
    num_requests: int = 400,
    seed: int = 0,
) -> list[dict[str, Any]]:
    """One row per mix: colocated vs best split at `load_fraction` of the estimated capacity.

    A layout "helps" a statistic when it lowers it by at least `min_gain_fraction`.
    """
    if not 0 < load_fraction < 1.5:
        raise ValueError(f"load_fraction must be in (0, 1.5), got {load_fraction!r}")
    rows = []
    for mix in mixes if mixes is not None else list(MIXES):
        mix = _get_mix(mix)
        rate = load_fraction * estimate_capacity_rps(costs, mix, num_workers)
        cmp = compare(costs, mix, num_workers, rate, ttft_slo_ms, itl_slo_ms, itl_stat=itl_stat,
                      num_requests=num_requests, seed=seed)
        colo, best = cmp.colocated, cmp.best_split
        rows.append({
            "mix": mix.name, "rate_rps": round(rate, 3),
            "best_split": f"{best.prefill_workers}P+{best.decode_workers}D",
            "colocated_ttft_p95_ms": colo.ttft_p95_ms, "split_ttft_p95_ms": best.ttft_p95_ms,
            f"colocated_{itl_stat}": getattr(colo, itl_stat), f"split_{itl_stat}": getattr(best, itl_stat),
            "colocated_itl_p95_ms": colo.itl_p95_ms, "split_itl_p95_ms": best.itl_p95_ms,
            "colocated_throughput_tokens_s": colo.throughput_tokens_s,
            "split_throughput_tokens_s": best.throughput_tokens_s,
            "split_helps_ttft": best.ttft_p95_ms <= (1 - min_gain_fraction) * colo.ttft_p95_ms,
            "split_helps_itl": getattr(best, itl_stat) <= (1 - min_gain_fraction) * getattr(colo, itl_stat),
            "colocated_meets_slo": cmp.slo_ratio(colo) <= 1.0,
            "split_meets_slo": cmp.slo_ratio(best) <= 1.0,
        })
    return rows


def goodput_rps(costs: DisaggCosts, mix: WorkloadMix | str, num_workers: int, prefill_workers: int | None,
                ttft_slo_ms: float, tpot_slo_ms: float, attainment: float = 0.9, num_requests: int = 400,
                seed: int = 0, iterations: int = 10) -> float:
    """Highest Poisson arrival rate (requests/s, whole pool) at which at least ``attainment``
    of the requests meet both objectives; ``prefill_workers`` None means colocated.

    Bisection between 0 and four times :func:`estimate_capacity_rps`; 0.0 when even the lowest rate
    tried misses, the upper end when even that one meets. The same seed at every rate draws the
    same requests with arrival times scaled, so only the load changes between runs.
    """
    if not 0 < attainment <= 1:
        raise ValueError(f"attainment must be in (0, 1], got {attainment!r}")
    if ttft_slo_ms <= 0 or tpot_slo_ms <= 0:
        raise ValueError("ttft_slo_ms and tpot_slo_ms must be > 0")
    mix = _get_mix(mix)

    def meets(rate: float) -> bool:
        result = simulate_pool(costs, mix, rate, num_workers, prefill_workers, num_requests, seed)
        return result.slo_attainment(ttft_slo_ms, tpot_slo_ms) >= attainment

    high = 4.0 * estimate_capacity_rps(costs, mix, num_workers)
    low = high / 2 ** iterations
    if meets(high):
        return high
    if not meets(low):
        return 0.0
    for _ in range(iterations):  # meets(low) and not meets(high) hold throughout
        mid = (low + high) / 2
        low, high = (mid, high) if meets(mid) else (low, mid)
    return low


def goodput_table(costs: DisaggCosts, mixes: list[WorkloadMix | str], num_workers: int, ttft_slo_ms: float,
                  tpot_slo_ms: float, attainment: float = 0.9, num_requests: int = 400,
                  seed: int = 0) -> list[dict[str, Any]]:
    """One row per mix: goodput per worker of the colocated pool and of its best split."""
    rows = []
    for mix in mixes:
        mix = _get_mix(mix)
        per_layout = {p: goodput_rps(costs, mix, num_workers, p, ttft_slo_ms, tpot_slo_ms, attainment,
                                     num_requests, seed) / num_workers
                      for p in [None, *range(1, num_workers)]}
        colocated = per_layout.pop(None)
        best = max(per_layout, key=lambda p: per_layout[p])
        rows.append({"mix": mix.name, "colocated_goodput_rps_per_worker": colocated,
                     "best_split": f"{best}P+{num_workers - best}D",
                     "split_goodput_rps_per_worker": per_layout[best],
                     "goodput_ratio": per_layout[best] / colocated if colocated else float("inf")})
    return rows


def _get_mix(mix: WorkloadMix | str) -> WorkloadMix:
    if isinstance(mix, WorkloadMix):
        return mix
    if mix not in MIXES:
        raise ValueError(f"unknown workload mix {mix!r}; known: {', '.join(MIXES)}")
    return MIXES[mix]
