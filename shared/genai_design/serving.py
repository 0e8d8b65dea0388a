"""Serving: start, reuse and stop a vLLM server, or point at any OpenAI-compatible endpoint
(framework step 5, inference infrastructure).

Every generation in the course goes through an :class:`Endpoint`: a base URL, an API key and a
model name, with helpers that return an OpenAI client or a LlamaIndex LLM for it. Where the
endpoint comes from is decided once, by :func:`ensure_server`:

1. ``$GENAI_DESIGN_ENDPOINT`` (plus ``$GENAI_DESIGN_API_KEY``, ``$GENAI_DESIGN_MODEL``) names an
   external endpoint: a vLLM cluster, a managed API. Nothing is started.
2. A course server already running on this machine for the same model is reused, so a
   reader's notebooks don't each pay the start-up (about 20-40 s on a CPU).
3. Otherwise a new ``vllm serve`` process starts on 127.0.0.1, on a free port, with a random
   API key, and outlives the notebook that started it until :func:`stop_server`.

The running server is recorded in ``$GENAI_DESIGN_HOME/server.json``; its log is beside it.
An experiment that needs other engine settings (a KV space small enough to run out) uses
:func:`side_server`: a second CPU server, never recorded, stopped when its ``with`` block ends.
Left out on purpose: several replicas and routing (chapter 5 shows them as configuration).
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from genai_design.models import course_home, prepare_model
from genai_design.profiles import Profile, get_profile

ENDPOINT_ENV = "GENAI_DESIGN_ENDPOINT"
API_KEY_ENV = "GENAI_DESIGN_API_KEY"
MODEL_ENV = "GENAI_DESIGN_MODEL"
HOST = "127.0.0.1"  # the course never listens on another interface
# Keep the server offline, quiet and on loopback: no hub look-ups, no usage reporting, and
# vLLM's own processes talk over 127.0.0.1 instead of probing for a public interface.
_SERVER_ENV = {"HF_HUB_OFFLINE": "1", "VLLM_NO_USAGE_STATS": "1", "DO_NOT_TRACK": "1",
               "VLLM_HOST_IP": HOST, "TOKENIZERS_PARALLELISM": "false"}


# Servers this Python process started (notebooks report whether they reused one).
_started_pids: set[int] = set()


class ServerStartError(RuntimeError):
    """The server could not be started; the message carries the reason and the log's tail."""


@dataclass(frozen=True)
class Endpoint:
    """An OpenAI-compatible endpoint the course can send requests to."""

    base_url: str  # URL ending in /v1, e.g. http://127.0.0.1:8000/v1
    api_key: str  # sent as a bearer token ("EMPTY" for servers without a key)
    model: str  # the model name requests must carry
    profile: str  # the profile that started it, or "external"
    max_model_len: int | None = None  # the server's context window in tokens, when known
    pid: int | None = None  # server process id when the course started it, else None
    log_path: str | None = None  # server log when the course started it, else None
    start_s: float | None = None  # seconds the start-up took, when the course started it

    @property
    def managed(self) -> bool:
        """True when this machine's course server (not an external endpoint)."""
        return self.pid is not None

    @property
    def metrics_url(self) -> str:
        """The Prometheus ``/metrics`` URL (vLLM serves it beside ``/v1``)."""
        return self.base_url.removesuffix("/v1") + "/metrics"

    def client(self, timeout_s: float = 300.0) -> Any:
        """A synchronous ``openai.OpenAI`` client for this endpoint."""
        from openai import OpenAI

        return OpenAI(base_url=self.base_url, api_key=self.api_key, timeout=timeout_s)

    def async_client(self, timeout_s: float = 300.0) -> Any:
        """An ``openai.AsyncOpenAI`` client, for concurrent requests."""
        from openai import AsyncOpenAI

        return AsyncOpenAI(base_url=self.base_url, api_key=self.api_key, timeout=timeout_s)

    def llamaindex_llm(self, max_tokens: int = 256, temperature: float = 0.0, **kwargs: Any) -> Any:
        """A LlamaIndex ``OpenAILike`` chat LLM for this endpoint."""
        from llama_index.llms.openai_like import OpenAILike

        return OpenAILike(
            model=self.model, api_base=self.base_url, api_key=self.api_key,
            is_chat_model=True, context_window=self.max_model_len or 4096,
            max_tokens=max_tokens, temperature=temperature, **kwargs,
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _state_path() -> Path:
    return course_home() / "server.json"


@contextmanager
def _start_lock() -> Iterator[None]:
    """One process at a time decides whether to start a server (two notebooks at once)."""
    course_home().mkdir(parents=True, exist_ok=True)
    with open(course_home() / "server.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _get_json(url: str, api_key: str | None, timeout_s: float = 5.0) -> Any:
    request = urllib.request.Request(url)
    if api_key:
        request.add_header("Authorization", f"Bearer {api_key}")
    with urllib.request.urlopen(request, timeout=timeout_s) as response:
        body = response.read()
    return json.loads(body) if body else None


def _served_models(base_url: str, api_key: str) -> dict[str, int | None]:
    """Model names served at ``base_url`` with their context windows (vLLM reports them)."""
    data = _get_json(base_url + "/models", api_key)
    return {m["id"]: m.get("max_model_len") for m in data.get("data", [])}


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie has exited but not been reaped: not alive for our purposes
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except (OSError, IndexError):
        return True


def port_in_use(port: int, host: str = HOST) -> bool:
    """True when something already accepts connections on host:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((host, port)) == 0


def free_port(host: str = HOST) -> int:
    """A port the OS reports free right now on ``host``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def log_tail(path: str | Path, lines: int = 40) -> str:
    """The last ``lines`` lines of a log file ("" if it does not exist)."""
    try:
        return "\n".join(Path(path).read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def _recorded_server() -> Endpoint | None:
    """The server the state file names, if its process is still alive (answering or not)."""
    try:
        endpoint = Endpoint(**json.loads(_state_path().read_text()))
    except (OSError, ValueError, TypeError):
        return None
    return endpoint if endpoint.pid is not None and _pid_alive(endpoint.pid) else None


def running_server() -> Endpoint | None:
    """The course server recorded in the state file, if its process lives and answers."""
    endpoint = _recorded_server()
    if endpoint is None:
        return None
    try:
        models = _served_models(endpoint.base_url, endpoint.api_key)
    except (OSError, ValueError):
        return None
    return endpoint if endpoint.model in models else None


def vllm_command(profile: Profile, model_path: str, port: int, api_key: str,
                 extra_args: Sequence[str] = ()) -> list[str]:
    """The ``vllm serve`` command line for a profile (shown in the book as configuration)."""
    return [
        sys.executable, "-m", "vllm.entrypoints.cli.main", "serve", model_path,
        "--host", HOST, "--port", str(port),
        # One token: a key that begins with "-" would otherwise be read as the next option
        # (vLLM's parser then stops with "--api-key: expected at least one argument").
        f"--api-key={api_key}",
        "--served-model-name", profile.served_model_name,
        "--dtype", profile.dtype, "--max-model-len", str(profile.max_model_len),
        *profile.vllm_args, *extra_args,
    ]


def warm_start_caches(profile: Profile | str | None = None) -> dict[str, Any]:
    """Fill vLLM's on-disk cache of model-class facts for ``profile``'s model, once per install.

    At start-up vLLM inspects the model's architecture in a fresh subprocess (imports included)
    and caches the answer under its cache root; the first server start on a new machine pays
    that, about 12 s on 2 cores. Running the same inspection at set-up keeps it out of every
    start. Best effort: returns what it did, and ``{"warmed": False, ...}`` if vLLM's internals
    changed (the server then simply fills the cache itself).
    """
    profile = profile if isinstance(profile, Profile) else get_profile(profile)
    prepared = prepare_model(profile.model)
    config_path = Path(prepared.path) / "config.json"
    if not config_path.exists():  # a hub id: nothing local to inspect before the download
        return {"warmed": False, "reason": f"no local config for {profile.model}"}
    architectures = json.loads(config_path.read_text()).get("architectures") or []
    try:
        from vllm.model_executor.models.registry import ModelRegistry

        started = time.perf_counter()  # the inspection alone, not vLLM's import
        infos = {arch: ModelRegistry._try_inspect_model_cls(arch) for arch in architectures}
    except (ImportError, AttributeError) as error:
        return {"warmed": False, "reason": f"{type(error).__name__}: {error}"}
    return {"warmed": all(infos.values()) and bool(infos), "architectures": architectures,
            "seconds": round(time.perf_counter() - started, 2)}


def launch(argv: Sequence[str], base_url: str, api_key: str, model: str, log_path: Path,
           timeout_s: float, env: dict[str, str] | None = None) -> tuple[int, float]:
    """Start ``argv`` in its own process group and wait until it serves ``model``.

    Returns (pid, seconds to ready). Raises :class:`ServerStartError` with the log's tail if
    the process exits first or is not ready within ``timeout_s`` (then it is killed).
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with open(log_path, "wb") as log:
        process = subprocess.Popen(list(argv), stdout=log, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, env=env, start_new_session=True)
    while True:
        code = process.poll()
        if code is not None:
            raise ServerStartError(
                f"the server exited with code {code} before it was ready.\n"
                f"Last lines of {log_path}:\n{log_tail(log_path)}"
            )
        try:
            if model in _served_models(base_url, api_key):
                return process.pid, time.perf_counter() - started
        except (OSError, ValueError):
            pass  # not listening yet
        if time.perf_counter() - started > timeout_s:
            _terminate(process.pid, grace_s=5.0)
            process.wait()
            raise ServerStartError(
                f"the server was not ready after {timeout_s:.0f} s and was stopped.\n"
                f"Last lines of {log_path}:\n{log_tail(log_path)}"
            )
        time.sleep(0.5)


def _spawn(profile: Profile, port: int | None, extra_args: Sequence[str],
           timeout_s: float | None) -> Endpoint:
    """Start ``vllm serve`` for ``profile`` on 127.0.0.1 and wait until it answers."""
    if port is not None and port_in_use(port):
        raise ServerStartError(
            f"port {port} on {HOST} is already in use by another process; "
            "pass port=None to let the course pick a free port"
        )
    prepared = prepare_model(profile.model)
    port = port or free_port()
    api_key = secrets.token_hex(18)  # hex: never begins with '-'
    base_url = f"http://{HOST}:{port}/v1"
    log_path = course_home() / "logs" / f"vllm-{port}.log"
    env = {**os.environ, **_SERVER_ENV, **dict(profile.env)}
    if profile.needs_network:
        env.pop("HF_HUB_OFFLINE")  # GPU profiles download their model when online
    argv = vllm_command(profile, prepared.path, port, api_key, extra_args)
    pid, seconds = launch(argv, base_url, api_key, profile.served_model_name, log_path,
                          timeout_s or profile.start_timeout_s, env)
    _started_pids.add(pid)
    models = _served_models(base_url, api_key)
    return Endpoint(base_url, api_key, profile.served_model_name, profile.name,
                    models.get(profile.served_model_name), pid, str(log_path), round(seconds, 2))


def start_server(profile: Profile | str | None = None, port: int | None = None,
                 extra_args: Sequence[str] = (), timeout_s: float | None = None) -> Endpoint:
    """Start a new vLLM server for ``profile`` on 127.0.0.1 and record it for reuse.

    ``port=None`` picks a free port; a port that is already taken raises ServerStartError.
    Most callers want :func:`ensure_server`, which reuses a running server first.
    """
    profile = profile if isinstance(profile, Profile) else get_profile(profile)
    endpoint = _spawn(profile, port, extra_args, timeout_s)
    state = _state_path()
    state.write_text(json.dumps(endpoint.to_dict(), indent=1) + "\n")
    state.chmod(0o600)  # it holds the API key
    return endpoint


def kv_limit_args(kv_blocks: int, block_size: int, max_model_len: int) -> list[str]:
    """``vllm serve`` options that leave requests exactly ``kv_blocks`` KV blocks of
    ``block_size`` tokens, with the context cut to what they hold (vLLM refuses a context
    longer than its KV space). The override asks for one block more: vLLM's block pool keeps
    its first block aside as a placeholder (the null block) that no request uses."""
    if kv_blocks < 1 or block_size < 1:
        raise ValueError(f"kv_blocks and block_size must be positive, got {kv_blocks} and {block_size}")
    return ["--num-gpu-blocks-override", str(kv_blocks + 1), "--block-size", str(block_size),
            "--max-model-len", str(min(max_model_len, kv_blocks * block_size))]


@contextmanager
def side_server(profile: Profile | str | None = None, extra_args: Sequence[str] = (),
                timeout_s: float | None = None) -> Iterator[Endpoint]:
    """A second, short-lived CPU server with other engine options, stopped when the block ends.

    For an experiment the course server's settings cannot show, such as a KV space small enough
    to run out (see :func:`kv_limit_args`). It is not recorded as the course server, so
    :func:`ensure_server` never hands it out. CPU profiles only: on one GPU a second engine
    would compete with the course server for memory (stop that one first, then start this).
    """
    profile = profile if isinstance(profile, Profile) else get_profile(profile)
    if profile.device != "cpu":
        raise ServerStartError(
            f"a side server runs on CPU profiles only, not {profile.name!r} ({profile.device}): "
            "a second engine on the same GPU competes with the course server for its memory; "
            "stop the course server (genai-design server stop) and start one with these options")
    endpoint = _spawn(profile, None, extra_args, timeout_s)
    try:
        yield endpoint
    finally:
        assert endpoint.pid is not None  # _spawn always starts a process
        _terminate(endpoint.pid, grace_s=10.0)
        _started_pids.discard(endpoint.pid)


def started_by_this_process(endpoint: Endpoint) -> bool:
    """True when this Python process started ``endpoint``'s server (False: reused or external)."""
    return endpoint.pid in _started_pids


def connect(base_url: str, api_key: str = "EMPTY", model: str | None = None) -> Endpoint:
    """An :class:`Endpoint` for an external OpenAI-compatible server (cluster or managed API).

    Checks the server answers ``/models``; ``model=None`` takes the first model it lists.
    """
    base_url = base_url.rstrip("/")
    if not base_url.endswith("/v1"):
        base_url += "/v1"
    try:
        models = _served_models(base_url, api_key)
    except (OSError, ValueError) as error:
        raise ConnectionError(f"no OpenAI-compatible server answered at {base_url}: {error}") from error
    if not models:
        raise ConnectionError(f"the server at {base_url} lists no models")
    chosen = model or next(iter(models))
    if chosen not in models:
        raise ValueError(f"model {chosen!r} is not served at {base_url}; it serves {sorted(models)}")
    return Endpoint(base_url, api_key, chosen, "external", models[chosen])


def ensure_server(profile: Profile | str | None = None) -> Endpoint:
    """The endpoint to use: external if configured, else the running course server, else a new one."""
    if os.environ.get(ENDPOINT_ENV):
        return connect(os.environ[ENDPOINT_ENV], os.environ.get(API_KEY_ENV, "EMPTY"),
                       os.environ.get(MODEL_ENV))
    profile = profile if isinstance(profile, Profile) else get_profile(profile)
    with _start_lock():
        current = running_server()
        if current is not None:
            if current.model != profile.served_model_name:
                raise ServerStartError(
                    f"a course server for {current.model!r} is already running (pid {current.pid}); "
                    f"stop it first (genai-design server stop) to serve {profile.served_model_name!r}"
                )
            return current
        hung = _recorded_server()  # alive but not answering: stop it rather than run two
        if hung is not None and hung.pid is not None:
            _terminate(hung.pid, grace_s=10.0)
        return start_server(profile)


def _terminate(pid: int, grace_s: float) -> None:
    """SIGTERM the process group, then SIGKILL what is left after ``grace_s``."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + grace_s
        while time.monotonic() < deadline:
            if not _pid_alive(pid):
                return
            time.sleep(0.2)


def stop_server(timeout_s: float = 30.0) -> bool:
    """Stop the recorded course server, answering or hung. Returns False when none was running."""
    with _start_lock():
        endpoint = _recorded_server()
        _state_path().unlink(missing_ok=True)
        if endpoint is None or endpoint.pid is None:
            return False
        _terminate(endpoint.pid, grace_s=timeout_s)
        return True
