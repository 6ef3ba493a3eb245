"""app.forest on the trained artifact gives scikit-learn's predict_proba bit for bit (np.array_equal),
row for row, on the bit-vector path (used when every tree has <= 64 leaves) and on the traversal
fallback alike: the README's "predictions equal scikit-learn's exactly"."""

from __future__ import annotations

from pathlib import Path

import joblib
import numpy as np
import pytest
from sklearn.ensemble import RandomForestClassifier

from app.forest import BITVECTOR_CHUNK_ROWS, MAX_BITVECTOR_LEAVES, SMALL_BATCH_ROWS, ForestModel
from training import export


@pytest.fixture(scope="module")
def estimator(trained_model_dir: Path):
    return joblib.load(trained_model_dir / "model.joblib")


@pytest.fixture(scope="module")
def forest(serving_dir: Path) -> ForestModel:
    return ForestModel.load(serving_dir)


@pytest.fixture(scope="module")
def data_rows(dataset_path: Path) -> np.ndarray:
    return np.loadtxt(dataset_path, delimiter=",", skiprows=1)[:, :4]


def assert_same_predictions(forest: ForestModel, estimator, X: np.ndarray) -> None:
    """Checks every prediction path of app.forest: one row at a time, small batches, one big batch,
    through predict_proba (bit vectors when the model has them) and through the traversal fallback."""
    expected = estimator.predict_proba(X)
    X32 = X.astype(np.float32)
    small = SMALL_BATCH_ROWS - 1
    for predict in (forest.predict_proba, forest._predict_traversal):
        assert np.array_equal(predict(X32), expected)
        # Bit-vector and traversal chunks switch at these sizes: cross both boundaries.
        for size in (small, BITVECTOR_CHUNK_ROWS + 1):
            in_batches = np.concatenate([predict(X32[i:i + size]) for i in range(0, len(X), size)])
            assert np.array_equal(in_batches, expected)
        one_by_one = np.concatenate([predict(X32[i:i + 1]) for i in range(len(X))])
        assert np.array_equal(one_by_one, expected)
    # The service's single-row path takes Python floats (float64) and casts them itself.
    row_by_row = np.array([forest.predict_proba_row(row) for row in X.tolist()])
    assert np.array_equal(row_by_row, expected)
    # Same winning class (the probabilities are equal, so ties are too).
    assert np.array_equal(np.asarray(forest.classes)[expected.argmax(axis=1)], estimator.predict(X))


def test_served_model_takes_the_bitvector_path(forest: ForestModel, estimator) -> None:
    """The served forest's trees fit in one 64-bit word each, so the tests above cover that path."""
    assert max(tree.tree_.n_leaves for tree in estimator.estimators_) <= MAX_BITVECTOR_LEAVES
    assert forest.uses_bitvectors
    # Fully grown trees: every leaf votes 0 or 1, so the sums take numpy's fast pairwise path.
    assert forest._bitvector.whole_votes


def test_bitvector_and_traversal_agree_on_data_rows(forest: ForestModel, data_rows: np.ndarray) -> None:
    X32 = data_rows.astype(np.float32)
    assert np.array_equal(forest.predict_proba(X32), forest._predict_traversal(X32))


def test_trees_with_more_than_64_leaves_fall_back_to_traversal(tmp_path: Path, data_rows: np.ndarray) -> None:
    """Random labels make deep trees (hundreds of leaves): no bit-vector tables, same answers."""
    rng = np.random.default_rng(3)
    labels = rng.integers(0, 2, len(data_rows))
    noisy = RandomForestClassifier(n_estimators=12, random_state=0).fit(data_rows, labels)
    assert max(tree.tree_.n_leaves for tree in noisy.estimators_) > MAX_BITVECTOR_LEAVES
    export.write_artifacts(noisy, tmp_path, dataset_sha256="0" * 64, training_revision="test", seed=0,
                           metrics={})
    deep = ForestModel.load(tmp_path / "serving")
    assert not deep.uses_bitvectors
    X = np.vstack([data_rows, rng.uniform(data_rows.min(axis=0), data_rows.max(axis=0), (500, 4))])
    assert_same_predictions(deep, noisy, X)


def test_leaves_holding_both_classes_sum_in_scikit_learns_order(
    tmp_path: Path, data_rows: np.ndarray,
) -> None:
    """Noisy labels and at most 32 leaves per tree: leaves hold fractions such as 0.6, the sum over
    trees then depends on the order of the additions, and equality needs scikit-learn's (one tree
    after another) on the bit-vector paths too."""
    labels = (data_rows[:, 0] + np.random.default_rng(4).normal(0, 2, len(data_rows)) > 0).astype(int)
    mixed = RandomForestClassifier(n_estimators=150, max_leaf_nodes=32, random_state=0)
    mixed.fit(data_rows, labels)
    trees = [tree.tree_ for tree in mixed.estimators_]
    leaf_values = np.concatenate([t.value[t.children_left == -1, 0, 0] for t in trees])
    assert np.mean((leaf_values > 0) & (leaf_values < 1)) > 0.2
    export.write_artifacts(mixed, tmp_path, dataset_sha256="0" * 64, training_revision="test", seed=0,
                           metrics={})
    model = ForestModel.load(tmp_path / "serving")
    assert model.uses_bitvectors
    assert not model._bitvector.whole_votes
    rng = np.random.default_rng(5)
    X = np.vstack([data_rows, rng.uniform(data_rows.min(axis=0), data_rows.max(axis=0), (1000, 4))])
    assert_same_predictions(model, mixed, X)


def test_served_arrays_hold_every_tree_exactly(serving_dir: Path, estimator) -> None:
    """forest.npz is the fitted trees, all of them: thresholds, features, children and leaf values."""
    trees = [tree.tree_ for tree in estimator.estimators_]

    def concatenated(name: str) -> np.ndarray:
        return np.concatenate([getattr(tree, name) for tree in trees])

    with np.load(serving_dir / "forest.npz", allow_pickle=False) as npz:
        arrays = {name: npz[name] for name in npz.files}
    starts = np.cumsum([0] + [tree.node_count for tree in trees[:-1]])
    assert np.array_equal(arrays["roots"], starts)
    assert arrays["feature"].size == sum(tree.node_count for tree in trees)
    internal = concatenated("children_left") != -1
    assert np.array_equal(arrays["threshold"][internal], concatenated("threshold")[internal])
    assert np.array_equal(arrays["feature"][internal], concatenated("feature")[internal])
    for side, children in (("left", "children_left"), ("right", "children_right")):
        expected = concatenated(children) + np.repeat(starts, [tree.node_count for tree in trees])
        assert np.array_equal(arrays[side][internal], expected[internal])
    nodes = np.arange(internal.size)
    assert np.array_equal(arrays["left"][~internal], nodes[~internal])  # leaves point to themselves
    # A leaf's value is what each tree's predict_proba gives for a row that ends there.
    values = np.concatenate([t.value[:, 0, :] / t.value[:, 0, :].sum(axis=1, keepdims=True) for t in trees])
    assert np.array_equal(arrays["value"][~internal], values[~internal])


def test_classes_and_names_match_the_estimator(forest: ForestModel, estimator) -> None:
    assert list(forest.classes) == estimator.classes_.tolist() == [0, 1]
    assert forest.class_names == ("forged", "genuine")
    assert list(forest.feature_names) == ["variance", "skewness", "curtosis", "entropy"]
    assert forest.metadata["n_trees"] == len(estimator.estimators_)


def test_every_data_row(forest: ForestModel, estimator, data_rows: np.ndarray) -> None:
    assert len(data_rows) == 1372
    assert_same_predictions(forest, estimator, data_rows)


def test_random_rows(forest: ForestModel, estimator, data_rows: np.ndarray) -> None:
    rng = np.random.default_rng(2024)
    low, high = data_rows.min(axis=0), data_rows.max(axis=0)
    span = high - low
    inside = rng.uniform(low, high, size=(3000, 4))
    beyond = rng.uniform(low - 2 * span, high + 2 * span, size=(1000, 4))
    extreme = rng.choice([-1e30, -1.0, 0.0, 1.0, 1e30], size=(200, 4))
    assert_same_predictions(forest, estimator, np.vstack([inside, beyond, extreme]))


@pytest.mark.slow  # every threshold of every tree: ~30,000 rows, each path one row at a time too
def test_values_at_and_next_to_split_thresholds(
    forest: ForestModel, estimator, data_rows: np.ndarray,
) -> None:
    """Each internal node's threshold, in the node's feature, at float32 and float64 neighbours.

    scikit-learn casts X to float32 and goes left iff x32 <= threshold (a float64 midpoint), so the
    values that matter are the float32 numbers around each threshold and float64 values that round
    onto the other side when cast.
    """
    rng = np.random.default_rng(7)
    rows = []
    for tree in estimator.estimators_:  # every tree's every threshold
        nodes = tree.tree_
        internal = nodes.children_left != -1
        for feature, threshold in zip(nodes.feature[internal], nodes.threshold[internal], strict=True):
            t32 = np.float32(threshold)
            candidates = [
                threshold, np.nextafter(threshold, np.inf), np.nextafter(threshold, -np.inf),
                t32, np.nextafter(t32, np.float32(np.inf)), np.nextafter(t32, np.float32(-np.inf)),
            ]
            for value in candidates:
                row = data_rows[rng.integers(len(data_rows))].copy()
                row[feature] = value
                rows.append(row)
    X = np.asarray(rows)
    n_internal = sum(int(np.sum(tree.tree_.children_left != -1)) for tree in estimator.estimators_)
    assert len(X) == 6 * n_internal > 20_000
    assert_same_predictions(forest, estimator, X)


def test_float32_inputs_and_integer_inputs(forest: ForestModel, estimator, data_rows: np.ndarray) -> None:
    as32 = data_rows.astype(np.float32)
    assert np.array_equal(forest.predict_proba(as32), estimator.predict_proba(as32))
    ints = np.rint(data_rows).astype(np.int64)
    assert np.array_equal(forest.predict_proba(ints), estimator.predict_proba(ints))


@pytest.mark.parametrize(
    ("X", "message"),
    [
        (np.zeros(4), "shape"),
        (np.zeros((2, 3)), "shape"),
        (np.array([[1.0, np.nan, 0.0, 0.0]]), "NaN"),
        (np.array([[1.0, 0.0, np.inf, 0.0]]), "infinity"),
        (np.array([[1e39, 0.0, 0.0, 0.0]]), "too large for float32"),
        (np.array([["1", "2", "3", "4"]]), "numeric"),
    ],
)
def test_rejects_unusable_input(forest: ForestModel, X: np.ndarray, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        forest.predict_proba(X)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ([0.0, 0.0, 0.0], "4 values"),
        ([1.0, float("nan"), 0.0, 0.0], "NaN"),
        ([1.0, 0.0, float("inf"), 0.0], "infinity"),
        ([1e39, 0.0, 0.0, 0.0], "float32"),
        (["1", 0.0, 0.0, 0.0], "numbers"),
    ],
)
def test_single_row_path_rejects_unusable_input(forest: ForestModel, row: list, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        forest.predict_proba_row(row)


def test_float32_range_edge_matches_the_array_path(forest: ForestModel, estimator) -> None:
    """Largest float32 and a float64 just above it that still rounds to it: accepted by both paths."""
    largest = float(np.finfo(np.float32).max)
    for value in (largest, np.nextafter(largest, np.inf), -largest):
        row = [value, 0.0, value, 0.0]
        expected = estimator.predict_proba(np.array([row]))
        assert np.array_equal(np.array([forest.predict_proba_row(row)]), expected)
        assert np.array_equal(forest.predict_proba(np.array([row])), expected)


def test_empty_batch(forest: ForestModel) -> None:
    assert forest.predict_proba(np.empty((0, 4))).shape == (0, 2)
