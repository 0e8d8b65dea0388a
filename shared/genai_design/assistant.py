"""The course's RAG assistant as one object that answers one question at a time
(framework steps 3 to 6 composed; step 8 serves, prices and traces it).

Chapters 3 to 7 measure the parts one by one, over whole evaluation sets; a deployed system
answers one customer at a time, and has to say afterwards what it did. :class:`Assistant`
does the four things every answer goes through, in order, each in its own trace span:

1. ``guardrail.input`` (when a guard is given): step 6's input checks; a blocked question is
   answered with a refusal and never reaches the model; personal data is replaced by
   placeholders before it does, and put back into the answer.
2. ``retrieval``: the retriever's top documents, with the chunk ids and scores that ranked them
   (the evidence a bad answer is traced back to).
3. ``prompt``: a prompt version from the registry, filled with the passages.
4. ``generation``: one streamed chat completion, so time to first token is measured too.
5. ``guardrail.output`` (when a guard is given): step 6's output check removes e-mail addresses,
   phone, card and bank numbers the customer did not give. The answer is checked whole, so a
   guarded answer reaches the client in one piece after the last token, not token by token.

Every :class:`Answer` carries its timings, token counts, prompt version and the trace id of its
spans. Tracing is OpenTelemetry's: pass a tracer (see :mod:`genai_design.monitoring.tracing`)
to record spans; without one, the calls go to OpenTelemetry's no-op tracer and cost nothing.
:func:`build_guarded_assistant` is the same assistant behind the course's guard (what ``genai-design
serve`` builds by default). Left out on purpose: conversation history, the grounding check (chapter 6
measured it no better than chance at this scale) and retries.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from opentelemetry import trace

from genai_design.evaluation.rag import IDK, answer_choices, format_passages
from genai_design.monitoring import tracing as attrs
from genai_design.retrieval.base import SearchHit, validate_query
from genai_design.timing import StreamClock

REFUSAL = "Sorry, I can't help with that request. A member of our team can: write to the support team."


@dataclass(frozen=True)
class AssistantConfig:
    """How the assistant retrieves, prompts and generates."""

    top_k: int = 4  # documents retrieved and shown per question
    max_passage_chars: int = 700  # a retrieved passage is cut to this many characters
    max_tokens: int = 96  # answer budget in tokens
    temperature: float = 0.0  # sampling temperature (0: the same question gets the same answer)
    extractive: bool = False  # answer with one copied passage sentence or "I don't know." (constrained)
    max_extract_tokens: int = 256  # budget for a copied sentence

    def __post_init__(self) -> None:
        for name in ("top_k", "max_passage_chars", "max_tokens", "max_extract_tokens"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name} must be a positive integer, got {getattr(self, name)}")
        if not 0.0 <= self.temperature <= 2.0:
            raise ValueError(f"temperature must be in [0, 2], got {self.temperature}")


@dataclass(frozen=True)
class Answer:
    """One answered question: what was said, from what, and what it took."""

    question: str  # the question as asked
    text: str  # the answer the customer sees
    action: str  # "answer", or "block" when the input guard stopped the question
    doc_ids: tuple[str, ...]  # documents shown to the model, best first
    chunk_ids: tuple[str, ...]  # the chunk that ranked each document
    scores: tuple[float, ...]  # the retriever's score of each document
    prompt_version: str  # the prompt's reference, e.g. rag-answer@v2-1a2b3c4d5e6f
    model: str  # the served model's name
    input_tokens: int  # prompt tokens, as the server counted them
    output_tokens: int  # answer tokens, as the server counted them
    guard_ms: float  # input and output checks (0 without a guard)
    retrieval_ms: float  # the retriever's search
    generation_ms: float  # the model call, request sent to the last token
    ttft_ms: float | None  # request sent to the first answer token; None when none came
    total_ms: float  # question in to answer out, everything included
    trace_id: str | None  # hex id of the answer's trace; None when not traced

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form."""
        return asdict(self)


def _trace_id(span: Any) -> str | None:
    context = span.get_span_context()
    return f"{context.trace_id:032x}" if context.is_valid else None


class Assistant:
    """Retriever + prompt version + served model (+ optional input guard), one answer at a time."""

    def __init__(self, retriever: Any, client: Any, model: str, prompt: Any,
                 config: AssistantConfig | None = None, *, guard: Any = None,
                 tracer: Any = None) -> None:
        names = set(prompt.placeholders)
        if names != {"question", "context"}:
            raise ValueError(f"prompt {prompt.ref} must have {{question}} and {{context}} "
                             f"placeholders; it has {sorted(names)}")
        self.retriever, self.client, self.model, self.prompt = retriever, client, model, prompt
        self.config = config or AssistantConfig()
        self.guard = guard
        self.tracer = tracer if tracer is not None else trace.NoOpTracer()

    @property
    def prompt_version(self) -> str:
        """The prompt's reference, as answers and traces record it."""
        return str(self.prompt.ref)

    def ready(self) -> bool:
        """True when the model server answers its model list (a readiness probe)."""
        try:
            self.client.models.list()
        except Exception:  # any failure means not ready; the probe must not raise
            return False
        return True

    def retrieve(self, question: str) -> list[SearchHit]:
        """The top documents for ``question``."""
        return list(self.retriever.search(question, top_k=self.config.top_k))

    def messages(self, question: str, hits: Sequence[SearchHit]) -> list[dict[str, str]]:
        """The chat messages sent for ``question`` with ``hits`` as its passages."""
        passages = [(h.doc_id, h.text[: self.config.max_passage_chars]) for h in hits]
        content = self.prompt.render(question=question,
                                     context=format_passages(passages) or "(no passages)")
        return [{"role": "user", "content": content}]

    def answer(self, question: str) -> Answer:
        """Answer one question (the stream, consumed)."""
        pieces = self.stream(question)
        while True:
            try:
                next(pieces)
            except StopIteration as done:
                return done.value

    def stream(self, question: str) -> Iterator[str]:
        """Yield the answer's text as it is generated; the generator returns the :class:`Answer`.

        A blocked question yields the refusal in one piece. ``ValueError`` on an empty question.
        """
        question = validate_query(question)
        started = time.perf_counter()
        with self.tracer.start_as_current_span("answer") as root:
            root.set_attribute("question.chars", len(question))
            trace_id = _trace_id(root)
            asked, mapping, guard_ms = question, {}, 0.0
            if self.guard is not None:
                with self.tracer.start_as_current_span("guardrail.input") as span:
                    t0 = time.perf_counter()
                    verdict = self.guard.check(question)
                    guard_ms = (time.perf_counter() - t0) * 1000.0
                    span.set_attribute(attrs.GUARD_DECISION, "allow" if verdict.allowed else "block")
                    span.set_attribute(attrs.GUARD_REASONS, list(verdict.reasons))
                if not verdict.allowed:
                    root.set_attribute("answer.action", "block")
                    yield REFUSAL
                    return Answer(question, REFUSAL, "block", (), (), (), self.prompt_version,
                                  self.model, 0, 0, guard_ms, 0.0, 0.0, None,
                                  (time.perf_counter() - started) * 1000.0, trace_id)
                asked, mapping = verdict.redacted, dict(verdict.mapping)
            with self.tracer.start_as_current_span("retrieval") as span:
                t0 = time.perf_counter()
                hits = self.retrieve(asked)
                retrieval_ms = (time.perf_counter() - t0) * 1000.0
                span.set_attribute(attrs.RETRIEVAL_STRATEGY, str(getattr(self.retriever, "strategy", "")))
                span.set_attribute(attrs.RETRIEVAL_DOC_IDS, [h.doc_id for h in hits])
                span.set_attribute(attrs.RETRIEVAL_CHUNK_IDS, [h.chunk_id for h in hits])
                span.set_attribute(attrs.RETRIEVAL_SCORES, [float(h.score) for h in hits])
            with self.tracer.start_as_current_span("prompt") as span:
                messages = self.messages(asked, hits)
                span.set_attribute(attrs.PROMPT_NAME, str(self.prompt.name))
                span.set_attribute(attrs.PROMPT_VERSION, self.prompt_version)
                span.set_attribute("prompt.chars", len(messages[0]["content"]))
            with self.tracer.start_as_current_span("generation") as span:
                t0 = time.perf_counter()
                span.set_attribute(attrs.GEN_MODEL, self.model)
                options: dict[str, Any] = {"max_tokens": self.config.max_tokens}
                if self.config.extractive:
                    passages = [(h.doc_id, h.text[: self.config.max_passage_chars]) for h in hits]
                    options = {"max_tokens": self.config.max_extract_tokens,
                               "extra_body": {"structured_outputs": {"choice": answer_choices(passages)}}}
                clock = StreamClock()
                chunks = self.client.chat.completions.create(
                    model=self.model, messages=messages, temperature=self.config.temperature,
                    stream=True, stream_options={"include_usage": True}, **options)
                for chunk in chunks:
                    before = len(clock.parts)
                    clock.observe(chunk)
                    if len(clock.parts) > before and self.guard is None:
                        yield clock.parts[-1]
                timing = clock.result()
                generation_ms = (time.perf_counter() - t0) * 1000.0
                text = timing.text.strip() or IDK
                for placeholder, original in mapping.items():  # the customer's details come back
                    text = text.replace(placeholder, original)
                if self.guard is None and not timing.text.strip():
                    yield text  # nothing (or only spaces) came: the client gets the abstention too
                span.set_attribute(attrs.GEN_INPUT_TOKENS, int(timing.prompt_tokens or 0))
                span.set_attribute(attrs.GEN_OUTPUT_TOKENS, int(timing.completion_tokens))
                if timing.ttft_ms is not None:
                    span.set_attribute(attrs.GEN_TTFT_MS, float(timing.ttft_ms))
            if self.guard is not None:
                with self.tracer.start_as_current_span("guardrail.output") as span:
                    t0 = time.perf_counter()
                    text, removed = self.guard.screen_answer(text, mapping)
                    guard_ms += (time.perf_counter() - t0) * 1000.0
                    span.set_attribute(attrs.GUARD_DECISION, "redact" if removed else "pass")
                    span.set_attribute(attrs.GUARD_REASONS, [f"removed {n} {kind} the customer did not give"
                                                             for kind, n in sorted(removed.items())])
                yield text  # checked whole: placeholders and details can straddle chunks
            root.set_attribute("answer.action", "answer")
            return Answer(question, text, "answer", tuple(h.doc_id for h in hits),
                          tuple(h.chunk_id for h in hits), tuple(float(h.score) for h in hits),
                          self.prompt_version, self.model, int(timing.prompt_tokens or 0),
                          int(timing.completion_tokens), guard_ms, retrieval_ms, generation_ms, timing.ttft_ms,
                          (time.perf_counter() - started) * 1000.0, trace_id)


def build_assistant(kb: str = "shop-help", version: int = 1, *, strategy: str = "hybrid",
                    chunking: str = "recursive", prompt: str = "rag-answer",
                    prompt_version: str | None = None, profile: str | None = None,
                    config: AssistantConfig | None = None, guard: Any = None,
                    tracer: Any = None) -> Assistant:
    """The course assistant over ``kb`` on the course's model server (started or reused).

    The prompt is the registry's active version of ``prompt`` unless ``prompt_version``
    names one (e.g. ``"v2"``). This is the factory ``genai-design serve`` calls.
    """
    from genai_design.prompts.registry import default_registry
    from genai_design.retrieval.strategies import open_retriever
    from genai_design.serving import ensure_server

    endpoint = ensure_server(profile)
    retriever = open_retriever(kb, version, chunking, strategy)
    template = default_registry().get(prompt, prompt_version)
    return Assistant(retriever, endpoint.client(), endpoint.model, template, config,
                     guard=guard, tracer=tracer)


def build_guarded_assistant(kb: str = "shop-help", version: int = 1, **options: Any) -> Assistant:
    """:func:`build_assistant` behind step 6's guard (:class:`~genai_design.guardrails.Guard`,
    its default configuration): input checks before retrieval, the output check after generation,
    each in its own span. ``options`` are :func:`build_assistant`'s, ``guard`` excepted."""
    from genai_design.guardrails.pipeline import Guard

    if "guard" in options:
        raise ValueError("build_guarded_assistant builds its own guard; call build_assistant to pass one")
    return build_assistant(kb, version, guard=Guard.build(), **options)
