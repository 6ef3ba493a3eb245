"""Deliberately bad app images for the rollback tests, built FROM a good image in the local registry.

never_ready(good, tag): the app never starts; the container sleeps (and exits at SIGTERM), so the
readiness path never answers and a rollout times out.
wrong_answers(good, tag): the real model with its classes reversed (model.json's `classes` and
`class_names`; app/artifact.py: `value[node]` holds probabilities in the order of `classes`), so
every note gets the other label. The app starts, is live and ready, and answers wrongly.

Each pushes the image to the good image's repository under `tag` and returns its image record, the
image role's format ({repository_uri, tag, digest, reference}); write_record() saves one for a playbook.
"""

import hashlib
import json
import re
import tempfile
from pathlib import Path

from tests.support.docker import docker, login_local_registry

# Python, not sleep(1): as PID 1 sleep ignores SIGTERM and holds `podman kube down` for the grace period.
SLEEP_FOREVER = ("import signal, sys, time; signal.signal(signal.SIGTERM, lambda *_: sys.exit(0)); "
                 "time.sleep(10**6)")


def repository_of(reference: str) -> str:
    """registry/repo of registry/repo@sha256:..., registry/repo:tag or registry/repo."""
    name = reference.split("@", 1)[0]
    return re.sub(r":[^:/]+$", "", name)


def write_record(path: Path, record: dict[str, str]) -> Path:
    path.write_text(json.dumps(record))
    return path


def _build_and_push(good: str, tag: str, dockerfile: str, files: dict[str, bytes]) -> dict[str, str]:
    login_local_registry()
    repository = repository_of(good)
    with tempfile.TemporaryDirectory(prefix="bad-image-") as context:
        for name, content in files.items():
            (Path(context) / name).write_bytes(content)
        (Path(context) / "Dockerfile").write_text(f"FROM {good}\n{dockerfile}")
        image_id = docker("build", "-q", "--network", "none", context, timeout=600).stdout.strip()
    docker("tag", image_id, f"{repository}:{tag}")
    out = docker("push", f"{repository}:{tag}", timeout=600).stdout
    digest = next(word for line in out.splitlines() if "digest:" in line for word in line.split()
                  if word.startswith("sha256:"))
    return {"repository_uri": repository, "tag": tag, "digest": digest, "reference": f"{repository}@{digest}"}


def never_ready(good: str, tag: str = "bad-never-ready") -> dict[str, str]:
    """An image FROM `good` whose container sleeps instead of serving: never ready."""
    return _build_and_push(good, tag, f"CMD {json.dumps(['python', '-c', SLEEP_FOREVER])}\n"
                           "LABEL io.banknote.test=never-ready\n", {})


def flipped_model(model_json: dict) -> dict:
    """model.json with the classes reversed: the same forest, every answer the other label."""
    flipped = dict(model_json)
    flipped["classes"] = list(reversed(model_json["classes"]))
    flipped["class_names"] = list(reversed(model_json["class_names"]))
    return flipped


def wrong_answers(good: str, tag: str = "bad-wrong-answers") -> dict[str, str]:
    """An image FROM `good` serving its own model with the classes reversed: healthy, every answer wrong."""
    login_local_registry()
    original = json.loads(docker("run", "--rm", "--network", "none", "--entrypoint", "cat", good,
                                 "/opt/model/model.json", timeout=300).stdout)
    content = (json.dumps(flipped_model(original), indent=2) + "\n").encode()
    # The label names the artifact the image carries (Dockerfile: sha256 of model.json).
    return _build_and_push(good, tag, "COPY model.json /opt/model/model.json\n"
                           f"LABEL io.banknote.model.sha256={hashlib.sha256(content).hexdigest()} "
                           "io.banknote.test=wrong-answers\n", {"model.json": content})
