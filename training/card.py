"""MODEL_CARD.md: what the model is for, where its data came from, how well it does, where it fails.

The text is templates/model_card.md.j2; this module hands it the figures.
"""

from __future__ import annotations

from typing import Any

from app import artifact
from training import render, schema


def render_model_card(info: dict[str, Any]) -> str:
    return render.render(
        "model_card.md.j2",
        **info,
        features=schema.FEATURES,
        classes=list(zip(schema.CLASSES, schema.CLASS_NAMES, strict=True)),
        uci_dataset_id=schema.UCI_DATASET_ID,
        data_citation=schema.DATA_CITATION,
        data_license=schema.DATA_LICENSE,
        metadata_file=artifact.METADATA_FILE,
        arrays_file=artifact.ARRAYS_FILE,
    )
