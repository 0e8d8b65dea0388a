"""Prefill/decode disaggregation, simulated step by step (framework step 5).

Two ways to run N identical workers. Colocated: every worker does both phases, and a
prefill (which runs first when one is waiting and the batch has room) stalls the decode
steps of every sequence already running on that worker. Split: P workers only prefill,
D = N - P only decode; the first token leaves the prefill worker, the KV cache then travels
to a decode worker (`kv_transfer_s_per_token` per prompt token) and the sequence joins its
batch at the next step. A worker runs one prefill batch or one decode step at a time; the
clock jumps from one's end to the next (`events.EventQueue`). Costs come from measurement
(`DisaggCosts`); the workload from a `WorkloadMix`. `compare` in `disagg_sweep` searches
the best P for a given N.

Deliberately left out: chunked prefill (the colocated remedy for stalls), preemption,
prefix caching, transfer-link contention, and the memory side (each worker's KV budget is
a plain cap on the sequences it decodes at once).
"""

from __future__ import annotations

from collections import deque
from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any

import numpy as np

from genai_design.capacity.events import Event, EventQueue
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
    tpot_ms: np.ndarray = field(repr=False, compare=False)  # per request; 0 for a one-token answer

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable summary (per-request arrays left out)."""
        return {k: v for k, v in asdict(self).items() if k not in ("ttft_ms", "itl_ms", "tpot_ms")}

    def slo_attainment(self, ttft_slo_ms: float, tpot_slo_ms: float) -> float:
        """Share of requests whose time to first token and time per output token both meet
        their objectives (a request counts only if it meets both)."""
        return float(np.mean((self.ttft_ms <= ttft_slo_ms) & (self.tpot_ms <= tpot_slo_ms)))


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


class EventKind(Enum):
    """What can happen in the pool. Events due at the same instant are handled in the order
    they were scheduled; an arrival comes after any event due at its instant."""

    WORKER_DONE = 0  # a worker finished a prefill batch or a decode step (payload: the worker)
    KV_TRANSFERRED = 1  # split only: a sequence's KV cache reached the decode pool (payload: request)
    ARRIVAL = 2  # a request arrives (known in advance, never queued; payload: request)


@dataclass(slots=True)
class _Sequence:
    """A request past its first token: it decodes one token per step of its worker's batch."""

    request: int  # index into the request arrays
    tokens_left: int  # output tokens still to generate
    last_token_s: float  # when its latest token came out; the next inter-token gap starts here
    context_tokens: int  # tokens in its KV cache: the prompt plus the tokens generated so far


@dataclass(slots=True, eq=False)  # eq=False: two workers with equal fields are still two workers
class _Worker:
    """One worker: a queue of prompts and a decode batch, working on one batch or step at a time."""

    prefills: bool  # takes prompts: every worker when colocated, the prefill pool when split
    queue: deque[int] = field(default_factory=deque)  # requests waiting for prefill, FIFO
    queued_tokens: int = 0  # prompt tokens in `queue`; split routing balances on it
    running: list[_Sequence] = field(default_factory=list)  # the decode batch
    joining: list[_Sequence] = field(default_factory=list)  # join the batch at the next step
    kv_tokens: int = 0  # context held by `running` and `joining`; prices a decode step
    busy: bool = False  # a prefill batch or decode step is under way
    prefill_batch: list[int] | None = None  # requests being prefilled; None while decoding

    def load(self) -> int:
        """Requests on this worker: waiting for prefill, decoding, or about to join."""
        return len(self.queue) + len(self.running) + len(self.joining)


def simulate_pool(costs: DisaggCosts, mix: WorkloadMix, rate_rps: float, num_workers: int,
                  prefill_workers: int | None = None, num_requests: int = 400, seed: int = 0) -> DisaggResult:
    """Simulate `num_workers` workers: colocated, or split into `prefill_workers` + the rest decoding."""
    split = prefill_workers is not None
    n_pre = num_workers if prefill_workers is None else prefill_workers
    if num_workers < 1 or not 1 <= n_pre <= num_workers or (split and n_pre == num_workers):
        raise ValueError(f"need num_workers >= 1 and, to split, 1 <= prefill_workers < num_workers; "
                         f"got {num_workers}, {prefill_workers}")
    arrivals, prompts, outputs = make_requests(mix, rate_rps, num_requests, seed)
    workers = [_Worker(prefills=k < n_pre) for k in range(num_workers)]
    pre, dec = workers[:n_pre], workers[n_pre:]  # arrivals go to `pre`; `dec` is empty when colocated
    first, finish = np.zeros(num_requests), np.zeros(num_requests)  # per request: first token, last token
    itls: list[float] = []  # every inter-token gap of every request
    waiting: deque[_Sequence] = deque()  # split: transferred sequences no decode worker has room for
    events = EventQueue()
    cap = costs.max_batch_seqs

    def admit(w: _Worker, seq: _Sequence) -> None:
        # The sequence's KV cache now lives on `w`; it joins the batch at the next step boundary.
        w.joining.append(seq)
        w.kv_tokens += seq.context_tokens

    def kick(w: _Worker, now: float) -> None:
        # An idle worker starts its next piece of work; a busy one comes back here when done.
        if w.busy:
            return
        # A step boundary: sequences admitted during the last piece of work join the batch.
        if w.joining:
            w.running += w.joining
            w.joining = []
        # Waiting prompts go first, which stalls the whole decode batch (colocated: only while
        # the KV budget has room for one more sequence).
        if w.prefills and w.queue and (split or len(w.running) < cap):
            # One batch of prompts in arrival order, within max_prefill_tokens (the first always
            # fits) and, colocated, within the room left in the decode batch (a split prefill
            # worker decodes nothing, so there only the token limit counts).
            batch = [w.queue.popleft()]
            tokens = int(prompts[batch[0]])
            room = len(w.queue) if split else cap - len(w.running) - 1
            while w.queue and room > 0 and tokens + int(prompts[w.queue[0]]) <= costs.max_prefill_tokens:
                tokens += int(prompts[w.queue[0]])
                batch.append(w.queue.popleft())
                room -= 1
            w.queued_tokens -= tokens
            w.prefill_batch, w.busy = batch, True
            events.push(now + costs.prefill_s(tokens), EventKind.WORKER_DONE, w)
        elif w.running:
            # Otherwise one decode step over the batch, priced by its size and context.
            w.prefill_batch, w.busy = None, True
            events.push(now + costs.decode_step_s(len(w.running), w.kv_tokens), EventKind.WORKER_DONE, w)

    def place(seq: _Sequence, now: float) -> None:
        # Split: to the least-loaded decode worker; if even that one is full, all are: wait.
        w = min(dec, key=_Worker.load)
        if len(w.running) + len(w.joining) >= cap:
            waiting.append(seq)
            return
        admit(w, seq)
        kick(w, now)

    i, done = 0, 0  # the next request to arrive; requests finished
    while done < num_requests:
        # The next happening: the next arrival if it comes strictly before every scheduled
        # event, else the earliest scheduled event.
        if i < num_requests and arrivals[i] < events.next_time():
            event = Event(float(arrivals[i]), EventKind.ARRIVAL, i)
            i += 1
        else:
            event = events.pop()
        now = event.time

        if event.kind is EventKind.ARRIVAL:
            # Queue the prompt on a prefill worker: split, the one with the fewest prompt tokens
            # queued; colocated, the one holding the fewest requests.
            r = event.payload
            w = min(pre, key=lambda p: p.queued_tokens if split else p.load())
            w.queue.append(r)
            w.queued_tokens += int(prompts[r])
            kick(w, now)

        elif event.kind is EventKind.KV_TRANSFERRED:
            # The sequence can decode; its first gap started at its first token, transfer included.
            r = event.payload
            place(_Sequence(r, int(outputs[r]) - 1, float(first[r]), int(prompts[r]) + 1), now)

        else:  # EventKind.WORKER_DONE
            w = event.payload
            w.busy = False
            if w.prefill_batch is not None:
                # A prefill batch finished: every prompt in it has its first token now.
                for r in w.prefill_batch:
                    first[r] = now
                    if outputs[r] == 1:  # a one-token answer is complete
                        finish[r], done = now, done + 1
                    elif split:  # its KV cache travels to the decode pool, priced per prompt token
                        events.push(now + costs.kv_transfer_s_per_token * int(prompts[r]),
                                    EventKind.KV_TRANSFERRED, r)
                    else:  # colocated: it decodes where it was prefilled
                        admit(w, _Sequence(r, int(outputs[r]) - 1, now, int(prompts[r]) + 1))
            else:
                # A decode step finished: one more token for every sequence in the batch.
                still: list[_Sequence] = []
                for seq in w.running:
                    itls.append(now - seq.last_token_s)
                    seq.tokens_left -= 1
                    if seq.tokens_left == 0:  # done: its KV cache is freed
                        finish[seq.request], done = now, done + 1
                        w.kv_tokens -= seq.context_tokens
                    else:  # its new token joins its context
                        seq.last_token_s, seq.context_tokens = now, seq.context_tokens + 1
                        still.append(seq)
                w.kv_tokens += len(still)
                w.running = still
                # Split: freed room goes to the sequences waiting longest for a decode worker.
                while split and waiting and len(w.running) + len(w.joining) < cap:
                    admit(w, waiting.popleft())
            kick(w, now)

    ttft_ms, itl_ms = (first - arrivals) * 1e3, np.asarray(itls) * 1e3
    span = float(finish.max() - arrivals.min())
    tq = np.percentile(ttft_ms, [50, 95])
    iq = np.percentile(itl_ms, [50, 95, 99]) if itl_ms.size else np.zeros(3)
    multi = outputs > 1
    tpot_ms = np.zeros(num_requests)
    tpot_ms[multi] = (finish[multi] - first[multi]) / (outputs[multi] - 1) * 1e3
    pq = np.percentile(tpot_ms[multi], [50, 95]) if multi.any() else np.zeros(2)
    return DisaggResult(
        mode="split" if split else "colocated", prefill_workers=n_pre,
        decode_workers=num_workers - n_pre if split else num_workers, num_requests=num_requests,
        ttft_p50_ms=float(tq[0]), ttft_p95_ms=float(tq[1]), itl_p50_ms=float(iq[0]),
        itl_p95_ms=float(iq[1]), itl_p99_ms=float(iq[2]), tpot_p50_ms=float(pq[0]), tpot_p95_ms=float(pq[1]),
        throughput_tokens_s=float(outputs.sum() / span), throughput_rps=num_requests / span,
        ttft_ms=ttft_ms, itl_ms=itl_ms, tpot_ms=tpot_ms,
    )
