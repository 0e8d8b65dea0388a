"""The decode ceiling of a device (framework step 5)."""

from __future__ import annotations

import pytest

from genai_design.capacity import PUBLISHED_PEAKS, HardwarePeak, crossover_batch, decode_ceiling, measure_peak
from genai_design.capacity.kv import weight_bytes
from genai_design.capacity.specs import ModelSpec

# 1e9 parameters in bf16 (2 GB), on a device with 1 TFLOP/s and 100 GB/s.
TOY = ModelSpec("toy-1b", 16, 4, 64, 1_000_000_000, 2048, 32_000, 4096)
PEAK = HardwarePeak("toy device", 1.0, 100.0, "bfloat16", "made up")


def test_one_sequence_is_memory_bound_by_hand():
    c = decode_ceiling(TOY, PEAK, 1)
    assert c.step_ms_memory == pytest.approx(20.0)  # 2e9 bytes / 1e11 bytes/s
    assert c.step_ms_compute == pytest.approx(2.0)  # 2e9 FLOP / 1e12 FLOP/s
    assert c.bound == "memory" and c.tokens_per_s == pytest.approx(50.0)


def test_large_batches_become_compute_bound_at_the_crossover():
    assert crossover_batch(TOY, PEAK) == pytest.approx(10.0)  # 20 ms of reads / 2 ms per sequence
    below, above = decode_ceiling(TOY, PEAK, 8), decode_ceiling(TOY, PEAK, 64)
    assert below.bound == "memory" and below.tokens_per_s == pytest.approx(8 / 0.020)
    assert above.bound == "compute" and above.tokens_per_s == pytest.approx(500.0)  # peak / 2 FLOP per param


def test_smaller_weights_raise_the_memory_bound_ceiling_and_kv_reads_lower_it():
    int8 = decode_ceiling(TOY, PEAK, 1, weight_dtype="int8")
    assert int8.tokens_per_s == pytest.approx(100.0)
    with_kv = decode_ceiling(TOY, PEAK, 1, kv_bytes_per_step=weight_bytes(TOY))
    assert with_kv.tokens_per_s == pytest.approx(25.0)


def test_bad_input_is_refused():
    with pytest.raises(ValueError):
        decode_ceiling(TOY, PEAK, 0)
    with pytest.raises(ValueError):
        decode_ceiling(TOY, PEAK, 1, kv_bytes_per_step=-1)
    with pytest.raises(ValueError):
        measure_peak(size=8)


def test_published_peaks_put_a_7b_model_memory_bound_at_one_sequence():
    h100 = decode_ceiling("Mistral-7B-Instruct-v0.3", PUBLISHED_PEAKS["H100-80GB"], 1)
    assert h100.bound == "memory" and 200 < h100.tokens_per_s < 260  # 3.35 TB/s over 14.5 GB
    a100 = decode_ceiling("Mistral-7B-Instruct-v0.3", PUBLISHED_PEAKS["A100-80GB"], 1)
    assert h100.tokens_per_s / a100.tokens_per_s == pytest.approx(3350 / 2039)


def test_measured_peak_is_positive_and_labelled():
    peak = measure_peak("float32", size=128, copy_mib=4, repeats=2)
    assert peak.matmul_tflops > 0 and peak.memory_gb_s > 0
    assert peak.source == "measured on this machine" and peak.dtype == "float32"
