"""Editors' decisions weigh more than hand-written samples: the weight reaches the training
rows, and it moves what the model says about text like the decided brief."""

import numpy as np

from review.brief import CATEGORIES, Brief, Labels
from training.train import DEFAULT_PARAMS, _augmented, fit_text_models, predict_text, train_model
from training.snapshot import Snapshot


def _decided(categories: tuple[str, ...]) -> Brief:
    from datetime import datetime

    return Brief(id="decided-1", unit="清河县水利局", title="冬季农村供水管网冻裂问题需引起重视",
                 body="近期气温骤降,我县北部3个乡镇农村供水管网冻裂12处,7600人用水受到影响。",
                 submitted_at=datetime.fromisoformat("2026-12-01T09:00:00+08:00"), labels=Labels(categories=categories))


def test_weight_multiplies_every_row_of_the_brief_it_names(small_set):
    brief = _decided(("problem", "proposal"))
    X, y, _, w = _augmented(small_set + [brief], DEFAULT_PARAMS, {"decided-1": 3.0})
    rows = [i for i, x in enumerate(X) if x[0] == brief.title]
    # the brief itself, its secondary label (when the recipe keeps one) and its title alone
    expected = [3.0] + ([3.0 * DEFAULT_PARAMS["secondary_weight"]] if DEFAULT_PARAMS["secondary_weight"] > 0 else []) \
        + [3.0 * DEFAULT_PARAMS["title_only_weight"]]
    assert sorted(w[rows].tolist()) == sorted(expected)
    others = [i for i in range(len(X)) if i not in rows]
    assert set(w[others].tolist()) <= {1.0, DEFAULT_PARAMS["title_only_weight"], DEFAULT_PARAMS["secondary_weight"]}


def test_a_heavier_decision_moves_the_model_towards_its_label(small_set):
    # The editor filed this problem-like text as a trend item; weighted 10, it pulls harder.
    brief = _decided(("trend",))
    probe = np.array([[brief.title, brief.body]], dtype=object)
    trend = CATEGORIES.index("trend")
    light = predict_text(*fit_text_models(small_set + [brief], DEFAULT_PARAMS), probe)[0][0, trend]
    heavy = predict_text(*fit_text_models(small_set + [brief], DEFAULT_PARAMS, weights={"decided-1": 10.0}),
                         probe)[0][0, trend]
    assert heavy > light + 0.05


def test_snapshot_weights_decisions_and_data_not_plain_samples():
    snapshot = Snapshot(briefs=[], sources={"s1": "samples", "d1": "database", "b1": "samples+database",
                                            "x1": "data"}, points={}, corrected=set())
    assert snapshot.weights(3.0) == {"d1": 3.0, "b1": 3.0, "x1": 3.0}


def test_the_model_records_how_many_briefs_counted_more(small_set, config):
    brief = _decided(("problem",))
    model = train_model(small_set + [brief], config=config, weights={"decided-1": 3.0, "not-trained": 3.0})
    assert model.meta["weighted"] == {"3.0": 1}
