"""Runs the steps in order on validated, de-duplicated data and writes every output."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import sklearn

from training import card, explore, export, report, schema, select
from training.data import Dataset, Deduplicated


def _selection_note(cv: dict[str, dict[str, Any]], selected_cv: dict[str, Any]) -> str:
    """Why the served model is a random forest, in words, from the CV numbers."""
    best_name = max(cv, key=lambda name: cv[name]["accuracy_mean"])
    best = cv[best_name]
    gap = best["accuracy_mean"] - selected_cv["accuracy_mean"]
    if gap <= 0:
        return "The tuned forest is at least as accurate in CV as every other model compared."
    if gap <= selected_cv["accuracy_std"]:
        return (
            f"{best_name} scored {gap:.4f} higher in mean CV accuracy, within one fold standard deviation "
            f"({selected_cv['accuracy_std']:.4f}): no compelling reason to leave the random forest, "
            "which the numpy serving path implements."
        )
    return (
        f"{best_name} scored {gap:.4f} higher in mean CV accuracy, more than one fold standard deviation "
        "({:.4f}); worth a follow-up, but the serving path implements random forests only.".format(
            selected_cv["accuracy_std"])
    )


def _tick(timings: dict[str, float], phase: str, since: float) -> float:
    now = time.perf_counter()
    timings[phase] = now - since
    return now


def run(
    dataset: Dataset, dedup: Deduplicated, *, out_dir: Path, seed: int, n_jobs: int, revision: str,
    timings: dict[str, float], started: float,
) -> dict[str, Any]:
    X, y = dedup.X, dedup.y
    mark = time.perf_counter()
    # Drawn while the models are cross-validated; report.write_report waits for them.
    data_plots = report.DataPlots(out_dir / "report", X, y)
    parts = select.split(X, y, seed)
    cv, search, selected_params = select.compare_and_search(parts.X_train, parts.y_train, seed, n_jobs)
    selected_cv = next(r for r in search if r["params"] == selected_params)
    mark = _tick(timings, "cv_models_and_forest_search", mark)
    # Importances come from the seed forest's CV folds (already computed); one more CV for the ablation.
    features = select.feature_evidence(
        parts.X_train, parts.y_train, seed=seed, n_jobs=n_jobs, seed_forest_cv=cv[select.SEED_FOREST],
    )
    mark = _tick(timings, "feature_selection", mark)
    forest = select.fit_final(selected_params, parts.X_train, parts.y_train, seed)
    held_out = select.held_out_metrics(forest, parts.X_test, parts.y_test)
    mark = _tick(timings, "final_fit_and_test", mark)

    cv_public = {name: select.public(result) for name, result in cv.items()}
    held_out_public = {k: v for k, v in held_out.items() if not k.startswith("_")}
    # Deterministic numbers only: this goes into model.json, which must be byte-identical per seed.
    serving_metrics = {
        "held_out": held_out_public,
        "cv_folds": select.CV_FOLDS,
        "cv_accuracy_mean": selected_cv["accuracy_mean"],
        "cv_accuracy_std": selected_cv["accuracy_std"],
        "n_train": len(parts.y_train),
        "n_test": len(parts.y_test),
    }
    paths = export.write_artifacts(
        forest, out_dir, dataset_sha256=dataset.content_sha256, training_revision=revision, seed=seed,
        metrics=serving_metrics,
    )
    mark = _tick(timings, "export", mark)

    selection_note = _selection_note(cv_public, selected_cv)
    report_path = report.write_report(out_dir / "report", {
        "X": X, "y": y, "dataset": dataset, "dedup": dedup, "seed": seed, "training_revision": revision,
        "sklearn_version": sklearn.__version__, "correlations": explore.correlations(X, y),
        "features": features, "cv": cv_public, "search": search, "selected": selected_params,
        "selection_note": selection_note, "held_out": held_out, "timings_s": timings,
    }, data_plots)
    mark = _tick(timings, "report", mark)
    card_path = out_dir / "MODEL_CARD.md"
    card_path.write_text(card.render_model_card({
        "held_out": held_out_public, "cv": cv_public, "selected": selected_params, "seed": seed,
        "sklearn_version": sklearn.__version__, "training_revision": revision,
        "content_sha256": dataset.content_sha256, "n_train": len(parts.y_train),
        "n_rows_read": dedup.n_before,
        "n_duplicates": dedup.n_removed, "n_rows": len(y),
        "class_counts": ", ".join(
            f"{b['count']} {name}" for name, b in explore.class_balance(y).items()
        ),
    }), encoding="utf-8")
    timings["total"] = time.perf_counter() - started

    metrics = {
        "dataset": {
            "source": dataset.source, "file_sha256": dataset.file_sha256,
            "content_sha256": dataset.content_sha256, "had_header": dataset.had_header,
            "rows_read": dedup.n_before, "duplicates_removed": dedup.n_removed,
            "duplicate_rows": dedup.duplicate_rows, "rows": len(y),
            "conflicting_feature_rows": dedup.conflicting_feature_rows,
            "class_balance": explore.class_balance(y),
        },
        "split": {"test_size": select.TEST_SIZE, "stratified": True, "random_state": seed,
                  "n_train": len(parts.y_train), "n_test": len(parts.y_test)},
        "cv": {"folds": select.CV_FOLDS, "stratified": True, "shuffle": True, "random_state": seed,
               "models": cv_public},
        "selection": {"forest_search": search, "selected_params": selected_params, "selected_cv": {
            k: v for k, v in selected_cv.items() if k != "params"}, "note": selection_note},
        "features": features,
        "held_out": held_out_public,
        "roc_curve": held_out["_roc"],
        "serving": {"model_json": str(paths["model_json"]),
                    "n_nodes": int(np.sum([e.tree_.node_count for e in forest.estimators_]))},
        "schema": {"features": list(schema.FEATURES), "classes": list(schema.CLASSES),
                   "class_names": list(schema.CLASS_NAMES)},
        "training_revision": revision,
        "seed": seed,
        "timings_s": timings,  # wall times live here, never in the serving artifact
    }
    metrics_path = out_dir / "metrics.json"
    metrics_path.write_text(json.dumps(metrics, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    paths.update({"metrics": metrics_path, "report": report_path, "model_card": card_path})
    return {"metrics": metrics, "paths": {k: str(v) for k, v in paths.items()}}
