"""moto on 127.0.0.1 with IAM enforced, an operator set up as an AWS admin would, and every call recorded.

    .venv/bin/python local/moto/server.py --port 4566 --state-dir .local/aws --call-log .local/aws/calls.jsonl

Before it serves, the launcher does what an AWS administrator does once for a real account:
- every docs/bootstrap/*.json becomes a customer managed policy named after the file (ACCOUNT_ID replaced);
- IAM user `banknote-operator` gets every docs/operator*.json as a managed policy of the same name, with
  ACCOUNT_ID replaced and every Resource widened to "*" (moto checks each request against Resource "*"
  only, so a statement scoped to ARNs would never match; the scoping is checked from the call log);
- IAM user `moto-admin` gets AdministratorAccess, for the tests' own setup and checks.
Then it serves with every request checked against the caller's policies (moto's
INITIAL_NO_AUTH_ACTION_COUNT mechanism, at 0), and only then writes the profiles `banknote-operator` and
`moto-admin` to STATE_DIR/credentials (mode 0600) and a config without a region to STATE_DIR/config:
a caller waits for those files. SIGTERM or SIGINT stops it.

Where this differs from moto's own server: signatures are not checked (moto 5.2.5 rejects correctly
signed EKS REST calls with SignatureDoesNotMatch), but the access key still selects the IAM user whose
policies are enforced, and an unknown key is refused. /moto-api/ (reset, reset-auth ...) is refused:
nothing may switch enforcement off or wipe the state behind a run's back.

Every request is one JSON line in the call log (format in local/moto/README.md).
"""

import argparse
import json
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

# Read by moto at import and at backend creation: the AWS managed policies (AmazonEKSClusterPolicy ...)
# exist only when loaded at start.
os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"

from moto import settings
from moto.core import DEFAULT_ACCOUNT_ID
from moto.core.authorization import ActionAuthenticatorMixin
from moto.core.exceptions import AccessDeniedError, JsonRESTError
from moto.core.utils import utcnow
from moto.ec2.models.amis import Ami, AmiBackend
from moto.ec2.models.instances import Instance
from moto.iam.access_control import IAMRequestBase
from moto.iam.models import iam_backends
from moto.server import ThreadedMotoServer
from moto.ssm.models import Parameter, ParameterDict

REPO_ROOT = Path(__file__).resolve().parents[2]
OPERATOR = "banknote-operator"
ADMIN = "moto-admin"
ADMIN_POLICY = "arn:aws:iam::aws:policy/AdministratorAccess"
FORM = "application/x-www-form-urlencoded"
# Public AWS data the flow reads that moto 5.2.5 lacks: the Debian cloud team's Debian 12 AMI (owner
# 136693071363) and AWS's public SSM parameter naming it (roles/build_host). One made-up image ID, the
# same in every region; present in every region, as on AWS.
DEBIAN_12_PARAMETER = "/aws/service/debian/release/12/latest/amd64"
DEBIAN_12_AMI = {"ami_id": "ami-0deb12000000a0d64", "name": "debian-12-amd64-moto",
                 "owner_id": "136693071363", "public": True, "architecture": "x86_64",
                 "virtualization_type": "hvm", "root_device_type": "ebs", "root_device_name": "/dev/xvda",
                 "hypervisor": "xen",
                 "description": "Debian 12 (bookworm), standing in for the Debian cloud team's image"}


def widened(document: dict) -> dict:
    """The policy as moto can enforce it: every Allow's Resource "*" (moto matches nothing else);
    Actions and Conditions unchanged.

    A Deny stays only where moto applies it exactly as AWS does: no Condition (moto passes a condition
    it lacks context for, so it would deny unconditionally) and Resource "*" (widened, a Deny scoped to
    ARNs would deny far more than on AWS). The scoped policies, Denies included, are checked from the
    call log instead."""
    statements = document["Statement"]
    statements = statements if isinstance(statements, list) else [statements]
    kept = []
    for statement in statements:
        if statement["Effect"] == "Deny":
            if "Condition" not in statement and statement.get("Resource") == "*":
                kept.append(statement)
        else:
            kept.append({**statement, "Resource": "*"} if "Resource" in statement else statement)
    return {**document, "Statement": kept}


def policy_text(path: Path, account_id: str) -> str:
    return path.read_text().replace("ACCOUNT_ID", account_id)


def default_document(policy: Any) -> str:
    return next(version.document for version in policy.versions if version.is_default)


class PolicyFiles:
    """The managed policies an admin made from the repository's files, kept equal to those files.

    docs/bootstrap/*.json: created as written. docs/operator*.json: widened, attached to banknote-operator.
    sync() runs before every request: a changed file becomes its policy's new default version, a new
    file a new policy, a removed operator file is detached; so a long-lived moto (the shared one keeps a
    deploy's state) enforces the policies of the working tree, as an admin re-applying them would."""

    def __init__(self, repo_root: Path):
        self.docs = repo_root / "docs"
        self.seen: dict[Path, int] = {}
        self.lock = threading.Lock()

    def files(self) -> dict[Path, int]:
        paths = [*self.docs.glob("bootstrap/*.json"), *self.docs.glob("operator*.json")]
        return {path: path.stat().st_mtime_ns for path in sorted(paths)}

    def sync(self) -> None:
        current = self.files()
        if current == self.seen:
            return
        with self.lock:
            if current == self.seen:
                return
            try:
                self._apply(current)
            except Exception as error:  # a file half-written by an editor: keep the last good version
                print(f"policies not updated from {self.docs}: {error}", file=sys.stderr, flush=True)
                return
            self.seen = current

    def _apply(self, current: dict[Path, int]) -> None:
        iam = iam_backends[DEFAULT_ACCOUNT_ID]["aws"]
        for path in current:
            operator = path.parent == self.docs
            text = policy_text(path, DEFAULT_ACCOUNT_ID)
            document = json.dumps(widened(json.loads(text))) if operator else text
            arn = f"arn:aws:iam::{DEFAULT_ACCOUNT_ID}:policy/{path.stem}"
            policy = iam.managed_policies.get(arn)
            if policy is None:
                what = "resources widened to * for moto" if operator else "as an admin creates it"
                policy = iam.create_policy(description=f"{path.name}, {what}", path="/",
                                           policy_document=document, policy_name=path.stem, tags=[])
            elif json.loads(default_document(policy)) != json.loads(document):
                for version in [v for v in policy.versions if not v.is_default]:
                    iam.delete_policy_version(arn, version.version_id)
                iam.create_policy_version(arn, document, set_as_default=True)
            if operator and arn not in iam.get_user(OPERATOR).managed_policies:
                iam.attach_user_policy(arn, OPERATOR)
        for path in set(self.seen) - set(current):
            arn = f"arn:aws:iam::{DEFAULT_ACCOUNT_ID}:policy/{path.stem}"
            if path.parent == self.docs and arn in iam.get_user(OPERATOR).managed_policies:
                iam.detach_user_policy(arn, OPERATOR)


def bootstrap(policy_files: PolicyFiles) -> dict[str, tuple[str, str]]:
    """Users, policies and access keys, straight in moto's IAM backend; returns {profile: (key, secret)}."""
    if not list(policy_files.docs.glob("operator*.json")):
        sys.exit(f"no docs/operator*.json under {policy_files.docs}: pass --repo-root")
    iam = iam_backends[DEFAULT_ACCOUNT_ID]["aws"]
    iam.create_user(region_name="us-east-1", user_name=OPERATOR)
    policy_files.sync()
    if not policy_files.seen:
        sys.exit(f"the policies under {policy_files.docs} could not be created (see above)")
    iam.create_user(region_name="us-east-1", user_name=ADMIN)
    iam.attach_user_policy(ADMIN_POLICY, ADMIN)
    keys = {}
    for user in (OPERATOR, ADMIN):
        key = iam.create_access_key(user)
        keys[user] = (key.access_key_id, key.secret_access_key)
    return keys


def add_public_debian_image() -> None:
    """DEBIAN_12_AMI in every region's EC2 images, DEBIAN_12_PARAMETER in every region's SSM parameters
    (loaded as lazily as moto loads its own Amazon Linux ones)."""
    load_amis = AmiBackend._load_amis
    check_loading = ParameterDict._check_loading_status

    def load_amis_and_debian(self: Any) -> None:
        load_amis(self)
        self.amis[DEBIAN_12_AMI["ami_id"]] = Ami(self, **DEBIAN_12_AMI)

    def check_loading_and_debian(self: Any, key: str) -> None:
        check_loading(self, key)
        wanted = str(key or "").startswith("/aws/service/debian")
        if wanted and not dict.__contains__(self, DEBIAN_12_PARAMETER):
            dict.__setitem__(self, DEBIAN_12_PARAMETER, [Parameter(
                account_id=self.account_id, name=DEBIAN_12_PARAMETER, value=DEBIAN_12_AMI["ami_id"],
                parameter_type="String", description=None, allowed_pattern=None, keyid=None,
                last_modified_date=utcnow(), version=1, data_type="aws:ec2:image")])

    AmiBackend._load_amis = load_amis_and_debian
    ParameterDict._check_loading_status = check_loading_and_debian


def instance_groups_from_its_interface() -> None:
    """An instance launched with its security groups on the network interface (as ec2_instance sends
    them) has those groups, as on AWS. moto 5.2.5 leaves the instance's groupSet empty, so ec2_instance's
    diff_instance_and_params() called ModifyInstanceAttribute on every launch, which AWS never sees."""
    prep_nics = Instance.prep_nics

    def prep_nics_and_groups(self: Any, *args: Any, **kwargs: Any) -> None:
        prep_nics(self, *args, **kwargs)
        primary = self.nics.get(0)
        if not self.security_groups and primary is not None:
            self.security_groups = list(primary._group_set)

    Instance.prep_nics = prep_nics_and_groups


def user_of(access_key_id: str | None) -> str | None:
    iam = iam_backends[DEFAULT_ACCOUNT_ID]["aws"]
    for user in list(iam.users.values()):
        if any(key.access_key_id == access_key_id for key in user.access_keys):
            return user.name
    return None


class CallLog:
    """One JSON object a line; requests arrive on several threads."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file = path.open("w", buffering=1)  # this server's calls only
        self._lock = threading.Lock()
        self.current = threading.local()

    def write(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self._file.write(json.dumps(entry) + "\n")
        self.current.recorded = True


def credential_scope(authorization: str) -> list[str]:
    """[key id, date, region, service, aws4_request] from a SigV4 Authorization header, or []."""
    scope = authorization.partition("Credential=")[2].partition(",")[0]
    return scope.split("/") if scope.count("/") == 4 else []


def log_entry(authorization: str, action: str | None, *, region: str | None, method: str | None,
              path: str, querystring: dict, body: str) -> dict:
    """One call-log line (local/moto/README.md) but "allowed"; the signing scope names the caller."""
    scope = credential_scope(authorization)
    return {
        "time": time.time(),
        "service": scope[3] if scope else None,
        "action": action,
        "region": scope[2] if scope else region,
        "access_key_id": scope[0] if scope else None,
        "user": user_of(scope[0]) if scope else None,
        "method": method,
        "path": path,
        "querystring": querystring,
        "body": body,
    }


def install_hooks(call_log: CallLog, policy_files: PolicyFiles) -> None:
    # The access key still has to be a moto IAM user's (create_access_key in IAMRequestBase.__init__),
    # whose policies check_action_permitted enforces; only the signature comparison goes.
    IAMRequestBase.check_signature = lambda self: None
    authorize = ActionAuthenticatorMixin._authenticate_and_authorize_action

    def recorded(self: Any, iam_request_cls: type, resource: str = "*") -> None:
        form = self.headers.get("Content-Type", "").startswith(FORM)
        entry = log_entry(
            self.headers.get("Authorization", ""), self._get_action(),
            region=self.region, method=self.method, path=self.path,
            # Form-encoded (query protocol): moto's parsed parameters. Otherwise the URL's query only
            # (moto falls back to the request headers there, which do not belong in a log).
            querystring=dict(self.querystring) if form else parse_qs(self.parsed_url.query),
            body="" if form else (self.body if isinstance(self.body, str) else ""),
        )
        policy_files.sync()
        try:
            authorize(self, iam_request_cls, resource)
        except AccessDeniedError as denied:
            call_log.write({**entry, "allowed": False})
            if form:
                raise
            # moto answers XML, which JSON and REST-JSON clients (EKS, ECR, SSM) cannot parse (they
            # report a bare "403"); AWS answers them AccessDeniedException as JSON.
            error = JsonRESTError("AccessDeniedException", denied.message)
            error.code = 403
            raise error from denied
        except Exception:
            call_log.write({**entry, "allowed": False})
            raise
        call_log.write({**entry, "allowed": True})

    ActionAuthenticatorMixin._authenticate_and_authorize_action = recorded


def guarded(app: Any, call_log: CallLog) -> Any:
    """WSGI wrapper: refuses /moto-api/, and records a request that never reached the IAM check."""

    def application(environ: dict, start_response: Any) -> Any:
        path = environ.get("PATH_INFO", "")
        call_log.current.recorded = False
        if path.startswith("/moto-api"):
            start_response("403 Forbidden", [("Content-Type", "text/plain")])
            return [b"moto-api is disabled: IAM is enforced on this server\n"]
        result = list(app(environ, start_response))
        if not call_log.current.recorded:
            query = parse_qs(environ.get("QUERY_STRING", ""))
            target = environ.get("HTTP_X_AMZ_TARGET", "").rpartition(".")[2]
            action = (query.get("Action") or [target])[0] or None
            entry = log_entry(environ.get("HTTP_AUTHORIZATION", ""), action, region=None,
                              method=environ.get("REQUEST_METHOD"), path=path, querystring=query, body="")
            # Not checked by moto's IAM enforcement: reported as not allowed so that it shows.
            call_log.write({**entry, "allowed": False})
        return result

    return application


def write_profiles(state_dir: Path, keys: dict[str, tuple[str, str]]) -> None:
    credentials = "".join(f"[{profile}]\naws_access_key_id = {key}\naws_secret_access_key = {secret}\n\n"
                          for profile, (key, secret) in keys.items())
    # No region on purpose: the playbooks pass region: from the inventory, as on AWS.
    config = "# moto's profiles. No region: every task passes region: from the inventory.\n" + "".join(
        f"[profile {profile}]\n\n" for profile in keys)
    for name, text in (("config", config), ("credentials", credentials)):
        temporary = state_dir / f".{name}.tmp"
        temporary.write_text(text)
        temporary.chmod(0o600)
        temporary.replace(state_dir / name)  # credentials last: its presence means ready


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--state-dir", type=Path, required=True,
                        help="where the credentials and config files are written once serving")
    parser.add_argument("--call-log", type=Path, required=True, help="JSON lines, one per request")
    parser.add_argument("--repo-root", type=Path, default=REPO_ROOT, help="where docs/ is read")
    args = parser.parse_args()

    args.state_dir.mkdir(parents=True, exist_ok=True)
    for name in ("credentials", "config"):
        (args.state_dir / name).unlink(missing_ok=True)  # a caller must not read the last run's keys
    add_public_debian_image()
    instance_groups_from_its_interface()
    policy_files = PolicyFiles(args.repo_root)
    keys = bootstrap(policy_files)
    call_log = CallLog(args.call_log)
    install_hooks(call_log, policy_files)
    # From the first request on, every request is checked against its caller's IAM policies.
    settings.INITIAL_NO_AUTH_ACTION_COUNT = 0
    ActionAuthenticatorMixin.request_count = 0

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=args.port, verbose=False)
    server.start()
    # The WSGI app is moto's DomainDispatcherApplication; wrapped before any client has credentials.
    assert server._server is not None
    server._server.app = guarded(server._server.app, call_log)
    write_profiles(args.state_dir, keys)
    print(f"moto serving on http://127.0.0.1:{args.port} with IAM enforced; profiles in {args.state_dir}",
          flush=True)

    stopped = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopped.set())
    stopped.wait()
    server.stop()


if __name__ == "__main__":
    main()
