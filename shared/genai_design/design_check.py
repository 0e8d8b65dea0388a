"""An answer checker for system-design practice: a design record in, what does not hold out
(all framework steps, 0 to 8).

A candidate writes a design as a YAML record with one section per step (see
``casestudies/designs/README.md`` for the fields). :func:`load_design` reads and validates it,
raising :class:`DesignError` with the field's path for a malformed record (missing field,
wrong type, unknown name, a file far larger than a record). :func:`check_design` then applies
the course's own code to it and returns one :class:`Finding` per problem:

- step 0: generated output at all (a label or a lookup is step 0's classifier);
- steps 1, 4, 5: the load, tokens and latency targets sized on the stated model and GPUs with
  step 1's calculator (GPU throughput estimated from the data sheet at the stated efficiency),
  GPUs too few for the peak in six months, latency targets out of reach, a monthly bill over
  budget, private prompts sent to a managed API;
- step 2: the stated pattern against the one :func:`genai_design.pattern.choose_pattern` picks
  for the stated needs;
- step 3: a product that needs its own knowledge without a knowledge base and retrieval;
- step 6: no injection check on input, no check on output, no fallback;
- step 7: no evaluation set or no release gate;
- step 8: no cost or latency signal, or no alerting.

Left out on purpose: judging prose. The checker reads decisions, not explanations, so a record
that passes is consistent and sized, not necessarily a good answer.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

MAX_RECORD_BYTES = 256 * 1024  # a design record is a few kilobytes; anything this large is a mistake
STEPS = {0: "why_genai", 1: "requirements", 2: "pattern", 3: "data", 4: "models", 5: "serving",
         6: "guardrails", 7: "evaluation", 8: "monitoring"}  # framework step -> record section
HOSTING = ("self-hosted", "managed API")
NEEDS_FIELDS = {"own_knowledge", "knowledge_changes_per_month", "citations", "actions", "fixed_steps",
                "narrow_behaviour", "labelled_examples"}  # PatternNeeds' fields a record gives (privacy comes from step 1)


class DesignError(ValueError):
    """A design record that cannot be checked: the message names the field and what is wrong."""


@dataclass(frozen=True)
class Finding:
    """One thing that does not hold in a design."""

    step: int  # the framework step it belongs to
    rule: str  # a short stable name, e.g. "gpus-too-few"
    message: str  # why, with the numbers

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _get(record: dict[str, Any], path: str, kind: type | tuple[type, ...], *, optional: bool = False) -> Any:
    node: Any = record
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            if optional:
                return None
            raise DesignError(f"{path} is missing")
        node = node[part]
    if node is None and optional:
        return None
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if isinstance(node, bool) and bool not in kinds:  # YAML's true is not a number here
        raise DesignError(f"{path} must be {_names(kinds)}, got {node!r}")
    if not isinstance(node, kinds):
        raise DesignError(f"{path} must be {_names(kinds)}, got {type(node).__name__} {node!r}")
    return node


def _names(kinds: tuple[type, ...]) -> str:
    words = {bool: "true or false", int: "a whole number", float: "a number", str: "text", list: "a list",
             dict: "a mapping"}
    if int in kinds and float in kinds:
        kinds = tuple(k for k in kinds if k is not int)
    return " or ".join(dict.fromkeys(words.get(k, k.__name__) for k in kinds))


NUMBER = (int, float)


def load_design(path: str | Path) -> dict[str, Any]:
    """Read a design record and check its fields' presence and types (:class:`DesignError` if not)."""
    import yaml

    file = Path(path)
    if not file.is_file():
        raise DesignError(f"{file}: no such file")
    size = file.stat().st_size
    if size > MAX_RECORD_BYTES:
        raise DesignError(f"{file}: {size / 2**20:.1f} MiB is not a design record (at most "
                          f"{MAX_RECORD_BYTES // 1024} KiB)")
    try:
        record = yaml.safe_load(file.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise DesignError(f"{file}: not valid YAML ({exc})") from None
    if not isinstance(record, dict):
        raise DesignError(f"{file}: a design record is a mapping of sections, got {type(record).__name__}")
    _get(record, "product", str)
    if "requirements" in record:
        for name in ("qps_now", "qps_later", "peak_to_mean", "budget_usd_per_month"):
            _get(record, f"requirements.{name}", NUMBER)
        for name in ("input_tokens", "output_tokens"):
            _get(record, f"requirements.{name}", int)
        for name in ("ttft_ms", "tpot_ms"):
            _get(record, f"requirements.{name}", NUMBER, optional=True)
        _get(record, "requirements.private", bool)
    if "pattern" in record:
        _get(record, "pattern.choice", str)
        for name in ("own_knowledge", "citations", "actions", "fixed_steps", "narrow_behaviour"):
            _get(record, f"pattern.needs.{name}", bool)
        _get(record, "pattern.needs.knowledge_changes_per_month", NUMBER)
        _get(record, "pattern.needs.labelled_examples", int)
        extra = set(record["pattern"]["needs"]) - NEEDS_FIELDS
        if extra:
            raise DesignError(f"pattern.needs has unknown fields {sorted(extra)}; known: {sorted(NEEDS_FIELDS)}")
    if "models" in record:
        hosting = _get(record, "models.hosting", str)
        if hosting not in HOSTING:
            raise DesignError(f"models.hosting must be one of {HOSTING}, got {hosting!r}")
        _get(record, "models.model", str)
    if "serving" in record and record.get("models", {}).get("hosting") == "self-hosted":
        _get(record, "serving.gpu", str)
        _get(record, "serving.gpus", int)
        efficiency = _get(record, "serving.efficiency", NUMBER, optional=True)
        if efficiency is not None and not 0 < efficiency <= 1:
            raise DesignError(f"serving.efficiency must be in (0, 1], got {efficiency}")
    for path in ("guardrails.input", "guardrails.output", "guardrails.fallback", "monitoring.signals",
                 "evaluation.metrics"):
        section = path.split(".")[0]
        if section in record:
            _get(record, path, list)
    if "why_genai" in record:
        _get(record, "why_genai.generative", bool)
    return record


def requirements_of(record: dict[str, Any]) -> Any:
    """The record's step-1 section as :class:`genai_design.capacity.Requirements`."""
    from genai_design.capacity import Requirements

    r = record["requirements"]
    return Requirements(record["product"], float(r["qps_now"]), float(r["qps_later"]), float(r["peak_to_mean"]),
                        r["input_tokens"], r["output_tokens"], r.get("ttft_ms"), r.get("tpot_ms"), r["private"])


def _sizing(record: dict[str, Any]) -> list[Finding]:
    from genai_design.capacity import API_PRICES, MODELS, api_plan, ceiling_option, plan

    r = record["requirements"]
    req = requirements_of(record)
    budget = float(r["budget_usd_per_month"])
    hosting, model = record["models"]["hosting"], record["models"]["model"]
    out: list[Finding] = []
    if hosting == "managed API":
        if model not in API_PRICES:
            return [Finding(4, "unknown-model", f"no price for managed model {model!r}; known: {', '.join(API_PRICES)}")]
        if req.private:
            out.append(Finding(4, "private-to-api", "the requirements keep prompts in our infrastructure, "
                                                    f"but {model} is a managed API"))
        cost = api_plan(req, API_PRICES[model]).monthly_usd_later
        if cost > budget:
            out.append(Finding(1, "over-budget", f"{model} costs ${cost:,.0f} a month in six months at list "
                                                 f"price, over the budget of ${budget:,.0f}"))
        return out
    if model not in MODELS:
        return [Finding(4, "unknown-model", f"no size for model {model!r}; known: {', '.join(MODELS)}")]
    s = record["serving"]
    try:
        option = ceiling_option(model, s["gpu"], float(s.get("efficiency") or 0.5), prompt_tokens=0,
                                context_len=req.input_tokens + req.output_tokens)
    except ValueError as exc:
        return [Finding(5, "gpu-cannot-serve", str(exc))]
    sized = plan(req, option)
    if not sized.reachable:
        return [Finding(5, "latency-out-of-reach", sized.notes[0])]
    needed = sized.gpus_later
    if s["gpus"] < needed:
        out.append(Finding(5, "gpus-too-few", f"{s['gpus']} x {s['gpu']} cannot carry the peak in six months: "
                                              f"{req.qps_later * req.peak_to_mean:g} requests/s need {needed} "
                                              f"({sized.capacity_rps:.1f} per replica within the latency targets; "
                                              f"{option.source})"))
    cost = max(s["gpus"], needed) * option.usd_per_hour / option.gpus_per_replica * 730
    if cost > budget:
        out.append(Finding(1, "over-budget", f"{max(s['gpus'], needed)} x {s['gpu']} cost ${cost:,.0f} a month, "
                                             f"over the budget of ${budget:,.0f}"))
    return out


def check_design(record: dict[str, Any]) -> list[Finding]:
    """Everything that does not hold in ``record`` (a :func:`load_design` result); [] when it passes."""
    from genai_design.pattern import PatternNeeds, choose_pattern

    missing = [Finding(step, "missing-step", f"no '{name}' section: step {step} is not addressed")
               for step, name in STEPS.items() if name not in record
               and not (name == "serving" and record.get("models", {}).get("hosting") == "managed API")]
    found = list(missing)
    present = {name for name in STEPS.values() if name in record}
    if "why_genai" in present and not record["why_genai"]["generative"]:
        found.append(Finding(0, "not-generative", "the output is a label or a lookup, not generated text: "
                                                  "step 0's classifier or index is the design"))
    if {"requirements", "models"} <= present and ("serving" in present or record["models"]["hosting"] == "managed API"):
        found += _sizing(record)
    if "pattern" in present:
        try:
            needs = PatternNeeds(record["product"], private=bool(record.get("requirements", {}).get("private", False)),
                                 **record["pattern"]["needs"])
        except ValueError as exc:
            raise DesignError(f"pattern.needs: {exc}") from None
        choice = choose_pattern(needs)
        if record["pattern"]["choice"] != choice.pattern:
            found.append(Finding(2, "pattern-mismatch", f"the stated needs call for {choice.pattern}, not "
                                                        f"{record['pattern']['choice']}: " + "; ".join(
                                                            choice.reasons[1:] + choice.rejected[-1:])))
        data = record.get("data") or {}
        if needs.own_knowledge and "data" in present and not (data.get("knowledge_base") and data.get("retrieval")):
            found.append(Finding(3, "no-retrieval", "the product needs its own knowledge, but the data section "
                                                    "names no knowledge base and retrieval"))
    if "guardrails" in present:
        g = record["guardrails"]
        if "injection" not in g["input"]:
            found.append(Finding(6, "no-injection-check", "no prompt-injection check on input"))
        if not g["output"]:
            found.append(Finding(6, "no-output-check", "nothing checks the model's output (validation, grounding)"))
        if not g["fallback"]:
            found.append(Finding(6, "no-fallback", "no fallback: nothing happens when a check fails or the "
                                                   "model is unsure (abstain, escalate to a person)"))
    if "evaluation" in present:
        e = record["evaluation"]
        if not e.get("eval_set"):
            found.append(Finding(7, "no-eval-set", "no evaluation set: quality cannot be measured"))
        if not e.get("release_gate"):
            found.append(Finding(7, "no-release-gate", "no release gate: a worse prompt or model can ship"))
    if "monitoring" in present:
        signals = {str(s).lower() for s in record["monitoring"]["signals"]}
        lacking = [s for s in ("cost", "latency") if not any(s in x for x in signals)]
        if lacking:
            found.append(Finding(8, "no-cost-or-latency-signal", f"monitoring watches no {' or '.join(lacking)}"))
        if not record["monitoring"].get("alerts"):
            found.append(Finding(8, "no-alerts", "monitoring raises no alerts: drift is found by customers"))
    return sorted(found, key=lambda f: (f.step, f.rule))


def check_file(path: str | Path) -> dict[str, Any]:
    """:func:`load_design` and :func:`check_design` as one JSON-ready report."""
    record = load_design(path)
    findings = check_design(record)
    return {"product": record["product"], "passed": not findings, "findings": [f.to_dict() for f in findings]}
