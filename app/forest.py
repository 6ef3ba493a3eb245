"""Loads the serving artifact written by `python -m training` and predicts with numpy only.

No scikit-learn and no pickle at serving time: the forest arrives as plain arrays in an npz file
(the format is defined in app/artifact.py) whose sha256 is pinned in model.json, and is checked on load
(shapes, index ranges, every node reachable exactly once, depth). A loaded ForestModel is
immutable and safe to share between threads.

Prediction uses bit vectors (QuickScorer-style, derived at load time from the artifact's arrays;
see `_BitvectorTables`): per feature one binary search per row, then per tree an AND of one
64-bit mask per feature, whose lowest set bit is the exit leaf; one row takes a plain-Python
bisect path, batches go through numpy in cache-sized chunks. A forest with a tree of more than 64
leaves has no such tables and falls back to traversal (`_Traversal`): every leaf's left and right
children point to the leaf itself, so walking `max_depth` steps from each root always ends on the
right leaf, with no per-tree bookkeeping; all (row, tree) pairs of a chunk of rows step together.
Comparisons stay in float32 against thresholds rounded down to float32, which decides exactly as
scikit-learn's float32-input-versus-float64-threshold test does, and the trees' votes add up to
the same bits as scikit-learn's (see `_sum_in_tree_order`): the probabilities equal scikit-learn's bit for
bit on every path (tests/training/test_training_forest_equivalence.py).
"""

from __future__ import annotations

import bisect
import hashlib
import json
import math
import struct
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np

from app.artifact import (
    ARRAY_DTYPES,
    ARRAY_NAMES,
    FORMAT,
    METADATA_FILE,
    REQUIRED_METADATA,
    SUPPORTED_FORMAT_VERSIONS,
)

# Rows per traversal step (the fallback): all (row, tree) pairs of a chunk this size walk together,
# which keeps the (rows x trees) node indices in cache.
SMALL_BATCH_ROWS = 256
# Bit-vector tables hold one uint64 per tree: trees with more leaves use the traversal path.
MAX_BITVECTOR_LEAVES = 64
# Rows per bit-vector step: keeps the (rows x trees) masks and leaf indices in L2 cache.
BITVECTOR_CHUNK_ROWS = 256


class ModelLoadError(Exception):
    """The model directory is missing, unreadable, inconsistent or tampered with."""


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _read_metadata(model_dir: Path) -> dict[str, Any]:
    if not model_dir.is_dir():
        raise ModelLoadError(
            f"model directory {model_dir} does not exist: run `python -m training --out DIR` "
            "and point the app at DIR/serving"
        )
    meta_path = model_dir / METADATA_FILE
    if not meta_path.is_file():
        raise ModelLoadError(
            f"{meta_path} is missing: {model_dir} is not a serving artifact "
            "(expected the DIR/serving directory written by `python -m training`)"
        )
    try:
        metadata = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelLoadError(f"{meta_path} is not readable JSON ({exc}): retrain the model") from exc
    if not isinstance(metadata, dict):
        raise ModelLoadError(f"{meta_path} must hold a JSON object: retrain the model")
    missing = [key for key in REQUIRED_METADATA if key not in metadata]
    if missing:
        raise ModelLoadError(f"{meta_path} lacks {', '.join(missing)}: retrain the model")
    if metadata["format"] != FORMAT:
        raise ModelLoadError(f"{meta_path} has format {metadata['format']!r}, expected {FORMAT!r}")
    if metadata["format_version"] not in SUPPORTED_FORMAT_VERSIONS:
        raise ModelLoadError(
            f"{meta_path} has format_version {metadata['format_version']!r}; this app reads "
            f"{list(SUPPORTED_FORMAT_VERSIONS)}: retrain with the matching training code or upgrade the app"
        )
    return metadata


def _check_metadata_types(metadata: dict[str, Any], where: Path) -> None:
    names = metadata["feature_names"]
    if not (isinstance(names, list) and names and all(isinstance(n, str) for n in names)):
        raise ModelLoadError(f"{where}: feature_names must be a non-empty list of strings")
    classes, class_names = metadata["classes"], metadata["class_names"]
    if not (isinstance(classes, list) and len(classes) >= 2 and isinstance(class_names, list)
            and len(class_names) == len(classes)):
        raise ModelLoadError(f"{where}: classes and class_names must be lists of the same length (>= 2)")
    for key in ("n_trees", "n_nodes", "max_depth"):
        value = metadata[key]
        if not isinstance(value, int) or isinstance(value, bool) or value < (0 if key == "max_depth" else 1):
            raise ModelLoadError(f"{where}: {key} must be a positive integer, got {value!r}")
    arrays_file = metadata["arrays_file"]
    # A bare file name only: the metadata must not steer the loader outside the model directory.
    plain_name = isinstance(arrays_file, str) and Path(arrays_file).name == arrays_file
    if not plain_name or arrays_file in ("", ".", ".."):
        raise ModelLoadError(f"{where}: arrays_file must be a plain file name, got {arrays_file!r}")
    if not isinstance(metadata["arrays_sha256"], str):
        raise ModelLoadError(f"{where}: arrays_sha256 must be a hex string")


def _read_arrays(arrays_path: Path, expected_sha256: str) -> dict[str, np.ndarray]:
    if not arrays_path.is_file():
        raise ModelLoadError(f"{arrays_path} is missing: copy the whole serving directory or retrain")
    actual = _sha256_file(arrays_path)
    if actual != expected_sha256.lower():
        raise ModelLoadError(
            f"{arrays_path} has sha256 {actual} but model.json expects {expected_sha256}: "
            "the artifact is corrupt or was modified; redeploy or retrain it"
        )
    try:
        with np.load(arrays_path, allow_pickle=False) as npz:
            missing = [name for name in ARRAY_NAMES if name not in npz.files]
            if missing:
                raise ModelLoadError(f"{arrays_path} lacks arrays {', '.join(missing)}: retrain the model")
            return {name: npz[name] for name in ARRAY_NAMES}
    except ModelLoadError:
        raise
    except Exception as exc:  # zip, format and pickle-refusal errors all mean the same to the user
        raise ModelLoadError(f"{arrays_path} is not a readable npz file ({exc}): retrain the model") from exc


def _check_array_types(arrays: dict[str, np.ndarray], metadata: dict[str, Any], where: Path) -> None:
    n_nodes, n_trees = metadata["n_nodes"], metadata["n_trees"]
    n_classes = len(metadata["classes"])

    def fail(reason: str) -> ModelLoadError:
        return ModelLoadError(f"{where}: {reason}; the artifact is inconsistent, retrain the model")

    for name, dtype in ARRAY_DTYPES.items():
        wants_integer = np.dtype(dtype).kind in "iu"
        if wants_integer and arrays[name].dtype.kind not in "iu":
            raise fail(f"array {name} must be integer, got {arrays[name].dtype}")
        if not wants_integer and arrays[name].dtype.kind != "f":
            raise fail(f"array {name} must be floating point, got {arrays[name].dtype}")
    for name in ("feature", "threshold", "left", "right"):
        if arrays[name].shape != (n_nodes,):
            raise fail(f"array {name} has shape {arrays[name].shape}, expected ({n_nodes},) from n_nodes")
    if arrays["value"].shape != (n_nodes, n_classes):
        raise fail(f"array value has shape {arrays['value'].shape}, expected ({n_nodes}, {n_classes})")
    if arrays["roots"].shape != (n_trees,):
        raise fail(f"array roots has shape {arrays['roots'].shape}, expected ({n_trees},) from n_trees")


def _check_tree_structure(arrays: dict[str, np.ndarray], metadata: dict[str, Any], where: Path) -> None:
    """Checks that the arrays describe n_trees proper binary trees; raises ModelLoadError if not."""
    n_nodes, n_features = metadata["n_nodes"], len(metadata["feature_names"])

    def fail(reason: str) -> ModelLoadError:
        return ModelLoadError(f"{where}: {reason}; the artifact is inconsistent, retrain the model")

    left, right, roots = (arrays[name].astype(np.int64) for name in ("left", "right", "roots"))
    for name, index in (("left", left), ("right", right), ("roots", roots)):
        if index.min() < 0 or index.max() >= n_nodes:
            raise fail(f"array {name} has node indices outside 0..{n_nodes - 1}")
    nodes = np.arange(n_nodes)
    internal = (left != nodes) | (right != nodes)
    if np.any((left == nodes) != (right == nodes)):
        raise fail("a node points to itself on one side only")
    feature = arrays["feature"].astype(np.int64)
    if np.any((feature[internal] < 0) | (feature[internal] >= n_features)):
        raise fail(f"array feature has indices outside 0..{n_features - 1}")
    if not np.all(np.isfinite(arrays["threshold"][internal])):
        raise fail("array threshold has non-finite split values")
    value = arrays["value"]
    if not np.all(np.isfinite(value)) or np.any(value < 0) or not np.allclose(value.sum(axis=1), 1.0):
        raise fail("array value must hold class probabilities (finite, >= 0, rows summing to 1)")

    if roots[0] != 0 or np.any(np.diff(roots) <= 0):
        raise fail("roots must start at 0 and increase (trees stored one after another)")
    # Each tree must keep to its own slice of the node arrays: the per-tree path relies on it.
    tree_of = np.searchsorted(roots, nodes, side="right") - 1
    if np.any(tree_of[left] != tree_of) or np.any(tree_of[right] != tree_of):
        raise fail("a node's child lies in another tree's slice")
    if reason := _walk_problem(left, right, roots, metadata["max_depth"]):
        raise fail(reason)


def _walk_problem(left: np.ndarray, right: np.ndarray, roots: np.ndarray, max_depth: int) -> str | None:
    """Why walking the trees from their roots could go wrong, or None if it cannot.

    Walks level by level: every node must be reached exactly once (no cycles, no shared or
    orphaned nodes) and every path must end on a self-looping leaf within max_depth steps.
    """
    nodes = np.arange(left.size)
    internal = (left != nodes) | (right != nodes)
    seen = np.zeros(left.size, dtype=np.int64)
    frontier, depth = roots, 0
    while True:
        np.add.at(seen, frontier, 1)
        if seen.max() > 1:
            return "the trees share or revisit nodes"
        frontier = frontier[internal[frontier]]
        if not frontier.size:
            break
        depth += 1
        if depth > max_depth:
            return f"a tree is deeper than max_depth={max_depth}"
        frontier = np.concatenate([left[frontier], right[frontier]])
    if not np.all(seen == 1):
        return "some nodes are not reachable from any root"
    return None


def _float32_floor(threshold: np.ndarray) -> np.ndarray:
    """The largest float32 <= each float64 threshold.

    For a float32 x, `x <= t` equals `x <= floor32(t)`, so the comparison can stay in float32
    (half the memory traffic) with exactly scikit-learn's outcome, ties included.
    """
    rounded = threshold.astype(np.float32)
    return np.where(rounded > threshold, np.nextafter(rounded, np.float32(-np.inf)), rounded)


def _sum_in_tree_order(per_tree: np.ndarray, axis: int) -> np.ndarray:
    """The trees' votes summed along `axis` one tree after another, as scikit-learn adds them.

    numpy's sum adds pairwise (faster, so every path uses it when `whole_votes`): that gives the
    same bits when every vote is 0 or 1 (pure leaves, as in fully grown trees: every partial sum is
    a whole number), but can differ in the last bit for leaves holding both classes. Those forests
    come here: np.add.accumulate is sequential by definition (about twice as slow on a batch).
    """
    return np.take(np.add.accumulate(per_tree, axis=axis), -1, axis=axis)


@dataclass(frozen=True, eq=False)
class _Traversal:
    """The node arrays ready to walk: the fallback for trees of more than 64 leaves, and the tests'
    reference for the bit-vector path. Leaves never branch, but the vectorised comparison still
    reads their feature and threshold: they get column 0, so the gather never leaves the row."""

    feature: np.ndarray  # intp
    threshold32: np.ndarray  # float32, rounded down (see _float32_floor)
    left: np.ndarray
    right: np.ndarray
    value: np.ndarray  # float64[n_nodes, n_classes]
    roots: np.ndarray
    max_depth: int
    whole_votes: bool  # every leaf's class probabilities are 0 or 1 (see _sum_in_tree_order)

    @classmethod
    def build(cls, arrays: dict[str, np.ndarray], max_depth: int) -> _Traversal:
        """From validated artifact arrays; every array read-only."""
        is_leaf = arrays["left"] == np.arange(arrays["left"].size)
        feature = np.where(is_leaf, 0, arrays["feature"]).astype(np.intp)
        threshold32 = _float32_floor(np.where(is_leaf, 0.0, arrays["threshold"]).astype(np.float64))
        left, right, roots = (arrays[name].astype(np.intp) for name in ("left", "right", "roots"))
        value = arrays["value"].astype(np.float64)
        whole_votes = bool(np.all((value[is_leaf] == 0) | (value[is_leaf] == 1)))
        for array in (feature, threshold32, left, right, roots, value):
            array.setflags(write=False)
        return cls(feature, threshold32, left, right, value, roots, max_depth, whole_votes)

    def predict_proba(self, X32: np.ndarray) -> np.ndarray:
        out = np.empty((X32.shape[0], self.value.shape[1]))
        for start in range(0, X32.shape[0], SMALL_BATCH_ROWS):
            rows = slice(start, start + SMALL_BATCH_ROWS)
            out[rows] = self._walk(X32[rows])
        return out

    def _walk(self, X32: np.ndarray) -> np.ndarray:
        # All (row, tree) pairs step together, max_depth times. np.take instead of fancy indexing:
        # the same gather with less overhead.
        n_rows, n_features = X32.shape
        flat_x = np.ascontiguousarray(X32).ravel()
        row_start = (np.arange(n_rows, dtype=np.intp) * n_features)[:, np.newaxis]
        node = np.broadcast_to(self.roots, (n_rows, self.roots.size))
        for _ in range(self.max_depth):
            x_at_node = np.take(flat_x, row_start + np.take(self.feature, node))
            goes_left = x_at_node <= np.take(self.threshold32, node)
            node = np.where(goes_left, np.take(self.left, node), np.take(self.right, node))
        votes = np.take(self.value, node, axis=0)
        total = votes.sum(axis=1) if self.whole_votes else _sum_in_tree_order(votes, axis=1)
        return total / self.roots.size


@dataclass(frozen=True, eq=False)
class _BitvectorTables:
    """Tables for the bit-vector batch path, derived from the artifact's arrays at load time.

    Each tree's leaves are numbered left to right (bit i of a tree's uint64 = leaf i). An internal
    node whose test fails (x > threshold: go right) rules out every leaf of its left subtree, and
    the exit leaf is the leftmost leaf that no failed test rules out: the lowest set bit of the AND
    of the "still possible" masks. Per feature, the internal nodes testing it are sorted by
    threshold, and `masks[f][k]` holds, per tree, the AND over the k lowest thresholds' masks; for
    a row, k = how many of those thresholds lie strictly below x (x <= threshold goes left, so
    equal thresholds do not rule anything out).
    """

    thresholds: tuple[np.ndarray, ...]  # per feature: float32 thresholds, ascending
    threshold_lists: tuple[list[float], ...]  # the same as Python floats (exact), for bisect on one row
    masks: tuple[np.ndarray, ...]  # per feature: uint64[len(thresholds) + 1, n_trees]
    # float64[n_classes, n_trees * 64]: class c's value of the leaf at bit b of tree t at [c, t*64 + b];
    # class-major so that each class's gather and sum run over contiguous memory.
    leaf_values: np.ndarray
    exit_offset: np.ndarray  # intp[n_trees]: tree * 64 - 1 (slot = popcount of the exit bits + this)
    whole_votes: bool  # every leaf's class probabilities are 0 or 1 (see _sum_in_tree_order)

    @classmethod
    def build(
        cls, *, feature: np.ndarray, threshold32: np.ndarray, left: np.ndarray, right: np.ndarray,
        value: np.ndarray, roots: np.ndarray, n_features: int, whole_votes: bool,
    ) -> _BitvectorTables | None:
        """The tables, or None when a tree has more than MAX_BITVECTOR_LEAVES leaves."""
        n_nodes, n_trees, n_classes = feature.size, roots.size, value.shape[1]
        width = MAX_BITVECTOR_LEAVES
        left_list, right_list = left.tolist(), right.tolist()
        node_tree = np.searchsorted(roots, np.arange(n_nodes), side="right") - 1
        # Per node: the (first, last) leaf numbers of its subtree, from a post-order walk.
        first_leaf, last_leaf = [0] * n_nodes, [0] * n_nodes
        leaf_slot = np.full(n_nodes, -1, dtype=np.intp)  # tree * 64 + bit, for leaves
        for tree, root in enumerate(roots.tolist()):
            n_leaves = 0
            stack = [(root, False)]
            while stack:
                node, children_done = stack.pop()
                low, high = left_list[node], right_list[node]
                if low == node:
                    if n_leaves == width:
                        return None
                    first_leaf[node] = last_leaf[node] = n_leaves
                    leaf_slot[node] = tree * width + n_leaves
                    n_leaves += 1
                elif children_done:
                    first_leaf[node], last_leaf[node] = first_leaf[low], last_leaf[high]
                else:
                    stack += [(node, True), (high, False), (low, False)]
        internal = left != np.arange(n_nodes)
        # The leaves of each internal node's left subtree, as a bit range; the node rules them out.
        left_child = left[internal]
        first = np.asarray(first_leaf, dtype=np.uint64)[left_child]
        span = np.asarray(last_leaf, dtype=np.uint64)[left_child] - first + np.uint64(1)
        # (1 << span) - 1 overflows for span == 64; shifting all-ones right gives the same bits.
        ones = np.right_shift(np.uint64(0xFFFF_FFFF_FFFF_FFFF), np.uint64(64) - span)
        keeps = np.zeros(n_nodes, dtype=np.uint64)
        keeps[internal] = ~np.left_shift(ones, first)

        thresholds, masks = [], []
        for f in range(n_features):
            nodes = np.flatnonzero(internal & (feature == f))
            nodes = nodes[np.argsort(threshold32[nodes], kind="stable")]
            table = np.full((nodes.size + 1, n_trees), np.uint64(0xFFFF_FFFF_FFFF_FFFF))
            table[np.arange(1, nodes.size + 1), node_tree[nodes]] = keeps[nodes]
            np.bitwise_and.accumulate(table, axis=0, out=table)
            thresholds.append(threshold32[nodes].copy())
            masks.append(table)
        leaves = leaf_slot >= 0
        leaf_values = np.zeros((n_classes, n_trees * width))
        leaf_values[:, leaf_slot[leaves]] = value[leaves].T
        exit_offset = np.arange(n_trees, dtype=np.intp) * width - 1
        for array in (*thresholds, *masks, leaf_values, exit_offset):
            array.setflags(write=False)
        threshold_lists = tuple(t.tolist() for t in thresholds)
        return cls(tuple(thresholds), threshold_lists, tuple(masks), leaf_values, exit_offset, whole_votes)

    def predict_row(self, x32: Sequence[float]) -> np.ndarray:
        """One row of float32 values given as Python floats: bisect per feature on plain lists and
        whole-row views of the tables (a few microseconds; numpy's scalar calls cost more)."""
        masks, lists = self.masks, self.threshold_lists
        mask = masks[0][bisect.bisect_left(lists[0], x32[0])]  # a read-only view: never modified
        for f in range(1, len(masks)):
            mask = mask & masks[f][bisect.bisect_left(lists[f], x32[f])]
        # uint8 + intp gives intp: the slot indices in one step.
        slot = self.exit_offset + np.bitwise_count(mask ^ (mask - np.uint64(1)))
        votes = np.take(self.leaf_values, slot, axis=1)
        total = votes.sum(axis=1) if self.whole_votes else _sum_in_tree_order(votes, axis=1)
        return total / slot.size

    def predict_proba(self, X32: np.ndarray) -> np.ndarray:
        n_rows, n_trees = X32.shape[0], self.exit_offset.size
        # How many thresholds per feature lie strictly below each row's value.
        counts = [np.searchsorted(thresholds, X32[:, f], side="left")
                  for f, thresholds in enumerate(self.thresholds)]
        out = np.empty((n_rows, len(self.leaf_values)))
        one = np.uint64(1)
        for start in range(0, n_rows, BITVECTOR_CHUNK_ROWS):
            rows = slice(start, start + BITVECTOR_CHUNK_ROWS)
            mask = np.take(self.masks[0], counts[0][rows], axis=0)
            for f in range(1, len(self.masks)):
                mask &= np.take(self.masks[f], counts[f][rows], axis=0)
            # mask ^ (mask - 1) sets the bits up to and including the lowest set one: popcount - 1
            # is its index, the exit leaf. Every mask has a bit set (the exit leaf is never ruled out).
            slot = self.exit_offset + np.bitwise_count(mask ^ (mask - one))
            for c, values in enumerate(self.leaf_values):
                votes = np.take(values, slot)
                out[rows, c] = votes.sum(axis=1) if self.whole_votes else _sum_in_tree_order(votes, axis=1)
        out /= n_trees
        return out



@dataclass(frozen=True, eq=False)
class ForestModel:
    """A random forest as flat arrays; predict_proba equals scikit-learn's (tests hold it to that)."""

    feature_names: tuple[str, ...]
    classes: tuple[Any, ...]
    class_names: tuple[str, ...]
    metadata: MappingProxyType
    _traversal: _Traversal = field(repr=False)
    _bitvector: _BitvectorTables | None = field(repr=False)
    _float32_row: struct.Struct = field(repr=False)

    @classmethod
    def load(cls, model_dir: str | Path) -> ForestModel:
        """Reads and validates DIR/model.json and the npz it names; raises ModelLoadError if unusable."""
        model_dir = Path(model_dir)
        metadata = _read_metadata(model_dir)
        _check_metadata_types(metadata, model_dir / METADATA_FILE)
        arrays = _read_arrays(model_dir / metadata["arrays_file"], metadata["arrays_sha256"])
        _check_array_types(arrays, metadata, model_dir / metadata["arrays_file"])
        _check_tree_structure(arrays, metadata, model_dir / metadata["arrays_file"])
        traversal = _Traversal.build(arrays, metadata["max_depth"])
        bitvector = _BitvectorTables.build(
            feature=traversal.feature, threshold32=traversal.threshold32, left=traversal.left,
            right=traversal.right, value=traversal.value, roots=traversal.roots,
            n_features=len(metadata["feature_names"]), whole_votes=traversal.whole_votes,
        )
        return cls(
            feature_names=tuple(metadata["feature_names"]),
            classes=tuple(metadata["classes"]),
            class_names=tuple(metadata["class_names"]),
            metadata=MappingProxyType(metadata),
            _traversal=traversal,
            _bitvector=bitvector,
            _float32_row=struct.Struct(f"={len(metadata['feature_names'])}f"),
        )

    @property
    def n_features(self) -> int:
        return len(self.feature_names)

    @property
    def uses_bitvectors(self) -> bool:
        """Whether predictions take the bit-vector paths (every tree has at most 64 leaves)."""
        return self._bitvector is not None

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Class probabilities, shape (n_rows, n_classes), columns in the order of `classes`.

        X has shape (n_rows, n_features) in the order of `feature_names`. Like scikit-learn, values
        are cast to float32 before comparing with the thresholds. Raises ValueError for a wrong
        shape or for values that are not finite in float32 (NaN, inf, |x| > 3.4e38).
        """
        X = np.asarray(X)
        if X.ndim != 2 or X.shape[1] != self.n_features:
            raise ValueError(f"X must have shape (n_rows, {self.n_features}), got {X.shape}")
        if X.dtype.kind not in "iuf":
            raise ValueError(f"X must be numeric, got dtype {X.dtype}")
        with np.errstate(over="ignore"):
            X32 = X.astype(np.float32)
        if not np.all(np.isfinite(X32)):
            raise ValueError("X contains NaN, infinity or a value too large for float32")
        n_rows = X32.shape[0]
        if n_rows == 0:
            return np.empty((0, len(self.classes)), dtype=np.float64)
        if self._bitvector is None:
            return self._predict_traversal(X32)
        if n_rows == 1:
            return self._bitvector.predict_row(X32[0].tolist())[np.newaxis, :]
        return self._bitvector.predict_proba(X32)

    def predict_proba_row(self, row: Sequence[float]) -> list[float]:
        """predict_proba for one row given as a sequence of Python numbers, without building arrays:
        the service's single-row path. Same results and the same ValueErrors as predict_proba."""
        if len(row) != self.n_features:
            raise ValueError(f"a row must have {self.n_features} values, got {len(row)}")
        if self._bitvector is None:
            return self.predict_proba(np.asarray([row], dtype=np.float64))[0].tolist()
        try:
            # struct's "f" rounds to nearest float32 exactly as numpy's cast does.
            x32 = self._float32_row.unpack(self._float32_row.pack(*row))
        except (OverflowError, struct.error, TypeError) as error:
            raise ValueError(f"row values must be numbers within float32 range: {error}") from None
        if not all(map(math.isfinite, x32)):
            raise ValueError("X contains NaN, infinity or a value too large for float32")
        return self._bitvector.predict_row(x32).tolist()

    def _predict_traversal(self, X32: np.ndarray) -> np.ndarray:
        """The path without bit-vector tables, for any forest (the tests' reference for them)."""
        return self._traversal.predict_proba(X32)
