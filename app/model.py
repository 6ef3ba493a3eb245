"""The classifier the service answers with: the serving artifact plus the label logic around it."""

from pathlib import Path
from typing import Any

import numpy as np

from app.artifact import FORMAT
from app.forest import ForestModel, ModelLoadError
from app.settings import StartupError

MODEL_NAME = "banknote"


class Classifier:
    """Wraps the loaded forest: names, labels and the one place the predicted class is chosen."""

    def __init__(self, forest: ForestModel) -> None:
        self._forest = forest
        self.feature_names: tuple[str, ...] = tuple(str(name) for name in forest.feature_names)
        self.labels: tuple[int, ...] = tuple(int(label) for label in forest.classes)
        self.class_names: tuple[str, ...] = tuple(str(name) for name in forest.class_names)
        self.class_name_of: dict[int, str] = dict(zip(self.labels, self.class_names, strict=True))
        self.metadata: dict[str, Any] = dict(forest.metadata)
        # A content address: the same arrays give the same version, whoever trained them and when.
        self.version: str = str(self.metadata.get("arrays_sha256") or "unknown")[:12]
        self.platform: str = str(self.metadata.get("format") or FORMAT)
        self._labels_array = np.asarray(self.labels, dtype=np.int64)

    @property
    def n_features(self) -> int:
        return len(self.feature_names)

    def predict(self, rows: np.ndarray) -> tuple[list[int], list[float]]:
        """Labels and the probability of each predicted label, for an (n, n_features) float array.

        argmax takes the first of tied classes, as scikit-learn's predict does: an exact tie between
        the trees' votes is answered with the lower label (0, forged) - the cautious answer here.
        """
        proba = self._forest.predict_proba(rows)
        best = proba.argmax(axis=1)
        probability = proba[np.arange(len(best)), best]
        return self._labels_array[best].tolist(), probability.tolist()

    def predict_one(self, row: list[float]) -> tuple[int, float]:
        """predict() for one row of validated floats: the label and its probability, no arrays."""
        proba = self._forest.predict_proba_row(row)
        best = proba.index(max(proba))  # the first of tied classes, as argmax
        return self.labels[best], proba[best]


def load_classifier(model_dir: str | Path | None) -> Classifier:
    """Loads and self-tests the artifact, or raises StartupError with one line a person can act on."""
    if not model_dir:
        raise StartupError(
            "MODEL_DIR is not set: point it at the serving artifact directory "
            "(the 'serving' folder written by `python -m training --out DIR`)"
        )
    try:
        classifier = Classifier(ForestModel.load(model_dir))
    except ModelLoadError as error:
        raise StartupError(f"cannot load the model from MODEL_DIR={model_dir}: {error}") from None
    # One prediction now, so arrays that load but cannot predict stop start-up rather than a request.
    try:
        labels, probabilities = classifier.predict(np.zeros((1, classifier.n_features)))
    except Exception as error:
        raise StartupError(f"the model in MODEL_DIR={model_dir} fails a test prediction: {error!r}") from None
    if labels[0] not in classifier.labels or not 0.0 <= probabilities[0] <= 1.0:
        raise StartupError(f"the model in MODEL_DIR={model_dir} gives an impossible test prediction")
    return classifier
