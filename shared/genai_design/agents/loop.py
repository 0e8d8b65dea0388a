"""An agent that chooses its tools, against a pipeline that calls them in a fixed order
(framework step 2).

:func:`run_agent` gives the model the task and the tool descriptions, then loops: the model
returns one JSON action under constrained decoding (so every step parses), a tool runs, its
result goes back as the next message, until the model answers, the step limit is reached, or
the tokens spent pass the spend cap. :func:`fixed_pipeline` does the same task with code: it
finds the order number with a pattern, the item by name in the order, and "faulty" from a few
words, calls ``check_return`` once, and asks the model only to word the reply from the result.
Both return an :class:`AgentRun` scored against the task's expected outcome, so steps, tokens,
latency and completion compare one to one. Left out on purpose: parallel tool calls, memory
across tasks, and retries on tool errors beyond what the step limit allows.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from genai_design.agents.shop import ShopTools
from genai_design.corpora.documents import data_dir
from genai_design.guardrails.structured import generate_json

ORDER_ID = re.compile(r"\bQM-\d{5}\b", re.IGNORECASE)
FAULT_WORDS = ("faulty", "broken", "cracked", "stopped", "defect", "damaged", "doesn't work", "not working")

SYSTEM = """You are the returns assistant of the Quillmere shop. You can call tools:
- lookup_order(order_id): the order's date, country, membership and items.
- check_return(order_id, item, faulty): whether that item can be returned today, and the cost.
Reply with one JSON object per turn. To call a tool, set "action" to its name and fill order_id,
item and faulty. When you know the answer, set "action" to "final_answer", "eligible" to true or
false, and "reply" to a short answer for the customer."""

ACTION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "action": {"enum": ["lookup_order", "check_return", "final_answer"]},
        "order_id": {"type": "string", "pattern": "^QM-[0-9]{5}$"},
        "item": {"type": "string", "maxLength": 40},
        "faulty": {"type": "boolean"},
        "eligible": {"type": "boolean"},
        "reply": {"type": "string", "maxLength": 200},
    },
    "required": ["action", "order_id", "item", "faulty", "eligible", "reply"],
}


@dataclass(frozen=True)
class Task:
    """One customer request with the outcome the policy gives."""

    id: str
    text: str  # what the customer wrote
    order_id: str  # the order it is about
    item: str  # the item it is about
    faulty: bool  # whether the customer reports a fault
    expected_eligible: bool  # the policy's verdict on the orders file's `today`
    expected_cost_eur: float  # deducted from the refund when eligible


def load_tasks(path: str | Path | None = None) -> list[Task]:
    """The course's return requests (``data/shop_orders/tasks.yaml``), in file order."""
    import yaml

    raw = yaml.safe_load(Path(path or data_dir() / "shop_orders" / "tasks.yaml").read_text())
    return [Task(t["id"], t["text"], t["order_id"], t["item"], bool(t["faulty"]),
                 bool(t["expected"]["eligible"]), float(t["expected"]["cost_eur"])) for t in raw["tasks"]]


@dataclass(frozen=True)
class AgentRun:
    """One task done by the agent or the pipeline."""

    task_id: str
    system: str  # "agent" or "pipeline"
    eligible: bool | None  # the verdict given to the customer (None: no answer)
    reply: str  # the customer-facing text ("" when none)
    completed: bool  # answered, and the verdict matches the policy's
    steps: int  # model calls made
    tool_calls: tuple[str, ...]  # tools called, in order, with their arguments
    tool_errors: int  # tool calls that came back with an error
    input_tokens: int  # prompt tokens over all model calls
    output_tokens: int  # generated tokens over all model calls
    latency_s: float  # wall time for the whole task
    stopped_by: str  # "answer", "step limit", "spend cap" or "invalid action"
    trace: tuple[dict[str, Any], ...] = field(default=())  # each step's action and observation

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["tool_calls"], d["trace"] = list(self.tool_calls), list(self.trace)
        return d


def run_agent(client: Any, model: str, task: Task, tools: ShopTools, *, max_steps: int = 4,
              max_total_tokens: int = 4000, max_tokens: int = 160) -> AgentRun:
    """Let the model choose tools until it answers (see the module docstring)."""
    if max_steps < 1 or max_total_tokens < 1:
        raise ValueError("max_steps and max_total_tokens must be >= 1")
    messages: list[dict[str, str]] = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": task.text}]
    start, calls, trace, errors = time.perf_counter(), [], [], 0
    tokens_in = tokens_out = steps = 0
    stopped, eligible, reply = "step limit", None, ""
    while steps < max_steps:
        result = generate_json(client, model, messages, ACTION_SCHEMA, constrained=True, max_attempts=1,
                               max_tokens=max_tokens)
        steps += 1
        tokens_in, tokens_out = tokens_in + result.input_tokens, tokens_out + result.output_tokens
        if result.value is None:
            stopped = "invalid action"
            trace.append({"error": result.error})
            break
        action = result.value
        if action["action"] == "final_answer":
            eligible, reply, stopped = bool(action["eligible"]), str(action["reply"]), "answer"
            trace.append({"action": action})
            break
        args = {k: action[k] for k in ("order_id", "item", "faulty")}
        observation = tools.call(action["action"], args)
        errors += "error" in observation
        calls.append(f"{action['action']}({json.dumps(args, ensure_ascii=False)})")
        trace.append({"action": action, "observation": observation})
        messages += [{"role": "assistant", "content": json.dumps(action, ensure_ascii=False)},
                     {"role": "user", "content": "Tool result: " + json.dumps(observation, ensure_ascii=False)}]
        if tokens_in + tokens_out >= max_total_tokens:
            stopped = "spend cap"
            break
    return AgentRun(task.id, "agent", eligible, reply, eligible is not None and eligible == task.expected_eligible,
                    steps, tuple(calls), errors, tokens_in, tokens_out, time.perf_counter() - start, stopped,
                    tuple(trace))


def parse_request(text: str, tools: ShopTools) -> tuple[str | None, str | None, bool]:
    """(order id, item name, faulty) read from a request with code: a pattern, the order's item
    names, and :data:`FAULT_WORDS`. None where the text does not say."""
    match = ORDER_ID.search(text)
    order = tools.orders.get(match.group(0).upper()) if match else None
    faulty = any(w in text.lower() for w in FAULT_WORDS)
    if order is None:
        return (match.group(0).upper() if match else None), None, faulty
    if len(order.items) == 1:
        return order.id, order.items[0].name, faulty
    lowered = text.lower()
    named = [i.name for i in order.items if any(word in lowered for word in i.name.lower().split() if len(word) > 3)]
    return order.id, (named[0] if len(named) == 1 else None), faulty


def fixed_pipeline(client: Any, model: str, task: Task, tools: ShopTools, max_tokens: int = 120) -> AgentRun:
    """The same task with the calls fixed in code; the model only words the reply."""
    start = time.perf_counter()
    order_id, item, faulty = parse_request(task.text, tools)
    if order_id is None or item is None:
        return AgentRun(task.id, "pipeline", None, "", False, 0, (), 0, 0, 0, time.perf_counter() - start,
                        "could not read the request")
    args = {"order_id": order_id, "item": item, "faulty": faulty}
    verdict = tools.call("check_return", args)
    if "error" in verdict:
        return AgentRun(task.id, "pipeline", None, "", False, 0, (f"check_return({json.dumps(args)})",), 1, 0, 0,
                        time.perf_counter() - start, "tool error")
    messages = [{"role": "system", "content": "You are the returns assistant of the Quillmere shop. Tell the "
                 "customer the outcome below in two sentences, in plain words."},
                {"role": "user", "content": f"Customer: {task.text}\nOutcome: {json.dumps(verdict)}"}]
    reply = client.chat.completions.create(model=model, messages=messages, max_tokens=max_tokens, temperature=0.0)
    eligible = bool(verdict["eligible"])
    return AgentRun(task.id, "pipeline", eligible, reply.choices[0].message.content or "",
                    eligible == task.expected_eligible, 1, (f"check_return({json.dumps(args, ensure_ascii=False)})",),
                    0, int(reply.usage.prompt_tokens), int(reply.usage.completion_tokens),
                    time.perf_counter() - start, "answer", ({"observation": verdict},))


def run_tasks(client: Any, model: str, tasks: Sequence[Task], tools: ShopTools, system: str = "agent",
              concurrency: int = 8, **options: Any) -> list[AgentRun]:
    """Each task through ``system`` ("agent" or "pipeline"), ``concurrency`` at a time, in task order;
    ``options`` go to :func:`run_agent` or :func:`fixed_pipeline`."""
    from concurrent.futures import ThreadPoolExecutor

    runner = {"agent": run_agent, "pipeline": fixed_pipeline}.get(system)
    if runner is None:
        raise ValueError(f"system must be 'agent' or 'pipeline', got {system!r}")
    if concurrency < 1:
        raise ValueError(f"concurrency must be >= 1, got {concurrency}")
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        return list(pool.map(lambda t: runner(client, model, t, tools, **options), tasks))


def made_right_call(run: AgentRun, task: Task) -> bool:
    """True when some ``check_return`` call in ``run`` succeeded on the task's item with the right
    ``faulty`` flag: the agent found the information, whatever it answered afterwards."""
    for step in run.trace:
        action, seen = step.get("action") or {}, step.get("observation") or {}
        if action.get("action", "check_return") == "check_return" and "error" not in seen and seen:
            if seen.get("item") == task.item and bool(action.get("faulty", task.faulty)) == task.faulty:
                return True
    return False


def summarise_runs(runs: Sequence[AgentRun]) -> dict[str, float]:
    """Completion rate and mean steps, tokens and latency over ``runs``."""
    if not runs:
        raise ValueError("no runs to summarise")
    n = len(runs)
    return {"tasks": n, "completed": sum(r.completed for r in runs) / n,
            "answered": sum(r.eligible is not None for r in runs) / n,
            "steps": sum(r.steps for r in runs) / n, "tool errors": sum(r.tool_errors for r in runs) / n,
            "tokens": sum(r.input_tokens + r.output_tokens for r in runs) / n,
            "latency s": sum(r.latency_s for r in runs) / n}
