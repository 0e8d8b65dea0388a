"""The hardware limit of decoding: how fast a machine could possibly generate, from its
measured (or published) peak arithmetic and memory bandwidth (framework step 5).

Each decoding step of a transformer reads every weight once and does about two floating-point
operations per weight per sequence in the batch. So a step takes at least the longer of
``weight_bytes / bandwidth`` (memory-bound: small batches) and
``2 * params * batch / peak_flops`` (compute-bound: large batches), and the decode ceiling is
``batch / step_time`` tokens per second. :func:`measure_peak` times a large matrix multiply and
a large copy on this machine; :data:`PUBLISHED_PEAKS` holds data-sheet figures for GPUs;
:func:`decode_ceiling` does the arithmetic, so a measured throughput can be read as a fraction
of what the hardware allows.
Left out on purpose: attention's reads of the KV cache (small for short contexts; pass
``kv_bytes_per_step`` to include them), caches, kernel launch and scheduler overheads (they are
what the fraction measures), and sparsity figures from data sheets.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Any

from genai_design.capacity.kv import weight_bytes
from genai_design.capacity.specs import ModelSpec, get_model


@dataclass(frozen=True)
class HardwarePeak:
    """Peak matrix arithmetic and memory bandwidth of one device."""

    name: str  # the device, e.g. "this CPU (2 cores)" or "H100-80GB"
    matmul_tflops: float  # dense matrix-multiply throughput in `dtype`, 10**12 FLOP/s
    memory_gb_s: float  # memory bandwidth, 10**9 bytes/s
    dtype: str  # the arithmetic the FLOP/s figure is for
    source: str  # "measured on this machine" or the data sheet it comes from

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class DecodeCeiling:
    """The fastest decoding a device allows for one model at one batch size."""

    batch: int  # sequences decoded together
    step_ms_memory: float  # time to read the weights (and KV) once
    step_ms_compute: float  # time for the step's arithmetic at peak
    tokens_per_s: float  # batch / the longer of the two
    bound: str  # "memory" or "compute": which of the two sets the ceiling

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# Dense (not sparse) 16-bit tensor-core figures and memory bandwidth from NVIDIA's data sheets;
# SXM parts where two form factors exist. The T4 has no bfloat16: its figure is float16.
PUBLISHED_PEAKS: dict[str, HardwarePeak] = {
    "T4": HardwarePeak("T4", 65.0, 320.0, "float16", "NVIDIA T4 data sheet"),
    "A100-80GB": HardwarePeak("A100-80GB", 312.0, 2039.0, "bfloat16", "NVIDIA A100 data sheet"),
    "H100-80GB": HardwarePeak("H100-80GB", 989.0, 3350.0, "bfloat16", "NVIDIA H100 SXM data sheet"),
}


def _best_seconds(fn: Any, repeats: int) -> float:
    fn()  # warm-up: first calls pay for allocation and kernel selection
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def measure_peak(dtype: str = "bfloat16", size: int = 2048, copy_mib: int = 256,
                 repeats: int = 5, device: str = "cpu", name: str | None = None) -> HardwarePeak:
    """Time a ``size`` x ``size`` matrix multiply in ``dtype`` and a copy of ``copy_mib`` MiB
    on ``device`` (best of ``repeats``). Bandwidth counts the bytes read plus those written."""
    import torch

    if size < 64 or copy_mib < 1 or repeats < 1:
        raise ValueError("size must be >= 64, copy_mib >= 1 and repeats >= 1")
    torch_dtype = getattr(torch, dtype)
    a = torch.randn(size, size, device=device).to(torch_dtype)
    b = torch.randn(size, size, device=device).to(torch_dtype)
    src = torch.empty(copy_mib * 2**20, dtype=torch.uint8, device=device).fill_(1)
    dst = torch.empty_like(src)
    sync = torch.cuda.synchronize if device.startswith("cuda") else (lambda: None)

    def matmul() -> None:
        torch.mm(a, b)
        sync()

    def copy() -> None:
        dst.copy_(src)
        sync()

    with torch.inference_mode():
        flops = 2 * size**3 / _best_seconds(matmul, repeats)
        bytes_per_s = 2 * src.numel() / _best_seconds(copy, repeats)
    label = name or (f"this machine ({device}, {torch.get_num_threads()} threads)")
    return HardwarePeak(label, flops / 1e12, bytes_per_s / 1e9, dtype, "measured on this machine")


def decode_ceiling(model: ModelSpec | str, peak: HardwarePeak, batch: int,
                   weight_dtype: str | None = None, kv_bytes_per_step: float = 0.0) -> DecodeCeiling:
    """The decode ceiling of ``model`` on ``peak`` at ``batch`` sequences (see the module
    docstring); weights are stored in ``weight_dtype`` (default: the peak's dtype)."""
    if batch < 1:
        raise ValueError(f"batch must be >= 1, got {batch}")
    if kv_bytes_per_step < 0:
        raise ValueError("kv_bytes_per_step must be >= 0")
    spec = get_model(model)
    memory_s = (weight_bytes(spec, weight_dtype or peak.dtype) + kv_bytes_per_step) / (peak.memory_gb_s * 1e9)
    compute_s = 2 * spec.num_params * batch / (peak.matmul_tflops * 1e12)
    step_s = max(memory_s, compute_s)
    return DecodeCeiling(batch, 1000 * memory_s, 1000 * compute_s, batch / step_s,
                         "memory" if memory_s >= compute_s else "compute")


def crossover_batch(model: ModelSpec | str, peak: HardwarePeak, weight_dtype: str | None = None) -> float:
    """The batch size at which a step's arithmetic takes as long as reading the weights: below
    it decoding is memory-bound, above it compute-bound."""
    spec = get_model(model)
    memory_s = weight_bytes(spec, weight_dtype or peak.dtype) / (peak.memory_gb_s * 1e9)
    return memory_s * peak.matmul_tflops * 1e12 / (2 * spec.num_params)
