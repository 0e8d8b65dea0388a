"""PagedAttention's memory accounting: a request's KV cache reserved in one piece against
allocated block by block as it grows (framework step 5, KV-cache management).

A server must hold every running request's keys and values. Reserving one contiguous region per
request means reserving for the longest the request could become, since its output length is
unknown when it starts; the unused part of each reservation is wasted for the request's whole
life. PagedAttention (Kwon et al., SOSP 2023) stores the cache in fixed-size blocks, allocated as
tokens arrive and found through a per-request block table, so a request wastes at most the
unfilled part of its last block. This module measures that difference on a list of requests:

- :func:`lifetime_waste`: the share of reserved KV memory holding no token, averaged over every
  decode step of every request, for contiguous reservation of the whole context, contiguous
  reservation of prompt plus the output cap, and blocks on demand;
- :func:`sequences_that_fit`: how many requests a KV budget holds under each scheme;
- :func:`shared_prefix_blocks`: blocks needed by requests that share a prompt prefix
  (:func:`common_prefix_length` finds it), with and without sharing its full blocks (the partial
  last block is each request's own);
- :func:`simulate_preemption`: a block allocator under a budget that runs out mid-generation and
  preempts the newest request (its blocks freed, its tokens recomputed later), as vLLM does;
  optionally with one more rule of vLLM's scheduler (no admission in the step after a preemption).

Modelled: reservation waste and the unfilled part of the last block. Left out: fragmentation
between reservations (the gaps an allocator leaves, which the paper also counts), swapping to CPU
memory instead of recomputing, the time cost of block-table lookups, and the rest of vLLM's
scheduler (chunked prefill, a token budget per step).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from dataclasses import asdict, dataclass

SCHEMES = ("contiguous, whole context", "contiguous, prompt + output cap", "paged blocks")


@dataclass(frozen=True)
class KvRequest:
    """The lengths that decide one request's KV memory."""

    prompt_tokens: int  # tokens in the prompt, all cached after prefill
    output_tokens: int  # tokens it generates (the decode steps it lives for)

    def __post_init__(self) -> None:
        if self.prompt_tokens < 1 or self.output_tokens < 1:
            raise ValueError(f"a request needs at least one prompt and one output token, got {self}")


@dataclass(frozen=True)
class Waste:
    """Reserved against used KV memory, summed over every decode step of every request."""

    scheme: str  # one of SCHEMES
    used_token_steps: int  # tokens held, summed over steps
    reserved_token_steps: int  # token slots reserved, summed over steps

    @property
    def share(self) -> float:
        """Share of the reserved memory that held no token."""
        return 1 - self.used_token_steps / self.reserved_token_steps

    def to_dict(self) -> dict[str, float | str]:
        return asdict(self) | {"share": self.share}


def blocks_for(tokens: int, block_size: int) -> int:
    """Blocks that hold ``tokens`` tokens."""
    if block_size < 1:
        raise ValueError(f"block_size must be at least 1, got {block_size}")
    return math.ceil(tokens / block_size)


def _reserved(r: KvRequest, t: int, scheme: str, max_model_len: int, output_cap: int, block_size: int) -> int:
    """Slots reserved for ``r`` when it holds ``r.prompt_tokens + t`` tokens."""
    if scheme == SCHEMES[0]:
        return max_model_len
    if scheme == SCHEMES[1]:
        return r.prompt_tokens + output_cap
    return blocks_for(r.prompt_tokens + t, block_size) * block_size


def lifetime_waste(requests: Sequence[KvRequest], scheme: str, *, max_model_len: int, output_cap: int,
                   block_size: int = 16) -> Waste:
    """Reserved and used KV slots of ``requests`` under ``scheme``, over each decode step
    (step t holds the prompt and t output tokens; every step counts the same)."""
    if scheme not in SCHEMES:
        raise ValueError(f"unknown scheme {scheme!r}; one of {SCHEMES}")
    if not requests:
        raise ValueError("no requests")
    too_long = [r for r in requests if r.prompt_tokens + min(r.output_tokens, output_cap) > max_model_len]
    if too_long:
        raise ValueError(f"{len(too_long)} requests exceed max_model_len={max_model_len}, e.g. {too_long[0]}")
    used = reserved = 0
    for r in requests:
        steps = min(r.output_tokens, output_cap)  # a request stops at the cap
        used += steps * r.prompt_tokens + steps * (steps + 1) // 2
        if scheme == SCHEMES[2]:
            reserved += sum(_reserved(r, t, scheme, max_model_len, output_cap, block_size) for t in range(1, steps + 1))
        else:
            reserved += steps * _reserved(r, 1, scheme, max_model_len, output_cap, block_size)
    return Waste(scheme, used, reserved)


def sequences_that_fit(budget_tokens: int, requests: Sequence[KvRequest], scheme: str, *, max_model_len: int,
                       output_cap: int, block_size: int = 16) -> float:
    """Requests running at once that a KV budget of ``budget_tokens`` slots holds, each costing
    its scheme's reservation averaged over its life (step-weighted over ``requests``)."""
    waste = lifetime_waste(requests, scheme, max_model_len=max_model_len, output_cap=output_cap,
                           block_size=block_size)
    steps = sum(min(r.output_tokens, output_cap) for r in requests)
    return budget_tokens / (waste.reserved_token_steps / steps)


def shared_prefix_blocks(prefix_tokens: int, suffix_tokens: Sequence[int], block_size: int = 16) -> tuple[int, int]:
    """(blocks without sharing, blocks with the prefix's full blocks stored once) for requests
    made of one shared prefix and each its own suffix."""
    if prefix_tokens < 0 or any(s < 0 for s in suffix_tokens):
        raise ValueError("token counts cannot be negative")
    alone = sum(blocks_for(prefix_tokens + s, block_size) for s in suffix_tokens)
    full, rest = divmod(prefix_tokens, block_size)
    shared = full + sum(blocks_for(rest + s, block_size) for s in suffix_tokens)
    return alone, shared


def common_prefix_length(token_lists: Sequence[Sequence[int]]) -> int:
    """Tokens at the start that every list shares (a prompt template's fixed opening)."""
    if not token_lists:
        raise ValueError("no token lists")
    n = min(len(t) for t in token_lists)
    for j in range(n):
        first = token_lists[0][j]
        if any(t[j] != first for t in token_lists):
            return j
    return n


@dataclass(frozen=True)
class PreemptionRun:
    """What a block allocator did under one KV budget."""

    budget_blocks: int  # blocks of KV memory available
    steps: int  # scheduler steps until every request finished
    preemptions: int  # times a running request was evicted to free blocks
    recomputed_tokens: int  # prompt and generated tokens prefilled again after preemption
    peak_running: int  # most requests running at once

    def to_dict(self) -> dict[str, int]:
        return asdict(self)


def simulate_preemption(requests: Sequence[KvRequest], budget_blocks: int, block_size: int = 16,
                        max_num_seqs: int = 256, admit_after_preemption: bool = True) -> PreemptionRun:
    """Run ``requests`` (all waiting at the start, first come first served) through a block
    allocator with ``budget_blocks`` blocks.

    Each step admits waiting requests while their cached tokens fit, then every running request
    adds one token, taking a new block when its last one is full. When none is free, the newest
    running request is preempted: its blocks are freed and it goes back to the front of the queue,
    to be prefilled again with the tokens it had produced (recomputation).

    ``admit_after_preemption=False`` adds one rule of vLLM's scheduler: after a step that
    preempted, no waiting request is admitted in the next one, so the blocks just freed go to the
    requests still running instead of to a newcomer that would soon need more.
    """
    if not requests:
        raise ValueError("no requests")
    largest = max(blocks_for(r.prompt_tokens + r.output_tokens, block_size) for r in requests)
    if budget_blocks < largest:
        raise ValueError(f"budget of {budget_blocks} blocks cannot hold the longest request ({largest} blocks)")
    waiting = deque((i, 0) for i in range(len(requests)))  # (request, tokens generated so far)
    running: list[list[int]] = []  # [request, generated, blocks held], oldest first
    free, steps, preemptions, recomputed, peak = budget_blocks, 0, 0, 0, 0
    evicted: set[int] = set()  # requests preempted at least once
    held_back = False  # the last step preempted and the scheduler admits nobody after that
    while waiting or running:
        while waiting and len(running) < max_num_seqs and not held_back:
            i, done = waiting[0]
            need = blocks_for(requests[i].prompt_tokens + done, block_size)
            if need > free:
                break
            waiting.popleft()
            free -= need
            if i in evicted:  # its cache was dropped: prompt and output so far are prefilled again
                recomputed += requests[i].prompt_tokens + done
            running.append([i, done, need])
        peak = max(peak, len(running))
        steps += 1
        before = preemptions
        k = 0
        while k < len(running):
            i, done, held = running[k]
            if blocks_for(requests[i].prompt_tokens + done + 1, block_size) > held:
                while free == 0 and running[-1] is not running[k]:
                    victim = running.pop()
                    free += victim[2]
                    preemptions += 1
                    evicted.add(victim[0])
                    waiting.appendleft((victim[0], victim[1]))
                if free == 0:  # it is the newest itself: preempt it
                    running.pop(k)
                    free += held
                    preemptions += 1
                    evicted.add(i)
                    waiting.appendleft((i, done))
                    continue
                free -= 1
                held += 1
            done += 1
            if done == requests[i].output_tokens:
                free += held
                running.pop(k)
                continue
            running[k] = [i, done, held]
            k += 1
        held_back = not admit_after_preemption and preemptions > before
    return PreemptionRun(budget_blocks, steps, preemptions, recomputed, peak)
