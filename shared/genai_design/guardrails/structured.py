"""Structured output two ways: constrained decoding, or free generation checked and retried
(framework step 6: output validation).

:func:`generate_json` asks the served model for a JSON object that must satisfy a JSON Schema.
With ``constrained=True`` the server masks every token that would break the schema (vLLM's
structured outputs, through the OpenAI ``response_format``), so one request suffices. Without
it, the schema is only described in the prompt; the reply is parsed and validated, and on
failure the model is asked again, shown its own reply and the validation error, up to
``max_attempts`` times. Both paths return the same :class:`JsonResult`, so validity, attempts,
tokens and latency compare directly.
Left out on purpose: repairing JSON by hand (a parser that "fixes" output hides how often the
model fails) and streaming partial objects.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class JsonResult:
    """One structured request, however many attempts it took."""

    value: dict[str, Any] | None  # the validated object; None when every attempt failed
    attempts: int  # requests sent
    latency_s: float  # wall time over all attempts
    output_tokens: int  # generated tokens over all attempts
    error: str | None  # why the last attempt failed (None when valid)
    input_tokens: int = 0  # prompt tokens over all attempts (the server's count)

    @property
    def valid(self) -> bool:
        return self.value is not None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def validation_error(text: str, schema: dict[str, Any]) -> tuple[dict[str, Any] | None, str | None]:
    """(object, None) when ``text`` is JSON that satisfies ``schema``, else (None, reason)."""
    import jsonschema

    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, f"not JSON: {exc.msg} at character {exc.pos}"
    try:
        jsonschema.validate(value, schema)
    except jsonschema.ValidationError as exc:
        return None, f"does not match the schema: {exc.message}"
    if not isinstance(value, dict):
        return None, "not a JSON object"
    return value, None


def generate_json(client: Any, model: str, messages: Sequence[dict[str, str]], schema: dict[str, Any], *,
                  constrained: bool, max_attempts: int = 3, max_tokens: int = 160) -> JsonResult:
    """A JSON object for ``messages`` that satisfies ``schema``; see the module docstring."""
    if max_attempts < 1:
        raise ValueError(f"max_attempts must be >= 1, got {max_attempts}")
    history = list(messages)
    extra: dict[str, Any] = {}
    if constrained:
        extra["response_format"] = {"type": "json_schema",
                                    "json_schema": {"name": "answer", "schema": schema}}
    start, tokens, prompt_tokens, error = time.perf_counter(), 0, 0, None
    for attempt in range(1, max_attempts + 1):
        reply = client.chat.completions.create(model=model, messages=list(history), max_tokens=max_tokens,
                                               temperature=0.0, **extra)
        text = reply.choices[0].message.content or ""
        tokens += int(reply.usage.completion_tokens)
        prompt_tokens += int(getattr(reply.usage, "prompt_tokens", 0) or 0)
        value, error = validation_error(text, schema)
        if value is not None:
            return JsonResult(value, attempt, time.perf_counter() - start, tokens, None, prompt_tokens)
        history += [{"role": "assistant", "content": text},
                    {"role": "user", "content": f"That reply is invalid ({error}). "
                                                "Reply again with only the corrected JSON object."}]
    return JsonResult(None, max_attempts, time.perf_counter() - start, tokens, error, prompt_tokens)


def generate_json_many(client: Any, model: str, conversations: Sequence[Sequence[dict[str, str]]],
                       schema: dict[str, Any], *, constrained: bool, max_attempts: int = 3,
                       max_tokens: int = 160, concurrency: int = 8) -> list[JsonResult]:
    """:func:`generate_json` for each conversation, ``concurrency`` at a time (results in order)."""
    from concurrent.futures import ThreadPoolExecutor

    if concurrency < 1:
        raise ValueError(f"concurrency must be >= 1, got {concurrency}")
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        return list(pool.map(lambda m: generate_json(client, model, m, schema, constrained=constrained,
                                                     max_attempts=max_attempts, max_tokens=max_tokens),
                             conversations))
