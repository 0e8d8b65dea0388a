"""Answer metrics and comparison statistics, each against a value worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from genai_design.evaluation import (
    abstention_quality,
    bootstrap_ci,
    content_tokens,
    exact_match,
    format_p,
    is_abstention,
    mcnemar_test,
    normalise_answer,
    paired_bootstrap,
    paired_permutation_test,
    peeking_false_positive_rate,
    power_two_proportions,
    rouge_l,
    sample_size_two_proportions,
    source_precision,
    supported_share,
    token_f1,
)
from genai_design.guardrails import SentenceSupport


# --- answers -------------------------------------------------------------------------------

def test_normalise_drops_case_punctuation_and_articles():
    assert normalise_answer("  The Answer, is: AN apple!  ") == "answer is apple"
    assert normalise_answer("Don\u2019t") == normalise_answer("don't") == "dont"
    with pytest.raises(TypeError):
        normalise_answer(None)  # type: ignore[arg-type]


def test_exact_match_after_normalising():
    assert exact_match("The 30 days.", "30 days") == 1.0
    assert exact_match("30 days", "14 days") == 0.0


def test_token_f1_by_hand():
    # prediction: returns are free within 30 days (6 tokens); reference: free returns within 14 days
    # (5 tokens); common: returns, free, within, days = 4 -> P 4/6, R 4/5, F1 = 2PR/(P+R) = 8/11
    assert token_f1("Returns are free within 30 days", "Free returns within 14 days") == pytest.approx(8 / 11)
    assert token_f1("", "") == 1.0
    assert token_f1("", "something") == 0.0
    assert token_f1("alpha", "beta") == 0.0
    # repeated tokens count as often as they appear in both: (a a b) vs (a b b) share a, b
    assert token_f1("x x y", "x y y") == pytest.approx(2 / 3)


def test_rouge_l_by_hand():
    # LCS of "the cat sat on the mat" and "a cat sat on a mat" (rouge-score keeps articles):
    # cat sat on mat = 4 of 6 tokens each way -> P = R = F = 2/3
    assert rouge_l("a cat sat on a mat", "the cat sat on the mat") == pytest.approx(2 / 3)
    assert rouge_l("identical words here", "identical words here") == pytest.approx(1.0)
    assert rouge_l("nothing shared", "completely different") == 0.0
    # stemming: "returns"/"returned" share the stem "return"
    assert rouge_l("returned", "returns") == pytest.approx(1.0)
    with pytest.raises(TypeError):
        rouge_l("x", None)  # type: ignore[arg-type]


def test_content_tokens_drop_stop_words_and_citations():
    assert content_tokens("The parcel leaves on Tuesday [doc-3].") == ["parcel", "leaves", "tuesday"]


def test_source_precision_by_hand():
    sources = ["Orders paid before 15:00 leave the warehouse the same day."]
    # content tokens of the answer: orders, leave, same, day, tuesday -> 4 of 5 in the source
    assert source_precision("Orders leave the same day, Tuesday [1].", sources) == pytest.approx(4 / 5)
    assert source_precision("", sources) == 1.0
    assert source_precision("Completely invented claim", []) == 0.0


class _Checker:
    """Stands in for GroundingChecker: fixed support per sentence."""

    def __init__(self, supports):
        self.supports = supports

    def check(self, answer, sources):
        return [SentenceSupport(f"s{i}", s, f"src{i}", ()) for i, s in enumerate(self.supports)]


def test_supported_share_counts_sentences_at_or_above_the_threshold():
    assert supported_share("a. b. c.", ["x"], _Checker([0.9, 0.5, 0.7]), min_support=0.7) == pytest.approx(2 / 3)
    assert supported_share("", ["x"], _Checker([]), min_support=0.7) == 1.0


@pytest.mark.parametrize("text", [
    "I don't know.", "i do not know", "I\u2019m sorry, I don't know that.",
    "The context does not contain this information.", "The passages don't say.",
    "I cannot answer that from the help centre.", "This is not covered here.",
    "There is no information about gift wrapping."])
def test_abstentions_are_recognised(text):
    assert is_abstention(text)


@pytest.mark.parametrize("text", [
    "Returns are free within 30 days.", "Use python -O to skip asserts.",
    "Know your order number before you call.", "The cat does not sit."])
def test_answers_are_not_abstentions(text):
    assert not is_abstention(text)


def test_abstention_quality_by_hand():
    abstained = [True, False, False, True, True]
    answerable = [False, True, True, True, False]
    q = abstention_quality(abstained, answerable)
    assert (q.n_answerable, q.n_unanswerable) == (3, 2)
    assert q.abstained_when_should == 1.0  # both unanswerable ones
    assert q.answered_when_should == pytest.approx(2 / 3)  # answered 2 of the 3 answerable
    assert q.abstention_precision == pytest.approx(2 / 3)  # 2 of its 3 abstentions were right
    assert q.abstain_rate == pytest.approx(3 / 5)
    assert math.isnan(abstention_quality([False], [True]).abstained_when_should)
    with pytest.raises(ValueError):
        abstention_quality([True], [True, False])


# --- statistics ----------------------------------------------------------------------------

def test_bootstrap_interval_of_a_constant_is_a_point():
    ci = bootstrap_ci([0.5] * 20)
    assert (ci.estimate, ci.low, ci.high) == (0.5, 0.5, 0.5)


def test_bootstrap_interval_covers_the_mean_and_shrinks_with_n():
    rng = np.random.default_rng(1)
    small, large = rng.binomial(1, 0.6, 50), rng.binomial(1, 0.6, 2000)
    a, b = bootstrap_ci(small), bootstrap_ci(large)
    assert a.low <= small.mean() <= a.high
    assert (b.high - b.low) < (a.high - a.low) / 4  # width ~ 1/sqrt(n): sqrt(40) ~ 6.3
    # normal approximation for a proportion: half-width ~ 1.96 sqrt(p q / n)
    half = 1.96 * math.sqrt(large.mean() * (1 - large.mean()) / large.size)
    assert (b.high - b.low) / 2 == pytest.approx(half, rel=0.15)
    with pytest.raises(ValueError):
        bootstrap_ci([])
    with pytest.raises(ValueError):
        bootstrap_ci([1.0, float("nan")])
    with pytest.raises(ValueError):
        bootstrap_ci([1.0], confidence=1.5)


def test_permutation_test_exact_by_hand():
    # three differences of +1: of the 2^3 sign patterns only all-plus and all-minus reach |mean| 1
    assert paired_permutation_test([0, 0, 0], [1, 1, 1]) == pytest.approx(2 / 8)
    assert paired_permutation_test([1, 2], [1, 2]) == 1.0  # no differences at all
    # differences +1, -1: patterns give means 0, 1, -1, 0 -> |mean| >= 0 always: p = 1
    assert paired_permutation_test([0, 1], [1, 0]) == 1.0
    with pytest.raises(ValueError):
        paired_permutation_test([1, 2], [1])


def test_permutation_test_sampled_when_many_differences():
    a = np.zeros(40)
    b = np.ones(40)
    assert paired_permutation_test(a, b, n_permutations=2000) == pytest.approx(1 / 2001)
    rng = np.random.default_rng(3)
    noise = rng.normal(size=200)
    p = paired_permutation_test(noise, noise + rng.normal(scale=0.01, size=200))
    assert 0.0 < p <= 1.0


def test_paired_bootstrap_verdicts():
    a = [0, 1, 0, 1, 1, 0, 0, 1, 0, 0] * 5
    b = [1, 1, 0, 1, 1, 1, 0, 1, 1, 0] * 5
    better = paired_bootstrap(a, b)
    assert better.difference.estimate == pytest.approx(0.3)
    assert better.significant and better.difference.excludes(0.0)
    assert better.verdict("v1", "v2", "accuracy").startswith("v2 is better by 0.300 in accuracy on 50 items")
    tie = paired_bootstrap([0, 1, 1, 0], [1, 0, 1, 0])
    assert not tie.significant and "not significant" in tie.verdict()
    assert not tie.difference.excludes(0.0)


def test_mcnemar_counts_only_disagreements():
    # A right on 4 items B got wrong, B right on none A got wrong: p = 2 * 0.5^4 = 0.125
    r = mcnemar_test([1, 1, 1, 1, 0, 0, 1, 1], [0, 0, 0, 0, 0, 0, 1, 1])
    assert (r.only_a_right, r.only_b_right) == (4, 0)
    assert r.p_value == pytest.approx(0.125)
    assert mcnemar_test([1, 0], [1, 0]).p_value == 1.0
    # 10 against 2: exact two-sided binomial = 2 * P(X <= 2 | n=12) = 2 * 79 / 4096
    assert mcnemar_test([1] * 10 + [0] * 2, [0] * 10 + [1] * 2).p_value == pytest.approx(2 * 79 / 4096)


def test_sample_size_by_hand():
    # p 0.5 -> 0.6, two-sided 5%, power 80%: (1.95996 sqrt(2 .55 .45) + 0.84162 sqrt(.25 + .24))^2 / .01
    # = (1.37896 + 0.58913)^2 / 0.01 = 387.3 -> 388 per arm
    assert sample_size_two_proportions(0.5, 0.6) == 388
    assert sample_size_two_proportions(0.6, 0.5) == 388  # symmetric
    assert sample_size_two_proportions(0.5, 0.6, power=0.9) > 388
    assert power_two_proportions(0.5, 0.6, 388) == pytest.approx(0.80, abs=0.005)
    assert power_two_proportions(0.5, 0.6, 100) < 0.5
    with pytest.raises(ValueError):
        sample_size_two_proportions(0.5, 0.5)
    with pytest.raises(ValueError):
        sample_size_two_proportions(0.0, 0.5)


def test_peeking_inflates_false_positives():
    r = peeking_false_positive_rate(n_days=14, n_experiments=3000, seed=0)
    assert r.fpr_checked_once == pytest.approx(0.05, abs=0.015)  # one look: close to alpha
    assert r.fpr_checked_daily > 2 * r.fpr_checked_once  # fourteen looks: several times that
    assert list(r.fpr_by_looks) == sorted(r.fpr_by_looks)  # more looks never fewer false alarms
    assert r.fpr_by_looks[0] == pytest.approx(r.fpr_checked_once, abs=0.02)
    one_day = peeking_false_positive_rate(n_days=1, n_experiments=2000)
    assert one_day.fpr_checked_daily == one_day.fpr_checked_once


def test_format_p():
    assert format_p(0.0004) == "p < 0.001"
    assert format_p(0.0312) == "p = 0.031"


def test_strip_citations_removes_source_markers_only():
    from genai_design.evaluation import strip_citations

    assert strip_citations("30 days [shop-help/returns]. Free [2] returns") == "30 days . Free returns"
    assert strip_citations("a [b] c") == "a c"
    assert strip_citations("no markers here") == "no markers here"


def test_rouge_leaves_the_root_logger_alone():
    import subprocess
    import sys

    code = ("import logging; from genai_design.evaluation import rouge_l; rouge_l('a b', 'a c'); "
            "print(len(logging.root.handlers))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "0", "computing ROUGE configured the root logger"
