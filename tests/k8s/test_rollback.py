"""A deploy that undoes itself, on the local target (podman, the Service stand-in in front):

- a never-ready image (its container sleeps) times out in the rollout; the deploy goes back to the
  previous image, verifies it and fails with one sentence naming the bad image. The old pods never
  leave the Service, so not one request fails or is answered wrongly during the attempt;
- a wrong-answer image (the real model with its classes reversed) becomes ready and takes the traffic;
  playbooks/verify.yml then fails on the known notes, rolls back, verifies the previous image and fails
  naming the bad one. Between the switch and the rollback clients get wrong answers (verification runs
  against the public endpoint after the rollout, as on a cluster): the test counts and prints them, and
  requires every answer after the rollback to be right;
- the first deploy of a bad image has nothing to roll back to and says so.

Each test runs client threads through the attempt and prints how many requests failed or were wrong."""

import json
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from k8s_helpers import TEST_REPOSITORY, podman_json, push, run_playbook, write_record

from tests.support import bad_images
from tests.support.clients import Clients
from tests.support.docker import docker
from tests.support.ports import free_port

pytestmark = [pytest.mark.ansible, pytest.mark.docker, pytest.mark.slow]

APP = "banknote-rollback-test"
FIRST_APP = "banknote-rollback-first"
REPLICAS = 2
TIMEOUT = 20  # k8s_app_rollout_timeout for the never-ready image: the rollout fails quickly



@dataclass
class Target:
    app: str
    vars: dict
    work: Path
    url: str = ""  # the endpoint, as the verify role found it

    def deploy(self, record: Path, **extra) -> object:
        return run_playbook("playbooks/deploy.yml", "--tags", "k8s_app",
                            extra_vars={**self.vars, "image_record_file": str(record), **extra})

    def verify(self, **extra) -> object:
        run = run_playbook("playbooks/verify.yml", extra_vars={**self.vars, **extra})
        if not self.url and run.returncode == 0:
            self.url = run.fact("verify_url")
        return run

    def record(self) -> dict:
        return json.loads((self.work / "deployed.json").read_text())

    def digests(self) -> set[str]:
        names = [f"{pod['Name']}-app" for pod in podman_json("pod", "ps", "--filter", f"name=^{self.app}-")]
        return {container["ImageDigest"] for container in podman_json("inspect", *names)} if names else set()


def make_target(app: str, work: Path) -> Target:
    return Target(app, {"app_name": app, "k8s_app_podman_service_port": free_port(),
                        "k8s_app_podman_work_dir": str(work / "k8s"),
                        "k8s_app_manifest_dir": str(work / "manifests")}, work)


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory, pushed_app_image: dict) -> dict:
    path = write_record(tmp_path_factory.mktemp("rollback-images") / "good.json", TEST_REPOSITORY, "v1",
                        pushed_app_image["digest"])
    return {"path": path, **json.loads(path.read_text())}


@pytest.fixture(scope="module")
def never_ready(tmp_path_factory: pytest.TempPathFactory, good: dict) -> dict:
    record = bad_images.never_ready(good["reference"])
    path = bad_images.write_record(tmp_path_factory.mktemp("never-ready") / "image.json", record)
    return {"path": path, **record}


@pytest.fixture(scope="module")
def wrong_answers(tmp_path_factory: pytest.TempPathFactory, good: dict) -> dict:
    record = bad_images.wrong_answers(good["reference"])
    path = bad_images.write_record(tmp_path_factory.mktemp("wrong") / "image.json", record)
    return {"path": path, **record}


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory, good: dict):
    """The good image deployed and verified (the deployed-image record says so)."""
    deployed = make_target(APP, tmp_path_factory.mktemp("rollback-target"))
    yield deployed
    deployed.deploy(good["path"], k8s_app_state="absent")


def deploy_good(target: Target, good: dict) -> None:
    run = target.deploy(good["path"])
    assert run.returncode == 0, run.explain()
    run = target.verify()
    assert run.returncode == 0, run.explain()
    assert target.digests() == {good["digest"]}
    assert target.record()["current"] == good["reference"]
    assert target.record()["verified"] is True


def last_failure(run) -> str:
    return " ".join(run.failure_messages[-1].split()) if run.failure_messages else ""


def test_first_deploy_of_a_never_ready_image_fails_without_rollback(tmp_path: Path, never_ready: dict):
    first = make_target(FIRST_APP, tmp_path)
    try:
        run = first.deploy(never_ready["path"], k8s_app_rollout_timeout=TIMEOUT)
        assert run.returncode != 0, run.explain()
        assert last_failure(run) == (f"image {never_ready['reference']} did not become ready within "
                                     f"{TIMEOUT} s; nothing to roll back to (first deploy)"), run.explain()
        assert not run.results_of("Apply the previous image"), run.explain()
        assert first.record() == {"current": never_ready["reference"], "previous": None, "verified": False}
    finally:
        first.deploy(never_ready["path"], k8s_app_state="absent")


def test_never_ready_image_is_rolled_back_without_a_failed_request(target: Target, good: dict,
                                                                   never_ready: dict):
    deploy_good(target, good)
    with Clients(target.url) as load:
        started = time.monotonic()
        run = target.deploy(never_ready["path"], k8s_app_rollout_timeout=TIMEOUT)
        finished = time.monotonic()
    failed, wrong = load.count("failed"), load.count("wrong")
    print(f"\nnever-ready attempt: {finished - started:.1f} s, {load.count('', started, finished)} requests "
          f"during it, {failed} failed, {wrong} wrong; {load.not_ok()[:3]}")
    assert run.returncode != 0, run.explain()
    assert last_failure(run) == (f"Rolled back: image {never_ready['reference']} did not become ready "
                                 f"within {TIMEOUT} s; {good['reference']} is serving again and passed "
                                 "verification."), run.explain()
    # The old pods never left the Service: nothing failed or was wrong, and the load covered the attempt.
    assert failed == 0
    assert wrong == 0
    assert load.count("ok", started, finished) >= 100
    assert target.digests() == {good["digest"]}
    assert len(podman_json("pod", "ps", "--filter", f"name=^{APP}-")) == REPLICAS
    assert target.record() == {"current": good["reference"], "previous": None, "verified": True,
                               "rolled_back_from": never_ready["reference"]}
    # Deploying the image that serves again changes nothing.
    again = target.deploy(good["path"])
    assert again.returncode == 0, again.explain()
    assert again.recap["changed"] == 0, again.explain()


def test_wrong_answer_image_is_rolled_back_after_verification(target: Target, good: dict,
                                                               wrong_answers: dict):
    deploy_good(target, good)
    with Clients(target.url) as load:
        started = time.monotonic()
        deployed = target.deploy(wrong_answers["path"])
        switched = time.monotonic()
        verified = target.verify()
        finished = time.monotonic()
        # Answers after the rollback: the load runs on for a few seconds.
        time.sleep(3)
    assert deployed.returncode == 0, deployed.explain()
    failed, wrong = load.count("failed"), load.count("wrong")
    print(f"\nwrong-answer attempt: {finished - started:.1f} s, {load.count('', started, finished)} requests "
          f"during it, {failed} failed, {wrong} answered wrongly between the switch and the rollback "
          f"(verification took {finished - switched:.1f} s)")
    assert verified.returncode != 0, verified.explain()
    message = last_failure(verified)
    bad = wrong_answers["reference"]
    assert message.startswith(f"Rolled back: image {bad} failed verification ("), message
    assert "expected label" in message, message
    assert message.endswith(f"; {good['reference']} is serving again and passed verification."), message
    # The bad image did serve (the test is not vacuous), and nothing was refused or lost.
    assert wrong > 0
    assert failed == 0
    assert load.count("wrong", finished) == 0
    assert load.count("ok", finished) >= 20
    assert target.digests() == {good["digest"]}
    assert target.record() == {"current": good["reference"], "previous": None, "verified": True,
                               "rolled_back_from": wrong_answers["reference"]}
    # A second verification passes on the restored image and does not go back to the bad one.
    again = target.verify()
    assert again.returncode == 0, again.explain()
    assert again.recap["changed"] == 0, again.explain()
    assert target.digests() == {good["digest"]}


def test_logs_that_do_not_arrive_fail_verification_without_a_rollback(target: Target, good: dict,
                                                                        tmp_path: Path):
    """The log count is the log router's business, not the image's: a new image that answers correctly but
    whose requests are missing from the logs is kept and recorded as verified, and the play fails saying
    what is missing. (Before, a lost log would roll back a good image, then fail on the previous one too.)"""
    deploy_good(target, good)
    # A second good image (another digest): the same app plus a label.
    (tmp_path / "Dockerfile").write_text(f"FROM {TEST_REPOSITORY}:v1\nLABEL org.banknote.test=logs\n")
    image_id = docker("build", "-q", "--network", "none", str(tmp_path)).stdout.strip()
    newer = write_record(tmp_path / "newer.json", TEST_REPOSITORY, "logs", push(image_id, "logs"))
    newer_reference = json.loads(newer.read_text())["reference"]
    deployed = target.deploy(newer)
    assert deployed.returncode == 0, deployed.explain()
    assert target.record()["verified"] is False
    # The logs "lost": the count reads a log file the pods never wrote to.
    lost = tmp_path / "lost-logs"
    lost.mkdir()
    (lost / "pods.log").write_text("")
    verified = target.verify(verify_log_dir=str(lost), verify_log_wait_seconds=2)
    assert verified.returncode != 0, verified.explain()
    message = last_failure(verified)
    assert f"the pods' logs in {lost} hold 0 requests with User-Agent" in message, message
    assert "Rolled back" not in message, message
    assert target.record() == {"current": newer_reference, "previous": good["reference"], "verified": True}
    assert target.digests() == {json.loads(newer.read_text())["digest"]}
    # With the logs where they are, the same image verifies and stays.
    again = target.verify()
    assert again.returncode == 0, again.explain()
    assert target.record()["current"] == newer_reference
