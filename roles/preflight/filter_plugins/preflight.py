"""Filters for preflight's input checks and cost estimate, on the standard library only.

ansible.utils' ipaddr filters need `netaddr`, which is not a dependency of this project, so the
CIDR checks use Python's `ipaddress` instead.
"""

import datetime
import functools
import ipaddress
import math
import re
from pathlib import Path

import yaml
from ansible.errors import AnsibleFilterError

# roles/ (this file is roles/preflight/filter_plugins/preflight.py).
ROLES_DIR = Path(__file__).resolve().parents[2]

# Fargate's vCPU / memory (GiB) combinations, smallest first.
# https://docs.aws.amazon.com/eks/latest/userguide/fargate-pod-configuration.html
FARGATE_SIZES = [
    (0.25, [0.5, 1, 2]),
    (0.5, [1, 2, 3, 4]),
    (1, [2, 3, 4, 5, 6, 7, 8]),
    (2, list(range(4, 17))),
    (4, list(range(8, 31))),
    (8, list(range(16, 61, 4))),
    (16, list(range(32, 121, 8))),
]
# Fargate adds this much memory per pod for the kubelet, kube-proxy and containerd.
FARGATE_AGENT_MIB = 256


def cidr_problem(value):
    """'' if value is an IPv4 network in CIDR notation, else why not."""
    try:
        ipaddress.IPv4Network(str(value), strict=True)
    except ValueError as e:
        return f"{value} is not an IPv4 network in CIDR notation ({e})"
    return ""


def cidr_outside(subnets, vpc):
    """The subnets (CIDR strings) that are not inside the VPC's CIDR."""
    network = ipaddress.IPv4Network(str(vpc))
    return [s for s in subnets if not ipaddress.IPv4Network(str(s)).subnet_of(network)]


def cidr_overlaps(cidrs):
    """Pairs 'A and B' of CIDRs that overlap."""
    nets = [ipaddress.IPv4Network(str(c)) for c in cidrs]
    return [f"{a} and {b}" for i, a in enumerate(nets) for b in nets[i + 1 :] if a.overlaps(b)]


def invalid_names(entries):
    """The [{what, name, max, pattern}] entries whose name is too long or does not match its pattern."""
    return [e for e in entries if len(e["name"]) > int(e["max"]) or not re.search(e["pattern"], e["name"])]


def k8s_cpu(value):
    """Kubernetes CPU quantity ('250m', '0.5', 1) in vCPU."""
    text = str(value).strip()
    if text.endswith("m"):
        return int(text[:-1]) / 1000
    return float(text)


def k8s_memory_mib(value):
    """Kubernetes memory quantity ('512Mi', '1Gi', '1G', bytes) in MiB."""
    match = re.fullmatch(r"(\d+(?:\.\d+)?)(Ki|Mi|Gi|K|M|G)?", str(value).strip())
    if not match:
        raise AnsibleFilterError(f"{value!r} is not a Kubernetes memory quantity such as 512Mi")
    number, unit = float(match[1]), match[2] or ""
    factor = {"": 1, "K": 1e3, "M": 1e6, "G": 1e9, "Ki": 1024, "Mi": 1024**2, "Gi": 1024**3}[unit]
    return number * factor / 1024**2


def fargate_pod_size(cpu, memory):
    """{'vcpu', 'memory_gb'} Fargate bills for a pod whose requests are cpu / memory."""
    vcpu_wanted = k8s_cpu(cpu)
    gib_wanted = (k8s_memory_mib(memory) + FARGATE_AGENT_MIB) / 1024
    for vcpu, memories in FARGATE_SIZES:
        if vcpu < vcpu_wanted:
            continue
        for gib in memories:
            if gib >= gib_wanted:
                return {"vcpu": vcpu, "memory_gb": gib}
    raise AnsibleFilterError(f"no Fargate size fits cpu={cpu} memory={memory}")


def fargate_fleet(pods):
    """Sizes and totals for [{name, replicas, cpu, memory}]: {pods: [...], vcpu, memory_gb}."""
    sized = []
    for pod in pods:
        size = fargate_pod_size(pod["cpu"], pod["memory"])
        sized.append({"name": pod["name"], "replicas": int(pod["replicas"]), **size})
    return {
        "pods": sized,
        "vcpu": sum(p["replicas"] * p["vcpu"] for p in sized),
        "memory_gb": sum(p["replicas"] * p["memory_gb"] for p in sized),
    }


@functools.lru_cache
def _role_defaults(role):
    return yaml.safe_load((ROLES_DIR / role / "defaults" / "main.yml").read_text(encoding="utf-8")) or {}


def role_default(name, role):
    """The default of variable `name` in roles/<role>/defaults/main.yml, so an estimate follows the role."""
    defaults = _role_defaults(str(role))
    if name not in defaults:
        raise AnsibleFilterError(f"{name} is not in roles/{role}/defaults/main.yml")
    return defaults[name]


def days_until(day, today):
    """Whole days from today to day (both YYYY-MM-DD); negative once day is past."""
    parse = datetime.date.fromisoformat
    return (parse(str(day)[:10]) - parse(str(today)[:10])).days


ZONE_TYPE = "availability-zone"  # not a Local Zone or Wavelength Zone, where EKS cannot place its ENIs


def eks_zones(zones, wanted_ids, unsupported_ids, region, count=2):
    """The availability zones for the subnets: {names, ids, error}. zones: amazon.aws.aws_az_info's list.

    wanted_ids empty = the first `count` available zones (by name, like CloudFormation's !GetAZs) whose
    ID can host an EKS control plane; else exactly those IDs, in that order. error is one sentence, or ''.
    """
    usable = sorted(
        (z for z in zones if z.get("state") == "available" and z.get("zone_type") in (None, ZONE_TYPE)),
        key=lambda z: z["zone_name"],
    )
    by_id = {z["zone_id"]: z for z in usable}
    result = {"names": [], "ids": [], "error": ""}
    if wanted_ids:
        wanted = [str(i) for i in wanted_ids]
        if len(wanted) != count or len(set(wanted)) != count:
            result["error"] = (
                f"availability_zone_ids needs exactly {count} different zone IDs (got {', '.join(wanted)}): "
                f"name {count}, or leave it empty to use the first {count} that support EKS."
            )
            return result
        unknown = [i for i in wanted if i not in by_id]
        if unknown:
            result["error"] = (
                f"Availability zone ID {unknown[0]} is not an available zone in {region} (IDs there: "
                f"{', '.join(sorted(by_id))}): fix availability_zone_ids."
            )
            return result
        banned = [i for i in wanted if i in unsupported_ids]
        if banned:
            others = " and ".join([i for i in by_id if i not in unsupported_ids and i not in wanted][:count])
            name = by_id[banned[0]]["zone_name"]
            result["error"] = (
                f"Availability zone ID {banned[0]} ({name}) cannot host an EKS control plane: set "
                f"availability_zone_ids to zones EKS supports in {region}, such as {others}."
            )
            return result
        chosen = [by_id[i] for i in wanted]
    else:
        chosen = [z for z in usable if z["zone_id"] not in unsupported_ids][:count]
        if len(chosen) < count:
            result["error"] = f"{region} has fewer than {count} zones that support EKS: pick another region."
            return result
    result["names"] = [z["zone_name"] for z in chosen]
    result["ids"] = [z["zone_id"] for z in chosen]
    return result


def round_up(value, digits=2):
    factor = 10**digits
    return math.ceil(float(value) * factor) / factor


class FilterModule:
    def filters(self):
        return {
            "cidr_problem": cidr_problem,
            "cidr_outside": cidr_outside,
            "cidr_overlaps": cidr_overlaps,
            "invalid_names": invalid_names,
            "fargate_pod_size": fargate_pod_size,
            "fargate_fleet": fargate_fleet,
            "round_up": round_up,
            "days_until": days_until,
            "role_default": role_default,
            "eks_zones": eks_zones,
        }
