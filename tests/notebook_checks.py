"""What each notebook must have recorded (``genai_design.notebook.record``) for its test to pass.

A check reads a notebook's record under one prefix with ``Recorded``: ``record("cb",
verdict=...)`` in the notebook is ``m.verdict`` here, the same word in both places, and a name
the notebook did not record fails with the list of names it did.

One function per notebook, keyed by its path relative to the repository root. A notebook
without an entry here fails the suite: every notebook's metrics are checked, none only "runs".
Tolerances are wide where the machine's speed decides the number, tight where it does not.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from genai_design.notebook import Recorded

Glued = dict[str, Any]


def first_request(g: Glued, server: dict[str, Any]) -> None:
    m = Recorded(g, "first")
    endpoint = server["endpoint"]
    assert m.model_name == endpoint.model
    assert m.profile_name == "cpu-default"
    # The notebook ran against the suite's shared server and said so.
    assert m.server_pid == endpoint.pid
    assert m.server_reused is True
    assert isinstance(m.answer, str) and len(m.answer.split()) >= 3
    # Streaming: ignore_eos makes every run produce max_tokens chunks.
    assert m.stream_chunks == 128
    assert 0 < m.ttft_ms_median < 2000, "time to first token for a short prompt on the CPU"
    assert 3 < m.decode_tokens_per_s_median < 500
    # Constrained decoding is a guarantee; instruction-only JSON from a 135M model is not.
    assert m.json_valid_constrained_pct == 100.0
    assert m.json_valid_instruction_pct < m.json_valid_constrained_pct
    assert m.n_tickets >= 5
    # Greedy decoding through LlamaIndex's OpenAILike matches the OpenAI client.
    assert m.llamaindex_agrees is True


def classifier_or_llm(g: Glued, server: dict[str, Any]) -> None:
    m = Recorded(g, "gate")
    assert m.n_articles == 2225 and m.n_test == 5 * m.test_per_topic
    # Linear models on BBC News topics are strong baselines (above 90% in the literature).
    assert m.tfidf_acc_pct > 85 and m.emb_acc_pct > 85
    assert m.best_clf in ("TF-IDF + logistic regression", "embeddings + logistic regression")
    # Constrained decoding guarantees a label; free text from the small model rarely is one.
    assert m.llm_valid_pct == 100.0 and m.free_valid_pct <= m.llm_valid_pct
    assert 0 <= m.llm_acc_pct <= 100 and 0 < m.llm_top_answer_pct <= 100
    # Cost comes from measured time: the LLM spends far more machine time per item.
    assert m.llm_ms_per_item > 10 * max(m.tfidf_ms_per_item, 0.01)
    assert m.llm_usd_per_m == pytest.approx(1000 * m.machine_usd_per_hour * m.llm_ms_per_item / 3600, rel=1e-6)
    assert m.llm_over_clf_cost > 10
    assert m.api_usd_per_m == pytest.approx(
        m.api_tokens_in * m.api_usd_per_m_input + m.api_usd_per_m_output, rel=1e-6)
    # Learning curves: one value per labelled-budget point, and more labels help.
    assert len(m.curve_tfidf) == len(m.curve_emb) == len(m.per_class)
    assert m.curve_tfidf[-1] > m.curve_tfidf[0] and m.curve_emb[-1] > m.curve_emb[0]
    if m.llm_acc_pct < 50:  # a weak zero-shot LLM is beaten with a few labels per topic
        assert m.labels_to_beat_llm_tfidf in m.per_class or m.labels_to_beat_llm_emb in m.per_class
    # The cascade, judged on the half of the test set its threshold was not chosen on: it
    # costs less than the LLM on every article, and is no less accurate (the step-0 bar).
    assert m.n_judged == m.n_test - m.n_test // 2
    assert 0 <= m.chosen_llm_share < 1
    assert m.chosen_usd_per_m < m.llm_alone_usd_per_m
    assert m.chosen_acc_pct >= m.llm_alone_acc_pct
    assert m.gained == round((m.chosen_acc_pct - m.clf_alone_acc_pct) / 100 * m.n_judged)
    assert m.hybrid_helps == (m.chosen_llm_share > 0 and m.gained > 0)
    assert ("raised accuracy" in m.verdict) == m.hybrid_helps
    assert f"{m.gained:+d} of {m.n_judged}" in m.verdict or m.hybrid_helps


def injection_detection(g: Glued, server: dict[str, Any]) -> None:
    m = Recorded(g, "inj")
    assert m.n_train > m.n_tune >= 50 and m.n_judge >= 90 and 0 < m.n_judge_attacks < m.n_judge
    assert m.detectors == ["rules", "NanoGuard", "TF-IDF + LR", "embeddings + LR"]
    for key in ("rules", "ng", "tfidf", "emb"):
        for field in ("recall", "fpr", "precision", "auc_tune", "auc_judge"):
            assert 0.0 <= getattr(m, f"{key}_{field}") <= 1.0, (key, field)
        assert getattr(m, f"{key}_auc_drop") == pytest.approx(
            getattr(m, f"{key}_auc_tune") - getattr(m, f"{key}_auc_judge"))
        assert getattr(m, f"{key}_ms") > 0
    # Learned detectors rank attacks above benign texts on the split they were tuned on.
    assert m.tfidf_auc_tune > 0.6 and m.emb_auc_tune > 0.6 and m.ng_auc_tune > 0.6
    # A regular expression is far cheaper per check than a transformer forward pass.
    assert m.rules_ms < m.ng_ms
    # The pipeline is chosen on the tuning split only, within the false-positive budget.
    assert m.chosen in m.combo_recall_tune
    assert m.combo_recall_tune[m.chosen] == max(m.combo_recall_tune.values())
    assert m.chosen_fpr_tune <= m.max_fpr + 1e-9
    assert m.chosen_recall == m.combo_recall_judge[m.chosen]
    assert m.chosen_fpr == m.combo_fpr_judge[m.chosen]
    assert f"on the course's set it caught {m.chosen_recall:.0%}" in m.verdict
    assert (m.best_judge == m.chosen) == ("would have done best" not in m.verdict)
    assert len(m.by_category["rules"]) == m.n_categories >= 8


def output_validation(g: Glued, server: dict[str, Any]) -> None:
    m = Recorded(g, "ov")
    assert m.n_messages >= 12 and m.n_topics == 12 and m.max_attempts == 3
    # Constrained decoding is a guarantee: every record valid at the first request.
    assert m.constrained_valid_pct == 100.0 and m.constrained_mean_attempts == 1.0
    assert 0 <= m.free_first_try_pct <= m.free_valid_pct <= 100
    assert 1.0 <= m.free_mean_attempts <= m.max_attempts
    assert m.constrained_p50_s > 0 and m.free_p50_s > 0
    # Grounding: tuned on one half of the labelled answers, judged on the other.
    assert m.n_items >= 44 and m.n_tune + m.n_judge == m.n_items and m.n_judge_ungrounded >= 10
    for key in ("sim", "num"):
        for field in ("auc", "precision", "recall", "fpr", "located"):
            assert 0.0 <= getattr(m, f"{key}_{field}") <= 1.0, (key, field)
        assert getattr(m, f"{key}_ms") > 0
    # The verdict the prose quotes matches the AUCs (near chance on this set with MiniLM).
    assert ("better than" if max(m.sim_auc, m.num_auc) > 0.6 else "no better than") in m.auc_verdict
    assert m.gain == pytest.approx(m.num_recall - m.sim_recall)
    assert ("raised" if m.gain > 0 else "did not raise") in m.numbers_verdict
    assert f"from {m.sim_recall:.2f} to {m.num_recall:.2f}" in m.numbers_verdict
    assert set(m.by_kind) == {"similarity only", "similarity + numbers"}


def second_stage(g: Glued, server: dict[str, Any]) -> None:
    m = Recorded(g, "ss")
    # Every question of both sets is scored by both retrievers: 100 development, 60 fresh.
    assert m.n_dev == 100 and m.n_fresh == 60
    assert 0 < m.n_hubs < m.n_topics == 79 and 0 <= m.n_hub_first <= m.n_misses < m.n_dev
    assert m.signals["documents"] == 79 and m.signals["sentences"] > 1000 and m.signals["chunks"] > 79
    for name in ("development", "fresh"):
        for k, recall in ((1, m.recall), (5, m.recall5)):
            _paired(m.paired[f"{name}, recall@{k}"], recall[f"{name}, hybrid"],
                    recall[f"{name}, hybrid+documents"])
            assert 0 <= recall[f"{name}, hybrid"] <= 1 and 0 <= recall[f"{name}, hybrid+documents"] <= 1
        assert m.recall[f"{name}, hybrid"] <= m.recall5[f"{name}, hybrid"]
    dev = _paired(m.paired["development, recall@1"])
    fresh = _paired(m.paired["fresh, recall@1"])
    assert m.dev_gain == pytest.approx(dev.difference.estimate) and m.fresh_gain == pytest.approx(fresh.difference.estimate)
    # The lesson's shape: the stage gained on the questions it was designed against (+0.14 seen)
    # and far less on fresh ones (+0.01 seen); the tolerances leave room for another machine.
    assert m.dev_gain >= 0.05 and m.fresh_gain < m.dev_gain - 0.05
    assert m.dev_verdict == dev.verdict("hybrid search", "the second stage", "recall@1")
    assert m.fresh_verdict == fresh.verdict("hybrid search", "the second stage", "recall@1")
    # The decision follows the bar, and the command line's default search follows the decision.
    assert m.keeps is (fresh.significant and fresh.difference.estimate >= m.bar == 0.10)
    assert m.default_strategy == ("hybrid+documents" if m.keeps else "hybrid")
    from genai_design.cli import build_parser

    parsed = build_parser().parse_args(["search", "a question"])
    assert parsed.strategy == m.default_strategy, "genai-design search must default to the notebook's decision"
    assert m.default_strategy in m.decision


def context_enrichment(g: Glued, server: dict[str, Any]) -> None:
    m = Recorded(g, "enrich")
    assert m.n_customers >= 10
    # Without the customer's data the model cannot name their order: no answer is right.
    assert m.acc_none_pct == 0.0
    # With a compact record and two examples it copies the right order most of the time
    # (75% seen on the CPU profile; the bound leaves room for a different sample of customers).
    assert m.acc_compact_pct >= 50.0
    assert m.acc_compact_pct > m.acc_full_pct
    # The verdict printed under the table agrees with the two accuracies.
    assert ("did not beat" not in m.format_verdict) is (m.acc_compact_pct > m.acc_full_pct)
    assert f"{m.acc_compact_pct:.0f}% of answers correct against {m.acc_full_pct:.0f}%" \
        in m.format_verdict
    # Every customer's prompt was checked against every other customer's data.
    assert m.isolation_customers == 200
    assert m.isolation_leaks == 0


def knowledge_bases(g: Glued, server: dict[str, Any]) -> None:
    kb = Recorded(g, "kb")
    ev = Recorded(g, "eval")
    # Sizes the issue fixes: 79 reference topics, >= 60 help-centre articles, 1,050 pairs.
    assert kb.python_docs == 79
    assert kb.shop_v1_docs >= 60
    assert kb.support_docs == 1050
    # The duplicate finding is measured, not assumed: far fewer distinct pairs than rows.
    assert 1 <= kb.support_distinct < kb.support_docs / 10
    assert kb.python_contained_pairs >= 5  # compound holds if/while/for/...
    assert kb.shop_changed >= 10 and kb.shop_added >= 1 and kb.shop_removed >= 1
    # The evaluation set: >= 150 questions, >= 60 on the Python reference, all valid.
    assert ev.n_questions >= 150 and ev.n_python >= 60
    assert ev.problems == 0
    assert ev.bad_problems == 2  # each planted mistake caught
    types = ev.types
    for name in ("python-reference", "shop-help"):
        for kind in ("multi-hop", "unanswerable", "ambiguous", "adversarial"):
            assert types[f"{name}/{kind}"] >= 5, (name, kind)
    assert ev.overlap_4gram_pct < 10.0  # questions paraphrase their sources


def prompts(g: Glued, server: dict[str, Any]) -> None:
    m = Recorded(g, "prompt")
    n = m.n_questions
    assert n >= 20 and m.n_sections == 12
    assert 0 < m.majority_pct < 50
    # Asked in free text, the small model rarely answers with a section name at all.
    assert m.free_valid_pct < 50
    for accuracy in (m.acc_v1_pct, m.acc_v2_pct):
        assert 0 <= accuracy <= 100
    # Every answer of both versions went through the ledger, and identical text is not re-registered.
    assert m.ledger_records == 2 * n
    assert m.idempotent is True
    # v2 was activated; it stays only if it beat v1, otherwise the history shows the rollback.
    events = m.history_events
    assert events[:3] == ["register", "activate", "register"] and events[3] == "activate"
    # v2 stays only when its gain is significant by McNemar's exact test on the same questions.
    mc = m.mcnemar
    assert mc["n"] == n and mc["only_a_right"] + mc["only_b_right"] <= n
    assert mc["only_b_right"] - mc["only_a_right"] == pytest.approx(
        (m.acc_v2_pct - m.acc_v1_pct) * n / 100, abs=1e-6)
    assert 0.0 < mc["p_value"] <= 1.0
    paired = _paired(m.v2_vs_v1, m.acc_v1_pct, m.acc_v2_pct)
    assert paired.n == n
    beat = m.acc_v2_pct > m.acc_v1_pct and mc["p_value"] < 0.05
    assert m.active_after == ("v2" if beat else "v1")
    assert ("rollback" in events) == (not beat)
    # The verdict the prose quotes agrees with the accuracies and the registry's state.
    assert ("did not beat" not in m.rollout_verdict) is beat
    assert ("stays active" in m.rollout_verdict) is (m.active_after == "v2")
    assert f"({m.acc_v2_pct:.0f}% against {m.acc_v1_pct:.0f}%" in m.rollout_verdict
    assert (f"{mc['only_b_right']} questions only version 2 got right against "
            f"{mc['only_a_right']} only version 1 got right") in m.rollout_verdict
    # It carries the gain's interval and says in words whether the test found it significant.
    gain = m.v2_vs_v1["difference"]
    assert f"{gain['estimate']:+.0f} points with a 95% interval of {gain['low']:+.0f} to" in m.rollout_verdict
    assert m.rollout_verdict.count("not significant") == (mc["p_value"] >= 0.05)
    # Constrained decoding is a guarantee: every recorded answer is a section name.
    assert m.constrained_valid_pct == 100.0


def kv_calculator(g: Glued, server: dict[str, Any]) -> None:
    m = Recorded(g, "kv")
    # 2 (K,V) x 30 layers x 3 KV heads x 64 head dim x 2 bytes (bf16), by hand.
    assert m.bytes_per_token == 2 * 30 * 3 * 64 * 2
    assert m.dtype == "bfloat16"  # the cpu-default profile's, which the prose names
    assert m.cache_gib == 2.0  # VLLM_CPU_KVCACHE_SPACE of the cpu-default profile
    # The bar: within 5% of the capacity vLLM itself reports.
    assert m.rel_error_pct <= 5.0
    assert abs(m.calc_tokens - m.vllm_tokens) <= 0.05 * m.vllm_tokens
    assert m.vllm_tokens % m.block_size == 0
    # 70B in bf16 cannot sit on one 80 GB GPU; 8B can; a 16 GB T4 needs several.
    assert m.tp_70b_h100 >= 2
    assert m.gpus_8b_a100 == 1
    assert m.gpus_8b_t4 >= 2


def prefix_caching(g: Glued, server: dict[str, Any]) -> None:
    m = Recorded(g, "prefix")
    assert 1500 <= m.shared_tokens <= 2000  # the "~1.5k-token shared prompt"
    assert m.n_questions >= 5
    # A fresh salt shares nothing; the shared salt reuses whole blocks of the system prompt.
    assert m.cached_tokens_miss == 0
    assert m.cached_tokens_hit >= 1024
    assert m.hit_rate_pct >= 80
    # The bar: prefix caching cuts TTFT at least 4x (about 9x seen on this CPU).
    assert m.speedup >= 4.0
    assert m.ttft_hit_ms < m.ttft_miss_ms
    # The verdict the prose quotes agrees with the two medians it reports.
    assert ("fell from" in m.verdict) is (m.ttft_hit_ms < m.ttft_miss_ms)
    assert f"{m.ttft_miss_ms:.0f} ms" in m.verdict and f"{m.ttft_hit_ms:.0f} ms" in m.verdict
    assert m.ttft_hit_ms >= m.ttft_miss_ms or f"a factor of {m.speedup:.1f}" in m.verdict
    # Routing across replicas, simulated from the two measured medians: more tenants than one
    # replica's cache holds, fewer than the pool holds.
    assert m.routing_cache_slots >= 1 and m.routing_tenants == 3 * m.routing_cache_slots
    assert m.routing_all_miss_rps == pytest.approx(m.routing_replicas / (m.ttft_miss_ms / 1000))
    table = m.routing_table
    assert set(table) == {"round-robin", "least-connections", "prefix-hash", "cache-aware"}
    for policy, row in table.items():
        assert 0 <= row["prefix hit rate"] <= 1 and 0 < row["utilisation"] <= 1, policy
        assert m.ttft_hit_ms * 0.999 <= row["TTFT p50 ms"] <= row["TTFT p95 ms"] <= row["TTFT p99 ms"]
        at = m.routing_loads.index(m.routing_at)
        assert m.routing_p95_ms[policy][at] == row["TTFT p95 ms"]
    lc, home, aware = table["least-connections"], table["prefix-hash"], table["cache-aware"]
    # What the notebook's explanation says: hashing finds the cache far more often than an even
    # spread, its busiest replica carries more than the cache-aware router's, and following the
    # cache cuts the tail against least connections at this load.
    assert home["prefix hit rate"] >= lc["prefix hit rate"] + 0.1
    assert home["busiest replica share"] > aware["busiest replica share"] > 1.0
    assert aware["TTFT p95 ms"] < lc["TTFT p95 ms"]
    for value in (f"{lc['prefix hit rate']:.0%}", f"{home['prefix hit rate']:.0%}",
                  f"{aware['TTFT p95 ms']:,.0f} ms", f"{aware['busiest replica share']:.2f}"):
        assert value in m.routing_verdict


def _paired(recorded: dict[str, Any], mean_a: float | None = None,
            mean_b: float | None = None) -> Any:
    """A recorded ``PairedComparison.to_dict()`` rebuilt and checked for consistency."""
    from genai_design.evaluation.stats import Interval, PairedComparison

    fields = {k: v for k, v in recorded.items() if k != "significant"}
    comparison = PairedComparison(**{**fields, "difference": Interval(**fields["difference"])})
    d = comparison.difference
    assert d.low <= d.estimate <= d.high and d.confidence == 0.95
    assert d.estimate == pytest.approx(comparison.mean_b - comparison.mean_a, abs=1e-9)
    assert 0.0 < comparison.p_value <= 1.0 and comparison.n >= 1
    assert recorded["significant"] is (comparison.p_value < comparison.alpha)
    if mean_a is not None:
        assert comparison.mean_a == pytest.approx(mean_a, abs=1e-9)
    if mean_b is not None:
        assert comparison.mean_b == pytest.approx(mean_b, abs=1e-9)
    return comparison


def _versus(value: float, base: float) -> str:
    """The word notebook 3b's verdicts use to compare two recalls (0.005 apart or less: a tie)."""
    return "ties" if abs(value - base) < 0.005 else ("beats" if value > base else "loses to")


def retrieval(g: Glued, server: dict[str, Any]) -> None:
    m = Recorded(g, "ret")
    tables = m.tables
    assert {"python-reference", "shop-help"} <= set(tables)
    for kb, table in tables.items():
        assert set(table) >= {"bm25", "dense", "hybrid", "hybrid+rerank", "hybrid+rerank(fused)"}
        for strategy, row in table.items():
            for key in ("recall@1", "recall@5", "recall@10", "MRR", "nDCG@10"):
                assert 0.0 <= row[key] <= 1.0, (kb, strategy, key)
            assert row["recall@1"] <= row["recall@5"] <= row["recall@10"], (kb, strategy)
            assert row["chunks"] > 0 and row["index MB"] > 0
            assert 0 < row["p50 ms"] <= row["p95 ms"]
    # The done-when: the best strategy beats BM25 alone on recall@5 by a reported margin
    # (0.20 seen on the Python reference: paraphrased questions defeat keyword search).
    assert m.py_margin_recall5 == pytest.approx(m.py_best_recall5 - m.py_bm25_recall5)
    assert m.py_margin_recall5 >= 0.05
    assert m.py_dense_recall5 > m.py_bm25_recall5
    assert m.py_hybrid_recall5 >= 0.8
    assert m.py_chunks == tables["python-reference"]["dense"]["chunks"]
    # Chunking compared on numbers: heading-aware chunks are smaller, so there are more of them.
    chunking = m.chunking
    assert set(chunking) == {"fixed", "recursive", "heading"}
    assert chunking["heading"]["chunks"] > chunking["recursive"]["chunks"]
    # The reranker is judged against hybrid on the very questions it was scored on.
    assert 0.0 <= m.py_hybrid_same_recall5 <= 1.0
    assert m.py_rerank_n_questions == tables["python-reference"]["hybrid+rerank"]["questions"]
    assert f"same {m.py_rerank_n_questions} questions" in m.rerank_verdict
    assert f"{m.py_hybrid_same_recall5:.2f}" in m.rerank_verdict
    assert m.reranker_pairs >= 300
    assert m.llm_n_questions >= 5 and 0.0 <= m.llm_recall5 <= 1.0
    # The verdicts the prose quotes are paired comparisons over the same questions, rebuilt here
    # from what was recorded: the means are the table's recalls, the sentences the package's.
    dense = _paired(m.py_dense_vs_bm25, m.py_bm25_recall5, m.py_dense_recall5)
    best = _paired(m.py_best_vs_bm25, m.py_bm25_recall5, m.py_best_recall5)
    assert dense.n == best.n == tables["python-reference"]["bm25"]["questions"]
    assert dense.verdict("keyword search", "dense search", "recall@5") in m.strategy_verdict
    assert best.verdict("keyword search", f"the best strategy, {m.py_best_strategy},",
                        "recall@5") in m.strategy_verdict
    # The best strategy's gain over keyword search is more than chance, on every question.
    assert best.significant and best.difference.low > 0
    for strategy, row in tables["python-reference"].items():
        low, high = (float(x) for x in row["recall@5 95% CI"].split(" to "))
        assert low - 0.005 <= row["recall@5"] <= high + 0.005, strategy
    rerank = _paired(m.rerank_vs_hybrid, m.py_hybrid_same_recall5, m.py_rerank_recall5)
    fused = _paired(m.fused_vs_hybrid, m.py_hybrid_same_recall5, m.py_rerank_fused_recall5)
    assert rerank.n == fused.n == m.py_rerank_n_questions
    assert rerank.verdict("hybrid", "the reranker alone", "recall@5") in m.rerank_verdict
    assert fused.verdict("hybrid", "the fused reranker", "recall@5") in m.rerank_verdict
    llm = _paired(m.llm_vs_hybrid, m.llm_hybrid_recall5, m.llm_recall5)
    assert llm.n == m.llm_n_questions
    assert llm.verdict("hybrid", "the judge", "recall@5") in m.llm_verdict
    hyb_same = m.py_hybrid_same_recall5
    assert f"used alone {_versus(m.py_rerank_recall5, hyb_same)} it ({m.py_rerank_recall5:.2f})" \
        in m.rerank_verdict
    assert (f"ranking {_versus(m.py_rerank_fused_recall5, hyb_same)} it "
            f"({m.py_rerank_fused_recall5:.2f})") in m.rerank_verdict
    llm_word = _versus(m.llm_recall5, m.llm_hybrid_recall5)
    assert f"as a judge {llm_word} hybrid search" in m.llm_verdict
    assert f"({m.llm_recall5:.2f} against {m.llm_hybrid_recall5:.2f})" in m.llm_verdict
    assert f"On {m.llm_n_questions} questions" in m.llm_verdict
    # LlamaIndex twin: dense search shares vectors and store, so it must agree exactly; BM25 and
    # fusion differ by LlamaIndex dropping query stop words (0.86 and 0.89 seen).
    assert m.li_top1_dense == 1.0
    assert m.li_top1_bm25 >= 0.7 and m.li_top1_hybrid >= 0.7
    assert m.li_top1_hybrid_rerank >= 0.4  # title-prefixed vs bare text scoring
    # Re-ingestion is idempotent, and every bad input was refused with a message.
    assert m.reingest_before == m.reingest_after > 0
    assert m.reingest_embedded == 0
    assert m.errors_raised == 5 and all(m.errors.values())
    # Latency over 10k chunks, query embedding included: the target is p95 < 50 ms; the bound
    # is wider because a CI machine shares its cores (52 ms seen next to a busy vLLM server).
    assert m.bench_chunks >= 10_000
    assert m.bench_dense_p95_ms < 100 and m.bench_hybrid_p95_ms < 100


def autoscaling(g: Glued, server: dict[str, Any]) -> None:
    m = Recorded(g, "as")
    assert m.concurrencies == [1, 2, 4, 8, 16]
    assert m.requests_sent >= 64
    # Batching pays: 16 in flight carry several times what one does (about 10x seen on the CPU).
    assert m.throughput_rps[-1] > 2 * m.throughput_rps[0]
    assert abs(m.slo_ms / m.latency_ms[0] - 2) < 1e-6  # twice the unloaded latency
    assert m.replicas_peak > m.replicas_trough >= 1
    if m.server_start_s is not None:  # the course server's own start-up is the cold start
        assert m.cold_start_s == m.server_start_s > 0
    # Autoscaling over a day costs fewer replica-hours than a pool sized for the peak,
    # and still serves nearly everything within the SLO.
    for key in ("rate", "util"):
        assert getattr(m, f"{key}_replica_hours") < m.fixed_replica_hours
        assert getattr(m, f"{key}_goodput_pct") >= 95.0
    # The verdicts the prose quotes agree with the replica-hours and goodput recorded.
    for key, name in (("rate", "request rate"), ("util", "utilisation")):
        saved, in_slo = getattr(m, f"{key}_saving_pct"), getattr(m, f"{key}_goodput_pct")
        sentence = getattr(m, f"{key}_verdict")
        assert saved == pytest.approx(
            100 * (1 - getattr(m, f"{key}_replica_hours") / m.fixed_replica_hours))
        assert (f"scaling on {name} used {abs(saved):.0f}% {'fewer' if saved > 0 else 'more'} "
                "replica-hours") in sentence, sentence
        assert ("kept up" in sentence) is (in_slo >= 95) and f"{in_slo:.1f}%" in sentence, sentence
    # A longer cold start never lowers tail latency (same arrivals, seeded).
    colds, p95 = m.burst_cold_starts_s, m.burst_p95_ms
    assert colds == sorted(colds) and colds[0] == 0.0 and colds[-1] == 300.0
    assert all(b >= a * 0.99 for a, b in zip(p95, p95[1:], strict=False)), p95
    assert m.burst_p95_cold300_ms > 5 * m.burst_p95_cold0_ms
    assert m.burst_goodput_cold300_pct < m.burst_goodput_cold0_pct
    # The running server, treated as an external endpoint, answers through the same code.
    assert m.external_profile == "external" and m.external_managed is False
    assert m.external_model == server["endpoint"].model


def disaggregation(g: Glued, server: dict[str, Any]) -> None:
    m = Recorded(g, "dg")
    tokens, ttft = m.prompt_tokens, m.ttft_ms
    assert min(tokens) < 400 and max(tokens) > 2500
    # Prefill grows with the prompt: the longest prompts take several times the shortest.
    assert min(t for n, t in zip(tokens, ttft, strict=True) if n == max(tokens)) > 3 * max(
        t for n, t in zip(tokens, ttft, strict=True) if n == min(tokens))
    assert m.prefill_us_per_token > 0 and m.decode_base_ms > 0
    assert m.typical_prompts == [100, 300, 1000, 2000]
    # vLLM's docs: disaggregation does not improve throughput. Same pool, same tokens/s.
    assert all(0.9 <= r <= 1.1 for r in m.tput_ratio), m.tput_ratio
    # With the CPU's measured costs, splitting cuts ITL p99 for short prompts (about 2x seen)...
    assert m.short_itl_ratio_min < 0.8
    assert m.short_chat_helps_itl is True
    # ...and barely touches TTFT (the prefill pool is smaller than the whole pool): no split
    # halves it. For the shortest prompts ratios of 0.79-0.80 were seen on a quiet machine and
    # 0.66 on a busy CI run (the costs are timed on the machine), so the bound sits well below
    # them; the sweep's verdicts below hold that splitting does not help TTFT.
    assert all(r > 0.5 for r in m.ttft_ratio), m.ttft_ratio
    # Whether a mix's best split "helps" TTFT (a cut of a fifth) is not asserted: the costs are
    # timed on the machine, and a busy CI run flipped the short-chat verdict to True. The page
    # quotes the verdict sentences, checked below against the numbers they rest on.
    assert isinstance(m.short_chat_helps_ttft, bool) and isinstance(m.rag_helps_ttft, bool)
    # On this CPU, decode steps grow steeply with context, so long prompts gain nothing in
    # ITL p99 either (the prose says so; on a GPU the balance may differ).
    assert m.long_itl_ratio_max >= 0.8
    assert m.rag_helps_itl is False
    # The verdicts the prose quotes say what the sweep measured: "helps" is a cut of a fifth or
    # more, and each sentence carries the numbers it rests on.
    assert m.tput_ratio_min == min(m.tput_ratio) and m.tput_ratio_max == max(m.tput_ratio)
    assert m.step16_2k_ms >= m.step16_ms > 0  # the context term is fitted non-negative
    for row in m.mix_rows:
        sentence = getattr(m, f"{row['mix'].replace('-', '_')}_verdict")
        for stat, colo, split, helps in (
                ("inter-token latency p99", row["colocated_itl_p99_ms"], row["split_itl_p99_ms"],
                 row["split_helps_itl"]),
                ("time to first token p95", row["colocated_ttft_p95_ms"], row["split_ttft_p95_ms"],
                 row["split_helps_ttft"])):
            assert helps is (split <= 0.8 * colo), (row["mix"], stat)
            assert (f"did not cut the {stat}" in sentence) is not helps, sentence
            assert (f"{stat}: it rose" in sentence) is (not helps and split > colo), sentence
            assert f"{colo:,.0f} ms" in sentence and f"{split:,.0f} ms" in sentence, sentence
    # Goodput per worker under both objectives, one row per prompt length, best split of three.
    assert m.tpot_slo_ms == m.itl_slo_ms
    assert [r["mix"] for r in m.goodput_rows] == [f"~{n} tokens" for n in m.typical_prompts]
    for row, ratio in zip(m.goodput_rows, m.goodput_ratio, strict=True):
        # Unloaded, every prompt here meets both objectives, so every layout carries some traffic.
        assert row["colocated_goodput_rps_per_worker"] > 0 and row["split_goodput_rps_per_worker"] > 0
        assert row["best_split"] in {"1P+3D", "2P+2D", "3P+1D"}
        assert ratio == pytest.approx(row["split_goodput_rps_per_worker"]
                                      / row["colocated_goodput_rps_per_worker"])
        assert f"{ratio:.2f} times the colocated pool's with prompts of {row['mix']}" in m.goodput_verdict
    # Longer prompts cost more to prefill, so a worker carries fewer of them within the objectives.
    colocated = [r["colocated_goodput_rps_per_worker"] for r in m.goodput_rows]
    assert colocated[-1] < colocated[0]


def continuous_batching(g: Glued, server: dict[str, Any]) -> None:
    m = Recorded(g, "cb")
    # Each method served a prefix of one request list and produced exactly the budgets it was
    # asked for (ignore_eos / min_new_tokens): useful tokens are comparable across methods.
    assert m.n_requests >= 2 * m.concurrency and m.concurrency == 64
    assert m.n_requests >= m.n_static >= m.n_sequential >= 16
    assert m.batch_size == m.concurrency  # the static batch is as wide as vLLM's
    assert m.vllm_tokens == m.useful_tokens
    assert m.static_tokens == m.static_budget_sum
    assert m.seq_tokens == m.seq_budget_sum
    assert m.vllm_errors == 0
    # Mixed budgets: static batches waste slots; one request at a time wastes none.
    assert m.seq_waste_pct == 0.0
    assert 10.0 < m.static_waste_pct < 100.0
    # Fairness: the idle server did not take CPU from the baseline; torch kept its default threads.
    assert m.server_cpu_during_hf_pct < 10.0
    assert m.torch_threads >= 1
    # The bars: vLLM at 64 in flight delivers 15x sequential generate() and beats the
    # static batch with mixed lengths. On a quiet 2-core CPU the first ratio sits at the bar
    # (14.6x and 18.5x seen in two runs: sequential generate() ran at 19-25 tokens/s); on a
    # busy CI machine vLLM's threads, pinned to both cores, lose more than generate() does, so
    # the test holds the ratio to a floor of 5x (batching still multiplies throughput) and
    # holds the notebook's verdict, which the prose quotes, to the number it measured.
    assert m.vllm_over_seq >= 5.0
    assert m.bar_15x is (m.vllm_over_seq >= 15.0)
    assert ("at least the 15x" if m.bar_15x else "short of the 15x") in m.verdict
    assert f"{m.vllm_over_seq:.1f}x" in m.verdict
    # vLLM beats the static batch. Earlier runs saw 2.6-2.7x; two runs on a later machine saw
    # 1.43x, with the static batch twice as fast there (cause not established), so the bound
    # is the chapter's bar itself: more tokens/s than the static batch.
    assert m.vllm_over_static > 1.0 and m.beats_static is True
    assert m.static_tps > m.seq_tps
    # The hardware ceiling: measured peaks are plausible for any x86-64 core, and decoding one
    # sequence of a small model is bound by reading its weights. vLLM's measured throughput is
    # a fraction of the ceiling: below 100% at the full batch (it cannot beat the arithmetic),
    # and at one sequence below 150% (caches can serve part of the weights faster than the
    # measured copy bandwidth, which the simple model ignores).
    assert 0.01 < m.peak_tflops < 1000 and 0.5 < m.peak_gb_s < 10000
    assert m.bound_1 == "memory" and m.ceiling_tps_batch > m.ceiling_tps_1
    assert 0 < m.fraction_batch_pct < 100
    assert 0 < m.fraction_1_pct < 150
    assert m.fraction_batch_pct == pytest.approx(100 * m.vllm_tps / m.ceiling_tps_batch)
    assert 100 < m.gpu7b_crossover_h100 < 1000  # published peaks: a 7B model batches into the hundreds


def load_testing(g: Glued, server: dict[str, Any]) -> None:
    m = Recorded(g, "lt")
    levels = m.concurrencies
    assert levels[0] == 1 and levels[-1] == 64 and levels == sorted(levels) and len(levels) >= 4
    assert m.errors == 0 and m.bench_errors == 0
    # Percentiles are ordered at every level, for every latency.
    for name in ("ttft", "itl", "e2e"):
        for p50, p95, p99 in getattr(m, f"{name}_pcts"):
            assert 0 < p50 <= p95 <= p99, (name, p50, p95, p99)
    # Throughput grows from one request in flight to the peak (13x seen at 64 on this CPU).
    tps = m.tps
    assert m.peak_tps == max(tps) and m.peak_concurrency > 1
    assert m.peak_over_c1 >= 3.0
    peak_at = tps.index(max(tps))
    assert all(a < b for a, b in zip(tps[:peak_at], tps[1:peak_at + 1])), tps
    # Queueing: TTFT p95 at 64 in flight is far above that of a lone request (15x seen).
    assert m.ttft_pcts[-1][1] > 5 * m.ttft_pcts[0][1]
    # The SLO verdict the prose quotes says what was measured. On 2 shared cores p95 TTFT at 64
    # in flight sits near the 1 s bound (953 ms and above 1 s both seen), so either verdict may
    # come out; a lone request always meets it.
    p95_ttft = [p95 for _, p95, _ in m.ttft_pcts]
    assert p95_ttft[0] <= m.slo_ttft_ms
    if m.ttft_break_concurrency:
        at = levels.index(m.ttft_break_concurrency)
        assert p95_ttft[at] > m.slo_ttft_ms and all(p <= m.slo_ttft_ms for p in p95_ttft[:at])
        assert f"first exceeds {m.slo_ttft_ms:.0f} ms at a concurrency of {levels[at]}" in m.slo_sentence
    else:
        assert all(p <= m.slo_ttft_ms for p in p95_ttft) and "stays within" in m.slo_sentence
    assert 0 < m.best_goodput_rps
    # Results were written as JSON and read back unchanged.
    assert m.json_roundtrip is True and m.json_levels == len(levels)
    # Our harness against vllm bench serve at the same setting: within a factor of 1.5
    # (ours about 0.8x in throughput and 1.2x in latency on 2 shared cores: client CPU).
    assert abs(m.bench_prompt_tokens_ours - m.bench_prompt_tokens_theirs) <= 5
    for field in ("output_tokens_per_s", "p50_ttft_ms", "p50_itl_ms", "p50_tpot_ms", "p50_e2e_ms"):
        ratio = getattr(m, f"bench_ratio_{field}")
        assert 1 / 1.5 <= ratio <= 1.5, (field, ratio)
    # Closed loop against open loop at the same mean load: the open loop's arrival rate is the
    # closed loop's achieved rate, every request of both runs succeeded, the open loop carried
    # about the rate it was offered, and the verdict the prose quotes matches the tails measured.
    assert m.open_mode == "open" and m.open_errors == 0 and m.open_n >= 64
    assert m.open_rate_rps == pytest.approx(m.closed_rps)
    assert 0.5 < m.open_rps / m.open_rate_rps < 1.5
    for loop in ("open", "closed"):
        for name in ("ttft", "e2e"):
            p50, p95, p99 = (getattr(m, f"{loop}_{name}_p{p}_ms") for p in (50, 95, 99))
            assert p99 >= p95 >= p50 > 0
    assert m.open_worse_tail is (m.open_over_closed_e2e_p99 > 1)
    for name in ("e2e", "ttft"):
        ratio = getattr(m, f"open_over_closed_{name}_p99")
        assert f"{'rose' if ratio > 1 else 'fell'} to {ratio:.2f}x" in m.open_sentence


def fallback(g: Glued, server: dict[str, Any]) -> None:
    m = Recorded(g, "fb")
    # Every help-centre question (both KB versions), split into two stratified halves.
    assert m.n_questions == m.n_tune + m.n_judge >= 100 and abs(m.n_tune - m.n_judge) <= 1
    assert 1 <= m.n_judge_unanswerable < m.n_unanswerable
    assert m.search_s < 60, "two searches per question over a cached index take seconds"
    assert m.signals == ["dense cosine", "dense margin", "hybrid RRF"] and m.chosen in m.signals
    # Each threshold meets the budget on the tuning half; the chosen one abstains least there.
    for name in m.signals:
        assert m.tune_wrong[name] <= m.max_wrong_rate + 1e-9
        assert 0 <= m.tune_abstain[name] <= 1 and 0 <= m.judge_abstain[name] <= 1
        assert 0 <= m.judge_wrong[name] <= 1 and 0 <= m.judge_caught[name] <= 1
    assert m.tune_abstain[m.chosen] == min(m.tune_abstain.values())
    assert m.thresholds[m.chosen] == m.threshold
    # Judged half: the fallback lowers the wrong-answer rate and pays in abstentions, each of
    # which either avoided a wrong answer or withheld a right one.
    assert m.wrong_after < m.wrong_before and m.correct_after <= m.correct_before
    assert m.wrong_before + m.correct_before == pytest.approx(1)
    assert m.wrong_after + m.correct_after + m.abstain_after == pytest.approx(1)
    assert m.abstain_after == pytest.approx(
        (m.wrong_before - m.wrong_after) + (m.correct_before - m.correct_after))
    assert 0 < m.abstain_after < 1 and 0 <= m.withheld <= 1
    assert m.caught_before == 0
    assert m.caught_after == pytest.approx(m.caught / m.n_judge_unanswerable)
    assert m.policy_abstain_rate == pytest.approx(m.abstain_after)  # the policy follows the curve
    # Retrieval puts a gold article first for most questions; the signals rank right answers
    # above wrong ones better than chance, and far from perfectly ("only partly").
    assert all(0.5 < v < 0.95 for v in m.gold_at_1.values())
    assert all(0.5 < v < 0.95 for v in m.auc_right.values())
    # The verdicts say what the numbers say.
    assert f"from {m.wrong_before:.0%} to {m.wrong_after:.0%}" in m.verdict
    assert f"caught {m.caught} of the {m.n_judge_unanswerable}" in m.verdict
    assert m.budget_held == (m.wrong_after <= m.max_wrong_rate)
    assert ("held" in m.budget_verdict) == m.budget_held
    assert m.signal_verdict.startswith(m.chosen)
    assert ("as many as any signal" in m.catch_verdict) == (
        max(m.judge_caught.values()) <= m.judge_caught[m.chosen])


def pii_scrubbing(g: Glued, server: dict[str, Any]) -> None:
    m = Recorded(g, "pii")
    # Every split present is scored, in quick mode too (quick only times fewer passes). The
    # headline is the split no rule was written or corrected on: the holdout once it exists.
    assert m.splits[:2] == ["dev", "test"] and set(m.splits) <= {"dev", "test", "seen-holdout", "seen-holdout-2",
                                                                  "holdout"}
    assert m.headline == ("holdout" if "holdout" in m.splits else "test")
    assert list(m.n_by_split) == m.splits and m.n_items == sum(m.n_by_split.values()) >= 60
    assert m.n_by_split["dev"] >= 30 and m.n_by_split["test"] >= 30 and m.n_repeats >= 1
    for who in ("presidio", "course"):
        for part in m.splits:
            for key in ("recall", "precision", "kept"):
                assert 0.0 <= getattr(m, f"{who}_{part}_{key}") <= 1.0, (who, part, key)
            assert getattr(m, f"{who}_{part}_n_gold") >= (40 if part != "holdout" else 1), (who, part)

    def head(who: str, key: str) -> Any:
        return getattr(m, f"{who}_{m.headline}_{key}")

    # dev, test and the studied holdouts are development data now: there the rules meet the target,
    # and the validators miss no card and no IBAN.
    for part in [p for p in m.splits if p != "holdout"]:
        recall, kept = getattr(m, f"course_{part}_recall"), getattr(m, f"course_{part}_kept")
        assert recall >= 0.95 and kept >= 0.95, part
        by_type = getattr(m, f"course_{part}_recall_by_type")
        assert by_type["CARD"] == 1.0 and by_type["IBAN"] == 1.0, part
    # On the headline split it finds at least as much as presidio's defaults and keeps more of the
    # rest; the allow-list keeps every order number, which presidio's defaults redact.
    assert head("course", "recall") >= head("presidio", "recall")
    assert head("course", "kept") > head("presidio", "kept")
    assert m.course_all_order_numbers_kept == 1.0 and m.presidio_all_order_numbers_kept < 1.0
    assert all(getattr(m, f"course_{part}_order_numbers_kept") in (1.0, None) for part in m.splits)
    assert set(head("course", "recall_by_type")) == {"PERSON", "EMAIL", "PHONE", "CARD", "IBAN", "ADDRESS"}
    assert m.presidio_other_types and all(n > 0 for n in m.presidio_other_types.values())
    assert m.round_trip is True  # restore(pseudonymise(text)) gives every message back
    assert 0 < m.course_ms < 200 and 0 < m.presidio_ms < 500  # spaCy's small model on 2 cores
    # The verdicts say what the numbers say.
    assert m.reached == (head("course", "recall") >= 0.95 and head("course", "kept") >= 0.95)
    assert ("did not reach" not in m.target_verdict) == m.reached
    assert all(f"on the {m.headline} split" in v for v in (m.target_verdict, m.compare_verdict))
    assert f"recall {head('course', 'recall'):.2f}, kept {head('course', 'kept'):.2f}" in m.target_verdict
    assert m.better is True and "found more and kept more" in m.compare_verdict
    # The headline recall's interval (messages resampled) holds the recall, and the verdict reads it.
    for who in ("presidio", "course"):
        low, high = head(who, "recall_low"), head(who, "recall_high")
        assert 0.0 <= low <= head(who, "recall") <= high <= 1.0 and high - low > 0.01, who
    assert f"is {head('course', 'recall_low'):.2f} to {head('course', 'recall_high'):.2f}" in m.interval_verdict
    assert ("cannot be ruled out" in m.interval_verdict) == (head("course", "recall_low") < 0.95)


def guardrail_pipeline(g: Glued, server: dict[str, Any]) -> None:
    m = Recorded(g, "gp")
    assert m.n_requests == 4 * m.n_each
    kinds = m.actions
    assert set(kinds) == {"help-centre question", "not covered", "injection attempt", "personal data"}
    assert sum(sum(c.values()) for c in kinds.values()) == m.n_requests
    # Attacks from the course's set are not all caught (6a), but the guard must block some, and
    # it may only block or refuse them: an injection that passes is answered, never crashes.
    assert kinds["injection attempt"].get("block", 0) >= 1
    assert m.pii_reached_model <= m.pii_values
    assert m.pii_in_log == 0  # the audit log never holds the customer's own values
    assert m.audit_torn == 0 and m.audit_records >= m.n_requests  # one input record per request at least
    assert 0 <= m.guard_p50_ms <= m.guard_p95_ms < 5_000
    assert m.call_p50_ms > 0 and m.n_calls >= 1
    assert (m.overhead_pct < 10) == ("a small fraction" in m.guard_verdict)
    assert m.cli_lines == m.cli_texts == 40
    assert m.cli_s < 120  # the page states the measured time (goal: 20 s); wide margin for a busy CI machine
    assert 0 < m.injection_threshold < 1 and m.min_confidence > 0


def answer_evaluation(g: Glued, server: dict[str, Any]) -> None:
    m = Recorded(g, "ev")
    n = m.n_questions
    assert n >= 20 and 0 < m.n_answerable < n  # the sample holds questions without gold documents
    assert sum(m.by_type.values()) == n and all(m.by_type[t] >= 2 for t in m.by_type if m.by_type[t])
    assert len([t for t in m.by_type if m.by_type[t]]) == 5  # every question type is in the sample
    # The hand-checked example: overlap rewards wording, faithfulness catches the invented number.
    hand = m.hand
    assert hand["the reference itself"]["exact match"] == 1.0
    assert hand["right, in other words"]["token F1"] < hand["wrong number"]["token F1"]
    assert hand["wrong number"]["in the source"] < hand["right, in other words"]["in the source"]
    assert hand["abstains"]["abstains"] == "True"
    names = {"v1, free text", "v2, free text", "v2, gold documents", "v3, extractive",
             "v2, {context} lost"}
    assert set(m.runs) == names
    for name, run in m.runs.items():
        # Every system answered the same questions, the two command-line runs included.
        assert run["question_ids"] == m.question_ids, name
        metrics = run["metrics"]
        assert metrics["questions"] == n and metrics["answerable"] == m.n_answerable
        for key in ("token_f1", "rouge_l", "exact_match", "answered_when_should"):
            assert 0.0 <= metrics[key] <= 1.0, (name, key)
    runs = {name: run["metrics"] for name, run in m.runs.items()}
    assert runs["v2, gold documents"]["context_recall"] == 1.0
    assert runs["v2, {context} lost"]["context_recall"] == 0.0  # nothing was shown
    assert 0.0 < m.context_recall <= 1.0
    # Extraction copies a passage sentence: grounded by construction. Free text is not, on the
    # small model: the notebook's prose says so, and the gate's faithfulness floor fails it.
    assert runs["v3, extractive"]["source_precision"] == pytest.approx(1.0)
    assert m.runs["v3, extractive"]["extractive"] is True
    for name in ("v1, free text", "v2, free text"):
        assert runs[name]["source_precision"] < 0.8, name
    # The release gate, run as a command: it passes the better system and fails the worse one.
    assert m.rc_better == 0 and m.report_better["passed"] is True and m.report_better["failures"] == []
    assert m.rc_worse == 1 and m.report_worse["passed"] is False
    assert any(f.startswith("source_precision") for f in m.report_worse["failures"])
    assert m.report_better["questions"] == m.report_worse["questions"] == n
    assert m.gate_passes["v3, extractive"] is True and m.gate_passes["v2, {context} lost"] is False
    for report in (m.report_better, m.report_worse):
        for check in report["checks"]:
            assert check["low"] <= check["value"] <= check["high"]
            assert check["passed"] is (check["value"] >= check["minimum"])
    # Paired comparisons, rebuilt from what was recorded; the sentences the prose quotes agree.
    names = {"token_f1": "token F1", "source_precision": "source precision", "abstained": "abstention rate"}
    for key, name in names.items():
        comparison = _paired(m.compare[key])
        assert comparison.verdict("version 1", "version 2", name) == m.prompt_verdicts[key]
    assert _paired(m.compare["token_f1"]).mean_a == pytest.approx(runs["v1, free text"]["token_f1"])
    gold = _paired(m.gold_f1, runs["v2, free text"]["token_f1"], runs["v2, gold documents"]["token_f1"])
    assert gold.verdict("answering from retrieved passages", "answering from the gold documents",
                        "token F1") == m.gold_verdict
    assert m.blame.startswith("retrieval") is (gold.significant and gold.difference.estimate > 0)
    _paired(m.gold_faithful)
    extractive = _paired(m.extractive_vs_v2, runs["v2, free text"]["token_f1"],
                         runs["v3, extractive"]["token_f1"])
    assert extractive.verdict("v2 in free text", "v3 extractive", "token F1") == m.extractive_verdict
    lost = _paired(m.lost_vs_v2, runs["v2, free text"]["token_f1"], runs["v2, {context} lost"]["token_f1"])
    assert lost.verdict("v2 with its passages", "v2 with no passages", "token F1") == m.lost_verdict
    assert m.n_found + m.n_missed == m.n_answerable and 0.0 <= m.f1_found <= 1.0
    # The scalars the chapter page quotes are the ones above.
    for key, name in (("v1", "v1, free text"), ("v3", "v3, extractive"), ("lost", "v2, {context} lost")):
        assert getattr(m, f"{key}_source_precision") == runs[name]["source_precision"]
        assert getattr(m, f"{key}_token_f1") == runs[name]["token_f1"]
    assert m.verdict_f1 == m.prompt_verdicts["token_f1"] and "source_precision >= 0.8" in m.floors


def online_metrics(g: Glued, server: dict[str, Any]) -> None:
    m = Recorded(g, "on")
    daily = m.daily
    assert len(daily["day"]) == m.days and sum(daily["sessions"]) == m.n_sessions > 10_000
    # Weekends are quieter than weekdays; every daily rate is a rate.
    assert np.mean([n for d, n in zip(daily["day"], daily["sessions"]) if d % 7 >= 5]) < \
        np.mean([n for d, n in zip(daily["day"], daily["sessions"]) if d % 7 < 5])
    for key in ("task_completion", "escalation_rate", "feedback_rate", "thumbs_up_share"):
        assert all(0.0 <= v <= 1.0 for v in daily[key]), key
    # The ratings come from a self-selected few and understate completion.
    assert m.feedback_rate < 0.2 and m.thumbs_share < m.true_completion - 0.1
    # Before/after mixes the release with the sale and gets the sign wrong; the A/B split on the
    # same days finds the configured lift.
    assert m.before_after_diff < 0 < m.ab_diff and m.ab_p < 0.01
    assert m.ab_diff == pytest.approx(m.lift, abs=0.02)
    tc = m.readouts["task_completion"]
    assert tc["ab"]["difference"] == m.ab_diff and tc["before_after"]["difference"] == m.before_after_diff
    assert f"{m.ab_diff:+.3f}" in m.ab and f"{m.before_after_diff:+.3f}" in m.before_after
    esc = m.readouts["escalation_rate"]["ab"]
    assert esc["difference"] < 0  # a better assistant hands fewer sessions to people
    # Sizing: the formula's numbers, and a tenth of the lift needs about a hundred times the sessions.
    sizes = m.ab_sizes
    assert sizes["0.10"] < sizes["0.05"] < sizes["0.02"] < sizes["0.01"]
    assert 60 < sizes["0.01"] / sizes["0.10"] < 140
    assert m.ab_n_10 == sizes["0.10"] and m.ab_n_01 == sizes["0.01"]
    # Peeking: checked once keeps close to the promised 5%; checked daily is far above it.
    assert 0.03 < m.peek_once < 0.07 and m.peek_daily > 2 * m.peek_once
    assert m.peek_ratio == pytest.approx(m.peek_daily / m.peek_once)
    looks = m.peek["fpr_by_looks"]
    assert len(looks) == 14 and all(a <= b for a, b in zip(looks, looks[1:]))
    assert looks[-1] == m.peek_daily


def cost_and_caching(g: Glued, server: dict[str, Any]) -> None:
    m = Recorded(g, "cq")
    assert m.n_stream == 4 * m.n_anchors and m.n_batch >= 4
    # The time split adds up, and the model call dominates retrieval on a CPU-served model.
    assert m.retrieval_share + m.model_share + m.other_share == pytest.approx(1.0, abs=1e-6)
    assert m.model_share > m.retrieval_share and 0 <= m.other_share < 0.2
    assert m.split_verdict.startswith("the model call is most") == (m.model_share > 0.5 and m.retrieval_share < 0.1)
    assert 0 < m.ttft_p50_ms <= m.p50_ms <= m.p95_ms
    # Tokens: the prompts carry four passages; both tokenizers count within a factor of 1.5.
    assert 300 < m.served_in_mean < 2000 and 0.67 < m.api_over_served < 1.5
    assert m.api_in_mean == pytest.approx(m.api_over_served * m.served_in_mean, rel=0.01)
    # Prices are recomputed from their inputs; batching makes the machine's answers cheaper.
    assert m.usd_1k_mini == pytest.approx(
        (m.api_in_mean * m.mini_in + m.out_mean * m.mini_out) / 1000, rel=1e-6)
    assert m.batch_gain > 1.2 and m.usd_1k_cpu_batch < m.usd_1k_cpu_seq
    assert m.usd_1k_large > m.usd_1k_mini
    assert m.break_even_large is not None and m.break_even_large > 0
    assert m.break_even_mini is None or m.break_even_mini > m.break_even_large
    # API bills grow in proportion to traffic; a GPU plan in whole replicas, less than in proportion.
    assert m.mini_100x == pytest.approx(100 * m.mini_1x, rel=1e-6)
    assert m.large_100x == pytest.approx(100 * m.large_1x, rel=1e-6)
    assert m.gpu_1x <= m.gpu_100x <= 100 * m.gpu_1x
    # Levers: fewer passages cost recall; the top lever is the largest saving.
    assert m.recall_at_2 <= m.recall_at_4 and m.top_lever in m.levers
    assert m.levers[m.top_lever] == max(m.levers.values()) and all(v >= 0 for v in m.levers.values())
    # The semantic-cache curve: rates are rates; the verdict follows the threshold found.
    assert m.n_pairs >= 140 and 0.0 <= m.separation <= 1.0
    assert all(0.0 <= v <= 1.0 for v in m.curve_hit)
    assert (m.threshold is None) == (m.lowest_false > m.max_false_hit_rate)
    assert ("not safe" in m.semantic_verdict) == (m.threshold is None)
    # The replay: an exact cache serves exactly the retyped questions and is never wrong.
    assert m.exact_hit == pytest.approx(0.25) and m.exact_false == 0
    assert m.p50_exact <= m.p50_none * 1.001 and m.p95_exact <= m.p95_none * 1.001
    assert m.semantic_hit >= m.exact_hit
    replay = m.replay
    assert replay["no cache"]["hit rate"] == 0 and replay["no cache"]["p95 ms"] == m.p95_none
    assert all(kind in ("near miss", "paraphrase", "typed again") for kind in m.semantic_wrong_kinds)


TRACED_SPANS = ["answer", "generation", "guardrail.input", "guardrail.output", "prompt", "retrieval"]


def traces_and_drift(g: Glued, server: dict[str, Any]) -> None:
    m = Recorded(g, "dm")
    # Every answer's trace has its six spans (the guard's two among them), with the prompt version
    # on the prompt span.
    assert m.trace_spans == TRACED_SPANS
    assert m.trace_prompt.startswith("rag-answer@")
    # The bad answer's chunks: the Netherlands threshold changed, so a shown chunk is stale.
    assert m.bad_question == "shop-068" and 1 <= len(m.stale_shown) <= m.n_shown
    assert all(c.startswith("shop-help/") for c in m.stale_shown)
    assert 1 <= m.at_risk <= m.n_traced
    # The stale-index monitor fires on version 2 with the documents CHANGES.md lists, quiet on v1.
    assert m.quiet_stale is False and m.fired_stale is True
    assert "shop-help/shipping-netherlands" in m.changed and m.n_changed == len(m.changed) >= 10
    assert sorted(m.added) == ["shop-help/chat-assistant", "shop-help/same-day-delivery"]
    assert m.removed == ["shop-help/bank-transfer"] and m.matches_change_log is True
    assert ("barely" in m.recall_verdict) == (m.recall_fresh - m.recall_stale < 0.1)
    assert m.august_verdict.startswith("no alarm") == (not m.alarm_august)
    # Retrieval on the August questions: the rebuilt index is at least as good, and the stale
    # index shows stale text far more often.
    assert m.recall_fresh >= m.recall_stale and m.n_august >= 15
    assert m.stale_context_old > m.stale_context_new + 0.2
    # Query drift: the alarm follows the p-value; false alarms near alpha, power grows with the shift.
    assert m.alarm_february == (m.p_february <= m.alpha) and m.alarm_august == (m.p_august <= m.alpha)
    assert m.alarm_february is False
    power = [m.power[k] for k in sorted(m.power)]
    assert m.false_alarm <= m.alpha + 3 * np.sqrt(m.alpha * (1 - m.alpha) / m.n_repeats) + 1 / m.n_repeats
    assert m.power_50 >= 0.8 and m.power_50 > m.false_alarm
    assert power == sorted(power) or max(b - a for a, b in zip(power[1:], power)) < 0.2
    # The service: every request answered, metrics scraped during the run, nothing lost on a kill.
    assert m.service_failed == 0 and m.n_service >= 16
    assert 0 < m.service_p50_ms <= m.service_p95_ms and m.metrics_samples >= 3 and m.peak_running >= 1
    assert m.feedback_acknowledged == m.n_service == m.answers_kept
    assert m.feedback_kept == m.feedback_acknowledged and m.feedback_after_restart == 201
    # Every stored answer has its trace; a rated-down answer's trace has all six spans: the
    # service runs the guarded assistant by default.
    assert m.service_traced == m.answers_kept
    assert m.down_trace_spans == TRACED_SPANS


def judges(g: Glued, server: dict[str, Any]) -> None:
    from genai_design.evaluation import agreement

    m = Recorded(g, "jd")
    n = m.n_items
    assert n == len(m.verdicts) == len(m.human) >= 50 and 0 < m.n_correct < n
    assert set(m.verdicts) <= {"correct", "incorrect"}  # constrained decoding: always a label
    # The widget stored both clicks, and a store reopened on the file found them.
    assert m.widget_labels == {m.first_item: "correct", m.second_item: "incorrect"}
    # Agreement, recomputed from the recorded verdicts and labels.
    assert m.llm_agree == pytest.approx(agreement.percent_agreement(m.human, m.verdicts))
    k = m.llm_kappa
    assert k["estimate"] == pytest.approx(agreement.cohen_kappa(m.human, m.verdicts))
    assert k["low"] <= k["estimate"] <= k["high"]
    assert sum(map(sum, m.matrix)) == n and m.matrix[0][0] + m.matrix[1][1] == round(m.llm_agree * n)
    for flip in (m.position_flip, m.verbosity_flip):
        assert 0.0 <= flip <= 1.0
    assert m.probe_rows["answer before reference"]["verdicts changed"] == m.position_flip
    # Every judge is reported with its interval; the majority-label judge has kappa 0 by construction.
    assert len(m.judges) == 4
    for name, row in m.judges.items():
        assert row["kappa"]["low"] <= row["kappa"]["estimate"] <= row["kappa"]["high"], name
    always = next(row for name, row in m.judges.items() if name.startswith("always"))
    assert always["kappa"]["estimate"] == 0.0
    assert -1.0 <= m.similarity_kappa <= 1.0 and -1.0 <= m.feature_kappa <= 1.0
    assert m.judge_ms > 0 and m.feature_ms > 0
    # The scalars the chapter page quotes.
    assert (m.llm_kappa_estimate, m.llm_kappa_low, m.llm_kappa_high) == (k["estimate"], k["low"], k["high"])
    assert m.feature_kappa_low <= m.feature_kappa <= m.feature_kappa_high
    assert m.majority_agree == always["agreement"] == max(m.n_correct, n - m.n_correct) / n


def requirements(g: Glued, server: dict[str, Any]) -> None:
    from genai_design.capacity import HOURS_PER_MONTH

    m = Recorded(g, "rq")
    assert m.model == server["endpoint"].model
    # Real prompts were counted: a RAG prompt with four passages is hundreds of tokens, its
    # answer tens, a news article hundreds; the API's tokenizer is within a factor of two.
    t = m.tokens
    assert 200 < t["shop prompts"]["served_mean"] < 2000
    assert 5 < t["shop reference answers"]["served_mean"] < 200
    assert 200 < t["news prompts"]["served_mean"] < 3000
    assert all(0.5 < v["ratio"] < 2.0 for v in t.values())
    assert all(v["served_p95"] >= v["served_mean"] * 0.9 for v in t.values())
    # The replica: throughput grows with load; prefill costs time per token.
    tps = [p["output_tokens_per_s"] for p in m.cpu_points]
    assert len(tps) >= 3 and tps[-1] > tps[0]
    assert 0 < m.prefill_ms_per_token < 20 and len(m.prefill_points) >= 6
    assert m.prefill_points[-1][0] > 1500  # the longest probe is about 2,048 tokens
    for key, req in m.products.items():
        plans = m.plans[key]
        assert len(plans) == 6  # the CPU, three GPU estimates, two managed APIs
        for p in plans:
            if p["kind"] == "self-hosted" and p["reachable"]:
                assert p["replicas_later"] >= p["replicas_now"] >= 1
                assert np.isclose(p["monthly_usd_later"] / p["replicas_later"],
                                  p["monthly_usd_now"] / p["replicas_now"])
                hourly = p["monthly_usd_later"] / p["replicas_later"] / HOURS_PER_MONTH
                assert hourly > 0
                if "estimated" in p["source"]:
                    assert "not measured" in p["source"]
            if p["kind"] == "managed API":
                assert p["allowed"] is (not req["private"])
                assert np.isclose(p["monthly_usd_later"] / p["monthly_usd_now"], req["qps_later"] / req["qps_now"])
        # The decision is the cheapest plan in six months that is allowed, good enough and reachable.
        assert any(not p["good_enough"] for p in plans)  # the small model is priced, never chosen
        usable = [p for p in plans if p["allowed"] and p["good_enough"] and p["reachable"]]
        best = min(usable, key=lambda p: p["monthly_usd_later"])
        assert m.decisions[key]["choice"] == best["option"]
        assert best["option"] in m.verdicts[key] and f"{best['monthly_usd_later']:,.0f}" in m.verdicts[key]
    # Privacy decides before cost: the tagger never goes to a managed API.
    assert m.decisions["tagger"]["kind"] == "self-hosted"
    assert m.tagger_choice not in m.api_prices
    assert m.products["shop"]["ttft_ms"] == 1000.0 and m.products["tagger"]["ttft_ms"] is None
    cpu = m.cpu_shop
    if cpu["reachable"]:
        assert f"{cpu['capacity_rps']:.2f} shop requests" in m.cpu_sentence
        assert cpu["ttft_ms"] <= m.products["shop"]["ttft_ms"]
    else:
        assert "at no load level" in m.cpu_sentence
    assert m.h100_shop_rps > 0 and m.mini_shop_usd_later > 0
    assert ("no rate" in m.break_even_sentence) == any(found[m.h100_name] is None for found in m.break_even.values())
    for api, found in m.break_even.items():
        assert api in m.api_prices
        for name, q in found.items():
            assert q is None or 0.01 <= q <= 10_000, name
    # The dearer API breaks even with every self-hosted option sooner than the cheaper one does.
    # The estimated H100 always breaks even with it; the CPU option is timed on this machine,
    # and on a busy run it met the targets at no load (then neither API has a break-even rate).
    cheap, dear = sorted(m.break_even, key=lambda a: m.api_prices[a]["usd_per_m_output"])
    assert m.break_even[dear][m.h100_name] is not None
    for name, q in m.break_even[dear].items():
        if q is None:
            assert m.break_even[cheap][name] is None, name
        else:
            assert m.break_even[cheap][name] is None or q <= m.break_even[cheap][name], name


def pattern_and_agents(g: Glued, server: dict[str, Any]) -> None:
    m = Recorded(g, "pt")
    assert m.model == server["endpoint"].model
    patterns = {name: c["pattern"] for name, c in m.choices.items()}
    assert patterns == {"shop help assistant": "RAG", "returns assistant": "fixed tool pipeline",
                        "news archive tagger": "fine-tuning", "travel booking agent": "agent"}
    assert (m.shop_pattern, m.returns_pattern, m.tagger_pattern, m.travel_pattern) == (
        patterns["shop help assistant"], patterns["returns assistant"], patterns["news archive tagger"],
        patterns["travel booking agent"])
    assert m.n_tasks == (8 if m.quick else 16) == len(m.expected)
    # The pipeline reads every task with code and takes its verdict from the tool: all complete.
    assert m.pipeline_completed == 1.0 and m.summary["pipeline"]["steps"] == 1.0
    assert m.right_call["pipeline"] == 1.0
    allowed = {"answer", "step limit", "spend cap", "invalid action"}
    for run, expected in zip(m.runs["agent"], m.expected):
        assert 1 <= run["steps"] <= m.max_steps and run["stopped_by"] in allowed
        assert run["completed"] == (run["eligible"] is not None and run["eligible"] == expected)
        assert (run["stopped_by"] == "answer") == (run["eligible"] is not None)
        if run["stopped_by"] == "spend cap":
            assert run["input_tokens"] + run["output_tokens"] >= m.spend_cap
    assert sum(m.stops.values()) == m.n_tasks
    completed = sum(r["completed"] for r in m.runs["agent"]) / m.n_tasks
    assert np.isclose(m.agent_completed, completed) and 0 <= m.agent_right_call <= 1
    assert m.agent_tokens > 0 and m.pipeline_tokens > 0
    assert m.worth_it == (m.agent_completed > m.pipeline_completed)
    assert np.isclose(m.no_tool, sum(not r["tool_calls"] for r in m.runs["agent"]) / m.n_tasks)
    assert np.isclose(m.always_no, m.expected.count(False) / m.n_tasks)
    assert f"{m.agent_completed:.0%}" in m.verdict and f"{m.pipeline_completed:.0%}" in m.verdict
    assert ("not worth it" in m.verdict) == (not m.worth_it)


def finetuning(g: Glued, server: dict[str, Any]) -> None:
    m = Recorded(g, "ft")
    assert m.n_test == (100 if m.quick else 400) and m.n_train == (200 if m.quick else 800)
    assert m.n_shots == 10
    # The adapter trains a small share of the weights, and within the chapter budget in quick mode.
    assert 0 < m.trainable_params < m.total_params / 50
    assert m.train_seconds > 0 and (not m.quick or m.train_seconds < 180)
    losses = m.report["losses"]
    assert np.mean(losses[-5:]) < np.mean(losses[:5]), "training lowered the loss"
    for name, acc in m.accuracy.items():
        assert 0 <= acc["low"] <= acc["estimate"] <= acc["high"] <= 1, name
    assert m.tuned_acc > 0.2 + 0.05, "the adapter beats the five-topic chance rate by a clear margin"
    assert m.fewshot_tokens > 2 * m.tuned_tokens, "few-shot prompts carry the examples"
    # The verdict and the break-even follow from the numbers recorded.
    assert np.isclose(m.gain, m.tuned_acc - m.fewshot_acc)
    assert m.significant == (m.mcnemar["p_value"] < 0.05)
    assert f"{m.tuned_acc:.1%}" in m.verdict and f"{m.fewshot_acc:.1%}" in m.verdict
    assert ("does not find significant" in m.verdict) == (not m.significant)
    saving = m.per_request_usd["few-shot"] - m.per_request_usd["LoRA fine-tuned"]
    if saving > 0:
        assert np.isclose(m.break_even, m.upfront_usd / saving)
    else:
        assert m.break_even is None
    # The merged model is a plain 16-bit folder that answers as the adapter did (16-bit rounding
    # may flip a near-tie or two), and the adapter is a small fraction of it.
    assert m.merged_agree >= 0.95
    assert 0 < m.adapter_mb < m.merged_mb / 20


def model_selection(g: Glued, server: dict[str, Any]) -> None:
    m = Recorded(g, "ms")
    assert m.n_test == (50 if m.quick else 300) and m.n_dev == (50 if m.quick else 200)
    assert m.n_judge == 60 and m.n_shots == 10
    assert len(m.models) >= 2, "the served model and at least one other candidate"
    for key, fp in m.footprint.items():
        assert fp["params"] > 1e8 and fp["bytes_bf16"] == 2 * fp["params"], key
        assert 0 < fp["embedding_share"] < 1, key
    # Every path (model, method) is measured, and few-shot prompts carry their examples.
    assert set(m.accuracy) == {f"{k}, {method}" for k in m.models for method in ("zero-shot", "few-shot")}
    for path, acc in m.accuracy.items():
        assert 0 <= acc["low"] <= acc["estimate"] <= acc["high"] <= 1, path
        assert m.ms_per_item[path] > 0 and m.usd_per_million[path] > 0, path
    for k in m.models:
        assert m.prompt_tokens[f"{k}, few-shot"] > 2 * m.prompt_tokens[f"{k}, zero-shot"], k
    # The best path beats the five-topic chance rate: the models do read the headlines.
    assert max(a["estimate"] for a in m.accuracy.values()) > 0.2 + 0.05
    # Judging: a constant verdict scores exactly one half of balanced accuracy.
    for k in m.models:
        assert 0 <= m.judge_balanced[k] <= 1
        if m.judge_constant[k]:
            assert m.judge_balanced[k] == 0.5
            assert np.isclose(m.judge_plain[k], m.judge_majority) or np.isclose(m.judge_plain[k], 1 - m.judge_majority)
    assert m.judge_majority > 0.7, "most labelled answers are incorrect: the base rate the table shows"
    # Routing: the paths are chosen as described, and each curve's ends are the paths alone.
    assert m.cheap == f"{m.models[0]}, zero-shot" and m.cheap != m.strong
    assert m.strong == max((p for p in m.dev_accuracy if p != m.cheap), key=m.dev_accuracy.get)
    assert np.isclose(m.alone["cheap"]["accuracy"], m.accuracy[m.cheap]["estimate"])
    assert np.isclose(m.alone["strong"]["accuracy"], m.accuracy[m.strong]["estimate"])
    assert m.router_ms > 0 and np.isclose(m.target, m.dev_accuracy[m.strong] - m.tolerance)
    for policy, point in m.applied.items():
        assert np.isclose(point["share_strong"], m.chosen[policy]["share_strong"], atol=0.05), policy
        assert m.chosen[policy]["accuracy"] >= m.target - 1e-9, policy
        assert 0 <= point["accuracy"] <= 1 and point["cost"] > 0, policy
    for policy, beats in m.beats_random.items():
        assert policy in m.route_verdict and f"{m.applied[policy]['accuracy']:.1%}" in m.route_verdict
    assert f"{m.accuracy[m.top + ', few-shot']['estimate']:.1%}" in m.model_verdict
    assert ("does not find" in m.model_verdict) == (m.mcnemar["p_value"] >= 0.05)


def paged_attention(g: Glued, server: dict[str, Any]) -> None:
    m = Recorded(g, "pa")
    assert m.n_requests >= (30 if m.quick else 100)
    assert m.block_size >= 1 and m.num_blocks > 0 and m.kv_bytes_per_token > 0
    assert 0 < m.output_mean < m.prompt_mean < m.max_model_len
    # The ordering the lesson rests on, and paging close to the published figure for vLLM.
    assert m.waste_whole > m.waste_capped > m.waste_paged >= 0
    assert m.waste_whole > 0.8, "the shop's requests are far shorter than the model's context"
    assert m.waste_paged < 0.1 and m.fit_ratio > 5 and m.fit_ratio_capped > 1
    sizes = sorted(m.by_block_size, key=int)
    assert m.by_block_size["1"] == 0 and all(m.by_block_size[a] <= m.by_block_size[b] + 1e-12
                                             for a, b in zip(sizes, sizes[1:])), "waste grows with the block"
    # The template's opening is shared; sharing saves more as more requests run.
    assert m.prefix > 0
    saved = [m.prefix_saved[n] for n in sorted(m.prefix_saved, key=int)]
    assert saved[0] == 0 and all(a <= b + 1e-12 for a, b in zip(saved, saved[1:])) and saved[-1] > 0
    # Preemption: none with room for everything, more as the room shrinks.
    runs = [m.preemption[b] for b in sorted(m.preemption, key=int, reverse=True)]
    assert runs[0]["preemptions"] == 0 and runs[-1]["preemptions"] > 0
    assert all(r["steps"] >= runs[0]["steps"] for r in runs)
    assert m.server_preemptions >= 0
    # Preemption on a real server: a second server given half the blocks a burst needs preempts by
    # its own counter, and every request still finishes with its full output (nothing is lost).
    # (The suite runs the CPU profile; on a GPU profile the notebook starts no second engine.)
    assert m.n_burst == (8 if m.quick else 16) and 0 < m.side_blocks < m.burst_demand
    assert m.simulated_burst["budget_blocks"] == m.side_blocks and m.simulated_burst["preemptions"] > 0
    # vLLM's rule (no admission after a preemption) never preempts more than the plain allocator here
    held = m.simulated_burst_held
    assert held["budget_blocks"] == m.side_blocks and 0 <= held["preemptions"] <= m.simulated_burst["preemptions"]
    assert f"and {held['preemptions']} times when it admits no request" in m.observed_verdict
    assert m.observed_preemptions >= 1 and m.burst_complete is True and m.side_start_s > 0 and m.burst_s > 0
    assert f"preempted {m.observed_preemptions:.0f} times by its own count" in m.observed_verdict
    for key in ("paged_verdict", "prefix_verdict", "preempt_verdict", "observed_verdict"):
        assert isinstance(getattr(m, key), str) and getattr(m, key)
    assert f"{m.waste_paged:.1%}" in m.paged_verdict and f"{m.waste_whole:.1%}" in m.paged_verdict


def case_study_python_docs(g: Glued, server: dict[str, Any]) -> None:
    m = Recorded(g, "cspy")
    # Steps 0-2: the reference record passes the checker, and its needs call for RAG.
    assert m.findings == [] and m.pattern == "RAG"
    # Step 3: every strategy scored on the same questions; the choice follows the stated rule.
    table = m.retrieval
    assert set(table) == {"bm25, recursive", "dense, recursive", "hybrid, recursive",
                          "hybrid+rerank(fused), recursive", "hybrid, heading"}
    assert len({row["questions"] for row in table.values()}) == 1  # the same questions for all
    for name, row in table.items():
        assert 0 < row["questions"] <= m.n_retrieval, name
        assert 0 <= row["recall@1"] <= row["recall@5"] <= row["recall@10"] <= 1, name
    assert m.best_strategy == max(table, key=lambda n: table[n]["recall@5"])
    best = _paired(m.best_vs_hybrid, table["hybrid, recursive"]["recall@5"], table[m.best_strategy]["recall@5"])
    gains = best.significant and best.difference.estimate > 0
    assert m.chosen == (m.best_strategy if gains else "hybrid, recursive")
    assert best.verdict("hybrid search", f"the best strategy ({m.best_strategy})", "recall@5") == m.retrieval_verdict
    # Steps 4-7: two prompt versions answered the same questions; the gate decided the release.
    assert set(m.runs) == {"v2, free text", "v3, extractive", "v3 + fallback"}
    for name, metrics in m.runs.items():
        for key in ("token_f1", "source_precision", "answered_when_should", "abstained_when_should"):
            assert metrics[key] is not None and 0 <= metrics[key] <= 1, (name, key)
        assert m.gates[name]["passed"] is (not m.gates[name]["failures"])
    # The extractive version copies a sentence of the sections shown: grounded by construction.
    assert m.runs["v3, extractive"]["source_precision"] >= 0.9
    passing = [n for n in m.runs if m.gates[n]["passed"]]
    assert m.release == max(passing, key=lambda n: (m.runs[n]["abstained_when_should"], m.runs[n]["token_f1"]),
                            default=None)
    # The fallback only adds abstentions to version 3's answers, on the questions it declined.
    v3, fb = m.runs["v3, extractive"], m.runs["v3 + fallback"]
    assert fb["abstained_when_should"] >= v3["abstained_when_should"]
    assert fb["answered_when_should"] <= v3["answered_when_should"]
    assert len(m.declined) <= m.n_answers and 0 < m.withhold < 1
    assert m.model_should == max(m.runs[n]["abstained_when_should"] for n in ("v2, free text", "v3, extractive"))
    assert f"the model alone abstained on {m.model_should:.0%} of the {m.n_unanswerable} questions" in m.abstention_sentence
    assert f"with the fallback, on {fb['abstained_when_should']:.0%}" in m.abstention_sentence
    assert m.release_label == (m.release or "none, no version passed the gate")
    # The guard: rates over every Python question and the held-out injection attacks.
    # (28% of the attacks were caught here: the held-out set is written to be hard; chapter 6 says so)
    assert 0 <= m.benign_flag_rate <= 0.2 and 0 < m.attack_catch_rate <= 1 and m.n_attacks >= 10
    assert m.n_benign >= 90
    # Step 8: the scorecard is the measured system's, and larger traffic never costs less.
    sc = m.scorecard
    assert 0 <= sc["abstention_rate"] <= 1
    assert sc["recall_at_5"] == table[m.chosen]["recall@5"]
    assert sc["token_f1"] == m.runs[m.release or "v2, free text"]["token_f1"]
    assert 0 < sc["latency_p50_ms"] <= sc["latency_p95_ms"]
    assert sc["usd_per_1k_cpu"] > 0 and sc["usd_per_1k_api"] > 0
    assert m.month_usd_1x <= m.month_usd_10x <= m.month_usd_100x
    assert set(m.traffic) == {"1x", "10x", "100x"}
    for key, value in sc.items():
        assert getattr(m, f"sc_{key}") == value


def case_study_shop_support(g: Glued, server: dict[str, Any]) -> None:
    m = Recorded(g, "cssh")
    # Steps 0-2: the reference record passes; its needs call for a fixed tool pipeline, which runs.
    assert m.findings == [] and m.pattern == "fixed tool pipeline"
    assert m.n_tasks >= 6 and 0 <= m.pipeline_completed <= 1 and m.pipeline_tokens > 0
    # Step 3: three strategies on the same questions; the choice follows the stated rule.
    table = m.retrieval
    assert set(table) == {"bm25", "dense", "hybrid"}
    assert {row["questions"] for row in table.values()} == {table["hybrid"]["questions"]}
    for name, row in table.items():
        assert 0 <= row["recall@1"] <= row["recall@5"] <= row["recall@10"] <= 1, name
    assert m.best_strategy == max(table, key=lambda n: table[n]["recall@5"])
    assert m.chosen in (m.best_strategy, "hybrid") and m.sc_recall_at_5 == table[m.chosen]["recall@5"]
    # The orders: the record is what lets the model state the order; no customer sees another's data.
    assert m.order_record > m.order_alone and m.order_alone <= 0.2 and m.n_customers >= 5
    assert m.isolation_leaks == 0
    # Steps 4-6: every message got an action; attacks are blocked more than ordinary questions.
    kinds = m.by_kind
    assert set(kinds) == {"help-centre question", "not covered", "injection attempt", "personal data"}
    assert sum(sum(c.values()) for c in kinds.values()) == m.n_traffic
    # The same messages as 6e's quick run (same seed and order): some attacks are blocked.
    assert kinds["injection attempt"]["block"] >= 1
    assert m.pii_reached <= m.pii_values // 2 and 0 < m.min_confidence < 1
    # Messages with a new address, bank details or a card go to a person: never a help-centre
    # question (they hold no personal data), always a message with a labelled card or IBAN (the
    # validators find every one in 6c).
    assert m.handover == ["ADDRESS", "IBAN", "CARD"]
    escalated = {kind: counts["escalate"] for kind, counts in kinds.items()}
    assert escalated["help-centre question"] == escalated["not covered"] == 0
    assert m.n_escalated == sum(escalated.values()) and escalated["personal data"] <= m.n_pii_messages
    assert m.validated_gold <= escalated["personal data"]  # a labelled card or IBAN always
    assert m.sc_escalation_rate == pytest.approx(m.n_escalated / m.n_traffic)
    assert sum(c["abstain"] for c in kinds.values()) == round(m.sc_abstention_rate * m.n_traffic)
    assert 0 <= m.n_screened <= m.n_answered and m.sc_answers_screened == pytest.approx(
        m.n_screened / max(m.n_answered, 1))
    # Step 7: both versions scored on the same questions; the release follows the gate's rule.
    assert set(m.runs) == {"v2, free text", "v3, extractive"}
    for name, metrics in m.runs.items():
        for key in ("token_f1", "source_precision", "answered_when_should"):
            assert metrics[key] is not None and 0 <= metrics[key] <= 1, (name, key)
        assert m.gates[name]["passed"] is (not m.gates[name]["failures"])
    assert m.runs["v3, extractive"]["source_precision"] >= 0.9
    passing = [n for n in m.runs if m.gates[n]["passed"]]
    assert m.release == max(passing, key=lambda n: (m.runs[n]["abstained_when_should"] or 0, m.runs[n]["token_f1"]),
                            default=None)
    assert m.release_label == (m.release or "none, no version passed the gate")
    # Step 8: the monitor fires on version 2 only; the rebuild removes the stale passages.
    assert m.quiet_stale is False and m.fired_stale is True
    assert (m.n_changed, m.n_added, m.n_removed) == (13, 2, 1)
    assert m.stale_old > m.stale_new + 0.2 and m.stale_new == m.sc_stale_after_rebuild == 0.0
    assert m.recall_new >= m.recall_old and m.n_august >= 15
    # The scorecard's rates are rates; the plans grow with the traffic.
    for key in ("token_f1", "source_precision", "order_accuracy", "injections_blocked", "ordinary_answered",
                "pii_reached_model", "abstention_rate", "escalation_rate", "answers_screened"):
        assert 0 <= m.scorecard[key] <= 1, key
    assert 0 < m.sc_latency_p50_ms <= m.sc_latency_p95_ms and m.sc_usd_per_1k_api > 0
    assert m.month_usd_1x <= m.month_usd_10x <= m.month_usd_100x
    assert set(m.traffic) == {"1x", "10x", "100x"} and 300 < m.served_in_p95 < 2500


def workshop_day(g: Glued, server: dict[str, Any]) -> None:
    m = Recorded(g, "ws")
    assert m.n_day == 9
    # Quick mode runs the day's first lesson; full mode runs every lesson.
    if m.quick:
        assert m.notebooks == ["notebooks/00_first_request.ipynb"]
    else:
        assert m.n_lessons == m.n_day
    assert m.n_ok == m.n_lessons and m.errors == []
    assert all(s > 0 for s in m.seconds) and abs(sum(m.seconds) / 60 - m.total_min) < 1e-6
    # One runtime, one server: the lesson ran against the server this notebook found (the
    # suite's), reused it, and the same process was running after every lesson.
    assert m.server_pid == server["endpoint"].pid
    assert m.first_server_pid == m.server_pid and m.first_reused is True
    assert m.all_same_server is True


CHECKS: dict[str, Callable[[Glued, dict[str, Any]], None]] = {
    "notebooks/00_first_request.ipynb": first_request,
    "notebooks/00a_classifier_or_llm.ipynb": classifier_or_llm,
    "notebooks/01a_requirements.ipynb": requirements,
    "notebooks/02a_pattern_and_agents.ipynb": pattern_and_agents,
    "notebooks/04a_model_selection.ipynb": model_selection,
    "notebooks/04b_finetuning.ipynb": finetuning,
    "notebooks/03a_knowledge_bases.ipynb": knowledge_bases,
    "notebooks/03b_retrieval.ipynb": retrieval,
    "notebooks/03c_prompts.ipynb": prompts,
    "notebooks/03e_context_enrichment.ipynb": context_enrichment,
    "notebooks/03f_second_stage.ipynb": second_stage,
    "notebooks/05a_continuous_batching.ipynb": continuous_batching,
    "notebooks/05b_kv_calculator.ipynb": kv_calculator,
    "notebooks/05c_prefix_caching.ipynb": prefix_caching,
    "notebooks/05d_load_testing.ipynb": load_testing,
    "notebooks/05e_autoscaling.ipynb": autoscaling,
    "notebooks/05f_disaggregation.ipynb": disaggregation,
    "notebooks/05g_paged_attention.ipynb": paged_attention,
    "notebooks/06a_injection_detection.ipynb": injection_detection,
    "notebooks/06b_output_validation.ipynb": output_validation,
    "notebooks/06c_pii_scrubbing.ipynb": pii_scrubbing,
    "notebooks/06d_fallback.ipynb": fallback,
    "notebooks/06e_guardrail_pipeline.ipynb": guardrail_pipeline,
    "notebooks/07a_answer_evaluation.ipynb": answer_evaluation,
    "notebooks/07b_online_metrics.ipynb": online_metrics,
    "notebooks/07c_judges.ipynb": judges,
    "notebooks/08a_cost_and_caching.ipynb": cost_and_caching,
    "notebooks/08b_traces_and_drift.ipynb": traces_and_drift,
    "notebooks/workshop_day.ipynb": workshop_day,
    "casestudies/python_docs.ipynb": case_study_python_docs,
    "casestudies/shop_support.ipynb": case_study_shop_support,
}
