"""Prototype, for app/forest.py's owner: a bit-vector ("QuickScorer"-style) batch predictor in numpy.

Not used by the service. It shows that the 10k-row goal (>= 3x faster than scikit-learn) is within
reach of numpy alone. Run: `.venv/bin/python -m bench.bitvector_forest [SERVING_DIR]`.

Idea: number each tree's leaves left to right (<= 64 per tree here: one uint64 per tree). An internal
node whose test fails (x > threshold: go right) rules out the leaves of its left subtree; the exit
leaf is the leftmost leaf no failed test rules out. Per feature, sort all nodes by threshold and
precompute, for every prefix of that order, each tree's AND of "still possible" masks. A row then
needs one searchsorted per feature (how many thresholds lie below x), four row gathers of n_trees
masks, an AND, the lowest set bit (the exit leaf) and one gather of leaf values. Rows go in chunks
so the (rows x trees) masks stay in cache. Tables: ~8 MB for 200 trees; trees with more than 64
leaves would need more words (or the existing per-tree path).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

from app.forest import ForestModel

ALL_LEAVES = np.uint64(0xFFFF_FFFF_FFFF_FFFF)


class BitvectorForest:
    def __init__(self, serving_dir: Path) -> None:
        ForestModel.load(serving_dir)  # validates the artifact (sha256, structure) or raises
        metadata = json.loads((serving_dir / "model.json").read_text(encoding="utf-8"))
        with np.load(serving_dir / metadata["arrays_file"], allow_pickle=False) as arrays:
            feature, threshold, left, right, roots, value = (
                arrays[name] for name in ("feature", "threshold", "left", "right", "roots", "value"))
        # The largest float32 <= each threshold: for a float32 x, x <= t equals x <= that value.
        rounded = threshold.astype(np.float32)
        threshold32 = np.where(rounded > threshold, np.nextafter(rounded, np.float32(-np.inf)), rounded)
        n_features = len(metadata["feature_names"])
        n_nodes, n_trees = feature.size, roots.size
        self.n_trees, self.n_features, self.n_classes = n_trees, n_features, value.shape[1]
        node_tree = np.zeros(n_nodes, dtype=np.intp)
        left_leaves = np.zeros(n_nodes, dtype=np.uint64)  # leaves ruled out when the node goes right
        self.leaf_value = np.zeros((n_trees, 64, self.n_classes))
        for tree, (start, end) in enumerate(zip(roots, [*roots[1:], n_nodes], strict=True)):
            node_tree[start:end] = tree
            n_leaves = 0
            stack = [(int(start), False)]  # iterative post-order: children before their parent
            first_leaf: dict[int, int] = {}
            last_leaf: dict[int, int] = {}
            while stack:
                node, children_done = stack.pop()
                if left[node] == node:
                    if n_leaves >= 64:
                        raise ValueError(f"tree {tree} has more than 64 leaves")
                    first_leaf[node] = last_leaf[node] = n_leaves
                    self.leaf_value[tree, n_leaves] = value[node]
                    n_leaves += 1
                elif children_done:
                    first_leaf[node], last_leaf[node] = first_leaf[left[node]], last_leaf[right[node]]
                    lo, hi = first_leaf[left[node]], last_leaf[left[node]]
                    left_leaves[node] = np.uint64(((1 << (hi - lo + 1)) - 1) << lo)
                else:
                    stack += [(node, True), (int(right[node]), False), (int(left[node]), False)]
        internal = left != np.arange(n_nodes)
        self.tables = []
        for f in range(self.n_features):
            nodes = np.flatnonzero(internal & (feature == f))
            nodes = nodes[np.argsort(threshold32[nodes], kind="stable")]
            prefix = np.full((nodes.size + 1, n_trees), ALL_LEAVES)
            current = prefix[0].copy()
            for position, node in enumerate(nodes, start=1):
                current[node_tree[node]] &= ~left_leaves[node]
                prefix[position] = current
            self.tables.append((threshold32[nodes], prefix))
        self.tree_offset = np.arange(n_trees) * 64

    def predict_proba(self, X: np.ndarray, chunk: int = 256) -> np.ndarray:
        X32 = np.asarray(X).astype(np.float32)
        counts = [np.searchsorted(th, X32[:, f], side="left") for f, (th, _) in enumerate(self.tables)]
        # One contiguous table per class: 1-D gathers are several times faster than a (rows, trees,
        # classes) gather.
        class_values = [np.ascontiguousarray(self.leaf_value[:, :, c]).ravel() for c in range(self.n_classes)]
        out = np.empty((X32.shape[0], self.n_classes))
        for start in range(0, X32.shape[0], chunk):
            rows = slice(start, start + chunk)
            mask = self.tables[0][1][counts[0][rows]]
            for f in range(1, self.n_features):
                mask &= self.tables[f][1][counts[f][rows]]
            lowest = mask & (~mask + np.uint64(1))
            leaf = np.frexp(lowest.astype(np.float64))[1] - 1  # index of the lowest set bit
            index = leaf + self.tree_offset
            for c, values in enumerate(class_values):
                out[rows, c] = values[index].sum(axis=1) / self.n_trees
        return out


def main() -> None:
    import joblib  # noqa: PLC0415 - only for the comparison

    from bench.batch import batch_rows, best_time  # noqa: PLC0415

    root = Path(__file__).resolve().parent.parent
    model_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else root / "build" / "model"
    rows = batch_rows(root.parent / "shared" / "data" / "banknote_authentication.csv", 10_000)
    start = time.perf_counter()
    bitvector = BitvectorForest(model_dir / "serving")
    print(f"tables built in {time.perf_counter() - start:.2f} s, "
          f"{sum(p.nbytes for _, p in bitvector.tables) / 1e6:.1f} MB")
    estimator = joblib.load(model_dir / "model.joblib")
    forest = ForestModel.load(model_dir / "serving")
    ours, theirs = bitvector.predict_proba(rows), estimator.predict_proba(rows)
    print(f"max |proba diff| vs scikit-learn {np.abs(ours - theirs).max():.1e}, classes identical: "
          f"{np.array_equal(ours.argmax(axis=1), theirs.argmax(axis=1))}")
    for name, predict in (("bitvector", bitvector.predict_proba), ("app.forest", forest.predict_proba),
                          ("scikit-learn", estimator.predict_proba)):
        print(f"{name:>12}: {best_time(predict, rows, 5) * 1e3:.1f} ms for 10k rows")


if __name__ == "__main__":
    main()
