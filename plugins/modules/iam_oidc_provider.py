#!/usr/bin/python
"""Ansible module: an IAM OpenID Connect provider (the EKS cluster's issuer, for IRSA)."""
# Ansible module layout: DOCUMENTATION first, then imports (botocore is checked by AnsibleAWSModule).
# ruff: noqa: E402, SIM105

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
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
author: banknote infra
"""

EXAMPLES = r"""
- name: Register the cluster's issuer
  iam_oidc_provider:
    url: "{{ cluster.oidc_issuer }}"
    tags: {Cluster: banknote}
"""

RETURN = r"""
arn: {description: Provider ARN (present)., type: str, returned: when state=present}
deleted: {description: ARNs deleted (absent)., type: list, elements: str, returned: when state=absent}
"""

import fnmatch

try:
    import botocore
except ImportError:
    pass

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

# IAM throttles with error code "Throttling", which AWSRetry retries as is
# (amazon.aws plugins/module_utils/retries.py, AWSRetry.found).
RETRY = AWSRetry.jittered_backoff()
ARN_MARKER = ":oidc-provider/"


def host_path(url):
    return url.removeprefix("https://").rstrip("/")


def providers(client, wanted):
    """{arn: {url, client_ids, thumbprints, tags}} of the OIDC providers whose issuer (host/path, the part
    of the ARN after "oidc-provider/") satisfies wanted(); no other provider is read."""
    result = {}
    for entry in client.list_open_id_connect_providers(aws_retry=True)["OpenIDConnectProviderList"]:
        arn = entry["Arn"]
        if not wanted(arn.partition(ARN_MARKER)[2]):
            continue
        detail = client.get_open_id_connect_provider(aws_retry=True, OpenIDConnectProviderArn=arn)
        result[arn] = {
            "url": host_path(detail["Url"]),
            "client_ids": detail.get("ClientIDList", []),
            "thumbprints": detail.get("ThumbprintList", []),
            "tags": {t["Key"]: t["Value"] for t in detail.get("Tags", [])},
        }
    return result


def ensure_present(module, client, existing):
    params = module.params
    url = host_path(params["url"])
    found = [arn for arn, p in existing.items() if p["url"] == url]
    tags = [{"Key": k, "Value": str(v)} for k, v in params["tags"].items()]
    if not found:
        if module.check_mode:
            module.exit_json(changed=True, arn=None)
        args = {"Url": "https://" + url, "ClientIDList": params["client_ids"], "Tags": tags}
        if params["thumbprints"]:
            args["ThumbprintList"] = params["thumbprints"]
        arn = client.create_open_id_connect_provider(aws_retry=True, **args)["OpenIDConnectProviderArn"]
        module.exit_json(changed=True, arn=arn)

    arn = found[0]
    current = existing[arn]
    changed = False
    for audience in set(params["client_ids"]) - set(current["client_ids"]):
        changed = True
        if not module.check_mode:
            client.add_client_id_to_open_id_connect_provider(
                aws_retry=True, OpenIDConnectProviderArn=arn, ClientID=audience
            )
    if params["thumbprints"] and sorted(params["thumbprints"]) != sorted(current["thumbprints"]):
        changed = True
        if not module.check_mode:
            client.update_open_id_connect_provider_thumbprint(
                aws_retry=True, OpenIDConnectProviderArn=arn, ThumbprintList=params["thumbprints"]
            )
    missing_tags = [t for t in tags if current["tags"].get(t["Key"]) != t["Value"]]
    if missing_tags:
        changed = True
        if not module.check_mode:
            client.tag_open_id_connect_provider(
                aws_retry=True, OpenIDConnectProviderArn=arn, Tags=missing_tags
            )
    module.exit_json(changed=changed, arn=arn)


def ensure_absent(module, client, existing):
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
            client.delete_open_id_connect_provider(aws_retry=True, OpenIDConnectProviderArn=arn)
    module.exit_json(changed=bool(doomed), deleted=doomed)


def main():
    module = AnsibleAWSModule(
        argument_spec={
            "url": {"type": "str"},
            "client_ids": {"type": "list", "elements": "str", "default": ["sts.amazonaws.com"]},
            "thumbprints": {"type": "list", "elements": "str", "default": []},
            "tags": {"type": "dict", "default": {}},
            "match_tags": {"type": "dict", "default": {}},
            "url_pattern": {"type": "str", "default": "oidc.eks.*.amazonaws.com/id/*"},
            "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
        },
        required_if=[["state", "present", ["url"]]],
        supports_check_mode=True,
    )
    client = module.client("iam", retry_decorator=RETRY)
    params = module.params
    if params["url"]:
        url = host_path(params["url"])
        wanted = url.__eq__
    else:
        wanted = lambda issuer: fnmatch.fnmatchcase(issuer, params["url_pattern"])  # noqa: E731
    try:
        existing = providers(client, wanted)
        if module.params["state"] == "present":
            ensure_present(module, client, existing)
        else:
            ensure_absent(module, client, existing)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg="IAM OIDC provider operation failed")


if __name__ == "__main__":
    main()
