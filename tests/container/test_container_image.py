"""The built image: its metadata, what it contains, and the service it runs under production constraints."""

import json
import re
import subprocess
from pathlib import Path

import joblib
import numpy as np
import pytest
from container_helpers import Container, docker, http

from training.schema import FEATURES

pytestmark = pytest.mark.docker

ROWS = [  # from the data set: two forged (0), two genuine (1) notes (LABELS: their class in the data set)
    {"variance": 3.6216, "skewness": 8.6661, "curtosis": -2.8073, "entropy": -0.44699},
    {"variance": 4.5459, "skewness": 8.1674, "curtosis": -2.4586, "entropy": -1.4621},
    {"variance": -1.3971, "skewness": 3.3191, "curtosis": -1.3927, "entropy": -1.9948},
    {"variance": 0.39012, "skewness": -0.14279, "curtosis": -0.031994, "entropy": 0.35084},
]


LABELS = [0, 0, 1, 1]
# The served forest agrees with scikit-learn's to this (tests/training/test_training_forest_equivalence.py).
SKLEARN_TOLERANCE = 1e-9


@pytest.fixture(scope="module")
def expected(serving_dir: Path) -> list[tuple[int, float]]:
    """(label, probability) per row, independently of the served code: scikit-learn's own predict_proba on
    the estimator the artifact was exported from (model.joblib beside it), for the data set's labels."""
    estimator = joblib.load(serving_dir.parent / "model.joblib")
    proba = estimator.predict_proba(np.array([[row[name] for name in FEATURES] for row in ROWS]))
    classes = [int(c) for c in estimator.classes_]
    predicted = [classes[i] for i in proba.argmax(axis=1)]
    assert predicted == LABELS, "the trained forest misclassifies a known note"
    return [(label, float(p[classes.index(label)])) for label, p in zip(LABELS, proba, strict=True)]


def run_in_image(image: str, *command: str) -> subprocess.CompletedProcess[str]:
    argv = ("run", "--rm", "--network", "none", "--entrypoint", command[0], image, *command[1:])
    return docker(*argv, check=False)


# --- metadata ------------------------------------------------------------------------------------

def test_image_user_is_numeric_non_root(image_config: dict) -> None:
    user = image_config["User"]
    assert re.fullmatch(r"\d+:\d+", user), f"USER must be numeric uid:gid, got {user!r}"
    assert user.split(":")[0] != "0"


def test_labels_name_the_revision_and_the_model(
    image_config: dict, repo_root: Path, model_json_sha256: str
) -> None:
    labels = image_config["Labels"]
    revision = labels["org.opencontainers.image.revision"].removesuffix("-dirty")
    assert re.fullmatch(r"[0-9a-f]{40}", revision), revision
    # HEAD may have moved since the build (commits land concurrently): the built commit must be in
    # HEAD's history.
    ancestor = subprocess.run(["git", "-C", str(repo_root), "merge-base", "--is-ancestor", revision, "HEAD"],
                              check=False)
    assert ancestor.returncode == 0, f"{revision} is not a commit in HEAD's history"
    assert labels["io.banknote.model.sha256"] == model_json_sha256
    assert labels["org.opencontainers.image.title"] == "banknote"
    assert not re.search(r"://[^/]*@", labels["org.opencontainers.image.source"]), "credentials in the label"


def test_model_dir_points_at_the_baked_artifact(image: str, image_config: dict, serving_dir: Path) -> None:
    env = dict(item.split("=", 1) for item in image_config["Env"])
    baked = run_in_image(image, "cat", f"{env['MODEL_DIR']}/model.json")
    assert baked.returncode == 0, baked.stderr
    assert baked.stdout == (serving_dir / "model.json").read_text()


def test_no_build_tools_or_installer_in_the_final_image(image: str) -> None:
    tools = run_in_image(image, "sh", "-c", "for t in gcc cc g++ make curl wget; do command -v $t; done")
    assert tools.stdout.split() == [], f"build tools in the final image: {tools.stdout}"
    find = "import importlib.util as u; print([m for m in ('pip', 'setuptools') if u.find_spec(m)])"
    modules = run_in_image(image, "python", "-c", find)
    assert modules.returncode == 0, modules.stderr
    assert modules.stdout.strip() == "[]"


# --- the running service -----------------------------------------------------------------------

def test_listens_on_the_exposed_port(service: Container) -> None:
    # The fixture published exactly the EXPOSEd port; an answer proves the server listens on it.
    status, _, body = http("GET", f"{service.url}/v2/health/ready")
    assert status == 200
    assert json.loads(body) == {"ready": True}


def test_runs_unprivileged_on_a_read_only_root(service: Container, image_config: dict) -> None:
    probe = docker("exec", service.id, "python", "-c", (
        "import os\n"
        "status = dict(l.split(':', 1) for l in open('/proc/1/status'))\n"
        "print(os.getuid(), os.getgid(), status['CapEff'].strip(), status['NoNewPrivs'].strip())\n"
        "try:\n    open('/opt/banknote/x', 'w')\nexcept OSError as e:\n    print(e.errno)\n"
    )).stdout.split()
    uid, gid = image_config["User"].split(":")
    assert probe[:2] == [uid, gid]
    assert int(probe[2], 16) == 0, "the server process must hold no capabilities"
    assert probe[3] == "1"
    assert probe[4] == "30", "the root file system must be read-only (EROFS)"


def test_start_logs_carry_no_error(service: Container) -> None:
    # e.g. gunicorn failing to create a file on the read-only root logs "[ERROR]" and carries on.
    errors = [line for line in service.logs().splitlines() if "[ERROR]" in line or "Traceback" in line]
    assert not errors


def test_healthcheck_command_passes(service: Container, image_config: dict) -> None:
    test = image_config["Healthcheck"]["Test"]
    assert test[0] == "CMD"
    result = docker("exec", service.id, *test[1:], check=False)
    assert result.returncode == 0, result.stderr


def test_predict_single_row(service: Container, expected: list[tuple[int, float]]) -> None:
    for row, (label, probability) in zip(ROWS, expected, strict=True):
        status, headers, body = http("POST", f"{service.url}/predict", row)
        assert status == 200
        assert headers["Content-Type"].startswith("application/json")
        answer = json.loads(body)
        assert answer["label"] == label
        assert answer["class"] == ("forged", "genuine")[label]
        assert answer["probability"] == pytest.approx(probability, abs=SKLEARN_TOLERANCE)


def test_predict_batch_both_forms(service: Container, expected: list[tuple[int, float]]) -> None:
    status, _, body = http("POST", f"{service.url}/predict", ROWS)
    assert status == 200
    assert [p["label"] for p in json.loads(body)["predictions"]] == [label for label, _ in expected]
    instances = {"instances": [list(row.values()) for row in ROWS]}
    status, _, body = http("POST", f"{service.url}/predict", instances)
    assert status == 200
    assert [p["label"] for p in json.loads(body)["predictions"]] == [label for label, _ in expected]


def test_v2_infer(service: Container, expected: list[tuple[int, float]]) -> None:
    request = {"id": "t-1", "inputs": [{"name": "features", "shape": [len(ROWS), 4], "datatype": "FP64",
                                        "data": [value for row in ROWS for value in row.values()]}]}
    status, _, body = http("POST", f"{service.url}/v2/models/banknote/infer", request)
    assert status == 200
    outputs = {output["name"]: output for output in json.loads(body)["outputs"]}
    assert outputs["label"]["data"] == [label for label, _ in expected]
    assert outputs["probability"]["data"] == pytest.approx([p for _, p in expected], abs=SKLEARN_TOLERANCE)


@pytest.mark.parametrize(("raw", "content_type", "status"), [
    (b'{"variance": 1.0}', "application/json", 422),  # missing features
    (b"variance=1", "text/plain", 415),
    (b"{not json", "application/json", 400),
])
def test_client_errors_are_4xx_json(service: Container, raw: bytes, content_type: str, status: int) -> None:
    got, headers, body = http("POST", f"{service.url}/predict", raw=raw, content_type=content_type)
    assert got == status
    assert headers["Content-Type"].startswith("application/json")
    assert json.loads(body)["error"]


def _predictions_total(service: Container) -> float:
    status, headers, body = http("GET", f"{service.url}/metrics")
    assert status == 200
    assert headers["Content-Type"].startswith("text/plain")
    samples = re.findall(r"^banknote_predictions_total\{[^}]*\} (\S+)$", body.decode(), re.MULTILINE)
    assert samples, "no banknote_predictions_total samples in /metrics"
    return sum(float(value) for value in samples)


def test_metrics_count_predictions_across_workers(service: Container) -> None:
    before = _predictions_total(service)
    for _ in range(3):  # new connections: gunicorn may hand them to different workers
        assert http("POST", f"{service.url}/predict", ROWS)[0] == 200
    assert _predictions_total(service) - before == 3 * len(ROWS)
