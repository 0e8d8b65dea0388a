"""The simulated session stream, its dashboard and the release readouts (step 7, online)."""

import numpy as np
import pytest

from genai_design.evaluation import online


def _stream(day, treatment, resolved, escalated, rated, up, turns):
    flags = (np.array(x, dtype=bool) for x in (treatment, resolved, escalated, rated, up))
    return online.SessionStream(np.array(day), *flags, np.array(turns))


HAND = _stream(day=[0, 0, 0, 0, 1, 1, 1, 1], treatment=[0, 0, 0, 0, 0, 1, 0, 1],
               resolved=[1, 1, 0, 0, 1, 1, 0, 1], escalated=[0, 0, 1, 0, 0, 0, 1, 0],
               rated=[1, 0, 1, 1, 0, 0, 0, 1], up=[1, 0, 0, 1, 0, 0, 0, 1],
               turns=[2, 3, 6, 5, 1, 2, 7, 3])


def test_dashboard_by_hand():
    d = online.dashboard(HAND)
    assert d["day"] == [0, 1] and d["sessions"] == [4, 4]
    assert d["task_completion"] == [0.5, 0.75] and d["escalation_rate"] == [0.25, 0.25]
    assert d["feedback_rate"] == [0.75, 0.25]
    assert d["thumbs_up_share"] == [pytest.approx(2 / 3), 1.0]  # of the rated sessions only
    assert d["median_turns"] == [4.0, 2.5]
    control = online.dashboard(HAND, treatment=False)
    assert control["sessions"] == [4, 2] and control["thumbs_up_share"] == [pytest.approx(2 / 3), None]


def test_readouts_by_hand():
    r = online.ab_readout(HAND, release_day=1)
    before, ab = r["before_after"], r["ab"]
    assert (before.n_a, before.n_b, before.rate_a, before.rate_b) == (4, 4, 0.5, 0.75)
    assert (ab.n_a, ab.n_b, ab.rate_a, ab.rate_b) == (2, 2, 0.5, 1.0)
    # Pooled z-test: 5 of 8 resolved, se = sqrt(p q (1/4 + 1/4)), z = 0.25 / se.
    pooled = 5 / 8
    z = 0.25 / np.sqrt(pooled * (1 - pooled) * 0.5)
    from scipy.stats import norm
    assert before.p_value == pytest.approx(2 * norm.sf(z))
    assert before.difference == 0.25 and "+0.250" in before.sentence()
    assert online.ab_readout(HAND, 1, "escalation_rate")["ab"].rate_a == 0.5
    with pytest.raises(ValueError, match="metric must be"):
        online.ab_readout(HAND, 1, "thumbs")
    with pytest.raises(ValueError, match="no sessions in the weeks before"):
        online.ab_readout(HAND, 0)


def test_simulation_is_seeded_and_knows_the_truth():
    config = online.StreamConfig(days=21, sessions_per_weekday=3000, release_day=7, event_day=7,
                                 event_days=14, lift=0.05, event_penalty=0.10)
    a, b = online.simulate_sessions(config, seed=3), online.simulate_sessions(config, seed=3)
    assert len(a) == len(b) and np.array_equal(a.resolved, b.resolved)
    assert not a.treatment[a.day < 7].any() and 0.45 < a.treatment[a.day >= 7].mean() < 0.55
    assert not (a.escalated & a.resolved).any() and not (a.thumbs_up & ~a.rated).any()
    assert a.turns.min() >= 1
    weekday = np.bincount(a.day)[[0, 1, 2, 3, 4]].mean()
    weekend = np.bincount(a.day)[[5, 6]].mean()
    assert 0.5 < weekend / weekday < 0.7
    r = online.ab_readout(a, 7)
    # The event that started with the release makes before/after call a good release harmful;
    # the A/B split on the same days finds the true lift.
    assert r["before_after"].difference < 0 and r["before_after"].p_value < 0.01
    assert r["ab"].difference == pytest.approx(0.05, abs=0.02) and r["ab"].p_value < 0.01
    # Unhappy customers rate more often: the thumbs-up share understates completion.
    d = online.dashboard(a)
    assert np.mean(d["thumbs_up_share"]) < np.mean(d["task_completion"]) - 0.1


@pytest.mark.parametrize("kwargs, message", [
    ({"days": 0}, "at least 1"), ({"release_day": 30}, "release_day"),
    ({"treatment_share": 1.5}, "probability"), ({"lift": 1.0}, "lift must lie"),
])
def test_bad_configs_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        online.StreamConfig(**kwargs)
    with pytest.raises(ValueError, match="probability"):
        online.UserModel(resolve_rate=-0.1)
