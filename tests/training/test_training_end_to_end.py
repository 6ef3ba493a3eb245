"""The CLI end to end: outputs, honest evaluation, the download path and byte-identical reruns."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import StratifiedKFold, cross_val_score
from training_helpers import FIXED_REVISION, pinned_revision_env, run_training, serve_directory

from training.data import deduplicate

pytestmark = pytest.mark.slow

PLOTS = ("class_balance", "distributions", "pairs", "correlation", "feature_importance", "cv_spread",
         "confusion_matrix", "roc_curve")


@pytest.fixture(scope="module")
def metrics(trained_model_dir: Path) -> dict:
    return json.loads((trained_model_dir / "metrics.json").read_text())


def test_writes_every_output(trained_model_dir: Path) -> None:
    for relative in ("model.joblib", "serving/model.json", "serving/forest.npz", "metrics.json",
                     "MODEL_CARD.md", "report/report.html"):
        assert (trained_model_dir / relative).is_file(), relative
    html = (trained_model_dir / "report" / "report.html").read_text()
    for plot in PLOTS:
        png = trained_model_dir / "report" / f"{plot}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", plot
        assert f'src="{plot}.png"' in html, plot
    for section in ("Class balance", "Summary statistics", "Correlations", "Distributions by class",
                    "Feature selection", "Decision:", "Model selection", "Held-out test"):
        assert section in html, section


def test_duplicates_removed_before_the_split(metrics: dict) -> None:
    dataset = metrics["dataset"]
    assert (dataset["rows_read"], dataset["duplicates_removed"], dataset["rows"]) == (1372, 24, 1348)
    assert metrics["split"]["n_train"] + metrics["split"]["n_test"] == 1348
    assert metrics["cv"]["folds"] == 10


def test_metrics_cover_every_model_and_the_held_out_test(metrics: dict) -> None:
    models = metrics["cv"]["models"]
    assert {"random_forest", "logistic_regression", "svm_rbf"} <= set(models)
    for result in models.values():
        assert 0.9 < result["accuracy_mean"] <= 1
        assert 0 <= result["accuracy_std"] < 0.05
        assert len(result["accuracy_per_fold"]) == 10
    held_out = metrics["held_out"]
    for key in ("accuracy", "precision", "recall", "f1", "roc_auc"):
        assert 0.97 <= held_out[key] <= 1, key
    matrix = np.asarray(held_out["confusion_matrix"])
    assert matrix.shape == (2, 2)
    assert matrix.sum() == metrics["split"]["n_test"]
    assert held_out["accuracy"] == pytest.approx(np.trace(matrix) / matrix.sum())
    assert len(metrics["selection"]["forest_search"]) >= 3
    assert metrics["features"]["kept_features"] == ["variance", "skewness", "curtosis", "entropy"]


def test_served_configuration_scores_at_least_099_in_10_fold_cv(
    trained_model_dir: Path, dataset_path: Path,
) -> None:
    """Independent of the pipeline's own numbers: re-run 10-fold CV with the served hyperparameters."""
    table = np.loadtxt(dataset_path, delimiter=",", skiprows=1)
    unique = deduplicate(table[:, :4], table[:, 4].astype(int))
    params = json.loads((trained_model_dir / "serving" / "model.json").read_text())["hyperparameters"]
    forest = RandomForestClassifier(**params)
    folds = StratifiedKFold(10, shuffle=True, random_state=0)
    scores = cross_val_score(forest, unique.X, unique.y, cv=folds, n_jobs=2)
    assert scores.mean() >= 0.99, scores


def test_model_card(trained_model_dir: Path, metrics: dict) -> None:
    card = (trained_model_dir / "MODEL_CARD.md").read_text()
    for needed in ("CC BY 4.0", "267", "Lohweg", "Doerksen", "0 = forged", "1 = genuine",
                   "training/schema.py", "Open-set risk", "other currencies", "scanners",
                   "new forgery methods", "Intended use"):
        assert needed in card, needed
    assert f"accuracy {metrics['held_out']['accuracy']:.4f}" in card


@pytest.fixture(scope="module")
def downloaded_run(tmp_path_factory: pytest.TempPathFactory, dataset_path: Path):
    """Training with --data uci, downloading a headerless copy from a server on 127.0.0.1."""
    www = tmp_path_factory.mktemp("www")
    lines = dataset_path.read_text().splitlines()[1:]
    (www / "data_banknote_authentication.txt").write_text("".join(f"{line}\n" for line in lines))
    out = tmp_path_factory.mktemp("downloaded")
    with serve_directory(www) as base_url:
        url = f"{base_url}/data_banknote_authentication.txt"
        result = run_training("--data", "uci", "--out", str(out), "--seed", "42",
                              env={"BANKNOTE_DATA_URL": url, **pinned_revision_env()})
    return result, out, url


def test_download_path(downloaded_run) -> None:
    result, out, url = downloaded_run
    assert result.returncode == 0, result.stderr
    assert f"data: {url}" in result.stdout
    assert "content sha256 50573e4d341c0c211668136a8b83b592b8dda436520785c3cc3d536fe407a157" in result.stdout
    assert "held-out test" in result.stdout
    assert "wall time" in result.stdout
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["dataset"]["had_header"] is False
    assert metrics["dataset"]["duplicates_removed"] == 24
    assert json.loads((out / "serving" / "model.json").read_text())["training_revision"] == FIXED_REVISION


def test_same_data_and_seed_give_a_byte_identical_serving_artifact(
    downloaded_run, dataset_path: Path, tmp_path: Path,
) -> None:
    """A second run, from the headed local file, must reproduce the downloaded run's artifact exactly."""
    _, first, _ = downloaded_run
    result = run_training("--data", str(dataset_path), "--out", str(tmp_path), "--seed", "42", "--jobs", "1",
                          env=pinned_revision_env())
    assert result.returncode == 0, result.stderr
    for name in ("model.json", "forest.npz"):
        assert (tmp_path / "serving" / name).read_bytes() == (first / "serving" / name).read_bytes(), name
    assert sorted(p.name for p in (tmp_path / "serving").iterdir()) == ["forest.npz", "model.json"]


def test_headed_file_and_headerless_download_give_the_same_forest(
    downloaded_run, trained_model_dir: Path,
) -> None:
    # The session's model (headed file, real git revision) and the download differ only in metadata.
    _, first, _ = downloaded_run
    first_meta = json.loads((first / "serving" / "model.json").read_text())
    assert first_meta["arrays_sha256"] == json.loads(
        (trained_model_dir / "serving" / "model.json").read_text())["arrays_sha256"]


def test_skip_if_unchanged_needs_no_download_and_writes_nothing(downloaded_run) -> None:
    _, out, _ = downloaded_run
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    # Nothing listens on port 9 here: an attempted download would fail the run.
    env = {"BANKNOTE_DATA_URL": "http://127.0.0.1:9/unreachable.txt", **pinned_revision_env()}
    result = run_training("--data", "uci", "--out", str(out), "--seed", "42", "--skip-if-unchanged", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("up to date:")
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == before
