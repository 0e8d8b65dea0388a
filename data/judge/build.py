"""Write data/judge/answers.jsonl: answers of the course's assistant to judge (framework step 7).

Twenty help-centre questions (every question type kept, rag.evaluation_sample), each answered
three ways by the course's RAG assistant on the course's CPU model: prompt v1 in free text,
prompt v2 in free text, and prompt v3 with extractive answers. One JSON object per answer:
id ("<question id>/<system>"), question_id, type, system, question, reference, answer, and the
sources (passage texts) the answer was written from. The file is frozen once written: labels in
labels.jsonl refer to its ids, and generation on another machine may differ slightly.

    .venv/bin/python data/judge/build.py            # needs the course server (started if absent)
"""

from __future__ import annotations

import json
from pathlib import Path

from genai_design import course
from genai_design.evaluation import rag
from genai_design.prompts import default_registry
from genai_design.retrieval.strategies import open_retriever

OUT = Path(__file__).with_name("answers.jsonl")
SYSTEMS = {"v1": ("v1", False), "v2": ("v2", False), "v3x": ("v3", True)}  # name: (prompt, extractive)


def main() -> None:
    env = course.setup(verbose=False)
    client, model = env.endpoint.client(), env.endpoint.model
    questions = rag.evaluation_sample("shop-help", 1, 20)
    by_id = {q.id: q for q in questions}
    retriever = open_retriever("shop-help", 1, "recursive", "hybrid")
    registry = default_registry()
    rows = []
    for system, (label, extractive) in SYSTEMS.items():
        run = rag.answer_eval_set(client, model, registry.get("rag-answer", label), questions,
                                  retriever=retriever, config=rag.RagConfig(extractive=extractive))
        passages = rag.retrieved_passages(retriever, questions, run.config.top_k,
                                          run.config.max_passage_chars)
        for q, a, p in zip(questions, run.answers, passages):
            assert a.question_id == q.id
            rows.append({"id": f"{q.id}/{system}", "question_id": q.id, "type": q.type,
                         "system": system, "question": q.question, "reference": q.reference_answer,
                         "answer": a.answer, "sources": [text for _, text in p]})
    rows.sort(key=lambda r: (list(by_id).index(r["question_id"]), r["system"]))
    OUT.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    print(f"wrote {len(rows)} answers to {OUT} (model {model})")


if __name__ == "__main__":
    main()
