"""Start-up: settings from the environment, and one clear message for a missing or corrupt artifact."""

import shutil
import subprocess
import sys

import pytest

from app import create_app
from app.settings import StartupError


def copy_artifact(serving_dir, tmp_path):
    target = tmp_path / "serving"
    shutil.copytree(serving_dir, target)
    return target


def startup_error(config) -> str:
    with pytest.raises(StartupError) as caught:
        create_app(config)
    message = str(caught.value)
    assert "\n" not in message  # one line
    assert isinstance(caught.value, RuntimeError)  # what gunicorn prints as "Error: ..." without a traceback
    return message


def test_missing_model_dir_setting():
    assert "MODEL_DIR is not set" in startup_error({})


def test_model_dir_that_does_not_exist(tmp_path):
    message = startup_error({"MODEL_DIR": str(tmp_path / "nowhere")})
    assert "nowhere" in message
    assert "does not exist" in message


def test_directory_without_model_json(tmp_path):
    assert "model.json" in startup_error({"MODEL_DIR": str(tmp_path)})


def test_corrupt_arrays_are_refused(serving_dir, tmp_path):
    target = copy_artifact(serving_dir, tmp_path)
    npz = target / "forest.npz"
    blob = bytearray(npz.read_bytes())
    blob[len(blob) // 2] ^= 0xFF
    npz.write_bytes(bytes(blob))
    assert "sha256" in startup_error({"MODEL_DIR": str(target)})


def test_unreadable_model_json_is_refused(serving_dir, tmp_path):
    target = copy_artifact(serving_dir, tmp_path)
    (target / "model.json").write_text("{not json")
    assert "model.json" in startup_error({"MODEL_DIR": str(target)})


def test_settings_come_from_the_environment(serving_dir, monkeypatch):
    monkeypatch.setenv("MODEL_DIR", str(serving_dir))
    monkeypatch.setenv("MAX_BATCH_ROWS", "7")
    monkeypatch.setenv("MAX_BODY_BYTES", "4096")
    app = create_app()
    assert app.config["MAX_BATCH_ROWS"] == 7
    assert app.config["MAX_CONTENT_LENGTH"] == 4096
    assert app.extensions["banknote_openapi"]["components"]["schemas"]["FeaturesList"]["maxItems"] == 7


def test_defaults_apply_when_the_environment_is_silent(serving_dir, monkeypatch):
    monkeypatch.setenv("MODEL_DIR", str(serving_dir))
    monkeypatch.delenv("MAX_BATCH_ROWS", raising=False)
    monkeypatch.setenv("MAX_BODY_BYTES", "")
    app = create_app()
    assert app.config["MAX_BATCH_ROWS"] == 1000
    assert app.config["MAX_CONTENT_LENGTH"] == 1024 * 1024


@pytest.mark.parametrize(("name", "value", "words"), [
    ("MAX_BATCH_ROWS", "many", "must be a whole number"),
    ("MAX_BATCH_ROWS", "0", "must be at least 1"),
    ("MAX_BODY_BYTES", "1.5", "must be a whole number"),
    ("MAX_BODY_BYTES", "-1", "must be at least 1"),
])
def test_bad_numeric_settings_stop_start_up(serving_dir, monkeypatch, name, value, words):
    monkeypatch.setenv("MODEL_DIR", str(serving_dir))
    monkeypatch.setenv(name, value)
    with pytest.raises(StartupError, match=f"{name} {words}"):
        create_app()


def test_serving_needs_neither_scikit_learn_nor_joblib(repo_root, serving_dir):
    """The serving image has flask, gunicorn and numpy only; nothing here may reach for a pickle loader."""
    code = (
        "import sys; from app import create_app; "
        f"c = create_app({{'MODEL_DIR': {str(serving_dir)!r}}}).test_client(); "
        "row = {'variance': 1, 'skewness': 1, 'curtosis': 1, 'entropy': 1}; "
        "assert c.post('/predict', json=row).status_code == 200; "
        "print(sorted(m for m in ('sklearn', 'joblib', 'scipy', 'pandas') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=repo_root, capture_output=True, text=True,
                            timeout=120, check=True)
    assert result.stdout.strip() == "[]"
