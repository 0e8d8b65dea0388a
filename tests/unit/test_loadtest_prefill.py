"""The prefill measurement: filler prompts and the fitted line, on a fake server."""

from __future__ import annotations

from types import SimpleNamespace as NS

import pytest

from genai_design.loadtest import FILLER, PrefillFit, filler_prompt, measure_prefill
from genai_design.loadtest import prefill as prefill_module


def fake_stream_chat(sent: list[str]):
    """A server that counts 12 tokens per filler line plus 25, and takes 7 ms + 0.5 ms a token."""
    def stream_chat(client, model, messages, max_tokens):
        text = messages[0]["content"]
        sent.append(text)
        tokens = 25 + 12 * text.count(FILLER)
        return NS(ttft_ms=7.0 + 0.5 * tokens, prompt_tokens=tokens)
    return stream_chat


def test_the_fit_recovers_the_server_s_line(monkeypatch):
    sent: list[str] = []
    monkeypatch.setattr(prefill_module, "stream_chat", fake_stream_chat(sent))
    fit = measure_prefill(object(), "m", [100, 400, 1600], repeats=2)
    assert fit.ms_per_token == pytest.approx(0.5) and fit.fixed_ms == pytest.approx(7.0)
    assert fit.tokens_per_unit == pytest.approx(12.0)
    assert len(fit.points) == 6 and len(sent) == 3 + 6  # three untimed probes, then the points
    assert [n for n, _ in fit.points[::2]] == [25 + 12 * fit.units_for(t) for t in (100, 400, 1600)]
    assert abs(fit.points[-1][0] - 1600) < 12  # within one filler line of the target
    assert fit.ttft_ms(1000) == pytest.approx(507.0)


def test_prompts_never_share_a_prefix():
    a, b = filler_prompt(3), filler_prompt(3)
    assert a != b and a[:3] != b[:3] and a.count(FILLER) == 3


def test_a_negative_intercept_is_clipped_to_zero(monkeypatch):
    def stream_chat(client, model, messages, max_tokens):
        tokens = 10 + 10 * messages[0]["content"].count(FILLER)
        return NS(ttft_ms=max(0.1, tokens - 50.0), prompt_tokens=tokens)
    monkeypatch.setattr(prefill_module, "stream_chat", stream_chat)
    assert measure_prefill(object(), "m", [200, 800]).fixed_ms == 0.0


def test_bad_arguments_and_missing_usage_are_refused(monkeypatch):
    with pytest.raises(ValueError):
        measure_prefill(object(), "m", [100])
    with pytest.raises(ValueError):
        filler_prompt(-1)
    monkeypatch.setattr(prefill_module, "stream_chat", lambda *a, **k: NS(ttft_ms=None, prompt_tokens=None))
    with pytest.raises(RuntimeError, match="no usage"):
        measure_prefill(object(), "m", [100, 200])
    assert PrefillFit(1.0, 2.0, 10.0, ()).units_for(5) == 1
