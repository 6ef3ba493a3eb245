"""Writes the serving artifact (model.json + forest.npz) and model.joblib from a fitted forest.

The format (file names, version, array names and dtypes) is defined in app/artifact.py, which the
app's loader reads too.

The serving artifact must be byte-identical for the same data and seed, so nothing here may
depend on the clock: np.savez stamps each zip member with the current time, hence the npz is
written by `write_npz` with a fixed timestamp (np.load reads it like any savez file).
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import sklearn
from sklearn.ensemble import RandomForestClassifier

from app import artifact
from training import schema

_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip header can hold


def forest_arrays(forest: RandomForestClassifier) -> dict[str, np.ndarray]:
    """Concatenates the trees into global node arrays; a leaf's children point to itself.

    Leaves get feature 0 and threshold 0.0 (scikit-learn uses -2): the value is never used, and
    a valid column index lets readers evaluate every node's comparison without a bounds check.
    """
    features, thresholds, lefts, rights, values, roots = [], [], [], [], [], []
    offset = 0
    for estimator in forest.estimators_:
        tree = estimator.tree_
        nodes = np.arange(tree.node_count)
        is_leaf = tree.children_left == -1
        features.append(np.where(is_leaf, 0, tree.feature))
        thresholds.append(np.where(is_leaf, 0.0, tree.threshold))
        lefts.append(np.where(is_leaf, nodes, tree.children_left) + offset)
        rights.append(np.where(is_leaf, nodes, tree.children_right) + offset)
        # Recent scikit-learn already stores fractions; normalising keeps older counts-style values right.
        value = tree.value[:, 0, :]
        values.append(value / value.sum(axis=1, keepdims=True))
        roots.append(offset)
        offset += tree.node_count
    arrays = {
        "feature": np.concatenate(features), "threshold": np.concatenate(thresholds),
        "left": np.concatenate(lefts), "right": np.concatenate(rights),
        "value": np.concatenate(values), "roots": np.asarray(roots),
    }
    return {name: arrays[name].astype(dtype) for name, dtype in artifact.ARRAY_DTYPES.items()}


def npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """The bytes of an npz archive (as np.savez writes, uncompressed) with fixed member timestamps."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, mode="w", compression=zipfile.ZIP_STORED) as archive:
        for name in sorted(arrays):
            member = zipfile.ZipInfo(f"{name}.npy", date_time=_ZIP_EPOCH)
            member.external_attr = 0o644 << 16
            with archive.open(member, mode="w", force_zip64=True) as handle:
                np.lib.format.write_array(handle, np.ascontiguousarray(arrays[name]), allow_pickle=False)
    return buffer.getvalue()


def serving_metadata(
    forest: RandomForestClassifier,
    arrays: dict[str, np.ndarray],
    arrays_sha256: str,
    *,
    dataset_sha256: str,
    training_revision: str,
    seed: int,
    metrics: dict[str, Any],
) -> dict[str, Any]:
    """model.json's content: everything the app needs, and no timestamps (determinism)."""
    if [int(c) for c in forest.classes_] != list(schema.CLASSES):
        raise ValueError(f"the forest's classes {forest.classes_.tolist()} differ from schema.CLASSES")
    if forest.n_features_in_ != len(schema.FEATURES):
        raise ValueError(f"the forest has {forest.n_features_in_} features, not {len(schema.FEATURES)}")
    params = forest.get_params()
    hyperparameters = {
        key: params[key]
        for key in ("n_estimators", "max_depth", "max_features", "min_samples_leaf", "min_samples_split",
                    "criterion", "bootstrap", "class_weight", "random_state")
    }
    return {
        "format": artifact.FORMAT,
        "format_version": artifact.FORMAT_VERSION,
        "feature_names": list(schema.FEATURES),
        "classes": list(schema.CLASSES),
        "class_names": list(schema.CLASS_NAMES),
        "n_trees": len(forest.estimators_),
        "n_nodes": int(arrays["feature"].size),
        "max_depth": max(int(e.tree_.max_depth) for e in forest.estimators_),
        "arrays_file": artifact.ARRAYS_FILE,
        "arrays_sha256": arrays_sha256,
        "dataset_sha256": dataset_sha256,
        "training_revision": training_revision,
        "seed": seed,
        "hyperparameters": hyperparameters,
        "metrics": metrics,
        "sklearn_version": sklearn.__version__,
    }


def write_artifacts(
    forest: RandomForestClassifier,
    out_dir: Path,
    *,
    dataset_sha256: str,
    training_revision: str,
    seed: int,
    metrics: dict[str, Any],
) -> dict[str, Path]:
    """Writes DIR/model.joblib and DIR/serving/{model.json, forest.npz}; returns their paths."""
    serving_dir = out_dir / "serving"
    serving_dir.mkdir(parents=True, exist_ok=True)
    arrays = forest_arrays(forest)
    blob = npz_bytes(arrays)
    metadata = serving_metadata(
        forest, arrays, hashlib.sha256(blob).hexdigest(),
        dataset_sha256=dataset_sha256, training_revision=training_revision, seed=seed, metrics=metrics,
    )
    npz_path = serving_dir / artifact.ARRAYS_FILE
    json_path = serving_dir / artifact.METADATA_FILE
    npz_path.write_bytes(blob)
    json_path.write_text(json.dumps(metadata, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    joblib_path = out_dir / "model.joblib"
    joblib.dump(forest, joblib_path)
    return {"model_json": json_path, "forest_npz": npz_path, "model_joblib": joblib_path}
