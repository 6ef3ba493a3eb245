"""The serving artifact's format, defined once: `training/export.py` writes it, `app/forest.py` reads it.

It lives in app/ because the image carries only app/; training imports it from here. A directory
holds METADATA_FILE (JSON) and the npz file it names in `arrays_file` (ARRAYS_FILE when training
writes it), pinned by `arrays_sha256`. A reader accepts the FORMAT_VERSIONS it knows; a change to
the names, arrays or their meaning needs a new FORMAT_VERSION.
"""

import numpy as np

FORMAT = "banknote-forest"
FORMAT_VERSION = 1  # what training writes
SUPPORTED_FORMAT_VERSIONS = (1,)  # what the app reads
METADATA_FILE = "model.json"
ARRAYS_FILE = "forest.npz"

# The npz arrays and the dtype training writes. Trees are stored one after another as global node
# arrays: `roots[t]` is tree t's first node, a leaf's `left` and `right` point to itself, and
# `value[node]` holds class probabilities in the order of the metadata's `classes`. Readers accept
# any dtype of the same kind (integer or floating point).
ARRAY_DTYPES: dict[str, type[np.generic]] = {
    "feature": np.int32,
    "threshold": np.float64,
    "left": np.int32,
    "right": np.int32,
    "value": np.float64,
    "roots": np.int32,
}
ARRAY_NAMES = tuple(ARRAY_DTYPES)

# The metadata a reader needs; training also records provenance (dataset_sha256, training_revision,
# seed, hyperparameters, metrics, sklearn_version).
REQUIRED_METADATA = (
    "format", "format_version", "feature_names", "classes", "class_names",
    "n_trees", "n_nodes", "max_depth", "arrays_file", "arrays_sha256",
)
