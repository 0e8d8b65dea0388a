"""KV-cache sizing and GPU provisioning (framework step 5, with the cost side of 1 and 8).

How many bytes one token of context costs in the KV cache, how many tokens and sequences
a KV budget holds when it is handed out in whole blocks (as a paged allocator does), and
how many GPUs of which kind a model needs at a given context length and concurrency:
the smallest tensor-parallel degree that fits, and data-parallel replicas beyond it.

Deliberately left out: activation memory modelled from the batch shape (a flat fraction
stands in for it), CUDA-graph and allocator fragmentation, pipeline parallelism, memory
saved by prefix sharing, quantisation scales, and the speed side of tensor parallelism
(see `autoscale` and `disagg` for time).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from genai_design.capacity.specs import (
    GIB,
    GPUS,
    MODELS,
    GpuSpec,
    ModelSpec,
    canonical_dtype,
    dtype_bytes,
    get_gpu,
    get_model,
)

TP_SIZES: tuple[int, ...] = (1, 2, 4, 8)  # tensor-parallel degrees tried, within one 8-GPU node
_FLOAT_KV_DTYPES = ("float32", "bfloat16", "float16", "fp8")  # dtypes a KV cache is stored in


def kv_bytes_per_token(spec: ModelSpec | str, dtype: str = "bfloat16") -> int:
    """KV-cache bytes one token occupies: 2 (K and V) * layers * kv_heads * head_dim * bytes."""
    spec = get_model(spec)
    return int(2 * spec.num_layers * spec.num_kv_heads * spec.head_dim * dtype_bytes(dtype))


def weight_bytes(spec: ModelSpec | str, dtype: str = "bfloat16") -> int:
    """Bytes of the weights stored in `dtype` (no quantisation scales, nothing kept in 16-bit)."""
    spec = get_model(spec)
    return math.ceil(spec.num_params * dtype_bytes(dtype))


def _check_block_size(block_size: int) -> None:
    if not isinstance(block_size, int) or block_size <= 0:
        raise ValueError(f"block_size must be a positive int (tokens per KV block), got {block_size!r}")


def kv_token_capacity(
    kv_cache_bytes: float, spec: ModelSpec | str, dtype: str = "bfloat16", block_size: int = 16
) -> int:
    """Tokens a KV budget of `kv_cache_bytes` holds, counting whole blocks of `block_size` tokens."""
    if kv_cache_bytes < 0:
        raise ValueError(f"kv_cache_bytes must be >= 0, got {kv_cache_bytes!r}")
    _check_block_size(block_size)
    num_blocks = int(kv_cache_bytes // (kv_bytes_per_token(spec, dtype) * block_size))
    return num_blocks * block_size


def max_concurrent_sequences(
    kv_cache_bytes: float,
    spec: ModelSpec | str,
    context_len: int,
    dtype: str = "bfloat16",
    block_size: int = 16,
) -> int:
    """Sequences of `context_len` tokens that fit in the KV budget at once (whole blocks each)."""
    if context_len <= 0:
        raise ValueError(f"context_len must be a positive number of tokens, got {context_len!r}")
    _check_block_size(block_size)
    blocks_per_seq = math.ceil(context_len / block_size)
    return kv_token_capacity(kv_cache_bytes, spec, dtype, block_size) // block_size // blocks_per_seq


@dataclass(frozen=True)
class DeploymentPlan:
    """What `plan_deployment` decided, in GiB and GPU counts."""

    model: str  # ModelSpec.name
    gpu: str  # GpuSpec.name
    weight_dtype: str  # dtype the weights are stored in (after any fallback)
    kv_dtype: str  # dtype the KV cache is stored in
    context_len: int  # tokens of context each sequence may hold (prompt + output)
    concurrent_seqs: int  # sequences that must be resident at once
    weights_gib: float  # all weights, whole model
    kv_per_seq_gib: float  # KV cache of one full-length sequence, whole blocks
    kv_needed_gib: float  # kv_per_seq_gib * concurrent_seqs
    usable_gib_per_gpu: float  # memory per GPU for weights + KV after utilisation cap and activation reserve
    tensor_parallel_size: int  # GPUs one replica is sharded over
    replicas: int  # data-parallel copies needed to hold concurrent_seqs
    gpus_needed: int  # tensor_parallel_size * replicas
    max_concurrent_seqs_per_replica: int  # full-length sequences one replica's KV cache holds
    cost_usd_per_hour: float  # gpus_needed * the GPU's illustrative hourly price
    fits: bool  # False when even one 8-GPU replica cannot hold weights and one sequence
    notes: tuple[str, ...]  # human-readable reasons for the decision

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable view."""
        d = asdict(self)
        d["notes"] = list(self.notes)
        return d


def _replica_max_seqs(
    spec: ModelSpec, weights: int, kv_seq_bytes: int, usable_bytes: float, tp: int
) -> int:
    """Full-length sequences one replica of `tp` GPUs holds; -1 if the weights do not fit."""
    free_per_gpu = usable_bytes - weights / tp
    if free_per_gpu < 0:
        return -1
    # Each GPU stores ceil(kv_heads / tp) of the KV heads: beyond tp == kv_heads they are replicated.
    share = math.ceil(spec.num_kv_heads / tp) / spec.num_kv_heads
    return int(free_per_gpu // (kv_seq_bytes * share))


def plan_deployment(
    spec: ModelSpec | str,
    gpu: GpuSpec | str,
    dtype: str = "bfloat16",
    context_len: int = 4096,
    concurrent_seqs: int = 1,
    gpu_memory_utilization: float = 0.9,
    activation_overhead_fraction: float = 0.05,
    kv_dtype: str | None = None,
    block_size: int = 16,
) -> DeploymentPlan:
    """Choose tensor parallelism and replica count for `concurrent_seqs` sequences of `context_len`.

    The tensor-parallel degree is the smallest of 1, 2, 4, 8 at which one replica holds the
    weights and the whole KV demand. If none does, the load is spread over data-parallel
    replicas at the degree that needs the fewest GPUs. If even 8 GPUs cannot hold the
    weights plus one sequence, the plan comes back with `fits=False`.
    `activation_overhead_fraction` of the capped memory is set aside for activations.
    `kv_dtype` defaults to the weight dtype, or to 16-bit when the weights are int8/int4.
    """
    spec, gpu = get_model(spec), get_gpu(gpu)
    dtype = canonical_dtype(dtype)
    _check_block_size(block_size)
    if not 0 < gpu_memory_utilization <= 1:
        raise ValueError(f"gpu_memory_utilization must be in (0, 1], got {gpu_memory_utilization!r}")
    if not 0 <= activation_overhead_fraction < 1:
        raise ValueError(f"activation_overhead_fraction must be in [0, 1), got {activation_overhead_fraction!r}")
    if not isinstance(context_len, int) or not 0 < context_len <= spec.max_context:
        raise ValueError(f"context_len must be an int in 1..{spec.max_context} for {spec.name}, got {context_len!r}")
    if not isinstance(concurrent_seqs, int) or concurrent_seqs < 1:
        raise ValueError(f"concurrent_seqs must be a positive int, got {concurrent_seqs!r}")

    notes: list[str] = []
    sixteen_bit = "bfloat16" if gpu.supports_bf16 else "float16"
    if dtype == "bfloat16" and not gpu.supports_bf16:
        dtype = "float16"
        notes.append(f"{gpu.name} has no bfloat16 arithmetic: float16 is used instead (same bytes)")
    kv_dtype = canonical_dtype(kv_dtype) if kv_dtype else (dtype if dtype in _FLOAT_KV_DTYPES else sixteen_bit)
    if kv_dtype == "bfloat16" and not gpu.supports_bf16:
        kv_dtype = "float16"
    if "fp8" in (dtype, kv_dtype) and not gpu.supports_fp8:
        notes.append(f"{gpu.name} has no native fp8: engines use slower weight-only kernels or refuse")

    weights = weight_bytes(spec, dtype)
    blocks_per_seq = math.ceil(context_len / block_size)
    kv_seq = blocks_per_seq * block_size * kv_bytes_per_token(spec, kv_dtype)
    usable = gpu.memory_gib * GIB * gpu_memory_utilization * (1 - activation_overhead_fraction)
    per_tp = {tp: _replica_max_seqs(spec, weights, kv_seq, usable, tp) for tp in TP_SIZES}

    fits, replicas = True, 1
    whole = [tp for tp in TP_SIZES if per_tp[tp] >= concurrent_seqs]
    partial = [tp for tp in TP_SIZES if per_tp[tp] >= 1]
    if whole:
        tp = whole[0]
    elif partial:
        tp = min(partial, key=lambda t: (t * math.ceil(concurrent_seqs / per_tp[t]), t))
        replicas = math.ceil(concurrent_seqs / per_tp[tp])
        notes.append(f"no replica of up to {TP_SIZES[-1]} GPUs holds {concurrent_seqs} sequences: "
                     f"{replicas} data-parallel replicas of tp={tp}")
    else:
        tp, fits = TP_SIZES[-1], False
        notes.append(f"does not fit: even {tp} GPUs cannot hold the weights plus one sequence of "
                     f"{context_len} tokens; use a bigger GPU, quantise, or shorten the context")

    weights_gib, usable_gib = weights / GIB, usable / GIB
    if weights > usable:
        notes.append(f"tensor parallelism required because weights alone exceed one GPU "
                     f"({weights_gib:.1f} GiB of weights vs {usable_gib:.1f} GiB usable)")
    elif tp > 1 and fits:
        notes.append(f"weights fit one GPU, but tp={tp} is needed for the KV cache of the sequences")
    if tp > 1 and spec.num_kv_heads % tp:
        notes.append(f"tp={tp} does not divide the {spec.num_kv_heads} KV heads: heads are replicated "
                     f"and many engines require tp to divide the attention heads")
    notes.append(f"each {context_len}-token sequence needs {kv_seq / GIB:.3f} GiB of KV cache in {kv_dtype}")
    gpus = tp * replicas
    return DeploymentPlan(
        model=spec.name, gpu=gpu.name, weight_dtype=dtype, kv_dtype=kv_dtype,
        context_len=context_len, concurrent_seqs=concurrent_seqs,
        weights_gib=weights_gib, kv_per_seq_gib=kv_seq / GIB,
        kv_needed_gib=kv_seq * concurrent_seqs / GIB, usable_gib_per_gpu=usable_gib,
        tensor_parallel_size=tp, replicas=replicas, gpus_needed=gpus,
        max_concurrent_seqs_per_replica=max(per_tp[tp], 0),
        cost_usd_per_hour=gpus * gpu.usd_per_hour, fits=fits, notes=tuple(notes),
    )


__all__ = [
    "GPUS", "MODELS", "TP_SIZES", "DeploymentPlan", "GpuSpec", "ModelSpec", "kv_bytes_per_token",
    "kv_token_capacity", "max_concurrent_sequences", "plan_deployment", "weight_bytes",
]
