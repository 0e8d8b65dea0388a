"""Model selection helpers: task validation, margins, routing curves and the operating point."""

from __future__ import annotations

import math

import numpy as np
import pytest

from genai_design import selection
from genai_design.selection import LabelTask, RoutePoint, TaskScore


def test_label_task_rejects_inconsistent_items():
    with pytest.raises(ValueError, match="no items"):
        LabelTask("t", (), ("a", "b"), ())
    with pytest.raises(ValueError, match="2 prompts but 1"):
        LabelTask("t", ("x", "y"), ("a", "b"), (0,))
    with pytest.raises(ValueError, match="distinct labels"):
        LabelTask("t", ("x",), ("a", "a"), (0,))
    with pytest.raises(ValueError, match="not a label index"):
        LabelTask("t", ("x",), ("a", "b"), (2,))


def test_task_score_reads_accuracy_and_time():
    scores = np.log(np.array([[0.7, 0.3], [0.6, 0.4], [0.2, 0.8], [0.9, 0.1]]))
    result = TaskScore("m", "t", scores, np.array([0, 1, 1, 0]), seconds=2.0, prompt_tokens=10.0)
    assert result.correct().tolist() == [True, False, True, True]
    assert result.accuracy() == pytest.approx(0.75)
    assert result.ms_per_item() == pytest.approx(500.0)


def test_margin_is_top_minus_runner_up_over_the_labels_only():
    # log-probabilities that do not sum to one over the labels are renormalised first
    scores = np.log(np.array([[0.3, 0.1, 0.1], [0.2, 0.2, 0.1]]))
    m = selection.margin(scores)
    assert m[0] == pytest.approx(0.6 - 0.2)
    assert m[1] == pytest.approx(0.0)
    with pytest.raises(ValueError, match="two or more labels"):
        selection.margin(np.zeros((3, 1)))


def test_route_sends_the_lowest_signals_first():
    signal = np.array([0.9, 0.1, 0.5, 0.3])
    assert selection.route(signal, 0.5).tolist() == [False, True, False, True]
    assert not selection.route(signal, 0.0).any() and selection.route(signal, 1.0).all()
    with pytest.raises(ValueError):
        selection.route(signal, 1.5)


def test_routing_curve_accuracy_and_both_cost_models():
    signal = np.array([0.1, 0.2, 0.8, 0.9])  # the cheap path is wrong exactly where it is unsure
    cheap = np.array([False, False, True, True])
    strong = np.array([True, True, True, False])
    cascade = selection.routing_curve(signal, cheap, strong, cheap_cost=1.0, strong_cost=10.0,
                                      cheap_runs_first=True, shares=(0.0, 0.5, 1.0))
    assert [p.accuracy for p in cascade] == [0.5, 1.0, 0.75]
    assert [p.cost for p in cascade] == [1.0, 6.0, 11.0]  # every item pays the cheap path
    direct = selection.routing_curve(signal, cheap, strong, cheap_cost=1.0, strong_cost=10.0, router_cost=0.5,
                                     cheap_runs_first=False, shares=(0.0, 0.5, 1.0))
    assert [p.cost for p in direct] == [1.5, 6.0, 10.5]  # one path per item, plus the router
    with pytest.raises(ValueError, match="same non-zero length"):
        selection.routing_curve(signal[:2], cheap, strong, cheap_cost=1, strong_cost=2, cheap_runs_first=True)


def test_random_curve_interpolates_between_the_paths():
    points = selection.random_curve(np.array([1, 0, 0, 0]), np.array([1, 1, 1, 0]), cheap_cost=2.0,
                                    strong_cost=6.0, shares=(0.0, 0.5, 1.0))
    assert [p.accuracy for p in points] == [0.25, 0.5, 0.75]
    assert [p.cost for p in points] == [2.0, 4.0, 6.0]


def test_operating_point_is_the_cheapest_that_reaches_the_target():
    points = [RoutePoint(0.0, 0.5, 1.0), RoutePoint(0.5, 0.8, 5.0), RoutePoint(0.7, 0.8, 6.0),
              RoutePoint(1.0, 0.9, 11.0)]
    assert selection.operating_point(points, 0.8) == points[1]
    assert selection.operating_point(points, 0.95) is None


def test_difficulty_router_learns_where_the_cheap_path_fails():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 3))
    right = x[:, 0] > 0  # the cheap path is right when the first feature is positive
    p = selection.difficulty_router(x[:150], right[:150], x[150:])
    assert ((p > 0.5) == right[150:]).mean() > 0.9
    with pytest.raises(ValueError, match="nothing to learn"):
        selection.difficulty_router(x[:10], np.ones(10, dtype=bool), x[10:])


def test_footprint_counts_parameters_and_embedding_share():
    import torch

    class Tiny(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = torch.nn.Embedding(10, 4)  # 40 parameters
            self.head = torch.nn.Linear(4, 2)  # 10 parameters

        def get_input_embeddings(self):
            return self.embed

    fp = selection.footprint(Tiny())
    assert fp.params == 50 and fp.bytes_bf16 == 100 and math.isclose(fp.embedding_share, 0.8)


def test_out_of_fold_router_predicts_every_item_from_other_folds():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(100, 2))
    right = x[:, 1] > 0
    p = selection.out_of_fold_router(x, right, folds=5)
    assert p.shape == (100,) and ((p > 0.5) == right).mean() > 0.85
    with pytest.raises(ValueError, match="at least 5 rows"):
        selection.out_of_fold_router(x[:3], right[:3])


def test_candidates_start_with_the_profile_model_and_never_repeat():
    from types import SimpleNamespace

    from genai_design.models import BUNDLED

    keys = selection.candidate_models(SimpleNamespace(model="smollm2-135m-instruct"), extra=["org/extra"])
    assert keys[0] == "smollm2-135m-instruct" and keys[-1] == "org/extra"
    assert len(keys) == len(set(keys)) and "gemma-3-270m" in keys
    assert not any(BUNDLED[k].kind == "embedding" for k in keys if k in BUNDLED)


def test_balanced_accuracy_is_not_fooled_by_the_majority_label():
    truth = np.array([0] * 9 + [1])
    always_zero = np.tile([0.0, -5.0], (10, 1))
    score = selection.TaskScore("m", "t", always_zero, truth, 1.0, 10.0)
    assert score.accuracy() == pytest.approx(0.9)
    assert score.balanced_accuracy() == pytest.approx(0.5)
