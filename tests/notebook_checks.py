"""What each notebook must have recorded (via myst_nb.glue) for its test to pass.

One function per notebook, keyed by its path relative to the repository root. A notebook
without an entry here fails the suite: every notebook's metrics are checked, none only "runs".
Tolerances are wide where the machine's speed decides the number, tight where it does not.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Glued = dict[str, Any]


def first_request(g: Glued, server: dict[str, Any]) -> None:
    endpoint = server["endpoint"]
    assert g["model_name"] == endpoint.model
    assert g["profile_name"] == "cpu-default"
    # The notebook ran against the suite's shared server and said so.
    assert g["server_pid"] == endpoint.pid
    assert g["server_reused"] is True
    assert isinstance(g["first_answer"], str) and len(g["first_answer"].split()) >= 3
    # Streaming: ignore_eos makes every run produce max_tokens chunks.
    assert g["stream_chunks"] == 128
    assert 0 < g["ttft_ms_median"] < 2000, "time to first token for a short prompt on the CPU"
    assert 3 < g["decode_tokens_per_s_median"] < 500
    # Constrained decoding is a guarantee; instruction-only JSON from a 135M model is not.
    assert g["json_valid_constrained_pct"] == 100.0
    assert g["json_valid_instruction_pct"] < g["json_valid_constrained_pct"]
    assert g["n_tickets"] >= 5
    # Greedy decoding through LlamaIndex's OpenAILike matches the OpenAI client.
    assert g["llamaindex_agrees"] is True


def context_enrichment(g: Glued, server: dict[str, Any]) -> None:
    assert g["enrich_n_customers"] >= 10
    # Without the customer's data the model cannot name their order: no answer is right.
    assert g["enrich_acc_none_pct"] == 0.0
    # With a compact record and two examples it copies the right order most of the time
    # (75% seen on the CPU profile; the bound leaves room for a different sample of customers).
    assert g["enrich_acc_compact_pct"] >= 50.0
    assert g["enrich_acc_compact_pct"] > g["enrich_acc_full_pct"]
    # Every customer's prompt was checked against every other customer's data.
    assert g["enrich_isolation_customers"] == 200
    assert g["enrich_isolation_leaks"] == 0


def knowledge_bases(g: Glued, server: dict[str, Any]) -> None:
    # Sizes the issue fixes: 79 reference topics, >= 60 help-centre articles, 1,050 pairs.
    assert g["kb_python_docs"] == 79
    assert g["kb_shop_v1_docs"] >= 60
    assert g["kb_support_docs"] == 1050
    # The duplicate finding is measured, not assumed: far fewer distinct pairs than rows.
    assert 1 <= g["kb_support_distinct"] < g["kb_support_docs"] / 10
    assert g["kb_python_contained_pairs"] >= 5  # compound holds if/while/for/...
    assert g["kb_shop_changed"] >= 10 and g["kb_shop_added"] >= 1 and g["kb_shop_removed"] >= 1
    # The evaluation set: >= 150 questions, >= 60 on the Python reference, all valid.
    assert g["eval_n_questions"] >= 150 and g["eval_n_python"] >= 60
    assert g["eval_problems"] == 0
    assert g["eval_bad_problems"] == 2  # each planted mistake caught
    types = g["eval_types"]
    for kb in ("python-reference", "shop-help"):
        for kind in ("multi-hop", "unanswerable", "ambiguous", "adversarial"):
            assert types[f"{kb}/{kind}"] >= 5, (kb, kind)
    assert g["eval_4gram_overlap_pct"] < 10.0  # questions paraphrase their sources


def prompts(g: Glued, server: dict[str, Any]) -> None:
    n = g["prompt_n_questions"]
    assert n >= 20 and g["prompt_n_sections"] == 12
    assert 0 < g["prompt_majority_pct"] < 50
    # Asked in free text, the small model rarely answers with a section name at all.
    assert g["prompt_free_valid_pct"] < 50
    for key in ("prompt_acc_v1_pct", "prompt_acc_v2_pct"):
        assert 0 <= g[key] <= 100
    # Every answer of both versions went through the ledger, and identical text is not re-registered.
    assert g["prompt_ledger_records"] == 2 * n
    assert g["prompt_idempotent"] is True
    # v2 was activated; it stays only if it beat v1, otherwise the history shows the rollback.
    events = g["prompt_history_events"]
    assert events[:3] == ["register", "activate", "register"] and events[3] == "activate"
    beat = g["prompt_acc_v2_pct"] > g["prompt_acc_v1_pct"]
    assert g["prompt_active_after"] == ("v2" if beat else "v1")
    assert ("rollback" in events) == (not beat)


def kv_calculator(g: Glued, server: dict[str, Any]) -> None:
    # 2 (K,V) x 30 layers x 3 KV heads x 64 head dim x 2 bytes (bf16), by hand.
    assert g["kv_bytes_per_token"] == 2 * 30 * 3 * 64 * 2
    assert g["kv_cache_gib"] == 2.0  # VLLM_CPU_KVCACHE_SPACE of the cpu-default profile
    # The bar: within 5% of the capacity vLLM itself reports.
    assert g["kv_rel_error_pct"] <= 5.0
    assert abs(g["kv_calc_tokens"] - g["kv_vllm_tokens"]) <= 0.05 * g["kv_vllm_tokens"]
    assert g["kv_vllm_tokens"] % g["kv_block_size"] == 0
    # 70B in bf16 cannot sit on one 80 GB GPU; 8B can; a 16 GB T4 needs several.
    assert g["kv_70b_h100_tp"] >= 2
    assert g["kv_8b_a100_gpus"] == 1
    assert g["kv_8b_t4_gpus"] >= 2


def prefix_caching(g: Glued, server: dict[str, Any]) -> None:
    assert 1500 <= g["prefix_shared_tokens"] <= 2000  # the "~1.5k-token shared prompt"
    assert g["prefix_n_questions"] >= 5
    # A fresh salt shares nothing; the shared salt reuses whole blocks of the system prompt.
    assert g["prefix_cached_tokens_miss"] == 0
    assert g["prefix_cached_tokens_hit"] >= 1024
    assert g["prefix_hit_rate_pct"] >= 80
    # The bar: prefix caching cuts TTFT at least 4x (about 9x seen on this CPU).
    assert g["prefix_speedup"] >= 4.0
    assert g["prefix_ttft_hit_ms"] < g["prefix_ttft_miss_ms"]


CHECKS: dict[str, Callable[[Glued, dict[str, Any]], None]] = {
    "notebooks/00_first_request.ipynb": first_request,
    "notebooks/03a_knowledge_bases.ipynb": knowledge_bases,
    "notebooks/03c_prompts.ipynb": prompts,
    "notebooks/03e_context_enrichment.ipynb": context_enrichment,
    "notebooks/05b_kv_calculator.ipynb": kv_calculator,
    "notebooks/05c_prefix_caching.ipynb": prefix_caching,
}
