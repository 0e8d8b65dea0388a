"""Step 2's tools, agent loop and fixed pipeline, on the course's orders and a scripted model."""

from __future__ import annotations

import datetime as dt
import json
from types import SimpleNamespace as NS

import pytest

from genai_design.agents import (ShopTools, fixed_pipeline, load_orders, load_tasks, made_right_call, run_agent,
                                 run_tasks, summarise_runs)
from genai_design.agents.loop import parse_request
from genai_design.agents.shop import Item, Order, return_verdict


@pytest.fixture(scope="module")
def tools() -> ShopTools:
    return ShopTools(*load_orders())


def order(**changes) -> Order:
    fields = dict(id="QM-00001", customer="x", country="NL", plus_member=False, delivered=dt.date(2024, 10, 1),
                  items=(Item("lamp", "lighting", "quillmere", 10.0),))
    return Order(**{**fields, **changes})


@pytest.mark.parametrize("changes, item, today, eligible, cost", [
    ({}, Item("lamp", "lighting", "quillmere", 1), dt.date(2024, 10, 31), True, 0.0),  # day 30: last day
    ({}, Item("lamp", "lighting", "quillmere", 1), dt.date(2024, 11, 1), False, 0.0),  # day 31
    ({"plus_member": True}, Item("lamp", "lighting", "quillmere", 1), dt.date(2024, 11, 30), True, 0.0),  # 60 days
    ({"plus_member": True}, Item("radio", "electronics", "quillmere", 1), dt.date(2024, 11, 1), False, 0.0),
    ({"country": "FR"}, Item("lamp", "lighting", "quillmere", 1), dt.date(2024, 10, 5), True, 5.95),
    ({"country": "FR"}, Item("sofa", "furniture", "quillmere", 1), dt.date(2024, 10, 5), True, 69.0),
    ({"plus_member": True}, Item("sofa", "furniture", "quillmere", 1), dt.date(2024, 10, 5), True, 39.0),
    ({}, Item("mug", "kitchen", "Atelier", 1), dt.date(2024, 10, 16), False, 0.0),  # marketplace: 14 days
    ({"delivered": dt.date(2024, 12, 1)}, Item("lamp", "lighting", "quillmere", 1), dt.date(2025, 1, 15), True, 0.0),
    ({"delivered": dt.date(2024, 12, 1)}, Item("lamp", "lighting", "quillmere", 1), dt.date(2025, 1, 16), False, 0.0),
    ({}, Item("tag", "personalised", "quillmere", 1), dt.date(2024, 10, 2), False, 0.0),
])
def test_return_rules_match_the_help_centre(changes, item, today, eligible, cost):
    o = order(**changes, items=(item,))
    v = return_verdict(o, item, today)
    assert (v.eligible, v.cost_eur) == (eligible, cost), v.reason


def test_faulty_items_are_covered_for_two_years():
    item = Item("tag", "personalised", "quillmere", 1)
    assert return_verdict(order(items=(item,)), item, dt.date(2026, 9, 30), faulty=True).eligible
    assert not return_verdict(order(items=(item,)), item, dt.date(2026, 10, 2), faulty=True).eligible


def test_every_task_s_expected_outcome_is_what_the_rules_give(tools):
    tasks = load_tasks()
    assert len(tasks) == 16 and len({t.id for t in tasks}) == 16
    assert {t.expected_eligible for t in tasks} == {True, False}
    for t in tasks:
        v = tools.check_return(t.order_id, t.item, t.faulty)
        assert (v["eligible"], v["cost_eur"]) == (t.expected_eligible, t.expected_cost_eur), t.id
        assert t.order_id in t.text


def test_tools_report_bad_calls_instead_of_raising(tools):
    assert "error" in tools.call("refund_everything", {})
    assert "no order" in tools.call("lookup_order", {"order_id": "QM-99999"})["error"]
    assert "no single item" in tools.call("check_return", {"order_id": "QM-20417", "item": "sofa"})["error"]
    assert tools.call("lookup_order", {"order_id": "qm-20417 "})["customer"] == "Lotte Vermeulen"


def test_the_pipeline_reads_order_item_and_fault_from_text(tools):
    assert parse_request("Order qm-20417: the desk lamp flickers, it is faulty", tools) == ("QM-20417", "desk lamp", True)
    assert parse_request("QM-20417 please", tools) == ("QM-20417", None, False)  # two items, none named
    assert parse_request("no number here", tools) == (None, None, False)


class ScriptedModel:
    """A chat client that replies with the next scripted text and reports token usage."""

    def __init__(self, replies: list[str]) -> None:
        self.replies, self.sent = list(replies), []
        self.chat = NS(completions=NS(create=self.create))

    def create(self, **kwargs):
        self.sent.append(kwargs)
        text = self.replies.pop(0)
        return NS(choices=[NS(message=NS(content=text))], usage=NS(prompt_tokens=100, completion_tokens=20))


def action(name: str, **fields) -> str:
    base = {"action": name, "order_id": "QM-20608", "item": "headphones", "faulty": False, "eligible": False,
            "reply": ""}
    return json.dumps({**base, **fields})


def test_agent_calls_tools_then_answers(tools):
    task = next(t for t in load_tasks() if t.id == "t04")
    model = ScriptedModel([action("check_return"), action("final_answer", eligible=False, reply="Sorry.")])
    run = run_agent(model, "m", task, tools)
    assert run.completed and run.stopped_by == "answer" and run.steps == 2
    assert run.tool_calls[0].startswith("check_return(") and run.tool_errors == 0
    assert (run.input_tokens, run.output_tokens) == (200, 40)
    assert "Tool result" in model.sent[1]["messages"][-1]["content"]
    assert "response_format" in model.sent[0]  # constrained decoding on every step


def test_agent_stops_at_the_step_limit_and_the_spend_cap(tools):
    task = load_tasks()[0]
    run = run_agent(ScriptedModel([action("lookup_order")] * 3), "m", task, tools, max_steps=3)
    assert run.stopped_by == "step limit" and run.steps == 3 and not run.completed and run.eligible is None
    run = run_agent(ScriptedModel([action("lookup_order")] * 3), "m", task, tools, max_total_tokens=100)
    assert run.stopped_by == "spend cap" and run.steps == 1
    run = run_agent(ScriptedModel(["not json"]), "m", task, tools)
    assert run.stopped_by == "invalid action" and not run.completed


def test_a_wrong_verdict_is_not_completed(tools):
    task = next(t for t in load_tasks() if t.id == "t04")  # expected: not eligible
    run = run_agent(ScriptedModel([action("final_answer", eligible=True)]), "m", task, tools)
    assert run.eligible is True and not run.completed


def test_pipeline_calls_once_and_takes_the_verdict_from_the_tool(tools):
    task = next(t for t in load_tasks() if t.id == "t13")
    model = ScriptedModel(["It is covered."])
    run = fixed_pipeline(model, "m", task, tools)
    assert run.completed and run.steps == 1 and run.eligible is True and run.reply == "It is covered."
    assert '"faulty": true' in run.tool_calls[0]
    summary = summarise_runs([run])
    assert summary["completed"] == 1.0 and summary["tokens"] == 120
    with pytest.raises(ValueError):
        summarise_runs([])


def test_right_call_and_task_runner(tools):
    task = next(t for t in load_tasks() if t.id == "t04")
    good = run_agent(ScriptedModel([action("check_return", item="wireless headphones"),
                                    action("final_answer", eligible=True)]), "m", task, tools)
    assert made_right_call(good, task) and not good.completed  # found it, then answered wrongly
    wrong_item = run_agent(ScriptedModel([action("check_return", order_id="QM-20417", item="desk lamp"),
                                          action("final_answer")]), "m", task, tools)
    assert not made_right_call(wrong_item, task)
    piped = fixed_pipeline(ScriptedModel(["ok"]), "m", task, tools)
    assert made_right_call(piped, task)
    runs = run_tasks(ScriptedModel(["ok"] * 3), "m", load_tasks()[:3], tools, system="pipeline", concurrency=2)
    assert [r.task_id for r in runs] == ["t01", "t02", "t03"]
    with pytest.raises(ValueError, match="system"):
        run_tasks(ScriptedModel([]), "m", [], tools, system="crew")
