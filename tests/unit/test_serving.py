"""The serving mechanism with stand-in servers (tiny Python HTTP servers, not vLLM).

The real vLLM server is tested in tests/integration/test_server.py.
"""

import json
import socket
import sys
import textwrap

import pytest

from genai_design import serving

# A stand-in for `vllm serve`: answers GET /v1/models with one model, like vLLM does.
FAKE_SERVER = textwrap.dedent('''
    import json, sys, time
    from http.server import BaseHTTPRequestHandler, HTTPServer
    port, model, delay = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
    time.sleep(delay)
    class H(BaseHTTPRequestHandler):
        def do_GET(self):
            if self.headers.get("Authorization") != "Bearer key":
                self.send_response(401); self.end_headers(); return
            body = json.dumps({"data": [{"id": model, "max_model_len": 1024}]}).encode()
            self.send_response(200); self.end_headers(); self.wfile.write(body)
        def log_message(self, *args): pass
    print("fake server up", flush=True)
    HTTPServer(("127.0.0.1", port), H).serve_forever()
''')


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("GENAI_DESIGN_HOME", str(tmp_path))
    monkeypatch.delenv(serving.ENDPOINT_ENV, raising=False)
    return tmp_path


def _launch(home, port, script_args, timeout_s=20.0, script=FAKE_SERVER, model="m"):
    return serving.launch([sys.executable, "-c", script, *script_args],
                          f"http://127.0.0.1:{port}/v1", "key", model, home / "log.txt", timeout_s)


def test_launch_waits_until_the_model_is_served(home):
    port = serving.free_port()
    pid, seconds = _launch(home, port, [str(port), "m", "0.5"])
    try:
        assert seconds >= 0.5
        assert serving._served_models(f"http://127.0.0.1:{port}/v1", "key") == {"m": 1024}
    finally:
        serving._terminate(pid, grace_s=5)
    assert not serving._pid_alive(pid)


def test_server_that_dies_at_start_shows_its_log(home):
    script = "import sys; print('CUDA out of memory: tried to allocate 9 GiB'); sys.exit(3)"
    with pytest.raises(serving.ServerStartError) as error:
        _launch(home, serving.free_port(), [], script=script)
    message = str(error.value)
    assert "exited with code 3" in message and "tried to allocate 9 GiB" in message


def test_server_that_never_gets_ready_is_stopped(home):
    script = "import time; print('loading weights...', flush=True); time.sleep(600)"
    with pytest.raises(serving.ServerStartError) as error:
        _launch(home, serving.free_port(), [], timeout_s=2.0, script=script)
    assert "not ready after 2 s" in str(error.value) and "loading weights" in str(error.value)


def test_port_in_use_is_refused_before_starting(home):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert serving.port_in_use(port)
        with pytest.raises(serving.ServerStartError, match=f"port {port} .* already in use"):
            serving.start_server("cpu-default", port=port)


def test_running_server_is_reused_from_the_state_file(home):
    port = serving.free_port()
    pid, _ = _launch(home, port, [str(port), "smollm2-135m-instruct", "0"],
                     model="smollm2-135m-instruct")
    try:
        endpoint = serving.Endpoint(f"http://127.0.0.1:{port}/v1", "key", "smollm2-135m-instruct",
                                    "cpu-default", 1024, pid, str(home / "log.txt"), 1.0)
        (home / "server.json").write_text(json.dumps(endpoint.to_dict()))
        assert serving.running_server() == endpoint
        # ensure_server returns it without starting anything (start_server would need vLLM).
        assert serving.ensure_server("cpu-default") == endpoint
        # A running server for another model is not silently replaced.
        with pytest.raises(serving.ServerStartError, match="already running"):
            serving.ensure_server("colab-t4")
        assert serving.stop_server() is True
        assert not serving._pid_alive(pid)
        assert serving.running_server() is None and not (home / "server.json").exists()
        assert serving.stop_server() is False
    finally:
        serving._terminate(pid, grace_s=2)


def test_hung_server_is_stopped_not_left_running(home):
    # A process that is alive but never answers (a hung server) is still stopped by stop_server.
    import subprocess

    hung = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"],
                            start_new_session=True)
    try:
        (home / "server.json").write_text(json.dumps(serving.Endpoint(
            f"http://127.0.0.1:{serving.free_port()}/v1", "k", "m", "cpu-default",
            None, hung.pid).to_dict()))
        assert serving.running_server() is None  # not answering
        assert serving.stop_server(timeout_s=5) is True
        assert hung.wait(timeout=10) is not None
    finally:
        hung.kill()


def test_stale_state_file_is_ignored(home):
    (home / "server.json").write_text(json.dumps(serving.Endpoint(
        "http://127.0.0.1:9/v1", "k", "m", "cpu-default", None, 2**22 + 12345).to_dict()))
    assert serving.running_server() is None
    (home / "server.json").write_text("{broken")
    assert serving.running_server() is None


def test_external_endpoint_from_environment(home, monkeypatch):
    port = serving.free_port()
    pid, _ = _launch(home, port, [str(port), "big-model", "0"], model="big-model")
    try:
        monkeypatch.setenv(serving.ENDPOINT_ENV, f"http://127.0.0.1:{port}")
        monkeypatch.setenv(serving.API_KEY_ENV, "key")
        endpoint = serving.ensure_server("cpu-default")
        assert endpoint.base_url == f"http://127.0.0.1:{port}/v1"
        assert endpoint.model == "big-model" and endpoint.profile == "external"
        assert not endpoint.managed and endpoint.max_model_len == 1024
        assert endpoint.metrics_url == f"http://127.0.0.1:{port}/metrics"
        with pytest.raises(ValueError, match="not served"):
            serving.connect(f"http://127.0.0.1:{port}/v1", "key", "other-model")
    finally:
        serving._terminate(pid, grace_s=2)


def test_connect_to_nothing_is_a_clear_error():
    with pytest.raises(ConnectionError, match="no OpenAI-compatible server"):
        serving.connect(f"http://127.0.0.1:{serving.free_port()}/v1")


def test_vllm_command_stays_on_loopback():
    from genai_design.profiles import get_profile

    argv = serving.vllm_command(get_profile("cpu-default"), "/models/x", 8123, "secret")
    assert argv[argv.index("--host") + 1] == "127.0.0.1"
    assert argv[argv.index("--port") + 1] == "8123"
    assert "--enforce-eager" in argv and "--api-key=secret" in argv


def test_a_key_that_begins_with_a_dash_reaches_the_server_whole():
    # A clean-clone run failed to start vLLM once: its random key began with "-", and
    # `--api-key KEY` as two tokens made the parser take the key for an option.
    import argparse

    from genai_design.profiles import get_profile

    argv = serving.vllm_command(get_profile("cpu-default"), "/models/x", 8123, "-starts-with-dash")
    parser = argparse.ArgumentParser()
    parser.add_argument("--api-key", nargs="+")  # as vLLM declares it
    known, _ = parser.parse_known_args(argv[argv.index("--host"):])
    assert known.api_key == ["-starts-with-dash"]


def test_warming_a_hub_model_says_why_it_did_nothing():
    # A GPU profile names a Hugging Face id: there is no local config to inspect before download.
    result = serving.warm_start_caches("colab-t4")
    assert result["warmed"] is False and "no local config" in result["reason"]


def test_kv_limit_args_cut_the_context_to_the_kv_space():
    # One block more than asked for: vLLM's block pool keeps one aside (the null block).
    assert serving.kv_limit_args(6, 128, 8192) == [
        "--num-gpu-blocks-override", "7", "--block-size", "128", "--max-model-len", "768"]
    assert serving.kv_limit_args(100, 128, 8192)[-1] == "8192"  # never longer than the profile's
    with pytest.raises(ValueError, match="positive"):
        serving.kv_limit_args(0, 128, 8192)


@pytest.fixture
def fake_vllm(home, monkeypatch):
    """side_server runs the stand-in instead of `vllm serve`, with the stand-in's key."""
    monkeypatch.setattr(serving, "prepare_model", lambda model: type("P", (), {"path": "unused"}))
    monkeypatch.setattr(serving.secrets, "token_hex", lambda n: "key")
    monkeypatch.setattr(serving, "vllm_command", lambda profile, path, port, key, extra: [
        sys.executable, "-c", FAKE_SERVER, str(port), profile.served_model_name, "0"])


def test_side_server_is_never_the_course_server_and_stops_with_its_block(fake_vllm, home):
    with serving.side_server("cpu-default") as side:
        assert side.managed and serving._pid_alive(side.pid)
        assert serving._served_models(side.base_url, "key") == {"smollm2-135m-instruct": 1024}
        assert serving.running_server() is None and not (home / "server.json").exists()
    assert not serving._pid_alive(side.pid)
    # An error inside the block stops it too, and the error reaches the caller.
    with pytest.raises(RuntimeError, match="boom"):
        with serving.side_server("cpu-default") as side:
            raise RuntimeError("boom")
    assert not serving._pid_alive(side.pid)


def test_side_server_refuses_a_gpu_profile(fake_vllm):
    with pytest.raises(serving.ServerStartError, match="CPU profiles only"):
        with serving.side_server("colab-t4"):
            pass
