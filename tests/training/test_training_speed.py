"""The training speed-ups change no result: one fit per fold serves forests that differ only in
n_estimators (their CV scores and importances equal separate fits'), whatever the task order."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression

from training import select


@pytest.fixture(scope="module")
def training_rows(dataset_path: Path) -> tuple[np.ndarray, np.ndarray]:
    table = np.unique(np.loadtxt(dataset_path, delimiter=",", skiprows=1), axis=0)
    return table[:, :4], table[:, 4].astype(int)


def test_a_forests_first_trees_are_the_smaller_forest(training_rows: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = training_rows
    small = RandomForestClassifier(n_estimators=30, random_state=5).fit(X[::2], y[::2])
    large = RandomForestClassifier(n_estimators=60, random_state=5).fit(X[::2], y[::2])
    prefix = select._first_trees(large, 30)
    assert len(prefix.estimators_) == 30
    assert len(large.estimators_) == 60  # the large one is untouched
    assert np.array_equal(prefix.predict_proba(X), small.predict_proba(X))
    assert np.array_equal(prefix.feature_importances_, small.feature_importances_)
    for ours, theirs in zip(prefix.estimators_, small.estimators_, strict=True):
        assert np.array_equal(ours.tree_.threshold, theirs.tree_.threshold)
        assert np.array_equal(ours.tree_.value, theirs.tree_.value)


def test_nested_groups_only_forests_that_differ_in_n_estimators() -> None:
    models = {
        "a": RandomForestClassifier(n_estimators=10, random_state=1),
        "b": RandomForestClassifier(n_estimators=20, random_state=1),
        "c": RandomForestClassifier(n_estimators=10, random_state=1, min_samples_leaf=3),
        "d": RandomForestClassifier(n_estimators=30, random_state=2),
        "e": RandomForestClassifier(n_estimators=40, random_state=None),  # no fixed seed: alone
        "f": RandomForestClassifier(n_estimators=50, random_state=None),
        "lr": LogisticRegression(),
    }
    nested = select._nested_forests(models)
    assert nested == {"b": {"a": 10, "b": 20}, "c": {"c": 10}, "d": {"d": 30}, "e": {"e": 40},
                      "f": {"f": 50}, "lr": {"lr": 0}}


def test_cv_with_shared_fits_equals_separate_fits(training_rows: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = training_rows
    models = {
        "seed": RandomForestClassifier(n_estimators=15, random_state=7),
        "more": RandomForestClassifier(n_estimators=25, random_state=7),
        "lr": LogisticRegression(),
    }
    shared = select.cross_validate_models(models, X, y, seed=3, n_jobs=1, importances_for="seed")
    for name, model in models.items():
        alone = select.cross_validate_models(
            {name: model}, X, y, seed=3, n_jobs=1, importances_for="seed" if name == "seed" else None,
        )[name]
        assert shared[name]["accuracy_per_fold"] == alone["accuracy_per_fold"]
        assert shared[name]["roc_auc_mean"] == alone["roc_auc_mean"]
        for key in ("_impurity", "_permutation"):
            assert (key in shared[name]) == (key in alone)
            if key in alone:
                assert np.array_equal(shared[name][key], alone[key])
