#!/usr/bin/python
"""Ansible module: converge EKS cluster settings that community.aws.eks_cluster does not manage."""
# Ansible module layout: DOCUMENTATION first, then imports (botocore is checked by AnsibleAWSModule).
# ruff: noqa: E402, PLR0912

DOCUMENTATION = r"""
module: eks_cluster_settings
short_description: Converge an existing EKS cluster's access mode, logging, upgrade policy and endpoint access
description:
  - community.aws.eks_cluster creates, waits for and deletes the cluster; this module converges the
    settings it cannot set, each through its own C(UpdateClusterConfig) call (EKS accepts one kind of
    update per call and one update at a time), waiting for each update to finish.
  - An option left unset (null) is not managed, so a target whose API lacks a setting can skip it.
options:
  name: {description: Cluster name (must exist)., type: str, required: true}
  authentication_mode:
    description: C(CONFIG_MAP), C(API_AND_CONFIG_MAP) or C(API). EKS only moves forward in that order.
    type: str
    choices: [CONFIG_MAP, API_AND_CONFIG_MAP, API]
  logging_types:
    description: Control-plane log types to enable; every other type is disabled.
    type: list
    elements: str
  upgrade_support_type:
    description: C(STANDARD) (no automatic extended-support billing) or C(EXTENDED).
    type: str
    choices: [STANDARD, EXTENDED]
  endpoint_public_access: {description: Public API endpoint., type: bool}
  endpoint_private_access: {description: Private API endpoint (inside the VPC)., type: bool}
  public_access_cidrs: {description: CIDRs allowed to reach the public endpoint., type: list, elements: str}
  wait: {description: Wait for each update to finish., type: bool, default: true}
  wait_timeout: {description: Seconds to wait per update., type: int, default: 1800}
extends_documentation_fragment: [amazon.aws.common.modules, amazon.aws.region.modules, amazon.aws.boto3]
author: banknote infra (!UNKNOWN)
"""

EXAMPLES = r"""
- name: Settings
  banknote.deploy.eks_cluster_settings:
    name: banknote
    authentication_mode: API_AND_CONFIG_MAP
    logging_types: [api, audit, authenticator]
    upgrade_support_type: STANDARD
"""

RETURN = r"""
updates:
  description: The updates made (or, in check mode, that would be made), by kind.
  returned: always
  type: list
  elements: str
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.banknote.deploy.plugins.module_utils.aws import AWS_ERRORS, client, wait_until

LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"]
AUTH_ORDER = ["CONFIG_MAP", "API_AND_CONFIG_MAP", "API"]


def describe(eks, module):
    try:
        return eks.describe_cluster(aws_retry=True, name=module.params["name"])["cluster"]
    except AWS_ERRORS as e:
        module.fail_json_aws(e, msg=f"Could not describe EKS cluster {module.params['name']}")


def wanted_updates(cluster, params, module):
    """Each entry: (kind, UpdateClusterConfig keyword arguments)."""
    updates = []
    mode = params["authentication_mode"]
    if mode is not None:
        current = cluster.get("accessConfig", {}).get("authenticationMode", "CONFIG_MAP")
        if current != mode:
            if AUTH_ORDER.index(mode) < AUTH_ORDER.index(current):
                module.fail_json(msg=f"EKS cannot change authentication mode from {current} back to {mode}.")
            updates.append(("authentication_mode", {"accessConfig": {"authenticationMode": mode}}))

    if params["logging_types"] is not None:
        wanted = set(params["logging_types"])
        unknown = wanted - set(LOG_TYPES)
        if unknown:
            module.fail_json(msg=f"Unknown EKS log types {sorted(unknown)}; valid: {LOG_TYPES}.")
        enabled = set()
        for entry in cluster.get("logging", {}).get("clusterLogging", []):
            if entry.get("enabled"):
                enabled.update(entry.get("types", []))
        if enabled != wanted:
            logging = [{"types": sorted(wanted), "enabled": True}] if wanted else []
            disabled = sorted(set(LOG_TYPES) - wanted)
            if disabled:
                logging.append({"types": disabled, "enabled": False})
            updates.append(("logging", {"logging": {"clusterLogging": logging}}))

    support = params["upgrade_support_type"]
    if support is not None and cluster.get("upgradePolicy", {}).get("supportType") != support:
        updates.append(("upgrade_policy", {"upgradePolicy": {"supportType": support}}))

    vpc = cluster.get("resourcesVpcConfig", {})
    endpoint = {}
    for option, key in (
        ("endpoint_public_access", "endpointPublicAccess"),
        ("endpoint_private_access", "endpointPrivateAccess"),
    ):
        if params[option] is not None and vpc.get(key) != params[option]:
            endpoint[key] = params[option]
    cidrs = params["public_access_cidrs"]
    if cidrs is not None and sorted(vpc.get("publicAccessCidrs", [])) != sorted(cidrs):
        endpoint["publicAccessCidrs"] = cidrs
    if endpoint:
        # The call replaces the endpoint settings as a whole: send all three.
        for option, key in (
            ("endpoint_public_access", "endpointPublicAccess"),
            ("endpoint_private_access", "endpointPrivateAccess"),
            ("public_access_cidrs", "publicAccessCidrs"),
        ):
            if params[option] is not None:
                endpoint[key] = params[option]
        updates.append(("endpoint_access", {"resourcesVpcConfig": endpoint}))
    return updates


def wait_for_update(eks, module, update_id):
    name = module.params["name"]

    def finished():
        update = eks.describe_update(aws_retry=True, name=name, updateId=update_id)["update"]
        if update["status"] in ("Failed", "Cancelled"):
            module.fail_json(
                msg=f"EKS update {update_id} on {name} ended {update['status']}", update=str(update)
            )
        return update["status"] == "Successful", update

    def still(update):
        return {"msg": f"EKS update {update_id} on {name} still {update['status']} after the timeout"}

    wait_until(module, finished, module.params["wait_timeout"], 15, still)


def main():
    module = AnsibleAWSModule(
        argument_spec={
            "name": {"type": "str", "required": True},
            "authentication_mode": {"type": "str", "choices": AUTH_ORDER},
            "logging_types": {"type": "list", "elements": "str"},
            "upgrade_support_type": {"type": "str", "choices": ["STANDARD", "EXTENDED"]},
            "endpoint_public_access": {"type": "bool"},
            "endpoint_private_access": {"type": "bool"},
            "public_access_cidrs": {"type": "list", "elements": "str"},
            "wait": {"type": "bool", "default": True},
            "wait_timeout": {"type": "int", "default": 1800},
        },
        supports_check_mode=True,
    )
    eks = client(module, "eks")
    updates = wanted_updates(describe(eks, module), module.params, module)
    kinds = [update[0] for update in updates]
    if module.check_mode or not updates:
        module.exit_json(changed=bool(updates), updates=kinds)
    for kind, arguments in updates:
        try:
            response = eks.update_cluster_config(aws_retry=True, name=module.params["name"], **arguments)
        except AWS_ERRORS as e:
            module.fail_json_aws(e, msg=f"Could not update {kind} of EKS cluster {module.params['name']}")
        update_id = response.get("update", {}).get("id")
        if module.params["wait"] and update_id:
            wait_for_update(eks, module, update_id)
    module.exit_json(changed=True, updates=kinds)


if __name__ == "__main__":
    main()
