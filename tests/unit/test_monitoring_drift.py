"""Stale index, query drift and recall drop (monitoring.drift)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from genai_design.corpora import Document
from genai_design.monitoring.drift import (
    DriftTest,
    IndexManifest,
    embedding_drift_test,
    manifest_of,
    recall_drop,
    stale_documents,
    text_sha256,
    window_alarms,
)


def doc(doc_id: str, text: str) -> Document:
    return Document(id=f"shop-help/{doc_id}", title=doc_id, text=text, kb="shop-help")


DOCS = [doc("returns", "Returns within 30 days."), doc("shipping", "Ships in 2 days."),
        doc("payment", "We take cards.")]
WHEN = "2025-03-01T09:00:00+00:00"


def unit_rows(rng: np.random.Generator, n: int, dim: int = 8, shift: float = 0.0) -> np.ndarray:
    """Gaussian rows (mean shifted along the first axis) projected to the unit sphere."""
    x = rng.normal(size=(n, dim))
    x[:, 0] += shift
    return x / np.linalg.norm(x, axis=1, keepdims=True)


# --- manifest and stale documents ------------------------------------------------------------

def test_manifest_hashes_each_document_text() -> None:
    manifest = manifest_of(DOCS, "shop-help", 1, embedded_at=WHEN, embedder="bge-small")
    assert manifest.doc_sha256["shop-help/returns"] == \
        hashlib.sha256(b"Returns within 30 days.").hexdigest()
    assert list(manifest.doc_sha256) == sorted(d.id for d in DOCS)
    assert manifest.kb == "shop-help" and manifest.version == 1 and manifest.embedded_at == WHEN


def test_manifest_defaults_embedded_at_to_an_iso_time_now() -> None:
    from datetime import datetime, timezone
    stamp = datetime.fromisoformat(manifest_of(DOCS, "shop-help", 1).embedded_at)
    assert abs((datetime.now(timezone.utc) - stamp).total_seconds()) < 60


def test_manifest_round_trips_through_json(tmp_path: Path) -> None:
    manifest = manifest_of(DOCS, "shop-help", 2, embedded_at=WHEN, embedder="bge-small")
    path = manifest.save(tmp_path / "manifest.json")
    assert json.loads(path.read_text())["version"] == 2
    assert IndexManifest.load(path) == manifest


def test_manifest_rejects_bad_input(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="twice"):
        manifest_of(DOCS + [DOCS[0]], "shop-help", 1)
    with pytest.raises(ValueError, match="ISO 8601"):
        manifest_of(DOCS, "shop-help", 1, embedded_at="yesterday")
    with pytest.raises(ValueError, match="sha256"):
        IndexManifest("shop-help", 1, WHEN, {"a": "not-a-hash"})
    with pytest.raises(ValueError, match="version"):
        IndexManifest("shop-help", "1", WHEN, {})  # type: ignore[arg-type]
    (tmp_path / "other.json").write_text('{"kb": "x"}')
    with pytest.raises(ValueError, match="not an index manifest"):
        IndexManifest.load(tmp_path / "other.json")


def test_stale_documents_names_changed_added_and_removed_ids_sorted() -> None:
    manifest = manifest_of(DOCS, "shop-help", 1, embedded_at=WHEN)
    today = [doc("shipping", "Ships in 3 days."), doc("returns", "Returns within 30 days."),
             doc("warranty", "Two years."), doc("gift-cards", "Never expire.")]
    report = stale_documents(manifest, today)
    assert report.changed == ["shop-help/shipping"]
    assert report.added == ["shop-help/gift-cards", "shop-help/warranty"]
    assert report.removed == ["shop-help/payment"]
    assert report.is_stale and (report.n_indexed, report.n_current) == (3, 4)
    assert json.loads(json.dumps(report.to_dict()))["is_stale"] is True


def test_unchanged_kb_is_not_stale_but_a_new_embedder_is() -> None:
    manifest = manifest_of(DOCS, "shop-help", 1, embedded_at=WHEN, embedder="bge-small")
    same = stale_documents(manifest, list(reversed(DOCS)), embedder="bge-small")
    assert not same.is_stale and same.changed == same.added == same.removed == []
    swapped = stale_documents(manifest, DOCS, embedder="e5-base")
    assert swapped.embedder_changed and swapped.is_stale and swapped.changed == []


def test_text_sha256_sees_a_single_character() -> None:
    assert text_sha256("30 days") != text_sha256("31 days")
    assert len(text_sha256("")) == 64


# --- embedding_drift_test --------------------------------------------------------------------

def test_same_distribution_false_alarm_rate_is_near_alpha() -> None:
    rng = np.random.default_rng(0)
    alpha, trials = 0.05, 50
    p_values = [embedding_drift_test(unit_rows(rng, 20), unit_rows(rng, 20), n_permutations=199,
                                     seed=s, alpha=alpha).p_value for s in range(trials)]
    false_alarm_rate = np.mean(np.array(p_values) <= alpha)
    assert false_alarm_rate <= 2 * alpha + 0.06
    assert np.median(p_values) > 0.2  # not tiny on most splits (uniform under no drift: ~0.5)


def test_shifted_distribution_drifts_with_the_smallest_p_value() -> None:
    rng = np.random.default_rng(1)
    result = embedding_drift_test(unit_rows(rng, 40), unit_rows(rng, 30, shift=2.0),
                                  n_permutations=500)
    assert result.drifted and result.p_value == pytest.approx(1 / 501)
    assert result.statistic > 0 and result.bandwidth > 0
    assert (result.n_reference, result.n_current, result.alpha) == (40, 30, 0.01)
    out = json.loads(json.dumps(result.to_dict()))
    assert out["drifted"] is True and out["n_permutations"] == 500


def test_statistic_is_the_squared_mmd_with_the_median_heuristic() -> None:
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(5, 3)), rng.normal(size=(4, 3)) + 0.5
    z = np.vstack([x, y])
    dists = [np.linalg.norm(z[i] - z[j]) for i in range(9) for j in range(i + 1, 9)]
    sigma = np.median(dists)

    def k(a: np.ndarray, b: np.ndarray) -> float:
        return float(np.exp(-np.sum((a - b) ** 2) / (2 * sigma**2)))

    mmd2 = (np.mean([k(a, b) for a in x for b in x]) + np.mean([k(a, b) for a in y for b in y])
            - 2 * np.mean([k(a, b) for a in x for b in y]))
    result = embedding_drift_test(x, y, n_permutations=100)
    assert result.bandwidth == pytest.approx(sigma)
    assert result.statistic == pytest.approx(mmd2)


def test_p_value_follows_the_permutation_formula() -> None:
    rng = np.random.default_rng(4)
    for n_permutations in (1, 19, 333):
        result = embedding_drift_test(unit_rows(rng, 6), unit_rows(rng, 7), n_permutations,
                                      alpha=0.5)
        count = result.p_value * (1 + n_permutations)
        assert count == pytest.approx(round(count)) and 1 <= round(count) <= 1 + n_permutations


def test_two_against_two_cannot_reach_below_one_third() -> None:
    # 6 ways to split 4 rows 2 + 2; the observed split and its swap give the largest
    # statistic, so even far-apart samples have a p-value near 2/6.
    x = np.array([[1.0, 0.0], [0.99, 0.14]])
    result = embedding_drift_test(x, -x, n_permutations=2000, alpha=0.05)
    assert result.p_value == pytest.approx(1 / 3, abs=0.04) and not result.drifted


def test_identical_rows_do_not_drift() -> None:
    same = np.ones((5, 4)) / 2
    result = embedding_drift_test(same, same, n_permutations=99)
    assert result.statistic == pytest.approx(0.0, abs=1e-12) and result.p_value == 1.0


def test_same_seed_same_p_value() -> None:
    rng = np.random.default_rng(5)
    x, y = unit_rows(rng, 15), unit_rows(rng, 15, shift=0.3)
    assert embedding_drift_test(x, y, 300, seed=7) == embedding_drift_test(x, y, 300, seed=7)


@pytest.mark.parametrize("reference, current, match", [
    (np.zeros((5, 3)), np.zeros((5, 4)), "dimension"),
    (np.zeros((1, 3)), np.zeros((5, 3)), "at least 2 rows"),
    (np.zeros((5, 3)), np.zeros(3), "2-D"),
    (np.zeros((5, 3)), np.full((4, 3), np.nan), "NaN"),
])
def test_drift_test_rejects_bad_embeddings(reference: np.ndarray, current: np.ndarray,
                                           match: str) -> None:
    with pytest.raises(ValueError, match=match):
        embedding_drift_test(reference, current)


def test_drift_test_rejects_alpha_the_permutations_cannot_reach() -> None:
    x = np.random.default_rng(6).normal(size=(5, 3))
    with pytest.raises(ValueError, match="alpha"):
        embedding_drift_test(x, x, n_permutations=50, alpha=0.01)  # smallest p is 1/51
    with pytest.raises(ValueError, match="n_permutations"):
        embedding_drift_test(x, x, n_permutations=0)


def test_window_alarms_fire_on_the_shifted_window_only() -> None:
    rng = np.random.default_rng(8)
    reference = unit_rows(rng, 40)
    windows = [unit_rows(rng, 25), unit_rows(rng, 25), unit_rows(rng, 25, shift=2.0)]
    tests = window_alarms(reference, windows, alpha=0.01, n_permutations=300)
    assert all(isinstance(t, DriftTest) for t in tests)
    assert [t.drifted for t in tests] == [False, False, True]
    assert tests[0] == embedding_drift_test(reference, windows[0], 300, seed=0)
    with pytest.raises(ValueError, match="no windows"):
        window_alarms(reference, [])


# --- recall_drop -----------------------------------------------------------------------------

def test_recall_drop_by_hand() -> None:
    before = {"q1": 1.0, "q2": 0.5, "q3": 1.0, "q4": 0.0}
    after = {"q1": 1.0, "q2": 0.0, "q3": 0.5, "q4": 1.0}
    out = recall_drop(before, after)
    assert out["mean_recall_before"] == pytest.approx(0.625)
    assert out["mean_recall_after"] == pytest.approx(0.625)
    assert out["drop"] == pytest.approx(0.0)
    assert (out["n_worse"], out["n_better"], out["questions"]) == (2, 1, 4)
    assert out["lost_gold"] == ["q2"]  # q3 kept some gold; q4 never had any before


def test_recall_drop_is_positive_when_recall_falls() -> None:
    out = recall_drop({"a": 1.0, "b": 1.0}, {"a": 0.0, "b": 1.0})
    assert out["drop"] == pytest.approx(0.5) and out["lost_gold"] == ["a"]


def test_recall_drop_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="same questions"):
        recall_drop({"a": 1.0}, {"b": 1.0})
    with pytest.raises(ValueError, match="no questions"):
        recall_drop({}, {})
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        recall_drop({"a": 1.5}, {"a": 1.0})
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        recall_drop({"a": 1.0}, {"a": float("nan")})
