"""Prefill/decode disaggregation, simulated step by step (framework step 5).

Two ways to run N identical workers. Colocated: every worker does both phases, and a
prefill (which runs first when one is waiting) stalls the decode steps of every sequence
already running on that worker. Split: P workers only prefill, D = N - P only decode;
the first token leaves the prefill worker, the KV cache then travels to a decode worker
(`kv_transfer_s_per_token` per prompt token) and the sequence joins its batch at the next
step. Costs come from measurement (`DisaggCosts`); the workload from a `WorkloadMix`.
`compare` in `disagg_sweep` searches the best P for a given N.

Deliberately left out: chunked prefill (the colocated remedy for stalls), preemption,
prefix caching, transfer-link contention, and the memory side (each worker's KV budget is
a plain cap on the sequences it decodes at once).
"""

from __future__ import annotations

import heapq
from collections import deque
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from genai_design.capacity.kv import kv_bytes_per_token
from genai_design.capacity.specs import ModelSpec


@dataclass(frozen=True)
class DisaggCosts:
    """Measured (or assumed) costs of one worker. Override the methods for non-linear fits.

    The defaults are illustrative, roughly an 8B model in bf16 on one H100-class GPU
    (KV of 128 KiB per token read at ~3.3 TB/s gives the per-context-token term).
    """

    prefill_fixed_s: float = 0.010  # launch overhead of one prefill batch
    prefill_s_per_token: float = 6e-5  # per prompt token in a prefill batch
    decode_step_base_s: float = 0.012  # one decode step, independent of the batch (weight reads)
    decode_step_s_per_seq: float = 1e-4  # added per sequence in the decode batch
    decode_step_s_per_kv_token: float = 4e-8  # added per context token the batch attends over
    kv_transfer_s_per_token: float = 5e-6  # moving one prompt token's KV cache prefill -> decode
    max_batch_seqs: int = 128  # sequences one worker decodes at once (its KV budget)
    max_prefill_tokens: int = 8192  # prompt tokens one prefill batch may hold (one prompt always fits)

    def prefill_s(self, batch_tokens: int) -> float:
        """Seconds to prefill a batch of prompts totalling `batch_tokens`."""
        return self.prefill_fixed_s + self.prefill_s_per_token * batch_tokens

    def decode_step_s(self, batch_seqs: int, batch_kv_tokens: int) -> float:
        """Seconds of one decode step for `batch_seqs` sequences holding `batch_kv_tokens` context."""
        return (self.decode_step_base_s + self.decode_step_s_per_seq * batch_seqs
                + self.decode_step_s_per_kv_token * batch_kv_tokens)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable view."""
        return asdict(self)


def kv_transfer_s_per_token(spec: ModelSpec | str, link_gb_s: float, dtype: str = "bfloat16") -> float:
    """Seconds to move one token's KV cache over a link of `link_gb_s` decimal GB/s."""
    if link_gb_s <= 0:
        raise ValueError(f"link_gb_s must be > 0, got {link_gb_s!r}")
    return kv_bytes_per_token(spec, dtype) / (link_gb_s * 1e9)


@dataclass(frozen=True)
class WorkloadMix:
    """Request sizes, each drawn uniformly from an inclusive range."""

    name: str  # registry key / label
    prompt_tokens: tuple[int, int]  # (min, max) prompt length
    output_tokens: tuple[int, int]  # (min, max) generated tokens, first token included

    def __post_init__(self) -> None:
        for label, (lo, hi) in (("prompt_tokens", self.prompt_tokens), ("output_tokens", self.output_tokens)):
            if not 1 <= lo <= hi:
                raise ValueError(f"{label} must be (min, max) with 1 <= min <= max, got {(lo, hi)}")


MIXES: dict[str, WorkloadMix] = {
    mix.name: mix
    for mix in (
        WorkloadMix("short-chat", (20, 200), (50, 300)),
        WorkloadMix("rag", (1000, 3000), (100, 300)),
        WorkloadMix("long-document", (3000, 8000), (300, 600)),
    )
}


@dataclass(frozen=True)
class DisaggResult:
    """Latency and throughput of one pool layout; times in ms, rates per second."""

    mode: str  # "colocated" or "split"
    prefill_workers: int  # workers that prefill (all N when colocated)
    decode_workers: int  # workers that decode (all N when colocated)
    num_requests: int
    ttft_p50_ms: float  # arrival to first token
    ttft_p95_ms: float
    itl_p50_ms: float  # gap between consecutive tokens of one request, over all gaps
    itl_p95_ms: float
    itl_p99_ms: float
    tpot_p50_ms: float  # per request: (finish - first token) / (output tokens - 1)
    tpot_p95_ms: float
    throughput_tokens_s: float  # output tokens / (last finish - first arrival)
    throughput_rps: float  # requests / the same span
    ttft_ms: np.ndarray = field(repr=False, compare=False)  # per request
    itl_ms: np.ndarray = field(repr=False, compare=False)  # per gap

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable summary (per-request arrays left out)."""
        return {k: v for k, v in asdict(self).items() if k not in ("ttft_ms", "itl_ms")}


def make_requests(mix: WorkloadMix, rate_rps: float, num_requests: int, seed: int = 0
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Poisson arrival times (s), prompt lengths and output lengths for `num_requests` requests."""
    if rate_rps <= 0 or num_requests < 1:
        raise ValueError(f"rate_rps must be > 0 and num_requests >= 1, got {rate_rps!r}, {num_requests!r}")
    rng = np.random.default_rng(seed)
    arrivals = np.cumsum(rng.exponential(1 / rate_rps, num_requests))
    prompts = rng.integers(mix.prompt_tokens[0], mix.prompt_tokens[1] + 1, num_requests)
    outputs = rng.integers(mix.output_tokens[0], mix.output_tokens[1] + 1, num_requests)
    return arrivals, prompts, outputs


class _Worker:
    __slots__ = ("batch", "busy", "joining", "kv_tokens", "prefill", "queue", "queued_tokens", "running")

    def __init__(self, prefill: bool) -> None:
        self.prefill = prefill  # takes prompts (colocated and prefill workers)
        self.queue: deque[int] = deque()  # requests waiting for prefill
        self.queued_tokens = 0
        self.running: list[list[float]] = []  # [req, tokens left, last token time, context]
        self.joining: list[list[float]] = []  # sequences that join at the next step boundary
        self.kv_tokens = 0  # context held by running + joining
        self.busy = False
        self.batch: list[int] | None = None  # prompts being prefilled, None while decoding

    def load(self) -> int:
        return len(self.queue) + len(self.running) + len(self.joining)


def simulate_pool(
    costs: DisaggCosts,
    mix: WorkloadMix,
    rate_rps: float,
    num_workers: int,
    prefill_workers: int | None = None,
    num_requests: int = 400,
    seed: int = 0,
) -> DisaggResult:
    """Simulate `num_workers` workers: colocated, or split into `prefill_workers` + the rest decoding."""
    split = prefill_workers is not None
    n_pre = num_workers if prefill_workers is None else prefill_workers
    if num_workers < 1 or not 1 <= n_pre <= num_workers or (split and n_pre == num_workers):
        raise ValueError(f"need num_workers >= 1 and, to split, 1 <= prefill_workers < num_workers; "
                         f"got {num_workers}, {prefill_workers}")
    arrivals, prompts, outputs = make_requests(mix, rate_rps, num_requests, seed)
    workers = [_Worker(True) for _ in range(n_pre)] + [_Worker(False) for _ in range(num_workers - n_pre)]
    pre, dec = workers[:n_pre], workers[n_pre:] if split else workers
    first, finish = np.zeros(num_requests), np.zeros(num_requests)
    itls: list[float] = []
    events: list[tuple[float, int, int, int]] = []  # (time, tiebreak, kind 0 worker done / 1 transfer done, index)
    waiting: deque[list[float]] = deque()  # transferred sequences no decode worker has room for
    tick = 0
    cap = costs.max_batch_seqs

    def push(t: float, kind: int, idx: int) -> None:
        nonlocal tick
        tick += 1
        heapq.heappush(events, (t, tick, kind, idx))

    def admit(w: _Worker, seq: list[float]) -> None:
        w.joining.append(seq)
        w.kv_tokens += int(seq[3])

    def kick(wi: int, now: float) -> None:
        w = workers[wi]
        if w.busy:
            return
        if w.joining:
            w.running += w.joining
            w.joining = []
        if w.prefill and w.queue and (split or len(w.running) < cap):
            batch = [w.queue.popleft()]
            tokens = int(prompts[batch[0]])
            room = cap - len(w.running) - 1 if not split else len(w.queue)
            while w.queue and room > 0 and tokens + prompts[w.queue[0]] <= costs.max_prefill_tokens:
                tokens += int(prompts[w.queue[0]])
                batch.append(w.queue.popleft())
                room -= 1
            w.queued_tokens -= tokens
            w.batch, w.busy = batch, True
            push(now + costs.prefill_s(tokens), 0, wi)
        elif w.running:
            w.batch, w.busy = None, True
            push(now + costs.decode_step_s(len(w.running), w.kv_tokens), 0, wi)

    def place(seq: list[float], now: float) -> None:
        w = min(dec, key=_Worker.load)
        if len(w.running) + len(w.joining) >= cap:
            waiting.append(seq)
            return
        admit(w, seq)
        kick(workers.index(w), now)

    i, done = 0, 0
    while done < num_requests:
        if i < num_requests and (not events or arrivals[i] < events[0][0]):
            now = float(arrivals[i])
            wi = min(range(len(pre)), key=lambda k: pre[k].queued_tokens if split else pre[k].load())
            pre[wi].queue.append(i)
            pre[wi].queued_tokens += int(prompts[i])
            i += 1
            kick(wi, now)
            continue
        now, _, kind, idx = heapq.heappop(events)
        if kind == 1:  # KV transfer finished: hand the sequence to a decode worker
            place([idx, outputs[idx] - 1, first[idx], prompts[idx] + 1], now)
            continue
        w = workers[idx]
        w.busy = False
        if w.batch is not None:  # a prefill finished: first tokens out
            for r in w.batch:
                first[r] = now
                if outputs[r] == 1:
                    finish[r], done = now, done + 1
                elif split:
                    push(now + costs.kv_transfer_s_per_token * prompts[r], 1, r)
                else:
                    admit(w, [r, outputs[r] - 1, now, prompts[r] + 1])
        else:  # a decode step finished: one token for every running sequence
            still: list[list[float]] = []
            for seq in w.running:
                itls.append(now - seq[2])
                seq[1] -= 1
                if seq[1] == 0:
                    finish[int(seq[0])], done = now, done + 1
                    w.kv_tokens -= int(seq[3])
                else:
                    seq[2], seq[3] = now, seq[3] + 1
                    still.append(seq)
            w.kv_tokens += len(still)
            w.running = still
            while split and waiting and len(w.running) + len(w.joining) < cap:
                admit(w, waiting.popleft())
        kick(idx, now)

    ttft_ms, itl_ms = (first - arrivals) * 1e3, np.asarray(itls) * 1e3
    span = float(finish.max() - arrivals.min())
    tq = np.percentile(ttft_ms, [50, 95])
    iq = np.percentile(itl_ms, [50, 95, 99]) if itl_ms.size else np.zeros(3)
    multi = outputs > 1
    tpot_ms = (finish[multi] - first[multi]) / (outputs[multi] - 1) * 1e3
    pq = np.percentile(tpot_ms, [50, 95]) if tpot_ms.size else np.zeros(2)
    return DisaggResult(
        mode="split" if split else "colocated", prefill_workers=n_pre,
        decode_workers=num_workers - n_pre if split else num_workers, num_requests=num_requests,
        ttft_p50_ms=float(tq[0]), ttft_p95_ms=float(tq[1]), itl_p50_ms=float(iq[0]),
        itl_p95_ms=float(iq[1]), itl_p99_ms=float(iq[2]), tpot_p50_ms=float(pq[0]), tpot_p95_ms=float(pq[1]),
        throughput_tokens_s=float(outputs.sum() / span), throughput_rps=num_requests / span,
        ttft_ms=ttft_ms, itl_ms=itl_ms,
    )
