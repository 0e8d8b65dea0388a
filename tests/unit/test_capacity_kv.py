"""Unit tests for genai_design.capacity.specs and .kv, against hand arithmetic."""

import json
import math

import pytest

from genai_design.capacity import (
    GIB,
    GPUS,
    MODELS,
    GpuSpec,
    ModelSpec,
    estimate_num_params,
    kv_bytes_per_token,
    kv_token_capacity,
    max_concurrent_sequences,
    plan_deployment,
    weight_bytes,
)

SMOL = MODELS["SmolLM2-135M-Instruct"]
LLAMA8 = MODELS["Llama-3.1-8B-Instruct"]
LLAMA70 = MODELS["Llama-3.1-70B-Instruct"]

# Written from the models' published config.json files.
SMOL_CONFIG = {
    "model_type": "llama", "hidden_size": 576, "intermediate_size": 1536, "num_attention_heads": 9,
    "num_key_value_heads": 3, "num_hidden_layers": 30, "vocab_size": 49152, "tie_word_embeddings": True,
    "max_position_embeddings": 8192,
}
LLAMA8_CONFIG = {
    "model_type": "llama", "hidden_size": 4096, "intermediate_size": 14336, "num_attention_heads": 32,
    "num_key_value_heads": 8, "num_hidden_layers": 32, "vocab_size": 128256, "tie_word_embeddings": False,
    "max_position_embeddings": 131072,
}
QWEN7_CONFIG = {
    "model_type": "qwen2", "hidden_size": 3584, "intermediate_size": 18944, "num_attention_heads": 28,
    "num_key_value_heads": 4, "num_hidden_layers": 28, "vocab_size": 152064, "tie_word_embeddings": False,
    "max_position_embeddings": 32768,
}


def test_kv_bytes_per_token_by_hand():
    assert kv_bytes_per_token(SMOL, "bfloat16") == 2 * 30 * 3 * 64 * 2 == 23040
    assert kv_bytes_per_token(LLAMA8, "bfloat16") == 2 * 32 * 8 * 128 * 2 == 131072
    assert kv_bytes_per_token("Llama-3.1-70B-Instruct") == 2 * 80 * 8 * 128 * 2
    assert kv_bytes_per_token(LLAMA8, "float32") == 2 * 131072
    assert kv_bytes_per_token(LLAMA8, "fp8") == kv_bytes_per_token(LLAMA8, "int8") == 65536
    assert kv_bytes_per_token(LLAMA8, "int4") == 32768
    assert kv_bytes_per_token(LLAMA8, "bf16") == kv_bytes_per_token(LLAMA8, "float16")


def test_kv_token_capacity_matches_paged_allocator_reference():
    # 2 GiB / 23040 B = 93206.76 tokens -> 728 whole blocks of 128 -> 93184 tokens.
    got = kv_token_capacity(2 * 2**30, SMOL, "bfloat16", block_size=128)
    assert got == math.floor(2**31 / 23040 / 128) * 128 == 93184


def test_kv_token_capacity_counts_whole_blocks_only():
    block_bytes = 16 * 23040
    assert kv_token_capacity(block_bytes - 1, SMOL) == 0
    assert kv_token_capacity(block_bytes, SMOL) == 16
    assert kv_token_capacity(3 * block_bytes + 5, SMOL) == 48


def test_max_concurrent_sequences_by_hand():
    # 1 GiB holds exactly 8192 Llama-8B tokens in bf16.
    assert max_concurrent_sequences(GIB, LLAMA8, 8192) == 1
    assert max_concurrent_sequences(GIB, LLAMA8, 8193) == 0
    assert max_concurrent_sequences(10 * GIB, LLAMA8, 4096) == 20
    # a 100-token context still takes whole 16-token blocks: 7 blocks = 112 tokens
    assert max_concurrent_sequences(112 * 131072, LLAMA8, 100) == 1


def test_weight_bytes():
    assert weight_bytes(LLAMA8, "bfloat16") == 2 * 8_030_261_248
    assert weight_bytes(LLAMA8, "int4") == 8_030_261_248 // 2


def test_param_estimate_within_2_percent_of_published():
    assert estimate_num_params(SMOL_CONFIG) == pytest.approx(134.5e6, rel=0.02)
    assert estimate_num_params(LLAMA8_CONFIG) == pytest.approx(8.03e9, rel=0.02)
    assert estimate_num_params(QWEN7_CONFIG) == pytest.approx(7.62e9, rel=0.02)


def test_untied_embeddings_add_lm_head():
    untied = dict(SMOL_CONFIG, tie_word_embeddings=False)
    assert estimate_num_params(untied) - estimate_num_params(SMOL_CONFIG) == 49152 * 576


def test_from_hf_config_file_matches_registry(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps(SMOL_CONFIG))
    spec = ModelSpec.from_hf_config(tmp_path, name="SmolLM2-135M-Instruct")
    assert spec == SMOL
    assert ModelSpec.from_hf_config(LLAMA8_CONFIG, name="Llama-3.1-8B-Instruct") == LLAMA8
    assert ModelSpec.from_hf_config(QWEN7_CONFIG, name="Qwen2.5-7B-Instruct") == MODELS["Qwen2.5-7B-Instruct"]


def test_from_hf_config_fallbacks():
    cfg = {"hidden_size": 512, "num_attention_heads": 8, "num_hidden_layers": 2, "vocab_size": 1000}
    spec = ModelSpec.from_hf_config(cfg)
    assert spec.num_kv_heads == 8 and spec.head_dim == 64
    with pytest.raises(ValueError, match="hidden_size"):
        ModelSpec.from_hf_config({"num_hidden_layers": 2})


def test_70b_bf16_needs_tensor_parallelism():
    one = plan_deployment(LLAMA70, "H100-80GB", "bfloat16", context_len=8192, concurrent_seqs=1)
    assert one.tensor_parallel_size == 2 and one.fits
    assert any("weights alone exceed one GPU" in n for n in one.notes)
    # 16 sequences of 8k need 40 GiB of KV: with ~4 GiB spare at tp=2, that takes tp=4
    busy = plan_deployment(LLAMA70, "A100-80GB", "bfloat16", context_len=8192, concurrent_seqs=16)
    assert busy.kv_needed_gib == pytest.approx(16 * 2.5)
    assert busy.tensor_parallel_size == 4 and busy.gpus_needed == 4 and busy.replicas == 1
    assert busy.max_concurrent_seqs_per_replica >= 16


def test_8b_fits_one_a100_80gb():
    plan = plan_deployment(LLAMA8, "A100-80GB", "bfloat16", context_len=8192, concurrent_seqs=16)
    assert plan.tensor_parallel_size == 1 and plan.gpus_needed == 1 and plan.fits
    usable = 80 * 0.9 * 0.95 * GIB
    assert plan.usable_gib_per_gpu == pytest.approx(80 * 0.9 * 0.95)
    assert plan.max_concurrent_seqs_per_replica == int((usable - 2 * 8_030_261_248) // GIB)
    assert plan.cost_usd_per_hour == GPUS["A100-80GB"].usd_per_hour
    json.dumps(plan.to_dict())


def test_t4_falls_back_to_float16():
    plan = plan_deployment("SmolLM2-135M-Instruct", "T4", "bfloat16", context_len=2048, concurrent_seqs=8)
    assert plan.weight_dtype == "float16" and plan.kv_dtype == "float16"
    assert any("bfloat16" in n for n in plan.notes)


def test_int4_weights_keep_16bit_kv():
    plan = plan_deployment(LLAMA8, "L4", "int4", context_len=8192, concurrent_seqs=4)
    assert plan.kv_dtype == "bfloat16" and plan.kv_per_seq_gib == pytest.approx(1.0)


def test_load_beyond_one_node_uses_replicas():
    plan = plan_deployment(LLAMA8, "L4", "int4", context_len=131072, concurrent_seqs=40)
    assert plan.fits and plan.replicas > 1
    assert plan.gpus_needed == plan.tensor_parallel_size * plan.replicas
    assert plan.replicas * plan.max_concurrent_seqs_per_replica >= 40


def test_does_not_fit_is_flagged():
    plan = plan_deployment(LLAMA70, "T4", "float16", context_len=8192, concurrent_seqs=1)
    assert not plan.fits and plan.tensor_parallel_size == 8
    assert any("does not fit" in n for n in plan.notes)


def test_gpu_registry():
    assert set(GPUS) == {"T4", "L4", "A100-40GB", "A100-80GB", "H100-80GB"}
    assert not GPUS["T4"].supports_bf16
    assert all(g.supports_bf16 for name, g in GPUS.items() if name != "T4")
    assert GPUS["A100-80GB"].memory_gib > GPUS["A100-40GB"].memory_gib > GPUS["L4"].memory_gib > GPUS["T4"].memory_gib


def test_bad_inputs_raise():
    with pytest.raises(ValueError, match="kv_cache_bytes"):
        kv_token_capacity(-1, SMOL)
    with pytest.raises(ValueError, match="accepted"):
        kv_bytes_per_token(SMOL, "float8_e3m4x")
    with pytest.raises(ValueError, match="H100-80GB"):
        plan_deployment(LLAMA8, "V100")
    with pytest.raises(ValueError, match="known models"):
        kv_bytes_per_token("GPT-5")
    with pytest.raises(ValueError, match="context_len"):
        plan_deployment(SMOL, "L4", context_len=9000)
    with pytest.raises(ValueError, match="gpu_memory_utilization"):
        plan_deployment(SMOL, "L4", gpu_memory_utilization=1.5)
    with pytest.raises(ValueError, match="block_size"):
        kv_token_capacity(GIB, SMOL, block_size=0)
    with pytest.raises(ValueError, match="positive int"):
        ModelSpec("x", 0, 1, 1, 1, 1, 1, 1)
    with pytest.raises(ValueError, match="memory_gib"):
        GpuSpec("broken", -16.0, True, False, 300.0, 1.0)
