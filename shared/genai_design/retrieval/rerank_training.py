"""Training the course's cross-encoder reranker (framework step 3b: retrieval design).

No cross-encoder ships in a package the course can install offline, so :func:`train_reranker`
makes one: it starts from the bundled all-MiniLM-L6-v2 weights, adds a one-logit head and
trains it to tell whether a passage answers a query. The training pairs come from the
knowledge bases alone, never from the eval questions:

- the *pseudo-query* is a section heading, prefixed by the document title when that title
  is a phrase (shop-help articles; Python reference titles are one-word slugs), or such a
  title alone (a tech-support question);
- the *positive* is the first chunk of that section with the heading lines removed, so the
  model cannot win by string matching;
- the *negatives* are BM25's top chunks for the pseudo-query from other documents (hard
  negatives: they share words with the query) plus random chunks. Documents that repeat
  the positive's document word for word are never used as negatives.

The default config trains for about three minutes on two CPU cores; :data:`QUICK_CONFIG`
for under one. The model and a ``reranker.json`` manifest (config, pair counts, loss,
seconds) go to ``course_home()/rerankers/<name>``, written whole or not at all, and are
reused while the config matches; :func:`load_training_report` reads the manifest back.
Scoring with the trained model lives in :mod:`genai_design.retrieval.rerank`. Left out:
distillation from a larger model, listwise losses, and a held-out split of the pseudo-queries.
"""

from __future__ import annotations

import dataclasses
import json
import random
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from genai_design.corpora import Document, load_kb
from genai_design.models import course_home, embedding_model_path
from genai_design.retrieval.bm25 import BM25Index
from genai_design.retrieval.chunking import Chunk, ChunkConfig, chunk_documents
from genai_design.progress import progress
from genai_design.retrieval.index import ALL_KBS
from genai_design.retrieval.metrics import containment
from genai_design.staging import staged_dir


@dataclass(frozen=True)
class RerankerTrainingConfig:
    """What to train on and how; the saved model is reused while this stays the same."""

    name: str = "minilm-course-ce"  # folder under course_home()/rerankers
    base_model: str = "all-MiniLM-L6-v2"  # bundled model whose weights start the encoder
    kbs: tuple[tuple[str, int], ...] = ALL_KBS  # (kb, version) pairs the pairs come from
    max_queries: int = 450  # pseudo-queries sampled; each gives one positive pair
    hard_negatives: int = 2  # BM25 top chunks of other documents, per pseudo-query
    random_negatives: int = 1  # random chunks of other documents, per pseudo-query
    passage_chars: int = 500  # chunk size of training passages, characters
    max_length: int = 160  # tokens per (query, passage) pair during training
    batch_size: int = 16  # pairs per optimiser step
    epochs: int = 1  # passes over the pairs
    learning_rate: float = 5e-5  # AdamW peak learning rate (linear warm-up, then decay)
    warmup_fraction: float = 0.1  # share of steps spent warming up
    seed: int = 0  # sampling, shuffling and head initialisation


QUICK_CONFIG = RerankerTrainingConfig(name="minilm-course-ce-quick", max_queries=100)


@dataclass(frozen=True)
class TrainingPair:
    """One labelled (query, passage) example."""

    query: str  # pseudo-query: a heading or title
    passage: str  # chunk text (headings removed)
    label: float  # 1.0 when the passage belongs to the query's section, else 0.0
    doc_id: str  # document the passage came from


@dataclass(frozen=True)
class TrainingReport:
    """What a training run did; stored as ``reranker.json`` next to the model."""

    num_queries: int  # pseudo-queries used
    num_pairs: int  # labelled pairs, positives and negatives
    num_steps: int  # optimiser steps
    first_loss: float  # mean BCE loss over the first 10% of steps
    last_loss: float  # mean BCE loss over the last 10% of steps
    train_seconds: float  # wall time of the training loop
    config: dict[str, Any] = field(default_factory=dict)  # the RerankerTrainingConfig used

    def __str__(self) -> str:
        return (f"{self.num_pairs} pairs from {self.num_queries} pseudo-queries, "
                f"{self.num_steps} steps in {self.train_seconds:.0f} s; "
                f"loss {self.first_loss:.3f} -> {self.last_loss:.3f}")


def _heading(chunk: Chunk) -> str:
    """The section heading a heading chunk was cut under ("" for text before any heading)."""
    return chunk.title.split(" > ", 1)[1].strip() if " > " in chunk.title else ""


def _clean_passage(chunk: Chunk) -> str:
    """Chunk text without its heading lines (the heading itself and its underline)."""
    heading = _heading(chunk)
    keep = [line for line in chunk.text.splitlines()
            if not (heading and line.strip().lstrip("#").strip() == heading)
            and not (len(line.strip()) >= 3 and set(line.strip()) <= set("=-*~^"))]
    return "\n".join(keep).strip()


def _pseudo_query(chunk: Chunk, doc_title: str) -> str:
    """Heading, prefixed by the document title when that title is a phrase (not a slug)."""
    heading = _heading(chunk)
    title_is_phrase = len(doc_title.split()) >= 2
    if heading and title_is_phrase:
        return f"{doc_title}: {heading}"
    return heading or (doc_title if title_is_phrase else "")


def training_pairs(config: RerankerTrainingConfig,
                   docs: Sequence[Document] | None = None) -> list[TrainingPair]:
    """Pseudo-query pairs from the KBs in ``config`` (or from ``docs``), shuffled."""
    if docs is None:
        docs = [d for kb, version in config.kbs for d in load_kb(kb, version)]
    titles = {d.id: d.title for d in docs}
    chunks = chunk_documents(docs, "heading", ChunkConfig(size_chars=config.passage_chars))
    related = containment(docs)
    positives: dict[str, tuple[Chunk, str]] = {}
    for chunk in chunks:
        query = _pseudo_query(chunk, titles[chunk.doc_id])
        passage = _clean_passage(chunk)
        if len(query.split()) >= 2 and query not in positives and len(passage) >= 40:
            positives[query] = (chunk, passage)
    rng = random.Random(config.seed)
    queries = sorted(positives)
    rng.shuffle(queries)
    queries = queries[:config.max_queries]
    index = BM25Index(chunks)
    pairs: list[TrainingPair] = []
    for query in queries:
        chunk, passage = positives[query]
        banned = {chunk.doc_id} | set(related.get(chunk.doc_id, ()))
        banned |= {d for d, holders in related.items() if chunk.doc_id in holders}
        pairs.append(TrainingPair(query, passage, 1.0, chunk.doc_id))
        seen = {passage}
        hard = [h.chunk for h in index.search(query, 30) if h.chunk.doc_id not in banned]
        others = [c for c in rng.sample(chunks, min(len(chunks), 50)) if c.doc_id not in banned]
        for pool, wanted in ((hard, config.hard_negatives), (others, config.random_negatives)):
            taken = 0
            for negative in pool:
                text = _clean_passage(negative)
                if taken < wanted and len(text) >= 40 and text not in seen:
                    seen.add(text)
                    pairs.append(TrainingPair(query, text, 0.0, negative.doc_id))
                    taken += 1
    rng.shuffle(pairs)
    return pairs


def reranker_dir(name: str) -> Path:
    """Folder of a course reranker: ``course_home()/rerankers/<name>``."""
    return course_home() / "rerankers" / name


def train_reranker(config: RerankerTrainingConfig | None = None, force: bool = False,
                   docs: Sequence[Document] | None = None) -> Path:
    """Train (or reuse) a course reranker and return its folder."""
    import torch
    from transformers import (
        AutoModelForSequenceClassification,
        AutoTokenizer,
        get_linear_schedule_with_warmup,
    )
    from transformers.utils import logging as hf_logging

    config = config or RerankerTrainingConfig()
    target = reranker_dir(config.name)
    manifest = target / "reranker.json"
    if not force and manifest.is_file() and (
            json.loads(manifest.read_text())["config"] == _config_dict(config)):
        return target
    pairs = training_pairs(config, docs)
    if not pairs:
        raise ValueError("no training pairs: the documents have no usable headings or titles")
    torch.manual_seed(config.seed)
    base = embedding_model_path(config.base_model)
    tokenizer = AutoTokenizer.from_pretrained(base)
    # The new one-logit head is missing from the checkpoint by design: silence the load report
    # that says so (it would land on stderr, which the book build treats as an error).
    verbosity = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()
    try:
        model = AutoModelForSequenceClassification.from_pretrained(base, num_labels=1)
    finally:
        hf_logging.set_verbosity(verbosity)
    steps = config.epochs * -(-len(pairs) // config.batch_size)
    optimiser = torch.optim.AdamW(model.parameters(), lr=config.learning_rate)
    warmup = int(config.warmup_fraction * steps)
    schedule = get_linear_schedule_with_warmup(optimiser, warmup, steps)
    losses: list[float] = []
    started = time.perf_counter()
    model.train()
    with progress(total=steps, desc=f"training {config.name}", unit="step") as bar:
        for _ in range(config.epochs):
            for i in range(0, len(pairs), config.batch_size):
                batch = pairs[i:i + config.batch_size]
                inputs = tokenizer([p.query for p in batch], [p.passage for p in batch],
                                   truncation="only_second", max_length=config.max_length,
                                   padding=True, return_tensors="pt")
                logits = model(**inputs).logits.squeeze(-1)
                labels = torch.tensor([p.label for p in batch])
                loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, labels)
                loss.backward()
                optimiser.step()
                schedule.step()
                optimiser.zero_grad()
                losses.append(float(loss.detach()))
                bar.update(1)
                bar.set_postfix(loss=f"{losses[-1]:.3f}")
    tenth = max(1, len(losses) // 10)
    report = TrainingReport(
        num_queries=sum(1 for p in pairs if p.label == 1.0), num_pairs=len(pairs),
        num_steps=len(losses), first_loss=sum(losses[:tenth]) / tenth,
        last_loss=sum(losses[-tenth:]) / tenth, train_seconds=time.perf_counter() - started,
        config=_config_dict(config))
    with staged_dir(target) as staging:
        model.save_pretrained(str(staging))
        tokenizer.save_pretrained(str(staging))
        (staging / "reranker.json").write_text(json.dumps(asdict(report), indent=1) + "\n")
    return target


def _config_dict(config: RerankerTrainingConfig) -> dict[str, Any]:
    """The config as JSON would give it back (tuples become lists)."""
    return json.loads(json.dumps(dataclasses.asdict(config)))


def load_training_report(folder: str | Path) -> TrainingReport:
    """The :class:`TrainingReport` saved next to a trained reranker."""
    return TrainingReport(**json.loads((Path(folder) / "reranker.json").read_text()))
