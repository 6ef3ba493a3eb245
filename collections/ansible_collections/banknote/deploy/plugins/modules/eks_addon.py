#!/usr/bin/python
"""Ansible module: an EKS add-on with configuration values (e.g. CoreDNS on Fargate)."""
# Ansible module layout: DOCUMENTATION first, then imports (botocore is checked by AnsibleAWSModule).
# ruff: noqa: E402, PLR0912

DOCUMENTATION = r"""
module: eks_addon
short_description: Manage an EKS add-on and its configuration values
description:
  - Creates, updates (version, configuration values) or deletes an EKS add-on and waits until it is
    ACTIVE (or gone). No module in amazon.aws / community.aws manages EKS add-ons.
options:
  cluster_name: {description: Cluster name., type: str, required: true}
  name: {description: 'Add-on name, e.g. C(coredns).', type: str, required: true}
  version: {description: Add-on version; unset keeps the current one (EKS default on create)., type: str}
  configuration_values: {description: Configuration values (dict; sent as JSON)., type: dict}
  resolve_conflicts:
    description: How to treat fields changed in the cluster.
    type: str
    choices: [NONE, OVERWRITE, PRESERVE]
    default: OVERWRITE
  tags: {description: Tags on create., type: dict, default: {}}
  state: {description: present or absent., type: str, choices: [present, absent], default: present}
  wait: {description: Wait for ACTIVE / deletion., type: bool, default: true}
  wait_timeout: {description: Seconds to wait., type: int, default: 1200}
extends_documentation_fragment: [amazon.aws.common.modules, amazon.aws.region.modules, amazon.aws.boto3]
author: banknote infra (!UNKNOWN)
"""

EXAMPLES = r"""
- name: CoreDNS on Fargate
  banknote.deploy.eks_addon:
    cluster_name: banknote
    name: coredns
    configuration_values: {computeType: Fargate}
"""

RETURN = r"""
addon:
  description: DescribeAddon's addon, keys in snake_case (as amazon.aws modules return them), dates in
    ISO 8601.
  type: dict
  returned: when present
"""

import json

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.banknote.deploy.plugins.module_utils.aws import (
    AWS_ERRORS,
    client,
    describe_or_none,
    wait_until,
)

FAILED = ("CREATE_FAILED", "UPDATE_FAILED", "DELETE_FAILED")


def describe(eks, cluster, name):
    found = describe_or_none(eks.describe_addon, "ResourceNotFoundException",
                             clusterName=cluster, addonName=name)
    return found and found["addon"]


def wait_for(module, eks, want_gone):
    params = module.params

    def settled():
        addon = describe(eks, params["cluster_name"], params["name"])
        # DEGRADED is not final: it is what the add-on reports while its pods are still being scheduled.
        if addon and addon["status"] in FAILED:
            module.fail_json(msg=f"Add-on {params['name']} is {addon['status']}", health=addon.get("health"))
        return (addon is None) if want_gone else bool(addon and addon["status"] == "ACTIVE"), addon

    def still(addon):
        status = addon["status"] if addon else "absent"
        return {"msg": f"Add-on {params['name']} still {status} after the timeout",
                "health": (addon or {}).get("health")}

    return wait_until(module, settled, params["wait_timeout"], 10, still)


def result(addon):
    """The add-on as the module returns it: snake_case keys, tags as given."""
    return camel_dict_to_snake_dict(addon, ignore_list=["tags"]) if addon else addon


def main():
    module = AnsibleAWSModule(
        argument_spec={
            "cluster_name": {"type": "str", "required": True},
            "name": {"type": "str", "required": True},
            "version": {"type": "str"},
            "configuration_values": {"type": "dict"},
            "resolve_conflicts": {
                "type": "str",
                "choices": ["NONE", "OVERWRITE", "PRESERVE"],
                "default": "OVERWRITE",
            },
            "tags": {"type": "dict", "default": {}},
            "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
            "wait": {"type": "bool", "default": True},
            "wait_timeout": {"type": "int", "default": 1200},
        },
        supports_check_mode=True,
    )
    params = module.params
    eks = client(module, "eks")
    cluster, name = params["cluster_name"], params["name"]
    try:
        addon = describe(eks, cluster, name)
        if params["state"] == "absent":
            if addon and not module.check_mode:
                eks.delete_addon(aws_retry=True, clusterName=cluster, addonName=name)
                if params["wait"]:
                    wait_for(module, eks, want_gone=True)
            module.exit_json(changed=addon is not None)

        config = (
            json.dumps(params["configuration_values"], sort_keys=True)
            if params["configuration_values"]
            else None
        )
        if addon is None:
            if module.check_mode:
                module.exit_json(changed=True, addon={})
            args = {
                "clusterName": cluster,
                "addonName": name,
                "resolveConflicts": params["resolve_conflicts"],
            }
            if params["version"]:
                args["addonVersion"] = params["version"]
            if config:
                args["configurationValues"] = config
            if params["tags"]:
                args["tags"] = params["tags"]
            eks.create_addon(aws_retry=True, **args)
        else:
            current_config = json.loads(addon.get("configurationValues") or "{}")
            update = {}
            if params["version"] and addon.get("addonVersion") != params["version"]:
                update["addonVersion"] = params["version"]
            if (
                params["configuration_values"] is not None
                and current_config != params["configuration_values"]
            ):
                update["configurationValues"] = config or ""
            if not update:
                module.exit_json(changed=False, addon=result(addon))
            if module.check_mode:
                module.exit_json(changed=True, addon=result(addon))
            eks.update_addon(
                aws_retry=True,
                clusterName=cluster, addonName=name, resolveConflicts=params["resolve_conflicts"], **update
            )
        addon = wait_for(module, eks, want_gone=False) if params["wait"] else describe(eks, cluster, name)
    except AWS_ERRORS as e:
        module.fail_json_aws(e, msg=f"EKS add-on {name} on {cluster} failed")
    module.exit_json(changed=True, addon=result(addon))


if __name__ == "__main__":
    main()
