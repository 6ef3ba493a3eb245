"""What a trained model was made from, so a rerun with nothing changed can skip training.

The stamp names the data (its content sha256), the training code (sha256 over training/*.py, the
report and card templates, and app/artifact.py, which defines the artifact's format), the seed and
the library versions that shape the trees. `python -m training --skip-if-unchanged`
compares it with DIR/training-stamp.json and also checks that the serving artifact is intact.
"""

from __future__ import annotations

import hashlib
import json
from importlib import metadata
from pathlib import Path
from typing import Any

from app import artifact

STAMP_FILE = "training-stamp.json"
PACKAGE_DIR = Path(__file__).resolve().parent
ARTIFACT_FORMAT_FILE = Path(artifact.__file__).resolve()


def code_sha256(package_dir: Path = PACKAGE_DIR, format_file: Path = ARTIFACT_FORMAT_FILE) -> str:
    """sha256 over what shapes the outputs: the package's Python and templates, and the artifact
    format; names included, in a stable order."""
    sources = {
        f"training/{path.relative_to(package_dir).as_posix()}": path
        for pattern in ("*.py", "*.j2") for path in package_dir.rglob(pattern)
    }
    sources["app/artifact.py"] = format_file
    digest = hashlib.sha256()
    for name in sorted(sources):
        digest.update(name.encode() + b"\0")
        digest.update(sources[name].read_bytes() + b"\0")
    return digest.hexdigest()


def make_stamp(data_content_sha256: str, seed: int) -> dict[str, Any]:
    return {
        "data_content_sha256": data_content_sha256,
        "code_sha256": code_sha256(),
        "seed": seed,
        "scikit_learn": metadata.version("scikit-learn"),
        "numpy": metadata.version("numpy"),
    }


def write_stamp(out_dir: Path, stamp: dict[str, Any]) -> Path:
    path = out_dir / STAMP_FILE
    path.write_text(json.dumps(stamp, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path


def is_up_to_date(out_dir: Path, stamp: dict[str, Any]) -> bool:
    """True if DIR holds an intact serving artifact made from exactly this stamp."""
    try:
        recorded = json.loads((out_dir / STAMP_FILE).read_text(encoding="utf-8"))
        model = json.loads((out_dir / "serving" / artifact.METADATA_FILE).read_text(encoding="utf-8"))
        arrays = (out_dir / "serving" / model["arrays_file"]).read_bytes()
    except (OSError, ValueError, KeyError, TypeError):
        return False
    return (
        recorded == stamp
        and hashlib.sha256(arrays).hexdigest() == model.get("arrays_sha256")
        and (out_dir / "model.joblib").is_file()
    )
