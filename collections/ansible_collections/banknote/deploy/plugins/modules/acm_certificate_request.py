#!/usr/bin/python
"""Ansible module: a public ACM certificate validated through DNS (community.aws.acm_certificate only
imports certificates: its main() calls import_certificate, never request_certificate)."""
# Ansible module layout: DOCUMENTATION first, then imports (botocore is checked by AnsibleAWSModule).
# ruff: noqa: E402

DOCUMENTATION = r"""
module: acm_certificate_request
short_description: Request, check or delete a DNS-validated public ACM certificate
description:
  - With I(certificate_arn), checks a certificate the user already holds (it exists in I(region), is
    C(ISSUED) and covers I(domain_name)) and changes nothing.
  - Otherwise, with I(state=present), finds the certificate for I(domain_name) that carries all of I(tags)
    (status C(PENDING_VALIDATION) or C(ISSUED)), or requests one (RequestCertificate, ValidationMethod
    C(DNS), with I(tags)); returns the DNS validation records ACM asks for, and with I(wait_timeout) waits
    until the certificate is C(ISSUED).
  - With I(state=absent), deletes every certificate for I(domain_name) that carries all of I(tags), whatever
    its status (ACM refuses to delete a certificate in use by a load balancer; the module then fails saying
    which). A certificate without those tags is never touched.
  - ACM's DNS validation (AWS Certificate Manager User Guide, "DNS validation") gives one CNAME per domain
    name; the certificate is issued once that CNAME resolves, usually within minutes.
options:
  state:
    description: Whether the requested certificate should exist.
    type: str
    choices: [present, absent]
    default: present
  domain_name:
    description: The name the certificate is for (required without I(certificate_arn)).
    type: str
  certificate_arn:
    description:
      - A certificate the user holds; only checked, never changed. Its region must be I(region).
    type: str
  tags:
    description:
      - Tags the requested certificate carries.
      - The module finds its certificate by I(domain_name) and these tags.
    type: dict
    default: {}
  wait_timeout:
    description: I(state=present), requested certificate; seconds to wait for C(ISSUED) (0 returns at once).
    type: int
    default: 0
  validation_record_timeout:
    description: Seconds to wait for ACM to name the validation records of a new certificate (seconds on AWS).
    type: int
    default: 120
  delay: {description: Seconds between two polls., type: int, default: 15}
extends_documentation_fragment: [amazon.aws.common.modules, amazon.aws.region.modules, amazon.aws.boto3]
author: banknote infra (!UNKNOWN)
"""

EXAMPLES = r"""
- name: Request the certificate (returns the validation CNAME)
  banknote.deploy.acm_certificate_request:
    domain_name: banknote.example.com
    tags: {Project: banknote}
  register: cert

- name: Check a certificate the user already has
  banknote.deploy.acm_certificate_request:
    certificate_arn: arn:aws:acm:us-east-1:111122223333:certificate/0a1b2c3d-0000-0000-0000-000000000000
    domain_name: banknote.example.com
"""

RETURN = r"""
certificate:
  description: The certificate (empty when none exists, or in check mode before it is requested).
  type: dict
  returned: always
  contains:
    arn: {description: Its ARN., type: str}
    domain_name: {description: Its domain name., type: str}
    subject_alternative_names: {description: Every name it covers., type: list, elements: str}
    status: {description: 'ACM status: PENDING_VALIDATION, ISSUED, ...', type: str}
    in_use_by: {description: ARNs of the load balancers using it., type: list, elements: str}
validation_records:
  description: The CNAME records ACM validates the names with (name, type, value; names end with a dot).
  type: list
  elements: dict
  returned: always
deleted:
  description:
    - I(state=absent); the certificates deleted (or that would be, in check mode).
    - Each with its validation records.
  type: list
  elements: dict
  returned: always
"""

import hashlib
import json

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.tagging import (
    ansible_dict_to_boto3_tag_list,
    boto3_tag_list_to_ansible_dict,
)
from ansible_collections.banknote.deploy.plugins.module_utils.aws import (
    AWS_ERRORS,
    RETRY,
    client,
    describe_or_none,
    wait_until,
)

# Statuses a certificate can be in (ACM API Reference, CertificateDetail.Status). Only these two are reused.
LIVE = ["PENDING_VALIDATION", "ISSUED"]
ALL = [*LIVE, "INACTIVE", "EXPIRED", "VALIDATION_TIMED_OUT", "REVOKED", "FAILED"]


def covers(names, domain):
    """Whether a certificate for `names` is valid for `domain`: an exact name, or a wildcard *.parent
    for exactly one label more (RFC 6125 6.4.3, as ACM's wildcard certificates are matched)."""
    domain = domain.lower().rstrip(".")
    for name in (n.lower().rstrip(".") for n in names):
        if name == domain:
            return True
        if name.startswith("*.") and domain.count(".") >= 2 and domain.split(".", 1)[1] == name[2:]:
            return True
    return False


def summary(detail):
    return {
        "arn": detail["CertificateArn"],
        "domain_name": detail.get("DomainName", ""),
        "subject_alternative_names": detail.get("SubjectAlternativeNames", []),
        "status": detail.get("Status", ""),
        "in_use_by": detail.get("InUseBy", []),
    }


def validation_records(detail):
    """The CNAMEs of every name (one per distinct name: ACM may list the same one for two names)."""
    out = []
    for option in detail.get("DomainValidationOptions", []):
        record = option.get("ResourceRecord")
        if record:
            item = {"name": record["Name"], "type": record["Type"], "value": record["Value"]}
            if item not in out:
                out.append(item)
    return out


@RETRY
def list_certificates(acm, statuses):
    # ListCertificates lists RSA_2048 certificates unless told otherwise (ACM API Reference,
    # Includes.keyTypes); RequestCertificate's default KeyAlgorithm is RSA_2048, so the project's are listed.
    paginator = acm.get_paginator("list_certificates")
    pages = paginator.paginate(CertificateStatuses=statuses).build_full_result()
    return pages.get("CertificateSummaryList", [])


def find(module, acm, domain, tags, statuses):
    """ARNs of the certificates for `domain` carrying every tag of `tags`, newest request last."""
    found = []
    for item in list_certificates(acm, statuses):
        if item.get("DomainName", "").lower() != domain.lower():
            continue
        arn = item["CertificateArn"]
        listed = describe_or_none(acm.list_tags_for_certificate, "ResourceNotFoundException", module,
                                  f"Could not list the tags of {arn}", CertificateArn=arn)
        if listed is None:  # deleted meanwhile
            continue
        current = boto3_tag_list_to_ansible_dict(listed.get("Tags", []))
        if all(current.get(k) == str(v) for k, v in tags.items()):
            found.append(arn)
    return found


def describe(module, acm, arn):
    found = describe_or_none(acm.describe_certificate, "ResourceNotFoundException", module,
                             f"Could not describe certificate {arn}", CertificateArn=arn)
    return None if found is None else found["Certificate"]


def check_supplied(module, acm):
    """The user's certificate: exists here, ISSUED, covers domain_name. Never changed."""
    arn, domain, region = module.params["certificate_arn"], module.params["domain_name"], module.region
    arn_region = arn.split(":")[3] if arn.count(":") >= 5 else ""
    if arn_region != region:
        module.fail_json(msg=f"Certificate {arn} is in region '{arn_region}', but the load balancer is in "
                             f"{region}: an NLB can use only a certificate of its own region, so request or "
                             f"import one there.")
    detail = describe(module, acm, arn)
    if detail is None:
        module.fail_json(msg=f"Certificate {arn} does not exist in {region}: check app_tls_certificate_arn.")
    if detail.get("Status") != "ISSUED":
        status = detail.get("Status")
        module.fail_json(msg=f"Certificate {arn} is {status}, not ISSUED: an NLB listener needs an issued "
                             f"certificate; finish its validation or use another one.")
    names = [detail.get("DomainName", ""), *detail.get("SubjectAlternativeNames", [])]
    if domain and not covers(names, domain):
        module.fail_json(msg=f"Certificate {arn} covers {', '.join(sorted(set(names)))}, not {domain}: use a "
                             f"certificate for {domain} or set app_domain_name to a name it covers.")
    module.exit_json(changed=False, certificate=summary(detail), validation_records=[], deleted=[])


def present(module, acm):
    domain, tags = module.params["domain_name"], module.params["tags"]
    arns = find(module, acm, domain, tags, LIVE)
    details = [d for d in (describe(module, acm, a) for a in arns) if d]
    # An ISSUED one first, else the newest pending request.
    details.sort(key=lambda d: (d.get("Status") == "ISSUED", str(d.get("CreatedAt", ""))))
    changed = False
    if details:
        arn = details[-1]["CertificateArn"]
    elif module.check_mode:
        module.exit_json(changed=True, certificate={}, validation_records=[], deleted=[])
    else:
        # The same request within an hour returns the same certificate (ACM API Reference,
        # RequestCertificate IdempotencyToken: up to 32 word characters).
        token = hashlib.sha256(json.dumps([domain, tags], sort_keys=True).encode()).hexdigest()[:32]
        try:
            arn = acm.request_certificate(
                aws_retry=True, DomainName=domain, ValidationMethod="DNS", IdempotencyToken=token,
                Tags=ansible_dict_to_boto3_tag_list({k: str(v) for k, v in tags.items()}))["CertificateArn"]
        except AWS_ERRORS as e:
            module.fail_json_aws(e, msg=f"Could not request a certificate for {domain}")
        changed = True

    def records_named():
        detail = describe(module, acm, arn)
        if detail is None:
            module.fail_json(msg=f"Certificate {arn} vanished while it was being validated: rerun to request "
                                 f"another.")
        options = detail.get("DomainValidationOptions", [])
        named = bool(options) and all("ResourceRecord" in o for o in options)
        return detail.get("Status") == "ISSUED" or named, detail

    detail = wait_until(module, records_named, module.params["validation_record_timeout"], 5, lambda d: {
        "msg": f"ACM named no DNS validation record for {arn} within "
               f"{module.params['validation_record_timeout']} s: rerun to keep waiting.",
        "changed": changed})

    timeout = module.params["wait_timeout"]
    if timeout > 0 and detail.get("Status") != "ISSUED":
        def issued():
            current = describe(module, acm, arn) or {"Status": "deleted", "CertificateArn": arn}
            status = current.get("Status")
            if status not in LIVE:
                reason = next((o.get("ValidationStatus") for o in current.get("DomainValidationOptions", [])
                               if o.get("ValidationStatus") not in (None, "SUCCESS")), status)
                module.fail_json(msg=f"Certificate {arn} for {domain} is {status} ({reason}): check that the "
                                     f"validation CNAME is in the domain's public zone, then delete the "
                                     f"certificate (teardown) and deploy again.", changed=changed)
            return status == "ISSUED", current

        def still_pending(d):
            cname = " ".join(r["name"] for r in validation_records(d))
            return {"msg": f"Certificate {arn} for {domain} is still {d.get('Status')} after {timeout} s: "
                           f"check that the validation CNAME {cname} resolves publicly (the zone must be the "
                           f"domain's delegated public zone), then rerun.",
                    "changed": changed}

        detail = wait_until(module, issued, timeout, module.params["delay"], still_pending)
    module.exit_json(changed=changed, certificate=summary(detail),
                     validation_records=validation_records(detail), deleted=[])


def absent(module, acm):
    domain, tags = module.params["domain_name"], module.params["tags"]
    deleted = []
    for arn in find(module, acm, domain, tags, ALL):
        detail = describe(module, acm, arn)
        if detail is None:
            continue
        if detail.get("InUseBy"):
            module.fail_json(msg=f"Certificate {arn} is still in use by {', '.join(detail['InUseBy'])}: "
                                 f"delete the Service's load balancer first (teardown's k8s and lb_leftovers "
                                 f"steps).",
                             changed=bool(deleted), deleted=deleted)
        if not module.check_mode:
            try:
                acm.delete_certificate(aws_retry=True, CertificateArn=arn)
            except AWS_ERRORS as e:
                module.fail_json_aws(e, msg=f"Could not delete certificate {arn}")
        deleted.append({**summary(detail), "validation_records": validation_records(detail)})
    module.exit_json(changed=bool(deleted), certificate={}, validation_records=[], deleted=deleted)


def main():
    module = AnsibleAWSModule(
        argument_spec={
            "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
            "domain_name": {"type": "str"},
            "certificate_arn": {"type": "str"},
            "tags": {"type": "dict", "default": {}},
            "wait_timeout": {"type": "int", "default": 0},
            "validation_record_timeout": {"type": "int", "default": 120},
            "delay": {"type": "int", "default": 15},
        },
        required_one_of=[["domain_name", "certificate_arn"]],
        supports_check_mode=True,
    )
    acm = client(module, "acm")
    if module.params["certificate_arn"]:
        if module.params["state"] == "absent":
            module.fail_json(msg="A certificate given by certificate_arn is the user's: it is never deleted.")
        check_supplied(module, acm)
    if not module.params["domain_name"]:
        module.fail_json(msg="domain_name is required to request or delete a certificate.")
    if module.params["state"] == "absent":
        absent(module, acm)
    present(module, acm)


if __name__ == "__main__":
    main()
