"""Step 4's LoRA fine-tune and label scoring, on a tiny randomly initialised Llama model."""

from __future__ import annotations

import numpy as np
import pytest

import torch
from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

from genai_design.finetune import (
    LoraSettings,
    label_token_ids,
    prompt_for,
    score_labels,
    train_lora,
)
from genai_design.models import prepare_model

LABELS = ["business", "sport"]


@pytest.fixture(scope="module")
def tokenizer():
    tok = AutoTokenizer.from_pretrained(prepare_model("smollm2-135m-instruct").path)
    tok.padding_side = "left"
    tok.pad_token = tok.pad_token or tok.eos_token
    return tok


def tiny_model(tokenizer):
    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=128)
    return LlamaForCausalLM(config).eval()


def test_prompts_put_examples_before_the_open_label():
    p = prompt_for("Shares  rise\n", "Give the topic.", [("Cup final", "sport")])
    assert p == "Give the topic.\n\nText: Cup final\nLabel: sport\n\nText: Shares rise\nLabel:"


def test_labels_must_be_single_distinct_tokens(tokenizer):
    assert len(label_token_ids(tokenizer, LABELS)) == 2
    with pytest.raises(ValueError, match="tokens after a space"):
        label_token_ids(tokenizer, ["entertainment industry"])


def test_scores_are_log_probabilities_per_prompt_and_label(tokenizer):
    model = tiny_model(tokenizer)
    scores = score_labels(model, tokenizer, ["Text: a\nLabel:", "Text: a much longer text here\nLabel:"], LABELS,
                          batch_size=2)
    assert scores.shape == (2, 2) and np.all(scores < 0)
    alone = score_labels(model, tokenizer, ["Text: a\nLabel:"], LABELS)
    assert np.allclose(alone[0], scores[0], atol=1e-4)  # left padding does not change a prompt's scores


def test_lora_learns_a_trivial_mapping_and_trains_only_the_adapter(tokenizer):
    model = tiny_model(tokenizer)
    examples = [(prompt_for(f"market shares {i}", "Topic?"), "business") for i in range(16)]
    examples += [(prompt_for(f"football goal {i}", "Topic?"), "sport") for i in range(16)]
    frozen = {n: p.detach().clone() for n, p in model.named_parameters()}
    settings = LoraSettings(rank=4, alpha=8, epochs=8, batch_size=8, learning_rate=1e-2, dropout=0.0)
    tuned, report = train_lora(model, tokenizer, examples, settings)
    assert report.steps == 8 * 4 and report.examples == 32
    assert 0 < report.trainable_params < report.total_params / 10
    assert np.mean(report.losses[-4:]) < np.mean(report.losses[:4])
    scores = score_labels(tuned, tokenizer, [prompt_for("market shares 99", "Topic?"),
                                             prompt_for("football goal 99", "Topic?")], LABELS)
    assert list(scores.argmax(axis=1)) == [0, 1]
    base = {n.replace("base_model.model.", ""): p for n, p in tuned.named_parameters() if "lora_" not in n}
    assert all(torch.equal(frozen[n.replace(".base_layer", "")], p) for n, p in base.items())


def test_bad_settings_and_empty_training_are_refused(tokenizer):
    with pytest.raises(ValueError):
        LoraSettings(rank=0)
    with pytest.raises(ValueError):
        LoraSettings(dropout=1.0)
    with pytest.raises(ValueError, match="no training examples"):
        train_lora(tiny_model(tokenizer), tokenizer, [], LoraSettings())


def test_merged_adapter_scores_as_the_adapter_did_and_refuses_to_overwrite(tokenizer, tmp_path):
    from genai_design.finetune import load_model, save_merged

    examples = [(prompt_for(f"market shares {i}", "Topic?"), "business") for i in range(8)]
    examples += [(prompt_for(f"football goal {i}", "Topic?"), "sport") for i in range(8)]
    tuned, _ = train_lora(tiny_model(tokenizer), tokenizer, examples,
                          LoraSettings(rank=4, alpha=8, epochs=2, batch_size=8, learning_rate=1e-2, dropout=0.0))
    prompts = [prompt_for("market shares 99", "Topic?"), prompt_for("football goal 99", "Topic?")]
    before = score_labels(tuned, tokenizer, prompts, LABELS)
    sizes = save_merged(tuned, tokenizer, tmp_path / "merged", dtype="float32")
    assert 0 < sizes["adapter_bytes"] < sizes["folder_bytes"]
    merged, merged_tokenizer = load_model(str(tmp_path / "merged"))
    assert not any("lora_" in n for n, _ in merged.named_parameters()), "a plain model, no adapter layers"
    assert np.allclose(score_labels(merged, merged_tokenizer, prompts, LABELS), before, atol=1e-4)
    with pytest.raises(FileExistsError):
        save_merged(tuned, tokenizer, tmp_path / "merged")
    with pytest.raises(ValueError, match="dtype"):
        save_merged(tuned, tokenizer, tmp_path / "other", dtype="float99")
