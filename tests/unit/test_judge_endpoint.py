"""The model judge through GENAI_DESIGN_ENDPOINT (step 7): the code notebook 7c runs reaches any
OpenAI-compatible server named in the environment, so a stronger model judges with the same code.

The server here is a stand-in written for the test (an in-process HTTP server, not a model): it
grades an answer "correct" exactly when it repeats the reference, so its agreement with labels
made the same way is known (kappa 1), and it honours vLLM's ``structured_outputs`` choice only
when asked to.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from genai_design import course, serving
from genai_design.evaluation import agreement, judge

MODEL = "stronger-judge"


def _block(prompt: str, title: str) -> str:
    return prompt.split(f"{title}:\n", 1)[1].split("\n\n", 1)[0]


def _server(honours_choice: bool) -> tuple[ThreadingHTTPServer, list[dict]]:
    requests: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def _send(self, payload: dict) -> None:
            body = json.dumps(payload).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:  # /v1/models, as vLLM answers it
            self._send({"object": "list", "data": [{"id": MODEL, "object": "model", "max_model_len": 8192}]})

        def do_POST(self) -> None:  # /v1/chat/completions
            request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            requests.append(request)
            prompt = request["messages"][0]["content"]
            same = _block(prompt, "Answer to grade") == _block(prompt, "Reference answer")
            verdict = "correct" if same else "incorrect"
            if not (honours_choice and request.get("structured_outputs")):
                verdict = f"I would say the answer is {verdict}."
            self._send({"id": "x", "object": "chat.completion", "created": 0, "model": MODEL,
                        "choices": [{"index": 0, "finish_reason": "stop",
                                     "message": {"role": "assistant", "content": verdict}}],
                        "usage": {"prompt_tokens": 10, "completion_tokens": 1, "total_tokens": 11}})

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, requests


def _items() -> tuple[list[judge.JudgeItem], list[str]]:
    rows = [("Returns are free within 30 days.", "Returns are free within 30 days."),
            ("Returns are free within 30 days.", "Returns cost 5 euros."),
            ("Shipping to Belgium takes two days.", "Shipping to Belgium takes two days."),
            ("Shipping to Belgium takes two days.", "It takes a week."),
            ("Yes, by bank transfer.", "Yes, by bank transfer."),
            ("Yes, by bank transfer.", "No.")]
    items = [judge.JudgeItem(f"t-{n}", "a customer's question", ref, answer) for n, (ref, answer) in enumerate(rows)]
    return items, ["correct" if ref == answer else "incorrect" for ref, answer in rows]


@pytest.fixture
def endpoint_env(tmp_path, monkeypatch):
    monkeypatch.setenv("GENAI_DESIGN_HOME", str(tmp_path))
    monkeypatch.setenv(serving.API_KEY_ENV, "key")

    def use(server: ThreadingHTTPServer) -> None:
        monkeypatch.setenv(serving.ENDPOINT_ENV, f"http://127.0.0.1:{server.server_address[1]}")
    return use


def test_the_notebooks_judge_code_runs_against_an_endpoint_from_the_environment(endpoint_env):
    server, requests = _server(honours_choice=True)
    try:
        endpoint_env(server)
        env = course.setup(verbose=False)  # what 7c calls: no course server is started
        assert env.endpoint.model == MODEL and not env.endpoint.managed
        items, labels = _items()
        verdicts = judge.llm_judge(env.endpoint.client(), env.endpoint.model, items, show_progress=False)
        kappa = agreement.kappa_interval(labels, verdicts, seed=0)
        assert verdicts == labels and kappa.estimate == pytest.approx(1.0)
        assert all(r["model"] == MODEL for r in requests) and len(requests) == len(items)
        assert all(r["structured_outputs"] == {"choice": list(judge.JUDGE_LABELS)} for r in requests)
    finally:
        server.shutdown()


def test_an_endpoint_without_constrained_choices_is_a_clear_error(endpoint_env):
    server, _ = _server(honours_choice=False)
    try:
        endpoint_env(server)
        env = course.setup(verbose=False)
        items, _ = _items()
        with pytest.raises(ValueError, match="structured_outputs"):
            judge.llm_judge(env.endpoint.client(), env.endpoint.model, items[:1], show_progress=False)
    finally:
        server.shutdown()
