"""Agreement between labellers: confusion matrix, percent agreement, Cohen's kappa (step 7)."""

import pytest
from sklearn.metrics import cohen_kappa_score

from genai_design.evaluation import agreement

# 10 items: A and B agree on 7. A: 6 "ok", 4 "bad"; B: 5 "ok", 5 "bad".
A = ["ok", "ok", "ok", "ok", "ok", "ok", "bad", "bad", "bad", "bad"]
B = ["ok", "ok", "ok", "ok", "bad", "bad", "bad", "bad", "bad", "ok"]


def test_kappa_by_hand():
    assert agreement.confusion_matrix(A, B) == [[3, 1], [2, 4]]  # rows A (bad, ok), columns B
    assert agreement.percent_agreement(A, B) == 0.7
    # p_o = 0.7; p_e = 0.4 * 0.5 + 0.6 * 0.5 = 0.5; kappa = 0.2 / 0.5 = 0.4
    assert agreement.cohen_kappa(A, B) == pytest.approx(0.4)
    assert agreement.cohen_kappa(A, B) == pytest.approx(cohen_kappa_score(A, B))
    assert agreement.cohen_kappa(A, A) == 1.0
    assert agreement.cohen_kappa(["ok"] * 4, ["ok"] * 4) == 1.0


def test_kappa_below_zero_when_worse_than_chance():
    flipped = ["bad" if x == "ok" else "ok" for x in A]
    assert agreement.cohen_kappa(A, flipped) < 0


def test_kappa_interval_brackets_the_estimate_and_narrows_with_items():
    small = agreement.kappa_interval(A, B)
    large = agreement.kappa_interval(A * 10, B * 10)
    assert small.estimate == large.estimate == pytest.approx(0.4)
    assert small.low <= 0.4 <= small.high and large.low <= 0.4 <= large.high
    assert large.high - large.low < small.high - small.low


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="same length"):
        agreement.cohen_kappa(A, B[:3])
    with pytest.raises(ValueError, match="not in"):
        agreement.confusion_matrix(A, B, labels=["ok"])
    with pytest.raises(ValueError, match="confidence"):
        agreement.kappa_interval(A, B, confidence=1.5)
