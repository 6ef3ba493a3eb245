"""The exploration and evaluation report: PNG plots (matplotlib, Agg) and one HTML page beside them
(rendered from templates/report.html.j2)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # headless: never needs a display

import numpy as np
from matplotlib.figure import Figure

from training import explore, render, schema

CLASS_COLORS = ("#c0392b", "#2471a3")  # forged red, genuine blue, in schema.CLASSES order
DPI = 90


def _save(fig: Figure, path: Path, *, tight: bool = True) -> Path:
    if tight:
        fig.tight_layout()
    fig.savefig(path, dpi=DPI, format="png", metadata={"Software": None})
    return path


def plot_class_balance(y: np.ndarray, path: Path) -> Path:
    fig = Figure(figsize=(4, 3))
    ax = fig.subplots()
    counts = [int(np.sum(y == cls)) for cls in schema.CLASSES]
    bars = ax.bar(schema.CLASS_NAMES, counts, color=CLASS_COLORS)
    ax.bar_label(bars)
    ax.set_ylabel("rows (after de-duplication)")
    ax.set_title("Class balance")
    return _save(fig, path)


def plot_distributions(X: np.ndarray, y: np.ndarray, path: Path) -> Path:
    fig = Figure(figsize=(8, 5.5))
    axes = fig.subplots(2, 2).ravel()
    for column, (ax, name) in enumerate(zip(axes, schema.FEATURES, strict=True)):
        bins = np.histogram_bin_edges(X[:, column], bins=30)
        for cls, label, color in zip(schema.CLASSES, schema.CLASS_NAMES, CLASS_COLORS, strict=True):
            ax.hist(X[y == cls, column], bins=bins, alpha=0.55, color=color, label=label)
        ax.set_title(name)
    axes[0].legend()
    fig.suptitle("Feature distributions by class")
    return _save(fig, path)


def plot_pairs(X: np.ndarray, y: np.ndarray, path: Path) -> Path:
    n = len(schema.FEATURES)
    fig = Figure(figsize=(9, 9))
    axes = fig.subplots(n, n)
    for row in range(n):
        for col in range(n):
            ax = axes[row, col]
            for cls, color in zip(schema.CLASSES, CLASS_COLORS, strict=True):
                subset = X[y == cls]
                if row == col:
                    ax.hist(subset[:, col], bins=25, alpha=0.55, color=color)
                else:
                    # plot() with markers draws much faster than scatter() for uniform points.
                    ax.plot(subset[:, col], subset[:, row], ".", markersize=2, alpha=0.4, color=color)
            if row == n - 1:
                ax.set_xlabel(schema.FEATURES[col])
            if col == 0:
                ax.set_ylabel(schema.FEATURES[row])
            ax.tick_params(labelsize=7)
    fig.suptitle("Pair plot (red: forged, blue: genuine)")
    # tight_layout on 16 axes costs more than drawing them; fixed margins fit this grid.
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.06, top=0.95, wspace=0.25, hspace=0.25)
    return _save(fig, path, tight=False)


def plot_correlation(corr: dict[str, Any], path: Path) -> Path:
    names, matrix = corr["names"], np.asarray(corr["matrix"])
    fig = Figure(figsize=(5.5, 4.5))
    ax = fig.subplots()
    image = ax.imshow(matrix, cmap="coolwarm", vmin=-1, vmax=1)
    ax.set_xticks(range(len(names)), names, rotation=30, ha="right")
    ax.set_yticks(range(len(names)), names)
    for i in range(len(names)):
        for j in range(len(names)):
            ax.text(j, i, f"{matrix[i, j]:.2f}", ha="center", va="center", fontsize=8)
    fig.colorbar(image, ax=ax)
    ax.set_title("Pearson correlation")
    return _save(fig, path)


def plot_confusion(matrix: list[list[int]], path: Path) -> Path:
    fig = Figure(figsize=(4, 3.5))
    ax = fig.subplots()
    values = np.asarray(matrix)
    ax.imshow(values, cmap="Blues")
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            ax.text(j, i, str(values[i, j]), ha="center", va="center",
                    color="white" if values[i, j] > values.max() / 2 else "black")
    ax.set_xticks(range(len(schema.CLASS_NAMES)), schema.CLASS_NAMES)
    ax.set_yticks(range(len(schema.CLASS_NAMES)), schema.CLASS_NAMES)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title("Confusion matrix (held-out test)")
    return _save(fig, path)


def plot_roc(fpr: list[float], tpr: list[float], auc: float, path: Path) -> Path:
    fig = Figure(figsize=(4, 4))
    ax = fig.subplots()
    ax.plot(fpr, tpr, color=CLASS_COLORS[1], label=f"random forest (AUC = {auc:.4f})")
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", label="chance")
    ax.set_xlabel("false positive rate (forged called genuine)")
    ax.set_ylabel("true positive rate")
    ax.set_title("ROC curve (held-out test)")
    ax.legend(loc="lower right")
    return _save(fig, path)


def plot_importances(features: dict[str, Any], path: Path) -> Path:
    fig = Figure(figsize=(7, 3.2))
    ax_impurity, ax_perm = fig.subplots(1, 2)
    names = list(schema.FEATURES)
    ax_impurity.barh(names, [features["impurity_importance"][n] for n in names], color="#7d3c98")
    ax_impurity.set_title("Impurity importance")
    ax_perm.barh(
        names, [features["permutation_importance"][n] for n in names],
        xerr=[features["permutation_importance_std"][n] for n in names], color="#117a65",
    )
    ax_perm.set_title("Permutation importance\n(out-of-fold accuracy drop)")
    for ax in (ax_impurity, ax_perm):
        ax.invert_yaxis()
    return _save(fig, path)


def plot_cv_spread(models: dict[str, dict[str, Any]], path: Path) -> Path:
    fig = Figure(figsize=(7, 3.5))
    ax = fig.subplots()
    names = list(models)
    ax.boxplot([models[n]["accuracy_per_fold"] for n in names], vert=False)
    ax.set_yticks(range(1, len(names) + 1), names)
    ax.set_xlabel("accuracy per fold (stratified 10-fold CV, training part)")
    ax.set_title("CV score spread")
    return _save(fig, path)


def _data_plot_jobs(X: np.ndarray, y: np.ndarray) -> dict[str, Callable[[Path], Path]]:
    """The plots that need only the data."""
    return {
        "class_balance": lambda p: plot_class_balance(y, p),
        "distributions": lambda p: plot_distributions(X, y, p),
        "pairs": lambda p: plot_pairs(X, y, p),
        "correlation": lambda p: plot_correlation(explore.correlations(X, y), p),
    }


class DataPlots:
    """Draws the data-only plots in a background thread, started before model selection: the main
    process mostly waits for its CV worker processes then, and the plots are most of the report's
    time. Figures are separate objects (no pyplot state), and `names()` joins before any other
    plot is drawn, so matplotlib never runs in two threads at once."""

    def __init__(self, report_dir: Path, X: np.ndarray, y: np.ndarray) -> None:
        report_dir.mkdir(parents=True, exist_ok=True)
        self._names: dict[str, str] = {}
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._draw, args=(report_dir, X, y), name="data-plots")
        self._thread.start()

    def _draw(self, report_dir: Path, X: np.ndarray, y: np.ndarray) -> None:
        try:
            for key, plot in _data_plot_jobs(X, y).items():
                plot(report_dir / f"{key}.png")
                self._names[key] = f"{key}.png"
        except BaseException as error:  # handed to the main thread by names()
            self._error = error

    def names(self) -> dict[str, str]:
        """{plot key: file name} once every data plot is written; re-raises the thread's error."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        return dict(self._names)


def write_plots(
    report_dir: Path, data: dict[str, Any], data_plots: DataPlots | None = None,
) -> dict[str, str]:
    """Writes every PNG (the data-only ones from `data_plots` if given); returns {plot key: file name}."""
    X, y = data["X"], data["y"]
    held_out = data["held_out"]
    jobs: dict[str, Callable[[Path], Path]] = {
        "feature_importance": lambda p: plot_importances(data["features"], p),
        "cv_spread": lambda p: plot_cv_spread(data["cv"], p),
        "confusion_matrix": lambda p: plot_confusion(held_out["confusion_matrix"], p),
        "roc_curve": lambda p: plot_roc(
            held_out["_roc"]["fpr"], held_out["_roc"]["tpr"], held_out["roc_auc"], p,
        ),
    }
    if data_plots is not None:
        names = data_plots.names()
    else:
        names = {}
        jobs = {**_data_plot_jobs(X, y), **jobs}
    for key, plot in jobs.items():
        plot(report_dir / f"{key}.png")
        names[key] = f"{key}.png"
    return names


def render_html(data: dict[str, Any], plots: dict[str, str]) -> str:
    """report.html from templates/report.html.j2 (autoescaped): the figures here, the markup there."""
    X, y = data["X"], data["y"]
    passed_on = ("seed", "training_revision", "sklearn_version", "dataset", "dedup", "features", "cv",
                 "search", "selected", "selection_note", "held_out", "timings_s")
    return render.render(
        "report.html.j2",
        **{key: data[key] for key in passed_on},
        n_rows=len(y),
        balance=explore.class_balance(y),
        summary=explore.summary_statistics(X),
        summary_by_class=explore.summary_by_class(X, y),
        strongest_pairs=explore.strongest_pairs(data["correlations"]),
        feature_names=schema.FEATURES,
        plots=plots,
    )


def write_report(report_dir: Path, data: dict[str, Any], data_plots: DataPlots | None = None) -> Path:
    report_dir.mkdir(parents=True, exist_ok=True)
    plots = write_plots(report_dir, data, data_plots)
    path = report_dir / "report.html"
    path.write_text(render_html(data, plots), encoding="utf-8")
    return path
