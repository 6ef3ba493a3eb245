"""In-process 10k-row batch latency: the service's numpy forest vs scikit-learn's predict_proba.

Both predict the same rows from the same training run (serving/ arrays vs model.joblib); the
result says whether the predicted classes are identical and how far the probabilities differ.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import joblib
import numpy as np

from app.forest import ForestModel


def batch_rows(dataset: Path, n_rows: int, seed: int = 0) -> np.ndarray:
    """n_rows drawn from the data set's feature rows with small noise, so rows are not all training rows."""
    data = np.loadtxt(dataset, delimiter=",", skiprows=1)[:, :4]
    rng = np.random.default_rng(seed)
    rows = data[rng.integers(0, len(data), n_rows)]
    return rows + rng.normal(0.0, 0.05 * data.std(axis=0), rows.shape)


def best_time(predict: Callable[[np.ndarray], np.ndarray], rows: np.ndarray, repeats: int) -> float:
    """Seconds of the fastest of `repeats` calls (after one warm-up call)."""
    predict(rows)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        predict(rows)
        best = min(best, time.perf_counter() - start)
    return best


def compare(model_dir: Path, dataset: Path, n_rows: int = 10_000, repeats: int = 5) -> dict[str, Any]:
    forest = ForestModel.load(model_dir / "serving")
    estimator = joblib.load(model_dir / "model.joblib")  # our own freshly trained model
    rows = batch_rows(dataset, n_rows)
    ours = forest.predict_proba(rows)
    theirs = estimator.predict_proba(rows)
    our_classes = np.asarray(forest.classes)[ours.argmax(axis=1)]
    same_classes = bool(np.array_equal(our_classes, estimator.predict(rows)))
    forest_s = best_time(forest.predict_proba, rows, repeats)
    # The traversal fallback (trees with > 64 leaves), for reference.
    traversal_s = best_time(lambda X: forest._predict_traversal(X.astype(np.float32)), rows, repeats)
    sklearn_s = best_time(estimator.predict_proba, rows, repeats)
    return {
        "rows": n_rows,
        "repeats": repeats,
        "forest_ms": forest_s * 1e3,
        "forest_path": "bit vectors" if forest.uses_bitvectors else "traversal",
        "forest_traversal_ms": traversal_s * 1e3,
        "sklearn_ms": sklearn_s * 1e3,
        "speedup": sklearn_s / forest_s,
        "identical_classes": same_classes,
        "max_abs_proba_diff": float(np.abs(ours - theirs).max()),
        "sklearn_n_jobs": estimator.n_jobs,
        "n_trees": len(estimator.estimators_),
    }
