"""Runs parliament and cloudsplaining over policies (tests/iam/test_analysers.py runs it with .venv-iam).

stdin: {"name": policy document, ...}; stdout: a sorted JSON list of findings, one string per tool, policy
and issue (details joined), so docs/aws.md can justify each in one line.

- parliament checks identity policies only (a statement without Resource is MALFORMED): the test gives a
  trust policy's statements the role's ARN as Resource; their Principal is kept, so parliament's
  federation and condition checks still run.
- cloudsplaining flags statements scoped to ARNs too (flag_resource_arn_statements: a pattern such as
  role/banknote-* does not stop an escalation), and skips statements with a Condition, as its
  flag_conditional_statements=False promises; its privilege-escalation path does not honour that flag
  (cloudsplaining/scan/statement_detail.py, missing_resource_constraints() ignores has_condition), so
  those statements are removed before the scan. The conditions are what tests/support/iam_policy.py checks.
"""

import json
import sys
from collections import defaultdict

from cloudsplaining.command.scan_policy_file import scan_policy
from parliament import analyze_policy_string, enhance_finding


def _enhanced(finding):
    """Severity from parliament's config; its community auditors' issues are not in that config."""
    try:
        return enhance_finding(finding)
    except Exception:  # parliament raises a bare Exception for an unknown issue
        finding.severity = finding.severity or "COMMUNITY"
        return finding


def _details(detail) -> list[str]:
    if isinstance(detail, list):  # e.g. RESOURCE_MISMATCH: one entry per action and ARN format
        return [d.get("action", "") if isinstance(d, dict) else str(d) for d in detail]
    if isinstance(detail, str):
        return [detail] if detail else []
    return [json.dumps(detail, sort_keys=True)]


def parliament_findings(name: str, policy: dict) -> dict[str, set[str]]:
    analysed = analyze_policy_string(json.dumps(policy), include_community_auditors=True)
    out: dict[str, set[str]] = defaultdict(set)
    for finding in map(_enhanced, analysed.findings):
        out[f"parliament {name} {finding.severity} {finding.issue}"].update(_details(finding.detail))
    return out


def cloudsplaining_findings(name: str, policy: dict) -> dict[str, set[str]]:
    if any("Principal" in s for s in policy["Statement"]):
        return {}  # a trust policy grants no actions: nothing for cloudsplaining to score
    unconditional = [s for s in policy["Statement"] if "Condition" not in s]
    if not unconditional:
        return {}
    result = scan_policy(
        {**policy, "Statement": unconditional}, exclusions_config={}, flag_resource_arn_statements=True
    )
    out: dict[str, set[str]] = defaultdict(set)
    for category in ("PrivilegeEscalation", "ResourceExposure", "DataExfiltration", "CredentialsExposure"):
        for item in (result.get(category) or {}).get("findings", []):
            label = f"{item['type']}({'+'.join(item['actions'])})" if isinstance(item, dict) else item
            out[f"cloudsplaining {name} {category}"].add(label)
    return out


def main() -> None:
    policies = json.load(sys.stdin)
    findings = []
    for name, policy in sorted(policies.items()):
        for key, details in {
            **parliament_findings(name, policy),
            **cloudsplaining_findings(name, policy),
        }.items():
            findings.append(f"{key}: {', '.join(sorted(details))}" if details else key)
    json.dump(sorted(findings), sys.stdout, indent=1)


if __name__ == "__main__":
    main()
