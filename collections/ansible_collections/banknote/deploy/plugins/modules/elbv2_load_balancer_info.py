#!/usr/bin/python
"""Ansible module: one load balancer found by its DNS name (the Service's status names the NLB only by its
hostname; amazon.aws.elb_application_lb_info finds by name or ARN and reads listeners, rules and attributes of
every load balancer it lists, each a permission the operator does not otherwise need)."""
# Ansible module layout: DOCUMENTATION first, then imports (botocore is checked by AnsibleAWSModule).
# ruff: noqa: E402

DOCUMENTATION = r"""
module: elbv2_load_balancer_info
short_description: Find an Elastic Load Balancing v2 load balancer by its DNS name
description:
  - Lists the region's load balancers (DescribeLoadBalancers, paginated) and returns the one whose DNS name is
    I(dns_name), with its canonical hosted zone ID (what a Route 53 alias record to it needs).
  - Absent is not an error (I(load_balancer) is empty).
options:
  dns_name:
    description: The load balancer's DNS name (case and a trailing dot are ignored).
    type: str
    required: true
extends_documentation_fragment: [amazon.aws.common.modules, amazon.aws.region.modules, amazon.aws.boto3]
author: banknote infra (!UNKNOWN)
"""

EXAMPLES = r"""
- name: Find the Service's NLB
  banknote.deploy.elbv2_load_balancer_info:
    dns_name: k8s-banknote-banknote-0123456789-0123456789abcdef.elb.us-east-1.amazonaws.com
  register: nlb
"""

RETURN = r"""
load_balancer:
  description: The load balancer (empty when none has that DNS name).
  type: dict
  returned: always
  contains:
    load_balancer_arn: {description: Its ARN., type: str}
    load_balancer_name: {description: Its name., type: str}
    dns_name: {description: Its DNS name., type: str}
    canonical_hosted_zone_id: {description: The Route 53 zone ID of its DNS name (alias targets)., type: str}
    type: {description: 'network, application or gateway.', type: str}
    state: {description: 'Its state, e.g. {code: active}.', type: dict}
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.transformation import camel_dict_to_snake_dict
from ansible_collections.banknote.deploy.plugins.module_utils.aws import AWS_ERRORS, RETRY, client


@RETRY
def load_balancers(elbv2):
    paginator = elbv2.get_paginator("describe_load_balancers")
    return paginator.paginate().build_full_result().get("LoadBalancers", [])


def main():
    module = AnsibleAWSModule(argument_spec={"dns_name": {"type": "str", "required": True}},
                              supports_check_mode=True)
    wanted = module.params["dns_name"].lower().rstrip(".")
    elbv2 = client(module, "elbv2")
    try:
        found = [lb for lb in load_balancers(elbv2) if lb.get("DNSName", "").lower().rstrip(".") == wanted]
    except AWS_ERRORS as e:
        module.fail_json_aws(e, msg="Could not list the load balancers")
    module.exit_json(changed=False, load_balancer=camel_dict_to_snake_dict(found[0]) if found else {})


if __name__ == "__main__":
    main()
