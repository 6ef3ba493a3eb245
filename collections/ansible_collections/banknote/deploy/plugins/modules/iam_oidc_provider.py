#!/usr/bin/python
"""Ansible module: an IAM OpenID Connect provider (the EKS cluster's issuer, for IRSA)."""
# Ansible module layout: DOCUMENTATION first, then imports (botocore is checked by AnsibleAWSModule).
# ruff: noqa: E402

DOCUMENTATION = r"""
module: iam_oidc_provider
short_description: Manage an IAM OIDC identity provider
description:
  - Registers an OIDC issuer (e.g. an EKS cluster's) in IAM so roles can trust its service accounts (IRSA).
  - Thumbprints are optional for issuers whose certificate chains to a CA IAM trusts (EKS issuers do);
    give them only where your partition still needs them.
  - C(state=absent) deletes the provider for I(url), or, without I(url), every provider matching
    I(url_pattern) and carrying all of I(match_tags) (teardown after the cluster, whose issuer URL it
    knew, is gone).
  - Only providers whose ARN matches I(url) (or I(url_pattern)) are read with GetOpenIDConnectProvider,
    since the ARN already names the issuer and the operator policy allows reading EKS issuers' providers
    only; reading another one (a GitHub Actions provider, say) would be denied.
options:
  url: {description: Issuer URL (https://...)., type: str}
  client_ids: {description: Audiences., type: list, elements: str, default: [sts.amazonaws.com]}
  thumbprints:
    description: Server certificate thumbprints (SHA-1 hex); empty lets IAM verify the CA itself.
    type: list
    elements: str
    default: []
  tags: {description: Tags of the provider., type: dict, default: {}}
  purge_tags:
    description: Remove the provider's tags not in I(tags) (except AWS's reserved C(aws:*) ones), as
      amazon.aws modules do.
    type: bool
    default: true
  match_tags:
    description: With state=absent and no url, delete the providers having all these tags.
    type: dict
    default: {}
  url_pattern:
    description: With match_tags, only providers whose issuer (host/path, shell-style pattern) matches are
      read and considered; the default is every EKS cluster issuer.
    type: str
    default: oidc.eks.*.amazonaws.com/id/*
  state: {description: present or absent., type: str, choices: [present, absent], default: present}
extends_documentation_fragment: [amazon.aws.common.modules, amazon.aws.region.modules, amazon.aws.boto3]
author: banknote infra (!UNKNOWN)
"""

EXAMPLES = r"""
- name: Register the cluster's issuer
  banknote.deploy.iam_oidc_provider:
    url: "{{ cluster.oidc_issuer }}"
    tags: {Cluster: banknote}
"""

RETURN = r"""
arn: {description: Provider ARN (present)., type: str, returned: when state=present}
deleted: {description: ARNs deleted (absent)., type: list, elements: str, returned: when state=absent}
"""

import fnmatch

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.tagging import (
    ansible_dict_to_boto3_tag_list,
    boto3_tag_list_to_ansible_dict,
)
from ansible_collections.banknote.deploy.plugins.module_utils.aws import AWS_ERRORS, client, tag_changes

ARN_MARKER = ":oidc-provider/"


def host_path(url):
    return url.removeprefix("https://").rstrip("/")


def providers(iam, wanted):
    """{arn: {url, client_ids, thumbprints, tags}} of the OIDC providers whose issuer (host/path, the part
    of the ARN after "oidc-provider/") satisfies wanted(); no other provider is read."""
    result = {}
    for entry in iam.list_open_id_connect_providers(aws_retry=True)["OpenIDConnectProviderList"]:
        arn = entry["Arn"]
        if not wanted(arn.partition(ARN_MARKER)[2]):
            continue
        detail = iam.get_open_id_connect_provider(aws_retry=True, OpenIDConnectProviderArn=arn)
        result[arn] = {
            "url": host_path(detail["Url"]),
            "client_ids": detail.get("ClientIDList", []),
            "thumbprints": detail.get("ThumbprintList", []),
            "tags": boto3_tag_list_to_ansible_dict(detail.get("Tags", [])),
        }
    return result


def ensure_present(module, iam, existing):
    params = module.params
    url = host_path(params["url"])
    found = [arn for arn, p in existing.items() if p["url"] == url]
    if not found:
        if module.check_mode:
            module.exit_json(changed=True, arn=None)
        tags = ansible_dict_to_boto3_tag_list({k: str(v) for k, v in params["tags"].items()})
        args = {"Url": "https://" + url, "ClientIDList": params["client_ids"], "Tags": tags}
        if params["thumbprints"]:
            args["ThumbprintList"] = params["thumbprints"]
        arn = iam.create_open_id_connect_provider(aws_retry=True, **args)["OpenIDConnectProviderArn"]
        module.exit_json(changed=True, arn=arn)

    arn = found[0]
    current = existing[arn]
    changed = False
    for audience in set(params["client_ids"]) - set(current["client_ids"]):
        changed = True
        if not module.check_mode:
            iam.add_client_id_to_open_id_connect_provider(
                aws_retry=True, OpenIDConnectProviderArn=arn, ClientID=audience
            )
    if params["thumbprints"] and sorted(params["thumbprints"]) != sorted(current["thumbprints"]):
        changed = True
        if not module.check_mode:
            iam.update_open_id_connect_provider_thumbprint(
                aws_retry=True, OpenIDConnectProviderArn=arn, ThumbprintList=params["thumbprints"]
            )
    to_set, to_remove = tag_changes(current["tags"], params["tags"], params["purge_tags"])
    if to_set or to_remove:
        changed = True
    if to_set and not module.check_mode:
        iam.tag_open_id_connect_provider(
            aws_retry=True, OpenIDConnectProviderArn=arn, Tags=ansible_dict_to_boto3_tag_list(to_set)
        )
    if to_remove and not module.check_mode:
        iam.untag_open_id_connect_provider(aws_retry=True, OpenIDConnectProviderArn=arn, TagKeys=to_remove)
    module.exit_json(changed=changed, arn=arn)


def ensure_absent(module, iam, existing):
    params = module.params
    if params["url"]:
        doomed = [arn for arn, p in existing.items() if p["url"] == host_path(params["url"])]
    elif params["match_tags"]:
        wanted = {k: str(v) for k, v in params["match_tags"].items()}
        doomed = [arn for arn, p in existing.items() if all(p["tags"].get(k) == v for k, v in wanted.items())]
    else:
        module.fail_json(msg="state=absent needs url or match_tags (refusing to match every provider).")
    if not module.check_mode:
        for arn in doomed:
            iam.delete_open_id_connect_provider(aws_retry=True, OpenIDConnectProviderArn=arn)
    module.exit_json(changed=bool(doomed), deleted=doomed)


def main():
    module = AnsibleAWSModule(
        argument_spec={
            "url": {"type": "str"},
            "client_ids": {"type": "list", "elements": "str", "default": ["sts.amazonaws.com"]},
            "thumbprints": {"type": "list", "elements": "str", "default": []},
            "tags": {"type": "dict", "default": {}},
            "purge_tags": {"type": "bool", "default": True},
            "match_tags": {"type": "dict", "default": {}},
            "url_pattern": {"type": "str", "default": "oidc.eks.*.amazonaws.com/id/*"},
            "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
        },
        required_if=[["state", "present", ["url"]]],
        supports_check_mode=True,
    )
    iam = client(module, "iam")
    params = module.params
    if params["url"]:
        wanted = host_path(params["url"]).__eq__
    else:
        def wanted(issuer):
            return fnmatch.fnmatchcase(issuer, params["url_pattern"])
    try:
        existing = providers(iam, wanted)
        if module.params["state"] == "present":
            ensure_present(module, iam, existing)
        else:
            ensure_absent(module, iam, existing)
    except AWS_ERRORS as e:
        module.fail_json_aws(e, msg="IAM OIDC provider operation failed")


if __name__ == "__main__":
    main()
