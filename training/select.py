"""Model selection on the training part only: compare model families, tune the forest a little,
justify the features, then score the chosen forest once on the held-out test part."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import clone
from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier
from sklearn.inspection import permutation_importance
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    f1_score,
    get_scorer,
    precision_score,
    recall_score,
    roc_auc_score,
    roc_curve,
)
from sklearn.model_selection import StratifiedKFold, train_test_split
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from training import schema

CV_FOLDS = 10
TEST_SIZE = 0.2
SEED_FOREST = "random_forest"  # the seed project's forest: scikit-learn defaults, 100 trees
# The forest grid is deliberately small (training goal: <= 10 s on 2 cores). Each entry differs
# from the seed forest in one or two knobs that matter on 4 dense features.
FOREST_GRID: tuple[dict[str, Any], ...] = (
    {"n_estimators": 100, "max_features": "sqrt", "min_samples_leaf": 1},  # = the seed forest
    {"n_estimators": 100, "max_features": None, "min_samples_leaf": 1},
    {"n_estimators": 100, "max_features": "sqrt", "min_samples_leaf": 3},
    {"n_estimators": 200, "max_features": "sqrt", "min_samples_leaf": 1},
)
PERMUTATION_REPEATS = 5


@dataclass(frozen=True)
class Split:
    X_train: np.ndarray
    X_test: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray


def split(X: np.ndarray, y: np.ndarray, seed: int) -> Split:
    """Stratified hold-out split; the test part is touched once, at the very end."""
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=TEST_SIZE, stratify=y, random_state=seed,
    )
    return Split(X_train, X_test, y_train, y_test)


def candidate_models(seed: int) -> dict[str, Any]:
    """The seed's forest and reasonable alternatives, each with an explicit random_state where it has one."""
    return {
        SEED_FOREST: RandomForestClassifier(n_estimators=100, random_state=seed),
        "logistic_regression": make_pipeline(StandardScaler(), LogisticRegression(random_state=seed)),
        "svm_rbf": make_pipeline(StandardScaler(), SVC(kernel="rbf", random_state=seed)),
        "knn": make_pipeline(StandardScaler(), KNeighborsClassifier(n_neighbors=5)),
        "gradient_boosting": GradientBoostingClassifier(random_state=seed),
    }


def folds(seed: int) -> StratifiedKFold:
    return StratifiedKFold(n_splits=CV_FOLDS, shuffle=True, random_state=seed)


def forest_with(params: dict[str, Any], seed: int) -> RandomForestClassifier:
    return RandomForestClassifier(random_state=seed, **params)


def grid_name(params: dict[str, Any]) -> str:
    return "forest(" + ", ".join(f"{key}={value}" for key, value in params.items()) + ")"


def _first_trees(forest: RandomForestClassifier, n_trees: int) -> RandomForestClassifier:
    """The fitted forest cut to its first n_trees trees: exactly the forest that fitting with
    n_estimators=n_trees and the same random_state gives (see `_nested_forests`)."""
    if n_trees == forest.n_estimators:
        return forest
    smaller = copy.copy(forest)
    smaller.estimators_ = forest.estimators_[:n_trees]
    smaller.n_estimators = n_trees
    return smaller


def _nested_forests(models: dict[str, Any]) -> dict[str, dict[str, int]]:
    """{name to fit: {member name: its n_estimators}}, one fit serving several CV entries.

    scikit-learn draws every tree's seed, in order, from one stream seeded by random_state, so a
    random forest with more trees starts with exactly the trees of the same forest with fewer
    (tests/training/test_training_speed.py checks it): forests that differ only in n_estimators
    need one fit per fold, the largest, whose prefixes give the others' scores unchanged.
    """
    groups: dict[Any, list[str]] = {}
    for name, model in models.items():
        params = model.get_params() if isinstance(model, RandomForestClassifier) else None
        if params is not None and isinstance(params["random_state"], int) and not params["warm_start"]:
            key = repr(sorted((k, v) for k, v in params.items() if k != "n_estimators"))
        else:
            key = name  # anything else is fitted on its own
        groups.setdefault(key, []).append(name)
    nested = {}
    for members in groups.values():
        largest = max(members, key=lambda name: getattr(models[name], "n_estimators", 0))
        nested[largest] = {name: getattr(models[name], "n_estimators", 0) for name in members}
    return nested


def _fit_and_score(
    model: Any, X: np.ndarray, y: np.ndarray, train: np.ndarray, test: np.ndarray, *,
    members: dict[str, int], importances_for: str | None, importance_seed: int,
) -> dict[str, dict[str, Any]]:
    """One CV fold of one fit, scored for each member (a forest's first n trees, or the model itself);
    for `importances_for`, also the fold's impurity and out-of-fold permutation importances."""
    fitted = clone(model).fit(X[train], y[train])
    results = {}
    for name, n_trees in members.items():
        member = _first_trees(fitted, n_trees) if isinstance(fitted, RandomForestClassifier) else fitted
        scores = {
            "accuracy": float(get_scorer("accuracy")(member, X[test], y[test])),
            # The scorer uses predict_proba or decision_function, whichever the model has (SVC: the latter).
            "roc_auc": float(get_scorer("roc_auc")(member, X[test], y[test])),
        }
        if name == importances_for:
            scores["impurity"] = member.feature_importances_
            scores["permutation"] = permutation_importance(
                member, X[test], y[test], scoring="accuracy", n_repeats=PERMUTATION_REPEATS,
                random_state=importance_seed,
            ).importances_mean
        results[name] = scores
    return results


def _fit_cost(model: Any) -> float:
    """A rough relative CPU cost of one fit, to start the longest tasks first (better packing of
    the worker pool's tail); it changes no result."""
    trees = getattr(model, "n_estimators", 0)
    return float(trees * (2 if isinstance(model, RandomForestClassifier) else 1))


def cross_validate_models(
    models: dict[str, Any], X: np.ndarray, y: np.ndarray, *, seed: int, n_jobs: int,
    importances_for: str | None = None,
) -> dict[str, dict[str, Any]]:
    """Stratified 10-fold CV accuracy and ROC AUC of every model on the same folds.

    All (fit, fold) tasks go to one worker pool, which keeps both cores busy; the results do not
    depend on n_jobs nor on the task order. `importances_for` names the model whose per-fold
    importances to collect.
    """
    splits = list(folds(seed).split(X, y))
    nested = _nested_forests(models)
    tasks = sorted(((name, fold) for name in nested for fold in range(len(splits))),
                   key=lambda task: -_fit_cost(models[task[0]]))
    outputs = Parallel(n_jobs=n_jobs)(
        delayed(_fit_and_score)(
            models[name], X, y, *splits[fold], members=nested[name], importances_for=importances_for,
            importance_seed=seed + fold,
        )
        for name, fold in tasks
    )
    per_model: dict[str, list[dict[str, Any]]] = {name: [{}] * len(splits) for name in models}
    for (_, fold), scored in zip(tasks, outputs, strict=True):
        for name, scores in scored.items():
            per_model[name][fold] = scores
    results: dict[str, dict[str, Any]] = {}
    for name in models:
        per_fold = per_model[name]
        accuracy = np.array([out["accuracy"] for out in per_fold])
        roc_auc = np.array([out["roc_auc"] for out in per_fold])
        results[name] = {
            "accuracy_mean": float(accuracy.mean()), "accuracy_std": float(accuracy.std()),
            "roc_auc_mean": float(roc_auc.mean()), "roc_auc_std": float(roc_auc.std()),
            "accuracy_per_fold": accuracy.tolist(),
        }
        if name == importances_for:
            results[name]["_impurity"] = np.array([out["impurity"] for out in per_fold])
            results[name]["_permutation"] = np.array([out["permutation"] for out in per_fold])
    return results


def public(cv_result: dict[str, Any]) -> dict[str, Any]:
    """A CV result without the per-fold arrays kept for later steps (for JSON)."""
    return {key: value for key, value in cv_result.items() if not key.startswith("_")}


def compare_and_search(
    X: np.ndarray, y: np.ndarray, seed: int, n_jobs: int,
) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]], dict[str, Any]]:
    """CV of the candidate models and of FOREST_GRID, in one pool.

    Returns (candidate results, grid results, best grid params). Best = highest mean CV accuracy;
    ties (common: the data are nearly separable) go to the higher mean ROC AUC, then to the
    earlier grid entry, i.e. the seed forest and smaller forests.
    """
    candidates = candidate_models(seed)
    seed_params = candidates[SEED_FOREST].get_params()
    grid_models = {
        grid_name(params): forest_with(params, seed)
        for params in FOREST_GRID if forest_with(params, seed).get_params() != seed_params
    }
    results = cross_validate_models(
        {**candidates, **grid_models}, X, y, seed=seed, n_jobs=n_jobs, importances_for=SEED_FOREST,
    )
    search = []
    for params in FOREST_GRID:
        is_seed = forest_with(params, seed).get_params() == seed_params
        search.append({"params": params, **public(results[SEED_FOREST if is_seed else grid_name(params)])})
    best = max(
        enumerate(search), key=lambda item: (item[1]["accuracy_mean"], item[1]["roc_auc_mean"], -item[0]),
    )
    return {name: results[name] for name in candidates}, search, dict(best[1]["params"])


def feature_evidence(
    X: np.ndarray, y: np.ndarray, *, seed: int, n_jobs: int, seed_forest_cv: dict[str, Any],
) -> dict[str, Any]:
    """Impurity and out-of-fold permutation importances from the seed forest's CV folds, and the CV
    effect of dropping the weakest feature from that forest (same folds, so the comparison is paired)."""
    impurity = seed_forest_cv["_impurity"].mean(axis=0)
    permutation = seed_forest_cv["_permutation"]
    permutation_mean = permutation.mean(axis=0)
    weakest = int(np.argmin(permutation_mean))
    kept = [i for i in range(X.shape[1]) if i != weakest]
    forest = candidate_models(seed)[SEED_FOREST]
    without = cross_validate_models({"without": forest}, X[:, kept], y, seed=seed, n_jobs=n_jobs)["without"]
    all_mean, all_std = seed_forest_cv["accuracy_mean"], seed_forest_cv["accuracy_std"]
    without_mean = without["accuracy_mean"]
    return {
        "impurity_importance": dict(zip(schema.FEATURES, map(float, impurity), strict=True)),
        "permutation_importance": dict(zip(schema.FEATURES, map(float, permutation_mean), strict=True)),
        "permutation_importance_std": dict(
            zip(schema.FEATURES, map(float, permutation.std(axis=0)), strict=True)
        ),
        "weakest_feature": schema.FEATURES[weakest],
        "ablation": {
            "model": SEED_FOREST,
            "dropped": schema.FEATURES[weakest],
            "accuracy_mean_all": all_mean,
            "accuracy_mean_without": without_mean,
            "accuracy_std_without": without["accuracy_std"],
        },
        "decision": feature_decision(
            schema.FEATURES[weakest], float(permutation_mean[weakest]), all_mean, without_mean, all_std,
        ),
        "kept_features": list(schema.FEATURES),
    }


def feature_decision(
    weakest: str, weakest_importance: float, with_all: float, without: float, std: float,
) -> str:
    """The feature-selection decision in words, from the numbers.

    Rule: keep every feature unless dropping the weakest improves CV accuracy by more than one
    fold standard deviation; the four are cheap to compute and the serving contract takes four.
    """
    change = without - with_all
    if change > std:
        return (
            f"Dropping {weakest} raised mean CV accuracy from {with_all:.4f} to {without:.4f}, more than "
            f"one standard deviation ({std:.4f}). Worth a follow-up, but the serving contract takes four "
            "features: keeping all four for now."
        )
    if change < 0:
        effect = "lowers"
    elif change == 0:
        effect = "does not change"
    else:
        effect = "raises, but within one fold standard deviation,"
    return (
        f"All four features kept. The weakest by permutation importance is {weakest} "
        f"({weakest_importance:.4f} mean accuracy drop when shuffled); removing it {effect} mean CV accuracy "
        f"({with_all:.4f} with all four, {without:.4f} without), and all four are cheap to compute."
    )


def held_out_metrics(model: Any, X_test: np.ndarray, y_test: np.ndarray) -> dict[str, Any]:
    """The one evaluation on the test part. Positive class for precision/recall/F1: 1 (genuine)."""
    predicted = model.predict(X_test)
    proba = model.predict_proba(X_test)[:, list(model.classes_).index(1)]
    fpr, tpr, _ = roc_curve(y_test, proba)
    return {
        "accuracy": float(accuracy_score(y_test, predicted)),
        "precision": float(precision_score(y_test, predicted, pos_label=1)),
        "recall": float(recall_score(y_test, predicted, pos_label=1)),
        "f1": float(f1_score(y_test, predicted, pos_label=1)),
        "roc_auc": float(roc_auc_score(y_test, proba)),
        "confusion_matrix": confusion_matrix(y_test, predicted, labels=list(schema.CLASSES)).tolist(),
        "confusion_matrix_labels": list(schema.CLASS_NAMES),
        "positive_class": schema.CLASS_NAMES[schema.CLASSES.index(1)],
        "n_test": len(y_test),
        "_roc": {"fpr": fpr.tolist(), "tpr": tpr.tolist()},
    }


def fit_final(
    params: dict[str, Any], X_train: np.ndarray, y_train: np.ndarray, seed: int,
) -> RandomForestClassifier:
    """The served forest: the selected configuration fitted on the whole training part."""
    return clone(forest_with(params, seed)).fit(X_train, y_train)
