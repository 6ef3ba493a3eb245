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
  - C(state=absent) deletes the provider for I(url), or, without I(url), every provider carrying all
    of I(match_tags) (teardown after the cluster, whose issuer URL it knew, is gone).
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

try:
    import botocore
except ImportError:
    pass

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule


def host_path(url):
    return url.removeprefix("https://").rstrip("/")


def providers(client):
    """{arn: {url, client_ids, thumbprints, tags}} of every OIDC provider in the account."""
    result = {}
    for entry in client.list_open_id_connect_providers()["OpenIDConnectProviderList"]:
        arn = entry["Arn"]
        detail = client.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
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
        arn = client.create_open_id_connect_provider(**args)["OpenIDConnectProviderArn"]
        module.exit_json(changed=True, arn=arn)

    arn = found[0]
    current = existing[arn]
    changed = False
    for audience in set(params["client_ids"]) - set(current["client_ids"]):
        changed = True
        if not module.check_mode:
            client.add_client_id_to_open_id_connect_provider(OpenIDConnectProviderArn=arn, ClientID=audience)
    if params["thumbprints"] and sorted(params["thumbprints"]) != sorted(current["thumbprints"]):
        changed = True
        if not module.check_mode:
            client.update_open_id_connect_provider_thumbprint(
                OpenIDConnectProviderArn=arn, ThumbprintList=params["thumbprints"]
            )
    missing_tags = [t for t in tags if current["tags"].get(t["Key"]) != t["Value"]]
    if missing_tags:
        changed = True
        if not module.check_mode:
            client.tag_open_id_connect_provider(OpenIDConnectProviderArn=arn, Tags=missing_tags)
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
            client.delete_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    module.exit_json(changed=bool(doomed), deleted=doomed)


def main():
    module = AnsibleAWSModule(
        argument_spec={
            "url": {"type": "str"},
            "client_ids": {"type": "list", "elements": "str", "default": ["sts.amazonaws.com"]},
            "thumbprints": {"type": "list", "elements": "str", "default": []},
            "tags": {"type": "dict", "default": {}},
            "match_tags": {"type": "dict", "default": {}},
            "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
        },
        required_if=[["state", "present", ["url"]]],
        supports_check_mode=True,
    )
    client = module.client("iam")
    try:
        existing = providers(client)
        if module.params["state"] == "present":
            ensure_present(module, client, existing)
        else:
            ensure_absent(module, client, existing)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg="IAM OIDC provider operation failed")


if __name__ == "__main__":
    main()
