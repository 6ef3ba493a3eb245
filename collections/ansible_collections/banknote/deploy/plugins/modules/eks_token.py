#!/usr/bin/python
"""Ansible module: mint a Kubernetes bearer token for an EKS cluster (no aws CLI, no kubeconfig)."""
# Ansible module layout: DOCUMENTATION first, then imports (botocore is checked by AnsibleAWSModule).
# ruff: noqa: E402

DOCUMENTATION = r"""
module: eks_token
short_description: Mint a bearer token for an EKS cluster's API server
description:
  - The token is what C(aws eks get-token) prints, a presigned STS C(GetCallerIdentity) URL carrying
    the header C(x-k8s-aws-id) = the cluster name, base64url-encoded without padding and prefixed
    C(k8s-aws-v1.). EKS accepts it for 15 minutes from signing, so mint a fresh one before every step
    that may run long (Helm waits, rollout and deletion waits). Use C(no_log) on the task.
  - "Nothing is sent to AWS: presigning is local. The identity is the caller's AWS credentials."
options:
  cluster_name: {description: EKS cluster name., type: str, required: true}
extends_documentation_fragment: [amazon.aws.common.modules, amazon.aws.region.modules, amazon.aws.boto3]
author: banknote k8s (!UNKNOWN)
"""

EXAMPLES = r"""
- name: Mint a token
  banknote.deploy.eks_token:
    cluster_name: banknote
  register: eks_token_result
  no_log: true
"""

RETURN = r"""
token: {description: The bearer token., type: str, returned: always}
expires_in_seconds:
  description: "Seconds the token is safe to use from now: EKS accepts it for 15 minutes from signing;
    like C(aws eks get-token) this counts 14, leaving a minute for clock skew."
  type: int
  returned: always
expires_at:
  description: When the token stops being safe to use (UTC, ISO 8601 to the second as ansible-core writes
    datetimes, e.g. C(2026-11-30T12:14:00+00:00)), the instant of C(aws eks get-token)'s expirationTimestamp.
  type: str
  returned: always
"""

import base64
from datetime import UTC, datetime, timedelta

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

TOKEN_PREFIX = "k8s-aws-v1."  # noqa: S105 - a format prefix, not a secret
CLUSTER_HEADER = "x-k8s-aws-id"
# The URL's own expiry; EKS caps a token's life at 15 minutes from signing regardless.
PRESIGN_EXPIRES_SECONDS = 60
# EKS accepts a token for 15 minutes from signing; awscli's get_token.py (TOKEN_EXPIRATION_MINS = 14)
# reports 14 as the expiry, keeping a minute for clock skew. Callers refresh before each long step.
TOKEN_LIFETIME_SECONDS = 14 * 60


def presigned_caller_identity_url(sts_client, cluster_name: str) -> str:
    def add_cluster_header(request, **_kwargs):
        request.headers[CLUSTER_HEADER] = cluster_name

    # The header is signed (it appears in X-Amz-SignedHeaders), binding the token to this cluster.
    event = "before-sign.sts.GetCallerIdentity"
    sts_client.meta.events.register(event, add_cluster_header)
    try:
        return sts_client.generate_presigned_url(
            "get_caller_identity", Params={}, ExpiresIn=PRESIGN_EXPIRES_SECONDS, HttpMethod="GET"
        )
    finally:
        sts_client.meta.events.unregister(event, add_cluster_header)


def token_from_url(url: str) -> str:
    return TOKEN_PREFIX + base64.urlsafe_b64encode(url.encode()).decode().rstrip("=")


def main():
    module = AnsibleAWSModule(
        argument_spec={"cluster_name": {"type": "str", "required": True}}, supports_check_mode=True
    )
    sts = module.client("sts")
    signed_at = datetime.now(UTC).replace(microsecond=0)
    url = presigned_caller_identity_url(sts, module.params["cluster_name"])
    # A datetime: AnsibleModule.exit_json writes it in ISO 8601 (ansible-core 2.19
    # module_utils/_internal/_json/_profiles/_module_legacy_m2c.py, serialize_as_isoformat).
    expires_at = signed_at + timedelta(seconds=TOKEN_LIFETIME_SECONDS)
    module.exit_json(changed=False, token=token_from_url(url), expires_in_seconds=TOKEN_LIFETIME_SECONDS,
                     expires_at=expires_at)


if __name__ == "__main__":
    main()
