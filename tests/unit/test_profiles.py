import pytest

from genai_design import profiles
from genai_design.models import BUNDLED
from genai_design.profiles import PROFILES, get_profile


def test_auto_detection_by_gpu_memory():
    assert profiles.detect_profile_name(None) == "cpu-default"
    assert profiles.detect_profile_name(15.0) == "colab-t4"
    assert profiles.detect_profile_name(79.6) == "gpu-large"


def test_explicit_name_beats_environment(monkeypatch):
    monkeypatch.setenv(profiles.PROFILE_ENV, "gpu-large")
    assert profiles.get_profile("colab-t4").name == "colab-t4"
    assert profiles.get_profile().name == "gpu-large"


def test_auto_detection_on_this_cpu_machine(monkeypatch):
    monkeypatch.delenv(profiles.PROFILE_ENV, raising=False)
    monkeypatch.setattr(profiles, "gpu_memory_gib", lambda: None)
    chosen = profiles.get_profile()
    assert chosen.name == "cpu-default" and chosen.device == "cpu"
    # CPU profiles bind vLLM's worker threads to every core this process may use.
    env = dict(chosen.env)
    assert env["VLLM_CPU_KVCACHE_SPACE"] == "2"
    assert env["VLLM_CPU_OMP_THREADS_BIND"]


@pytest.mark.parametrize("source", ["argument", "environment"])
def test_unknown_profile_lists_known_ones(monkeypatch, source):
    if source == "environment":
        monkeypatch.setenv(profiles.PROFILE_ENV, "tpu-pod")
        name = None
    else:
        name = "tpu-pod"
    with pytest.raises(ValueError) as error:
        profiles.get_profile(name)
    message = str(error.value)
    assert "tpu-pod" in message and "cpu-default" in message and "gpu-large" in message
    assert ("GENAI_DESIGN_PROFILE" in message) == (source == "environment")


def test_profiles_are_frozen_and_overridable():
    base = profiles.PROFILES["cpu-default"]
    with pytest.raises(AttributeError):
        base.max_model_len = 1  # type: ignore[misc]
    smaller = base.with_overrides(max_model_len=2048)
    assert smaller.max_model_len == 2048 and base.max_model_len == 8192


def test_t4_profile_avoids_bfloat16():
    # Turing GPUs have no bfloat16 units; vLLM would refuse or emulate slowly.
    assert profiles.PROFILES["colab-t4"].dtype == "float16"
    assert all(p.needs_network for p in profiles.PROFILES.values() if p.device == "cuda")


def test_every_profile_names_a_capacity_spec_and_the_env_serves_it() -> None:
    from genai_design.capacity import MODELS
    from genai_design.course import CourseEnv

    for profile in PROFILES.values():
        assert profile.capacity_spec in MODELS, profile.name
        upstream = profile.model.split("/")[-1].lower()
        assert upstream == profile.capacity_spec.lower() or profile.model in BUNDLED, profile.name
    env = CourseEnv(get_profile("cpu-default"), endpoint=None, seed=0, reused_server=False)
    assert env.model_spec().name == "SmolLM2-135M-Instruct"
    tokenizer = env.tokenizer()
    assert len(tokenizer("hello world")["input_ids"]) >= 2
    assert tokenizer.vocab_size == env.model_spec().vocab_size


@pytest.mark.parametrize(("capability", "expected"), [
    ((7, 5), "float16"),  # T4 (Turing)
    ((7, 0), "float16"),  # V100 (Volta)
    ((8, 0), "bfloat16"),  # A100
    ((8, 9), "bfloat16"),  # L4 (Ada)
    ((9, 0), "bfloat16"),  # H100
    (None, "bfloat16"),  # unknown: left as the profile says
])
def test_gpu_dtype_follows_the_card(monkeypatch, capability, expected):
    monkeypatch.delenv(profiles.PROFILE_ENV, raising=False)
    monkeypatch.setattr(profiles, "gpu_compute_capability", lambda: capability)
    large = profiles.get_profile("gpu-large")
    assert large.dtype == expected
    assert any("no bfloat16" in n for n in large.notes) == (expected == "float16")
    # The T4 profile is float16 on every card; the CPU profile is never touched.
    assert profiles.get_profile("colab-t4").dtype == "float16"
    assert profiles.get_profile("cpu-default").dtype == "bfloat16"


def test_a_large_turing_card_is_served_in_float16(monkeypatch):
    """A 48 GB Turing card (Quadro RTX 8000) picks gpu-large by memory and float16 by capability."""
    monkeypatch.delenv(profiles.PROFILE_ENV, raising=False)
    monkeypatch.setattr(profiles, "gpu_memory_gib", lambda: 47.5)
    monkeypatch.setattr(profiles, "gpu_compute_capability", lambda: (7, 5))
    chosen = profiles.get_profile()
    assert (chosen.name, chosen.dtype) == ("gpu-large", "float16")
