"""Exploration numbers for the report: class balance, summary statistics, correlations. Pure numpy."""

from __future__ import annotations

from typing import Any

import numpy as np

from training import schema

QUANTILES = (0.25, 0.5, 0.75)


def class_balance(y: np.ndarray) -> dict[str, dict[str, float]]:
    return {
        name: {"label": cls, "count": int(np.sum(y == cls)), "share": float(np.mean(y == cls))}
        for cls, name in zip(schema.CLASSES, schema.CLASS_NAMES, strict=True)
    }


def summary_statistics(X: np.ndarray) -> dict[str, dict[str, float]]:
    """Per feature: count, mean, std (ddof=1), min, quartiles, max."""
    stats = {}
    for column, name in enumerate(schema.FEATURES):
        values = X[:, column]
        q1, median, q3 = np.quantile(values, QUANTILES)
        stats[name] = {
            "count": int(values.size), "mean": float(values.mean()), "std": float(values.std(ddof=1)),
            "min": float(values.min()), "25%": float(q1), "50%": float(median), "75%": float(q3),
            "max": float(values.max()),
        }
    return stats


def summary_by_class(X: np.ndarray, y: np.ndarray) -> dict[str, dict[str, dict[str, float]]]:
    return {
        name: summary_statistics(X[y == cls])
        for cls, name in zip(schema.CLASSES, schema.CLASS_NAMES, strict=True)
    }


def correlations(X: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    """Pearson correlations between the features and the label (label last)."""
    names = [*schema.FEATURES, schema.LABEL]
    matrix = np.corrcoef(np.column_stack([X, y]), rowvar=False)
    return {"names": names, "matrix": matrix.tolist()}


def strongest_pairs(corr: dict[str, Any], top: int = 3) -> list[tuple[str, str, float]]:
    """The feature pairs with the largest absolute correlation, strongest first."""
    names, matrix = corr["names"], np.asarray(corr["matrix"])
    n_features = len(schema.FEATURES)
    pairs = [
        (names[i], names[j], float(matrix[i, j]))
        for i in range(n_features) for j in range(i + 1, n_features)
    ]
    return sorted(pairs, key=lambda pair: -abs(pair[2]))[:top]
