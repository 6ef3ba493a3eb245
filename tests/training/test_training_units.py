"""Fast checks of the pure pieces: parsing, de-duplication, export bytes, stamps, decisions."""

from __future__ import annotations

import hashlib
import io
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest
from sklearn.ensemble import RandomForestClassifier

from app.forest import ForestModel, _float32_floor
from training import cli, data, export, schema, select, stamp


def test_headed_and_headerless_forms_give_the_same_rows_and_content_hash(headerless_text: str) -> None:
    headed = "variance,skewness,curtosis,entropy,class\n" + headerless_text.rstrip("\n")  # as shared
    crlf = headerless_text.replace("\n", "\r\n")
    parsed = [data.parse(text, "test") for text in (headed, headerless_text, crlf)]
    for X, y, canonical, _ in parsed[1:]:
        assert np.array_equal(X, parsed[0][0])
        assert np.array_equal(y, parsed[0][1])
        assert canonical == parsed[0][2] == headerless_text
    assert [p[3] for p in parsed] == [True, False, False]
    assert hashlib.sha256(headerless_text.encode()).hexdigest() == data.UCI_CONTENT_SHA256


def test_shared_file_loads_with_its_documented_checksum_and_24_duplicates(dataset_path: Path) -> None:
    dataset = data.load(str(dataset_path))
    assert dataset.file_sha256 == "0787e50299c198e919276660edf98dd5dcb94951ad81435b3ab61afb666936c9"
    assert dataset.content_sha256 == data.UCI_CONTENT_SHA256
    assert dataset.X.shape == (1372, 4)
    assert np.bincount(dataset.y).tolist() == [762, 610]
    unique = data.deduplicate(dataset.X, dataset.y)
    assert unique.n_removed == 24
    assert len(unique.y) == 1348
    assert len(np.unique(np.column_stack([unique.X, unique.y]), axis=0)) == 1348
    # Every removed row has an identical earlier row that was kept.
    table = np.column_stack([dataset.X, dataset.y])
    for row_number in unique.duplicate_rows:
        row = table[row_number - 1]
        assert any(np.array_equal(row, earlier) for earlier in table[: row_number - 1])


def test_zip_with_one_member_is_accepted(headerless_text: str, tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("data_banknote_authentication.txt", headerless_text)
    path = tmp_path / "banknote.zip"
    path.write_bytes(buffer.getvalue())
    assert data.load(str(path)).content_sha256 == data.UCI_CONTENT_SHA256


def test_float32_floor_matches_sklearn_comparison_semantics() -> None:
    rng = np.random.default_rng(0)
    # Arbitrary float64 thresholds, and ones that are exactly float32 numbers.
    exact32 = rng.normal(0, 5, 2000).astype(np.float32).astype(float)
    thresholds = np.concatenate([rng.normal(0, 5, 2000), exact32])
    floor = _float32_floor(thresholds)
    assert floor.dtype == np.float32
    assert np.all(floor.astype(float) <= thresholds)
    assert np.all(np.nextafter(floor, np.float32(np.inf)).astype(float) > thresholds)
    up, down = np.nextafter(floor, np.float32(np.inf)), np.nextafter(floor, np.float32(-np.inf))
    values = np.concatenate([floor, up, down])
    limits = np.tile(thresholds, 3)
    assert np.array_equal(values.astype(float) <= limits, values <= np.tile(floor, 3))


def _small_forest(seed: int) -> RandomForestClassifier:
    rng = np.random.default_rng(1)
    X = rng.normal(size=(300, 4))
    y = (X[:, 0] + X[:, 1] ** 2 > 0.5).astype(int)
    return RandomForestClassifier(n_estimators=5, random_state=seed).fit(X, y)


def test_export_bytes_depend_only_on_the_model() -> None:
    first = export.npz_bytes(export.forest_arrays(_small_forest(0)))
    again = export.npz_bytes(export.forest_arrays(_small_forest(0)))
    other = export.npz_bytes(export.forest_arrays(_small_forest(1)))
    assert first == again
    assert first != other
    with np.load(io.BytesIO(first), allow_pickle=False) as npz:
        assert sorted(npz.files) == ["feature", "left", "right", "roots", "threshold", "value"]


def test_exported_small_forest_round_trips(tmp_path: Path) -> None:
    forest = _small_forest(3)
    export.write_artifacts(forest, tmp_path, dataset_sha256="d", training_revision="r", seed=3, metrics={})
    X = np.random.default_rng(5).normal(size=(2000, 4))
    loaded = ForestModel.load(tmp_path / "serving")
    assert np.array_equal(loaded.predict_proba(X), forest.predict_proba(X))


def test_training_revision_falls_back_to_the_environment_then_unknown(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GIT_DIR", "/nonexistent-git-dir-for-tests")
    monkeypatch.setenv("GIT_REVISION", "abc123")
    assert cli.training_revision() == "abc123"
    monkeypatch.delenv("GIT_REVISION")
    assert cli.training_revision() == "unknown"
    monkeypatch.delenv("GIT_DIR")
    monkeypatch.setattr(cli, "REPO_ROOT", Path("/nonexistent-dir"))  # git cannot even start there
    assert cli.training_revision() == "unknown"


def test_feature_decision_follows_the_numbers() -> None:
    kept = select.feature_decision("entropy", 0.004, with_all=0.992, without=0.990, std=0.006)
    assert kept.startswith("All four features kept")
    assert "lowers" in kept
    flagged = select.feature_decision("entropy", 0.0, with_all=0.95, without=0.99, std=0.01)
    assert "more than one standard deviation" in flagged


def test_schema_is_the_single_source_of_names() -> None:
    assert schema.CLASS_NAMES == ("forged", "genuine")
    assert schema.CLASSES == (0, 1)
    assert schema.COLUMNS == ("variance", "skewness", "curtosis", "entropy", "class")


def test_stamp_detects_changed_inputs_and_damaged_artifacts(trained_model_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "model"
    shutil.copytree(trained_model_dir, copy)
    current = stamp.make_stamp(data.UCI_CONTENT_SHA256, 42)
    stamp.write_stamp(copy, current)
    assert stamp.is_up_to_date(copy, current)
    assert not stamp.is_up_to_date(copy, {**current, "seed": 7})
    assert not stamp.is_up_to_date(copy, {**current, "data_content_sha256": "0" * 64})
    assert not stamp.is_up_to_date(copy, {**current, "code_sha256": "0" * 64})
    blob = bytearray((copy / "serving" / "forest.npz").read_bytes())
    blob[-100] ^= 1
    (copy / "serving" / "forest.npz").write_bytes(bytes(blob))
    assert not stamp.is_up_to_date(copy, current)
    assert not stamp.is_up_to_date(tmp_path / "absent", current)


def test_code_hash_covers_every_training_module(tmp_path: Path) -> None:
    package = tmp_path / "training"
    shutil.copytree(stamp.PACKAGE_DIR, package, ignore=shutil.ignore_patterns("__pycache__"))
    before = stamp.code_sha256(package)
    (package / "select.py").write_text((package / "select.py").read_text() + "\n# changed\n")
    assert stamp.code_sha256(package) != before


def test_code_hash_covers_the_templates_and_the_artifact_format(tmp_path: Path) -> None:
    package = tmp_path / "training"
    shutil.copytree(stamp.PACKAGE_DIR, package, ignore=shutil.ignore_patterns("__pycache__"))
    format_file = tmp_path / "artifact.py"
    shutil.copyfile(stamp.ARTIFACT_FORMAT_FILE, format_file)
    before = stamp.code_sha256(package, format_file)
    template = package / "templates" / "model_card.md.j2"
    template.write_text(template.read_text() + "changed\n")
    after_template = stamp.code_sha256(package, format_file)
    format_file.write_text(format_file.read_text() + "\n# changed\n")
    assert len({before, after_template, stamp.code_sha256(package, format_file)}) == 3
