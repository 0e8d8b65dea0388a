"""Model and GPU specifications for capacity planning (framework steps 1, 5 and 8).

A `ModelSpec` holds the few numbers of a decoder-only transformer that decide its memory
footprint (layers, key/value heads, head size, parameter count); a `GpuSpec` holds the
figures of an accelerator that a provisioning decision needs. Both registries are plain
dicts. `ModelSpec.from_hf_config` reads a Hugging Face `config.json` and estimates the
parameter count of a Llama-style decoder.

Deliberately left out: mixture-of-experts, multi-head latent attention, sliding-window
layers and vision towers (their memory needs other formulas); quantisation overheads
(group scales, layers kept in 16-bit); interconnect topology; live cloud prices.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

GIB = 2**30  # bytes in one GiB (binary); GPU vendors' "GB" on data sheets is loose about this

# Bytes per element of each storage dtype. "int4" packs two values per byte.
DTYPE_BYTES: dict[str, float] = {
    "float32": 4.0,
    "bfloat16": 2.0,
    "float16": 2.0,
    "fp8": 1.0,
    "int8": 1.0,
    "int4": 0.5,
}

# Common spellings mapped to the canonical names above.
_DTYPE_ALIASES: dict[str, str] = {
    "fp32": "float32",
    "bf16": "bfloat16",
    "fp16": "float16",
    "half": "float16",
    "float8": "fp8",
    "fp8_e4m3": "fp8",
    "fp8_e5m2": "fp8",
}


def canonical_dtype(dtype: str) -> str:
    """Return the canonical dtype name for `dtype`, or raise ValueError listing the accepted ones."""
    name = _DTYPE_ALIASES.get(str(dtype).lower(), str(dtype).lower())
    if name not in DTYPE_BYTES:
        accepted = sorted(DTYPE_BYTES) + sorted(_DTYPE_ALIASES)
        raise ValueError(f"unknown dtype {dtype!r}; accepted: {', '.join(accepted)}")
    return name


def dtype_bytes(dtype: str) -> float:
    """Bytes per element of `dtype` (0.5 for int4)."""
    return DTYPE_BYTES[canonical_dtype(dtype)]


@dataclass(frozen=True)
class ModelSpec:
    """The memory-relevant shape of a decoder-only transformer."""

    name: str  # display name, e.g. the Hugging Face repository name without the organisation
    num_layers: int  # transformer blocks (config: num_hidden_layers)
    num_kv_heads: int  # key/value heads per layer (fewer than query heads under GQA)
    head_dim: int  # size of one attention head
    num_params: int  # total parameters, embeddings and lm_head included
    hidden_size: int  # width of the residual stream
    vocab_size: int  # rows of the embedding matrix
    max_context: int  # longest sequence the model supports, in tokens

    def __post_init__(self) -> None:
        for field_name in ("num_layers", "num_kv_heads", "head_dim", "num_params",
                           "hidden_size", "vocab_size", "max_context"):
            value = getattr(self, field_name)
            if not isinstance(value, int) or value <= 0:
                raise ValueError(f"ModelSpec.{field_name} must be a positive int, got {value!r}")

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable view."""
        return asdict(self)

    @classmethod
    def from_hf_config(cls, config: dict[str, Any] | str | Path, name: str | None = None) -> ModelSpec:
        """Build a spec from a Hugging Face `config.json` (a dict, a file, or a model folder).

        The parameter count is estimated with `estimate_num_params`; a config without
        `max_position_embeddings` gets a context of 2048 tokens.
        """
        cfg = _load_config(config)
        try:
            num_layers = int(cfg["num_hidden_layers"])
            hidden = int(cfg["hidden_size"])
            num_heads = int(cfg["num_attention_heads"])
            vocab = int(cfg["vocab_size"])
        except KeyError as exc:
            raise ValueError(f"config lacks required key {exc.args[0]!r}") from None
        head_dim = int(cfg.get("head_dim") or hidden // num_heads)
        return cls(
            name=name or str(cfg.get("_name_or_path") or cfg.get("model_type") or "model"),
            num_layers=num_layers,
            num_kv_heads=int(cfg.get("num_key_value_heads") or num_heads),
            head_dim=head_dim,
            num_params=estimate_num_params(cfg),
            hidden_size=hidden,
            vocab_size=vocab,
            max_context=int(cfg.get("max_position_embeddings") or 2048),
        )


def _load_config(config: dict[str, Any] | str | Path) -> dict[str, Any]:
    if isinstance(config, dict):
        return config
    path = Path(config)
    if path.is_dir():
        path = path / "config.json"
    if not path.is_file():
        raise ValueError(f"no Hugging Face config found at {str(path)!r}")
    return json.loads(path.read_text(encoding="utf-8"))


def estimate_num_params(config: dict[str, Any] | str | Path) -> int:
    """Parameter count of a Llama-style decoder described by a Hugging Face config.

    Counts: token embeddings; per layer the q/k/v/o projections (plus q/k/v biases when
    `attention_bias` is set or the model type is qwen2), a gated MLP (3 * hidden *
    intermediate) and two RMSNorm weight vectors; the final norm; and an lm_head unless
    `tie_word_embeddings` is true.
    """
    cfg = _load_config(config)
    h = int(cfg["hidden_size"])
    heads = int(cfg["num_attention_heads"])
    kv_heads = int(cfg.get("num_key_value_heads") or heads)
    head_dim = int(cfg.get("head_dim") or h // heads)
    inter = int(cfg.get("intermediate_size") or 4 * h)
    vocab = int(cfg["vocab_size"])
    layers = int(cfg["num_hidden_layers"])
    q_dim, kv_dim = heads * head_dim, kv_heads * head_dim
    attention = h * q_dim + 2 * h * kv_dim + q_dim * h
    if cfg.get("attention_bias") or cfg.get("model_type") == "qwen2":
        attention += q_dim + 2 * kv_dim
    per_layer = attention + 3 * h * inter + 2 * h
    embeddings = vocab * h
    lm_head = 0 if cfg.get("tie_word_embeddings", False) else vocab * h
    return embeddings + layers * per_layer + h + lm_head


# Published figures, checked against each model's config.json as we remember it; the
# parameter counts below are also what `estimate_num_params` gives for those configs
# (see the unit tests), which cross-checks shape against count. Least certain: the
# context of Qwen2.5-7B (32768 native; its card advertises 131072 with YaRN scaling,
# which we leave out) and of Mistral-7B-Instruct-v0.3 (32768).
MODELS: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        # hidden 576, 9 query heads, intermediate 1536, tied embeddings
        ModelSpec("SmolLM2-135M-Instruct", 30, 3, 64, 134_515_008, 576, 49_152, 8_192),
        # hidden 1536, 12 query heads, intermediate 8960, tied embeddings, qkv biases
        ModelSpec("Qwen2.5-1.5B-Instruct", 28, 2, 128, 1_543_714_304, 1536, 151_936, 32_768),
        # hidden 3584, 28 query heads, intermediate 18944, untied, qkv biases
        ModelSpec("Qwen2.5-7B-Instruct", 28, 4, 128, 7_615_616_512, 3584, 152_064, 32_768),
        # hidden 4096, 32 query heads, intermediate 14336, untied
        ModelSpec("Mistral-7B-Instruct-v0.3", 32, 8, 128, 7_248_023_552, 4096, 32_768, 32_768),
        # hidden 4096, 32 query heads, intermediate 14336, untied
        ModelSpec("Llama-3.1-8B-Instruct", 32, 8, 128, 8_030_261_248, 4096, 128_256, 131_072),
        # hidden 8192, 64 query heads, intermediate 28672, untied
        ModelSpec("Llama-3.1-70B-Instruct", 80, 8, 128, 70_553_706_496, 8192, 128_256, 131_072),
    )
}


# Open models chapter 5 sizes deployments for: one of each size class a team meets in practice.
SIZING_MODELS: tuple[str, ...] = ("Qwen2.5-7B-Instruct", "Mistral-7B-Instruct-v0.3",
                                  "Llama-3.1-8B-Instruct", "Llama-3.1-70B-Instruct")


@dataclass(frozen=True)
class GpuSpec:
    """The provisioning-relevant figures of one accelerator."""

    name: str  # short name used as the registry key
    memory_gib: float  # total memory as the driver reports it, in GiB (2**30 bytes)
    supports_bf16: bool  # native bfloat16 arithmetic (Ampere and newer); else float16 is used
    supports_fp8: bool  # native fp8 tensor cores (Ada and Hopper)
    hbm_bandwidth_gb_s: float  # peak memory bandwidth, decimal GB/s, from the data sheet
    usd_per_hour: float  # ILLUSTRATIVE on-demand price of one GPU; real prices vary by cloud, region and month

    def __post_init__(self) -> None:
        if self.memory_gib <= 0 or self.hbm_bandwidth_gb_s <= 0 or self.usd_per_hour < 0:
            raise ValueError(f"GpuSpec {self.name!r}: memory_gib and hbm_bandwidth_gb_s must be > 0, "
                             f"usd_per_hour >= 0")

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable view."""
        return asdict(self)


# Data sheets say "16 GB", "80 GB"; the memory is binary-sized, and the driver reports a
# little less than the marketed figure as usable total (ECC and firmware reservations),
# e.g. 15360 MiB on a T4 and 81559 MiB on an H100. memory_gib holds the driver's total,
# which is what a serving engine's gpu_memory_utilization multiplies; the L4 and H100
# figures are from memory and may be off by a few hundred MiB. Bandwidths are for the
# SXM parts where there are two form factors. Prices are rough, rounded and illustrative.
GPUS: dict[str, GpuSpec] = {
    gpu.name: gpu
    for gpu in (
        GpuSpec("T4", 15.0, False, False, 320.0, 0.35),
        GpuSpec("L4", 22.5, True, True, 300.0, 0.80),
        GpuSpec("A100-40GB", 40.0, True, False, 1555.0, 3.00),
        GpuSpec("A100-80GB", 80.0, True, False, 2039.0, 4.00),
        GpuSpec("H100-80GB", 79.6, True, True, 3350.0, 6.00),
    )
}


def get_gpu(gpu: str | GpuSpec) -> GpuSpec:
    """Look up a GPU by registry name (or pass a GpuSpec through)."""
    if isinstance(gpu, GpuSpec):
        return gpu
    if gpu not in GPUS:
        raise ValueError(f"unknown GPU {gpu!r}; known GPUs: {', '.join(GPUS)}")
    return GPUS[gpu]


def get_model(model: str | ModelSpec) -> ModelSpec:
    """Look up a model by registry name (or pass a ModelSpec through)."""
    if isinstance(model, ModelSpec):
        return model
    if model not in MODELS:
        raise ValueError(f"unknown model {model!r}; known models: {', '.join(MODELS)}")
    return MODELS[model]


__all__ = [
    "DTYPE_BYTES", "GIB", "GPUS", "MODELS", "GpuSpec", "ModelSpec", "canonical_dtype",
    "dtype_bytes", "estimate_num_params", "get_gpu", "get_model",
]
