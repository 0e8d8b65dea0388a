"""Request bodies in, clear refusals out (framework step 8, deploy and monitor).

A public endpoint meets bodies that are too large, not JSON, the wrong shape or empty. Each
gets a 4xx with a one-line JSON error that says what to send instead: 413 past the size limit
(declared by Content-Length *or* counted as the bytes arrive, so a chunked upload cannot slip
past), 400 for a body that is not JSON, 422 for JSON of the wrong shape. FastAPI's own body
parsing reads the whole body before any limit applies and answers bad JSON with a 422 list,
so the service reads bodies here instead.

Left out on purpose: content types other than JSON, and compression.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.requests import Request

from genai_design.service.store import MAX_COMMENT_CHARS


class ServiceError(Exception):
    """A refusal with an HTTP status, sent as ``{"error": message}``."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status  # the HTTP status code
        self.message = message  # one line saying what was wrong and what to send
        self.headers = headers  # extra response headers (WWW-Authenticate on a 401)


class QuestionBody(BaseModel):
    """``{"question": "..."}``: nothing else, no coercion from other types."""

    model_config = ConfigDict(extra="forbid", strict=True)
    question: str


class FeedbackBody(BaseModel):
    """``{"answer_id": "...", "rating": "up" | "down", "comment": "..."}`` (comment optional)."""

    model_config = ConfigDict(extra="forbid", strict=True)
    answer_id: str
    rating: Literal["up", "down"]
    comment: str | None = Field(default=None, max_length=MAX_COMMENT_CHARS)


QUESTION_EXAMPLE = '{"question": "..."}'
FEEDBACK_EXAMPLE = '{"answer_id": "...", "rating": "up" or "down", "comment": "..." (optional)}'


async def read_json(request: Request, limit: int) -> Any:
    """The body parsed as JSON: 413 past ``limit`` bytes (declared or read), 400 when not JSON."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.strip().isdigit():
            raise ServiceError(400, f"Content-Length {declared!r} is not a number of bytes")
        if int(declared) > limit:
            raise ServiceError(413, f"request body is {int(declared)} bytes; the limit is {limit}")
    body = bytearray()
    async for chunk in request.stream():  # counts what arrives, chunked uploads included
        body += chunk
        if len(body) > limit:
            raise ServiceError(413, f"request body is over the limit of {limit} bytes")
    if not body.strip():
        raise ServiceError(400, "request body is empty; send a JSON object")
    try:
        return json.loads(bytes(body))
    except json.JSONDecodeError as error:
        raise ServiceError(400, f"request body is not valid JSON: {error}") from None
    except UnicodeDecodeError:
        raise ServiceError(400, "request body is not valid JSON: it is not UTF-8 text") from None


def validated(model: type[BaseModel], data: Any, example: str) -> Any:
    """``data`` as a ``model``; 422 naming each wrong field and the expected shape."""
    if not isinstance(data, dict):
        raise ServiceError(422, f"request body must be a JSON object like {example}")
    try:
        return model.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}"
                             for e in error.errors())
        raise ServiceError(422, f"invalid request ({problems}); expected {example}") from None
