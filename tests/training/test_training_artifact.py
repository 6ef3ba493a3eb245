"""The serving artifact's contract, and app.forest refusing missing, corrupt or tampered artifacts."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from app.forest import ForestModel, ModelLoadError
from training.export import npz_bytes

CONTRACT_KEYS = {
    "format", "format_version", "feature_names", "classes", "class_names", "n_trees", "n_nodes", "max_depth",
    "arrays_file", "arrays_sha256", "dataset_sha256", "training_revision", "seed", "hyperparameters",
    "metrics", "sklearn_version",
}


def test_model_json_follows_the_contract(serving_dir: Path, dataset_path: Path, repo_root: Path) -> None:
    metadata = json.loads((serving_dir / "model.json").read_text())
    assert set(metadata) == CONTRACT_KEYS  # nothing else, in particular no timestamps
    assert metadata["format"] == "banknote-forest"
    assert metadata["format_version"] == 1
    assert metadata["classes"] == [0, 1]
    assert metadata["class_names"] == ["forged", "genuine"]
    assert metadata["arrays_file"] == "forest.npz"
    assert metadata["arrays_sha256"] == hashlib.sha256((serving_dir / "forest.npz").read_bytes()).hexdigest()
    assert metadata["seed"] == 42
    # dataset_sha256 identifies the rows, whatever the header and line ends: canonical form.
    lines = dataset_path.read_text().splitlines()[1:]
    assert metadata["dataset_sha256"] == hashlib.sha256("".join(f"{x}\n" for x in lines).encode()).hexdigest()
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo_root, capture_output=True, check=False)
    if head.returncode == 0:
        # A commit can land between the session's training run and this line; accept any real sha.
        assert len(metadata["training_revision"]) == 40
        assert set(metadata["training_revision"]) <= set("0123456789abcdef")


def test_npz_arrays_have_the_contract_dtypes(serving_dir: Path) -> None:
    metadata = json.loads((serving_dir / "model.json").read_text())
    with np.load(serving_dir / "forest.npz", allow_pickle=False) as npz:
        assert sorted(npz.files) == ["feature", "left", "right", "roots", "threshold", "value"]
        n_nodes = metadata["n_nodes"]
        for name in ("feature", "left", "right"):
            assert npz[name].dtype == np.int32
            assert npz[name].shape == (n_nodes,)
        assert npz["threshold"].dtype == np.float64
        assert npz["threshold"].shape == (n_nodes,)
        assert npz["value"].dtype == np.float64
        assert npz["value"].shape == (n_nodes, 2)
        assert npz["roots"].dtype == np.int32
        assert npz["roots"].shape == (metadata["n_trees"],)
        leaves = npz["left"] == np.arange(n_nodes)
        assert np.array_equal(leaves, npz["right"] == np.arange(n_nodes))
        assert np.allclose(npz["value"].sum(axis=1), 1.0)


@pytest.fixture
def artifact_copy(serving_dir: Path, tmp_path: Path) -> Path:
    target = tmp_path / "serving"
    shutil.copytree(serving_dir, target)
    return target


def _edit_json(directory: Path, change: Callable[[dict], None]) -> None:
    path = directory / "model.json"
    metadata = json.loads(path.read_text())
    change(metadata)
    path.write_text(json.dumps(metadata))


def _tamper_arrays(directory: Path, change: Callable[[dict[str, np.ndarray]], None]) -> None:
    """Rewrites forest.npz after `change` and re-pins its sha256, as a careless hand edit would."""
    with np.load(directory / "forest.npz", allow_pickle=False) as npz:
        arrays = {name: npz[name].copy() for name in npz.files}
    change(arrays)
    blob = npz_bytes(arrays)
    (directory / "forest.npz").write_bytes(blob)
    _edit_json(directory, lambda m: m.update(arrays_sha256=hashlib.sha256(blob).hexdigest()))


def _first_internal(arrays: dict[str, np.ndarray]) -> int:
    return int(np.flatnonzero(arrays["left"] != np.arange(arrays["left"].size))[0])


def test_loads_an_intact_copy(artifact_copy: Path) -> None:
    assert ForestModel.load(artifact_copy).metadata["n_trees"] >= 1


def test_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="does not exist"):
        ForestModel.load(tmp_path / "absent")


def test_directory_without_model_json(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match=r"model\.json is missing"):
        ForestModel.load(tmp_path)


def test_missing_npz(artifact_copy: Path) -> None:
    (artifact_copy / "forest.npz").unlink()
    with pytest.raises(ModelLoadError, match=r"forest\.npz is missing"):
        ForestModel.load(artifact_copy)


def test_corrupt_npz_fails_the_checksum(artifact_copy: Path) -> None:
    blob = bytearray((artifact_copy / "forest.npz").read_bytes())
    blob[len(blob) // 2] ^= 0xFF
    (artifact_copy / "forest.npz").write_bytes(bytes(blob))
    with pytest.raises(ModelLoadError, match=r"sha256 \w+ but model\.json expects"):
        ForestModel.load(artifact_copy)


def test_truncated_npz_with_matching_checksum_is_still_refused(artifact_copy: Path) -> None:
    blob = (artifact_copy / "forest.npz").read_bytes()[:1000]
    (artifact_copy / "forest.npz").write_bytes(blob)
    _edit_json(artifact_copy, lambda m: m.update(arrays_sha256=hashlib.sha256(blob).hexdigest()))
    with pytest.raises(ModelLoadError, match="not a readable npz"):
        ForestModel.load(artifact_copy)


def test_pickled_arrays_are_refused(artifact_copy: Path) -> None:
    buffer = io.BytesIO()
    np.savez(buffer, **{name: np.array([{"x": 1}], dtype=object) for name in
                        ("feature", "threshold", "left", "right", "value", "roots")})
    blob = buffer.getvalue()
    (artifact_copy / "forest.npz").write_bytes(blob)
    _edit_json(artifact_copy, lambda m: m.update(arrays_sha256=hashlib.sha256(blob).hexdigest()))
    with pytest.raises(ModelLoadError, match="not a readable npz"):
        ForestModel.load(artifact_copy)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda m: m.update(format="something-else"), "has format 'something-else'"),
        (lambda m: m.update(format_version=2), "format_version 2"),
        (lambda m: m.pop("arrays_sha256"), "lacks arrays_sha256"),
        (lambda m: m.update(arrays_file="../forest.npz"), "plain file name"),
        (lambda m: m.update(class_names=["forged"]), "same length"),
        (lambda m: m.update(n_trees=m["n_trees"] + 1), "expected .* from n_trees"),
        (lambda m: m.update(n_nodes=m["n_nodes"] - 1), "from n_nodes"),
        (lambda m: m.update(max_depth=1), "deeper than max_depth=1"),
        (lambda m: m.update(feature_names=["variance", "skewness"]), "feature has indices outside 0..1"),
    ],
)
def test_inconsistent_metadata(artifact_copy: Path, change: Callable[[dict], None], message: str) -> None:
    _edit_json(artifact_copy, change)
    with pytest.raises(ModelLoadError, match=message):
        ForestModel.load(artifact_copy)


def test_model_json_that_is_not_json(artifact_copy: Path) -> None:
    (artifact_copy / "model.json").write_text('{"format": ')
    with pytest.raises(ModelLoadError, match="not readable JSON"):
        ForestModel.load(artifact_copy)


def _point_left_outside(arrays: dict[str, np.ndarray]) -> None:
    arrays["left"][_first_internal(arrays)] = arrays["left"].size + 5


def _make_cycle(arrays: dict[str, np.ndarray]) -> None:
    node = _first_internal(arrays)
    child = int(arrays["left"][node])
    grandchild_side = "left" if arrays["left"][child] != child else None
    if grandchild_side is None:  # the left child is a leaf: loop the parent onto itself via the right side
        arrays["right"][node] = int(arrays["left"][node])
    else:
        arrays["left"][child] = node


def _leaf_value_not_probabilities(arrays: dict[str, np.ndarray]) -> None:
    arrays["value"][0] = [0.7, 0.7]


def _feature_out_of_range(arrays: dict[str, np.ndarray]) -> None:
    arrays["feature"][_first_internal(arrays)] = 4


def _wrong_dtype(arrays: dict[str, np.ndarray]) -> None:
    arrays["left"] = arrays["left"].astype(np.float64)


def _cross_tree_child(arrays: dict[str, np.ndarray]) -> None:
    # Tree 0's first split points into tree 1: a node shared by two trees.
    arrays["right"][_first_internal(arrays)] = int(arrays["roots"][1]) + 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_point_left_outside, "left has node indices outside"),
        (_make_cycle, "share or revisit nodes|lies in another tree"),
        (_leaf_value_not_probabilities, "class probabilities"),
        (_feature_out_of_range, "feature has indices outside 0..3"),
        (_wrong_dtype, "left must be integer"),
        (_cross_tree_child, "lies in another tree's slice"),
    ],
)
def test_tampered_arrays_with_a_matching_checksum(
    artifact_copy: Path, change: Callable[[dict[str, np.ndarray]], None], message: str,
) -> None:
    _tamper_arrays(artifact_copy, change)
    with pytest.raises(ModelLoadError, match=message):
        ForestModel.load(artifact_copy)


def test_orphaned_nodes_are_refused(artifact_copy: Path) -> None:
    # Turning an internal node into a leaf leaves its subtree unreachable.
    def orphan(arrays: dict[str, np.ndarray]) -> None:
        node = _first_internal(arrays)
        arrays["left"][node] = arrays["right"][node] = node
    _tamper_arrays(artifact_copy, orphan)
    with pytest.raises(ModelLoadError, match="not reachable from any root"):
        ForestModel.load(artifact_copy)
