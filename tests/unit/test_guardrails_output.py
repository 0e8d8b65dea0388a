"""Output validation: structured output with and without constrained decoding, and the
grounding check (framework step 6)."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from genai_design.guardrails import GroundingChecker, generate_json, generate_json_many, split_sentences, validation_error
from genai_design.guardrails.grounding import numbers_in
from genai_design.retrieval.embedding import HashingEmbedder

SCHEMA = {"type": "object", "required": ["topic"], "additionalProperties": False,
          "properties": {"topic": {"enum": ["orders", "returns"]}}}


class FakeClient:
    """Answers chat requests from a list of replies, recording what it was sent."""

    def __init__(self, replies):
        self.replies, self.sent = list(replies), []
        self.chat = SimpleNamespace(completions=SimpleNamespace(create=self.create))

    def create(self, **kwargs):
        self.sent.append(kwargs)
        text = self.replies.pop(0)
        return SimpleNamespace(choices=[SimpleNamespace(message=SimpleNamespace(content=text))],
                               usage=SimpleNamespace(completion_tokens=len(text.split())))


def test_validation_error_names_the_problem():
    assert validation_error('{"topic": "orders"}', SCHEMA) == ({"topic": "orders"}, None)
    assert validation_error("sure! here it is", SCHEMA)[1].startswith("not JSON")
    assert "schema" in validation_error('{"topic": "pizza"}', SCHEMA)[1]
    assert "schema" in validation_error('{"topic": "orders", "x": 1}', SCHEMA)[1]


def test_constrained_sends_the_schema_and_takes_one_request():
    client = FakeClient(['{"topic": "returns"}'])
    result = generate_json(client, "m", [{"role": "user", "content": "hi"}], SCHEMA, constrained=True)
    assert result.valid and result.value == {"topic": "returns"} and result.attempts == 1
    assert client.sent[0]["response_format"]["json_schema"]["schema"] == SCHEMA


def test_free_generation_retries_with_the_error_then_gives_up():
    client = FakeClient(["nope", '{"topic": "pizza"}', '{"topic": "orders"}'])
    result = generate_json(client, "m", [{"role": "user", "content": "hi"}], SCHEMA, constrained=False)
    assert result.valid and result.attempts == 3 and result.output_tokens == 1 + 2 + 2
    assert "response_format" not in client.sent[0]
    retry = client.sent[1]["messages"]
    assert retry[-2] == {"role": "assistant", "content": "nope"} and "not JSON" in retry[-1]["content"]
    failing = FakeClient(["x", "y"])
    result = generate_json(failing, "m", [{"role": "user", "content": "hi"}], SCHEMA, constrained=False,
                           max_attempts=2)
    assert not result.valid and result.attempts == 2 and result.error.startswith("not JSON")
    with pytest.raises(ValueError):
        generate_json(failing, "m", [], SCHEMA, constrained=False, max_attempts=0)


def test_many_keeps_the_order():
    replies = [json.dumps({"topic": t}) for t in ("orders", "returns", "orders")]
    client = FakeClient(replies)
    results = generate_json_many(client, "m", [[{"role": "user", "content": str(i)}] for i in range(3)], SCHEMA,
                                 constrained=True, concurrency=1)
    assert [r.value["topic"] for r in results] == ["orders", "returns", "orders"]


def test_sentences_and_numbers():
    assert split_sentences("## Refunds\nYou get it back. Within 14 days! Really?") == [
        "Refunds", "You get it back.", "Within 14 days!", "Really?"]
    assert numbers_in("Pay 4,95 within 14 days") == {"4.95", "14"}


def test_grounding_flags_an_unstated_number_even_when_the_wording_matches():
    source = ["Returns are free within 30 days. Refunds arrive in 5 to 7 working days."]
    with_numbers = GroundingChecker(HashingEmbedder(), number_rule=True)
    without = GroundingChecker(HashingEmbedder(), number_rule=False)
    wrong = "Returns are free within 14 days. Refunds arrive in 5 to 7 working days."
    right = "Returns are free within 30 days. Refunds arrive in 5 to 7 working days."
    assert with_numbers.risk(wrong, source) == 1.0
    assert with_numbers.weakest(wrong, source) == "Returns are free within 14 days."
    assert without.risk(wrong, source) < 0.5
    assert with_numbers.risk(right, source) == pytest.approx(0.0, abs=1e-6)
    checked = with_numbers.check(wrong, source)
    assert checked[0].missing_numbers == ("14",) and checked[1].missing_numbers == ()
    with pytest.raises(ValueError):
        with_numbers.check("", source)
    with pytest.raises(ValueError):
        with_numbers.check("A sentence.", [""])
