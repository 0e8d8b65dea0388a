"""Which GenAI pattern a product needs, decided from its requirements (framework step 2).

Four patterns, in order of what they cost to build and run: a **prompted model** (an API or a
self-hosted model, with instructions and perhaps examples), **RAG** (retrieval puts the
product's own documents in the prompt), **fine-tuning** (the model's weights learn a narrow
behaviour), and an **agent** (the model chooses which tools to call, in what order). They
combine: an agent usually retrieves, a fine-tuned model can be prompted with retrieved text.
:func:`choose_pattern` reads a :class:`PatternNeeds` record and returns the cheapest
combination that meets it, with a reason for every part chosen and every part rejected:

- knowledge the model cannot have (private, or changing faster than a model is retrained)
  calls for retrieval; fine-tuning is rejected for knowledge that changes;
- a narrow behaviour that prompting has been measured to miss calls for fine-tuning, when
  enough labelled examples exist; with fewer, constrained decoding and few-shot prompts come
  first;
- actions in other systems call for tools; an agent only when the sequence of calls differs
  from request to request, otherwise a fixed pipeline makes the same calls for less;
- privacy decides where the model runs (self-hosted), not which pattern.

Left out on purpose: multi-agent designs, and cost, which step 1 computes for the chosen pattern.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

PATTERNS = ("prompted model", "RAG", "fixed tool pipeline", "fine-tuning", "agent")  # by increasing cost to build and run
FINE_TUNE_MIN_EXAMPLES = 500  # labelled examples below which fine-tuning is not tried first


@dataclass(frozen=True)
class PatternNeeds:
    """What a product needs from its model, as step 2 asks it."""

    name: str  # the product
    own_knowledge: bool  # answers depend on documents or data the model was not trained on
    knowledge_changes_per_month: float  # how often that knowledge changes (0: never)
    citations: bool  # answers must point to their sources
    actions: bool  # the task reads or changes other systems (orders, tickets, calendars)
    fixed_steps: bool  # the same calls in the same order serve every request
    narrow_behaviour: bool  # a format, style or label set that prompting was measured to miss
    labelled_examples: int  # labelled input/output pairs available for training
    private: bool  # prompts may not leave our infrastructure

    def __post_init__(self) -> None:
        if self.knowledge_changes_per_month < 0 or self.labelled_examples < 0:
            raise ValueError(f"{self.name}: knowledge_changes_per_month and labelled_examples must be >= 0")
        if self.fixed_steps and not self.actions:
            raise ValueError(f"{self.name}: fixed_steps describes tool calls; set actions=True or fixed_steps=False")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class PatternChoice:
    """The pattern chosen for one product, and why."""

    product: str  # PatternNeeds.name
    pattern: str  # the most involved part chosen, one of PATTERNS
    parts: tuple[str, ...]  # every part chosen: e.g. ("prompted model", "RAG", "fixed tool pipeline")
    hosting: str  # "managed API or self-hosted" or "self-hosted"
    reasons: tuple[str, ...]  # one per part chosen
    rejected: tuple[str, ...]  # one per part considered and left out, with the reason

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for key in ("parts", "reasons", "rejected"):
            d[key] = list(d[key])
        return d


def choose_pattern(needs: PatternNeeds, fine_tune_min_examples: int = FINE_TUNE_MIN_EXAMPLES) -> PatternChoice:
    """The cheapest combination of patterns that meets ``needs`` (see the module docstring)."""
    parts, reasons, rejected = ["prompted model"], ["every design starts from a prompted model"], []
    if needs.own_knowledge:
        parts.append("RAG")
        why = "answers depend on the product's own documents, which the model has not seen"
        if needs.knowledge_changes_per_month:
            why += (f"; they change about {needs.knowledge_changes_per_month:g} times a month, and an index "
                    "is updated in minutes")
        if needs.citations:
            why += "; retrieved passages give the citations the answers need"
        reasons.append(why)
    else:
        rejected.append("RAG: the model's general knowledge and the request itself are enough")
    if needs.narrow_behaviour and needs.labelled_examples >= fine_tune_min_examples:
        parts.append("fine-tuning")
        reasons.append(f"a narrow behaviour that prompting misses, and {needs.labelled_examples:,} labelled "
                       f"examples to learn it from")
    elif needs.narrow_behaviour:
        rejected.append(f"fine-tuning: only {needs.labelled_examples:,} labelled examples (fewer than "
                        f"{fine_tune_min_examples:,}); try constrained decoding and few-shot prompts first, "
                        "and label more")
    else:
        rejected.append("fine-tuning: prompting holds the behaviour")
    if needs.own_knowledge and needs.knowledge_changes_per_month > 0:
        rejected.append("fine-tuning for knowledge: the documents change, and a fine-tune would bake in "
                        "yesterday's version")
    if needs.actions and needs.fixed_steps:
        parts.append("fixed tool pipeline")
        reasons.append("the task calls other systems, always in the same order: code makes the calls, "
                       "the model writes the words")
        rejected.append("agent: nothing is left for the model to choose, and every choice it makes can be wrong")
    elif needs.actions:
        parts.append("agent")
        reasons.append("the task calls other systems, and which calls depends on the request: the model "
                       "chooses, under a step limit and a spend cap")
    else:
        rejected.append("agent: the task calls no other system")
    pattern = next(p for p in reversed(PATTERNS) if p in parts)
    hosting = "self-hosted" if needs.private else "managed API or self-hosted"
    if needs.private:
        reasons.append("prompts may not leave our infrastructure: the model is self-hosted")
    return PatternChoice(needs.name, pattern, tuple(parts), hosting, tuple(reasons), tuple(rejected))


# The course's products, as step 2 reads them (the case studies use the first two).
EXAMPLES: dict[str, PatternNeeds] = {
    "shop help assistant": PatternNeeds(
        "shop help assistant", own_knowledge=True, knowledge_changes_per_month=4, citations=True,
        actions=False, fixed_steps=False, narrow_behaviour=False, labelled_examples=262, private=False),
    "returns assistant": PatternNeeds(
        "returns assistant", own_knowledge=True, knowledge_changes_per_month=1, citations=False,
        actions=True, fixed_steps=True, narrow_behaviour=False, labelled_examples=16, private=False),
    "news archive tagger": PatternNeeds(
        "news archive tagger", own_knowledge=False, knowledge_changes_per_month=0, citations=False,
        actions=False, fixed_steps=False, narrow_behaviour=True, labelled_examples=2225, private=True),
    "travel booking agent": PatternNeeds(
        "travel booking agent", own_knowledge=True, knowledge_changes_per_month=30, citations=False,
        actions=True, fixed_steps=False, narrow_behaviour=False, labelled_examples=0, private=False),
}
