"""A fake answerer that echoes the question (framework step 8, deploy and monitor).

The service's tests, and a reader trying the HTTP service without a model server, need an
answerer that is fast, deterministic and can be told to be slow or to fail. ``EchoAnswerer``
answers ``"echo: <question>"`` with one fixed source document; ``make_echo`` is the factory
``genai-design serve --answerer genai_design.service.fake:make_echo`` calls.

Left out on purpose: anything resembling retrieval or generation; it only has the shape of
:class:`genai_design.service.app.Answerer`.
"""

from __future__ import annotations

import time
from collections.abc import Generator
from dataclasses import dataclass, replace
from typing import Any


class EchoFailure(RuntimeError):
    """The failure an :class:`EchoAnswerer` raises when told to fail."""


@dataclass(frozen=True)
class EchoAnswer:
    """An answer with the fields the service records."""

    text: str  # "echo: " and the question
    doc_ids: tuple[str, ...]  # always ("echo-doc",)
    prompt_version: str  # the answerer's prompt_version
    input_tokens: int  # words in the question
    output_tokens: int  # words in the answer
    trace_id: str | None = None  # hex id of the answer's span, when the answerer traces


class EchoAnswerer:
    """Answers ``"echo: <question>"``; optionally slow, failing, or not ready."""

    def __init__(self, delay_s: float = 0.0, fail_on: str | None = None,
                 prompt_version: str = "echo@v1", ready: bool = True, tracer: Any = None) -> None:
        self.delay_s = delay_s  # sleep this long before answering (and before each piece)
        self.fail_on = fail_on  # questions containing this text raise EchoFailure; None: never
        self.prompt_version = prompt_version  # recorded with every answer
        self.is_ready = ready  # what ready() reports; tests flip it
        self.tracer = tracer  # an OpenTelemetry tracer: each answer() is one "answer" span; None: no spans

    def _check(self, question: str) -> None:
        if self.fail_on is not None and self.fail_on in question:
            raise EchoFailure(f"told to fail on questions containing {self.fail_on!r}")

    def _answer(self, question: str) -> EchoAnswer:
        text = f"echo: {question}"
        return EchoAnswer(text, ("echo-doc",), self.prompt_version,
                          len(question.split()), len(text.split()))

    def answer(self, question: str) -> EchoAnswer:
        """The echo, after ``delay_s``."""
        time.sleep(self.delay_s)
        self._check(question)
        if self.tracer is None:
            return self._answer(question)
        with self.tracer.start_as_current_span("answer") as span:
            span.set_attribute("question.chars", len(question))
            return replace(self._answer(question), trace_id=f"{span.get_span_context().trace_id:032x}")

    def stream(self, question: str) -> Generator[str, None, EchoAnswer]:
        """The echo word by word (spaces kept); the generator returns the whole answer.

        With ``fail_on`` matching, the first piece goes out before the failure, so a client
        sees a stream that breaks mid-way.
        """
        answer = self._answer(question)  # "echo:" and the question: at least two pieces
        for number, piece in enumerate(answer.text.split(" ")):
            time.sleep(self.delay_s)
            if number == 1:
                self._check(question)
            yield piece if number == 0 else " " + piece
        return answer

    def ready(self) -> bool:
        return self.is_ready


def make_echo(tracer: Any = None) -> EchoAnswerer:
    """An :class:`EchoAnswerer` with no delay that fails on questions containing ``FAIL``
    (``tracer``: see :class:`EchoAnswerer`; ``serve --traces`` passes one)."""
    return EchoAnswerer(fail_on="FAIL", tracer=tracer)
