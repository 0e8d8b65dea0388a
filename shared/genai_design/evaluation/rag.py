"""The course's RAG assistant answering an evaluation set end to end, every answer scored
(framework step 7, offline evaluation of the whole system).

:func:`answer_eval_set` retrieves passages for each question, fills a prompt version from the
registry with them, asks the served model, and scores each answer with
:mod:`~genai_design.evaluation.answers`: overlap with the reference answer on answerable
questions, abstention on the ones the knowledge base cannot answer (no gold documents:
unanswerable and adversarial questions), and lexical faithfulness to the passages it was shown.

Retrieval and generation fail differently, so the context can come from three places
(:data:`CONTEXTS`):

- ``"retrieved"``: the retriever's top documents, as the product would show them;
- ``"gold"``: the documents that answer the question, in full (retrieval made perfect, so any
  remaining error is the generator's; questions without gold documents keep the retrieved
  passages, since there is nothing better to show);
- ``"none"``: no passages at all (closed book), what the model knows on its own. With a
  retriever, its answers are still checked for faithfulness against the passages retrieval
  would have shown: how much of what it says the knowledge base supports. A prompt without a
  ``{context}`` placeholder is closed-book whatever the context setting (a template edit that
  lost the placeholder is the regression the release gate is shown catching).

Answers are free text, or, with ``RagConfig(extractive=True)``, one sentence copied from the
passages or "I don't know.": the server's constrained decoding (a ``choice`` list) lets the
model pick, not write, so every answer is grounded by construction. A small model that
paraphrases its sources into things they do not say is the case for it.

:func:`with_fallback` replays a run as if a fallback (step 6) had declined some questions before
the model was called, so a fallback is scored on the same answers without asking again.
:func:`compare_runs` pairs two runs question by question with a bootstrap interval and a
permutation test (:mod:`~genai_design.evaluation.stats`).
Left out: retries (a failed request raises), streaming, and judging correctness with a model
(a later part of step 7); overlap metrics undercount a right answer worded differently.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Collection, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import Any

from genai_design.corpora import EvalQuestion, load_kb
from genai_design.evaluation import answers
from genai_design.evaluation.stats import Interval, PairedComparison, bootstrap_ci, paired_by_id
from genai_design.progress import progress

CONTEXTS = ("retrieved", "gold", "none")
# Per-question scores a run can be compared on; None where a score does not apply.
METRICS = ("token_f1", "rouge_l", "exact_match", "abstained", "source_precision", "context_recall")
# Headline metrics of a run: means of per-question values (see RagRun.values).
HEADLINE = ("token_f1", "rouge_l", "exact_match", "abstained_when_should", "answered_when_should",
            "source_precision", "context_recall")


@dataclass(frozen=True)
class RagConfig:
    """How the assistant builds its prompt and calls the model."""

    top_k: int = 4  # documents retrieved and shown per question
    max_passage_chars: int = 700  # a retrieved passage is cut to this many characters
    max_gold_chars: int = 1600  # a gold document is cut to this many characters (shop-help's fit)
    max_tokens: int = 96  # answer budget in tokens (free text)
    extractive: bool = False  # answer with one passage sentence or "I don't know." (constrained)
    max_extract_tokens: int = 256  # budget for a copied sentence, enough for the longest one
    concurrency: int = 8  # requests in flight (the server batches them)

    def __post_init__(self) -> None:
        for name in ("top_k", "max_passage_chars", "max_gold_chars", "max_tokens", "concurrency",
                     "max_extract_tokens"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")


@dataclass(frozen=True)
class ScoredAnswer:
    """One question, the answer the system gave, and its scores."""

    question_id: str  # eval question id
    type: str  # question type (factual, multi-hop, unanswerable, adversarial, ambiguous)
    answerable: bool  # the knowledge base answers it (it has gold documents)
    answer: str  # what the model replied
    context_ids: tuple[str, ...]  # documents shown in the prompt, in order
    abstained: bool  # the answer declines ("I don't know", "the context does not say"...)
    token_f1: float | None  # SQuAD token F1 against the reference; None if not answerable
    rouge_l: float | None  # ROUGE-L F-measure against the reference; None if not answerable
    exact_match: float | None  # normalised exact match; None if not answerable
    source_precision: float | None  # content words found in the passages; None if abstained or none
    context_recall: float | None  # gold documents among those shown; None if not answerable
    latency_s: float  # seconds for the request, as the client saw it
    completion_tokens: int  # answer length in tokens (server's count)

    def score(self, metric: str) -> float | None:
        """One of :data:`METRICS` as a number (booleans as 0/1), None where it does not apply."""
        if metric not in METRICS:
            raise ValueError(f"unknown metric {metric!r}; choose from {METRICS}")
        value = getattr(self, metric)
        return float(value) if value is not None else None


def _mean(values: Sequence[float | None]) -> float | None:
    """Mean of the values that apply; None when none does (JSON has no NaN)."""
    kept = [v for v in values if v is not None]
    return sum(kept) / len(kept) if kept else None


@dataclass(frozen=True)
class RagRun:
    """Every answer of one system (prompt version, context source, model) on one question set."""

    kb: str  # knowledge base
    kb_version: int  # its version
    prompt: str  # the prompt version's reference, e.g. "rag-answer@v2-1a2b3c4d5e6f"
    context: str  # where the passages came from, one of CONTEXTS
    model: str  # served model name
    config: RagConfig  # how prompts were built and the model called
    answers: tuple[ScoredAnswer, ...]  # per question, in the order asked
    wall_s: float  # seconds for all requests
    retrieval: str = ""  # the retriever, e.g. "hybrid/recursive" ("" when none was used)

    def scores(self, metric: str) -> dict[str, float]:
        """Question id -> score, for the questions where ``metric`` applies."""
        out = {a.question_id: a.score(metric) for a in self.answers}
        return {qid: value for qid, value in out.items() if value is not None}

    def values(self, metric: str) -> list[float]:
        """The per-question values whose mean is the headline ``metric`` (one of
        :data:`HEADLINE`; abstention rates as 0/1 per question)."""
        if metric == "abstained_when_should":
            return [float(a.abstained) for a in self.answers if not a.answerable]
        if metric == "answered_when_should":
            return [float(not a.abstained) for a in self.answers if a.answerable]
        if metric not in HEADLINE:
            raise ValueError(f"unknown metric {metric!r}; choose from {HEADLINE}")
        return list(self.scores(metric).values())

    def interval(self, metric: str, confidence: float = 0.95, seed: int = 0) -> Interval | None:
        """Bootstrap interval of a headline metric over questions (None: nothing measured it)."""
        values = self.values(metric)
        return bootstrap_ci(values, confidence, seed=seed) if values else None

    def table_row(self, metrics: Sequence[str] = HEADLINE) -> dict[str, Any]:
        """Questions and each metric as "estimate [low, high]" (95% bootstrap), for a table."""
        row: dict[str, Any] = {"questions": len(self.answers)}
        for metric in metrics:
            ci = self.interval(metric)
            row[metric] = "n/a" if ci is None else f"{ci.estimate:.2f} [{ci.low:.2f}, {ci.high:.2f}]"
        return row

    def metrics(self) -> dict[str, float | None]:
        """The headline numbers: answer quality on answerable questions, abstention on all
        (None for a number no question measures, e.g. abstention when all were answerable)."""
        answerable = [a for a in self.answers if a.answerable]
        unanswerable = [a for a in self.answers if not a.answerable]
        return {
            "questions": float(len(self.answers)),
            "answerable": float(len(answerable)),
            "token_f1": _mean([a.token_f1 for a in self.answers]),
            "rouge_l": _mean([a.rouge_l for a in self.answers]),
            "exact_match": _mean([a.exact_match for a in self.answers]),
            "abstained_when_should": _mean([float(a.abstained) for a in unanswerable]),
            "answered_when_should": _mean([float(not a.abstained) for a in answerable]),
            "source_precision": _mean([a.source_precision for a in self.answers]),
            "context_recall": _mean([a.context_recall for a in self.answers]),
            "mean_answer_tokens": _mean([float(a.completion_tokens) for a in self.answers]),
        }

    def by_type(self) -> dict[str, dict[str, float | None]]:
        """Question type -> questions, mean F1, ROUGE-L, abstention rate and faithfulness."""
        out: dict[str, dict[str, float | None]] = {}
        for qtype in sorted({a.type for a in self.answers}):
            rows = [a for a in self.answers if a.type == qtype]
            out[qtype] = {"questions": float(len(rows)),
                          "token_f1": _mean([a.token_f1 for a in rows]),
                          "rouge_l": _mean([a.rouge_l for a in rows]),
                          "abstained": _mean([float(a.abstained) for a in rows]),
                          "source_precision": _mean([a.source_precision for a in rows]),
                          "context_recall": _mean([a.context_recall for a in rows])}
        return out

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "metrics": self.metrics(), "by_type": self.by_type()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RagRun:
        """Rebuild a run from :meth:`to_dict`'s output (e.g. ``genai-design eval --answers-out``)."""
        fields = {k: v for k, v in data.items() if k not in ("metrics", "by_type")}
        return cls(**{**fields, "config": RagConfig(**fields["config"]),
                      "answers": tuple(ScoredAnswer(**{**a, "context_ids": tuple(a["context_ids"])})
                                       for a in fields["answers"])})


def with_fallback(run: RagRun, questions: Sequence[EvalQuestion], declined: Collection[str],
                  message: str = "I don't know.") -> RagRun:
    """``run`` with the answers to the ``declined`` question ids replaced by ``message`` and
    rescored, as if a fallback had said it before the model was called.

    ``questions`` are the run's questions (their reference answers score the replacement).
    A declined answer keeps its retrieved context ids, latency and token count: an upper bound,
    since a real fallback skips the model call.
    """
    by_id = {q.id: q for q in questions}
    asked = {a.question_id for a in run.answers}
    unknown = sorted(set(declined) - asked)
    if unknown:
        raise ValueError(f"declined ids {unknown[:5]} are not questions of this run")
    missing = sorted(asked - set(by_id))
    if missing:
        raise ValueError(f"questions {missing[:5]} of the run are not among the questions given")
    if not answers.is_abstention(message):
        raise ValueError(f"the fallback message {message!r} does not read as an abstention")
    replaced = []
    for a in run.answers:
        if a.question_id in declined:
            scored = score_answer(by_id[a.question_id], message, [(d, "") for d in a.context_ids])
            a = dataclasses.replace(scored, latency_s=a.latency_s, completion_tokens=a.completion_tokens)
        replaced.append(a)
    return dataclasses.replace(run, answers=tuple(replaced))


def compare_runs(a: RagRun, b: RagRun, metric: str = "token_f1", confidence: float = 0.95,
                 seed: int = 0) -> PairedComparison:
    """Run B against run A on ``metric``, paired over the questions where both have a score."""
    return paired_by_id(a.scores(metric), b.scores(metric), confidence, seed,
                        what=f"the two runs (on {metric})")


def evaluation_sample(kb: str, kb_version: int = 1, n: int | None = None) -> list[EvalQuestion]:
    """The evaluation questions about ``kb`` at ``kb_version``: all, or a sample of ``n`` that
    keeps every question type (at least two of each) spread over the set. The release gate and
    the notebooks draw with this, so a ``--limit`` of the gate asks the same questions."""
    from genai_design.corpora import load_eval_set
    from genai_design.retrieval.evaluation import stratified_sample

    questions = [q for q in load_eval_set(kb) if q.kb_version == kb_version]
    if not questions:
        raise ValueError(f"no evaluation questions about {kb} version {kb_version}")
    return stratified_sample(questions, n, key=lambda q: q.type, min_per_group=2)


def format_passages(passages: Sequence[tuple[str, str]]) -> str:
    """``[doc id] text`` blocks, one per passage, the way the rag-answer prompts expect them."""
    return "\n\n".join(f"[{doc_id}] {' '.join(text.split())}" for doc_id, text in passages)


IDK = "I don't know."  # the abstention an extractive answer may choose


def answer_choices(passages: Sequence[tuple[str, str]], min_words: int = 3) -> list[str]:
    """The sentences of ``passages`` (as :func:`format_passages` shows them) an extractive
    answer may copy, in order and without repeats, plus :data:`IDK`."""
    from genai_design.guardrails.grounding import split_sentences

    out: list[str] = []
    for _, text in passages:
        for sentence in split_sentences(text):  # line breaks end sentences (headings, lists)
            sentence = " ".join(sentence.split())
            if len(sentence.split()) >= min_words and sentence not in out:
                out.append(sentence)
    return [*out, IDK]


def gold_passages(questions: Sequence[EvalQuestion], max_chars: int) -> list[list[tuple[str, str]]]:
    """The gold documents of each question, each cut to ``max_chars`` ([] when it has none)."""
    docs: dict[tuple[str, int], dict[str, str]] = {}
    out = []
    for q in questions:
        key = (q.kb, q.kb_version)
        if key not in docs:
            docs[key] = {d.id: d.text for d in load_kb(q.kb, q.kb_version)}
        missing = [g for g in q.gold_ids if g not in docs[key]]
        if missing:
            raise ValueError(f"question {q.id}: gold ids {missing} are not in {q.kb} v{q.kb_version}")
        out.append([(g, docs[key][g][:max_chars]) for g in q.gold_ids])
    return out


def retrieved_passages(retriever: Any, questions: Sequence[EvalQuestion], top_k: int,
                       max_chars: int) -> list[list[tuple[str, str]]]:
    """The retriever's top ``top_k`` documents per question, each as its best chunk's text."""
    return [[(h.doc_id, h.text[:max_chars]) for h in retriever.search(q.question, top_k=top_k)]
            for q in questions]


def score_answer(question: EvalQuestion, answer: str, passages: Sequence[tuple[str, str]],
                 latency_s: float = 0.0, completion_tokens: int = 0,
                 evidence: Sequence[tuple[str, str]] | None = None) -> ScoredAnswer:
    """Score one answer (see :class:`ScoredAnswer`); pure, so it is unit-tested without a model.

    ``passages`` were shown to the model; faithfulness is measured against ``evidence``, by
    default the same passages (a closed-book run passes what retrieval would have shown).
    """
    answerable = bool(question.gold_ids)
    abstained = answers.is_abstention(answer)
    ref, said = question.reference_answer, answers.strip_citations(answer)
    context_ids = tuple(doc_id for doc_id, _ in passages)
    evidence = passages if evidence is None else evidence
    faithful = (answers.source_precision(answer, [t for _, t in evidence])
                if evidence and not abstained else None)
    recall = (len(set(question.gold_ids) & set(context_ids)) / len(set(question.gold_ids))
              if answerable else None)
    return ScoredAnswer(
        question_id=question.id, type=question.type, answerable=answerable, answer=answer,
        context_ids=context_ids, abstained=abstained,
        token_f1=answers.token_f1(said, ref) if answerable else None,
        rouge_l=answers.rouge_l(said, ref) if answerable else None,
        exact_match=answers.exact_match(said, ref) if answerable else None,
        source_precision=faithful, context_recall=recall, latency_s=latency_s,
        completion_tokens=completion_tokens)


def answer_eval_set(client: Any, model: str, prompt: Any, questions: Sequence[EvalQuestion], *,
                    context: str = "retrieved", retriever: Any = None,
                    config: RagConfig | None = None, show_progress: bool = True,
                    on_answer: Callable[[ScoredAnswer], None] | None = None) -> RagRun:
    """Answer every question with ``prompt`` (a registry :class:`PromptVersion`) and score it.

    The prompt must have a ``{question}`` placeholder; a ``{context}`` placeholder receives the
    passages. A prompt without one is closed-book whatever ``context`` says: the passages are
    then evidence its answers are checked against, never shown. ``retriever``
    is needed for ``"retrieved"`` context and for ``"gold"`` questions without gold documents;
    given with ``"none"``, it supplies the evidence a closed-book answer is checked against.
    ``on_answer`` is called with each scored answer as it completes (in any order).
    """
    config = config or RagConfig()
    if context not in CONTEXTS:
        raise ValueError(f"context must be one of {CONTEXTS}, got {context!r}")
    if not questions:
        raise ValueError("no questions to answer")
    kbs = {(q.kb, q.kb_version) for q in questions}
    if len(kbs) != 1:
        raise ValueError(f"questions from several knowledge bases or versions: {sorted(kbs)}")
    names = set(prompt.placeholders)
    if "question" not in names or not names <= {"question", "context"}:
        raise ValueError(f"prompt {prompt.ref} must have {{question}} and may have {{context}}; "
                         f"it has {sorted(names)}")
    if context == "none" and "context" in names:
        raise ValueError(f"prompt {prompt.ref} has a {{context}} placeholder but context='none': "
                         "there are no passages to fill it with")
    shown = context != "none" and "context" in names  # a prompt without {context} is closed-book
    needs_retriever = context == "retrieved" or (
        context == "gold" and any(not q.gold_ids for q in questions))
    if needs_retriever and retriever is None:
        raise ValueError(f"context={context!r} needs a retriever")
    if config.extractive and not shown:
        raise ValueError("an extractive answer copies a passage sentence: it needs passages "
                         "shown to the model (a {context} placeholder and context other than 'none')")
    if retriever is not None and (retriever.kb, retriever.version) not in kbs:
        raise ValueError(f"retriever searches {retriever.kb} v{retriever.version}, "
                         f"questions are about {sorted(kbs)}")

    found = (retrieved_passages(retriever, questions, config.top_k, config.max_passage_chars)
             if retriever is not None else [[] for _ in questions])
    if context == "gold":
        gold = gold_passages(questions, config.max_gold_chars)
        found = [g if q.gold_ids else f for q, g, f in zip(questions, gold, found)]
    passages = found if shown else [[] for _ in questions]

    def ask(i: int) -> ScoredAnswer:
        q = questions[i]
        variables = {"question": q.question}
        if "context" in names:
            variables["context"] = format_passages(passages[i]) or "(no passages)"
        options: dict[str, Any] = {"max_tokens": config.max_tokens}
        if config.extractive:
            choices = answer_choices(passages[i])
            options = {"max_tokens": config.max_extract_tokens,
                       "extra_body": {"structured_outputs": {"choice": choices}}}
        start = time.perf_counter()
        reply = client.chat.completions.create(
            model=model, messages=[{"role": "user", "content": prompt.render(**variables)}],
            temperature=0.0, **options)
        latency = time.perf_counter() - start
        scored = score_answer(q, (reply.choices[0].message.content or "").strip(), passages[i],
                              latency, int(reply.usage.completion_tokens), evidence=found[i])
        if on_answer is not None:
            on_answer(scored)
        return scored

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=config.concurrency) as pool:
        scored = list(progress(pool.map(ask, range(len(questions))), total=len(questions),
                               show=show_progress, desc=f"{prompt.ref} ({context})", unit="q"))
    kb, version = kbs.pop()
    return RagRun(kb=kb, kb_version=version, prompt=prompt.ref, context=context, model=model,
                  config=config, answers=tuple(scored), wall_s=time.perf_counter() - start,
                  retrieval=(f"{retriever.strategy}/{retriever.chunking}"
                             if retriever is not None else ""))
