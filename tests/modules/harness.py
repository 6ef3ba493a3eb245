"""Run an Ansible AWS module's main() in-process against botocore Stubbers (see README.md here).

Every boto3 client the module asks for (AnsibleAWSModule.client -> amazon.aws's boto3_conn) is a real
botocore client of the named service with a Stubber activated on it, so:
- each call's parameters are validated against the service model (botocore's ParamValidation), and
  compared with the expected parameters given with the stub;
- each stubbed response is validated against the operation's output shape (Stubber.add_response);
- a call that was not stubbed, or comes out of order, fails the test.
The retry wrapper AnsibleAWSModule puts around the client (retry_decorator=...) stays in place, so a
stubbed throttling error exercises the module's real retry path. time.sleep is a no-op while the
module runs (retries, waiters), and each sleep is recorded.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import time
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

import botocore.session
from ansible.module_utils.testing import patch_module_args
from botocore.stub import ANY, Stubber  # noqa: F401  (ANY re-exported for tests' expected params)
from botocore.validate import validate_parameters

# The one place every AnsibleAWSModule (and community.aws's subclass) creates its clients:
# amazon.aws module_utils/modules.py, AnsibleAWSModule.client() calls this name.
BOTO3_CONN = "ansible_collections.amazon.aws.plugins.module_utils.modules.boto3_conn"


@dataclass(frozen=True)
class AwsError:
    """A stubbed error response (botocore ClientError), e.g. aws_error("ThrottlingException")."""

    code: str
    message: str = ""
    http_status: int = 400


def aws_error(code: str, message: str = "", http_status: int = 400) -> AwsError:
    return AwsError(code, message or code, http_status)


class StubFailure(AssertionError):
    pass


class _RecordingStubber(Stubber):
    """A Stubber that also records its assertion failures: the module under test may catch them
    (they are BotoCoreErrors) and turn them into fail_json, which must still fail the test."""

    def __init__(self, client, errors: list[str]):
        super().__init__(client)
        self._errors = errors

    def _assert_expected_call_order(self, model, params):
        try:
            super()._assert_expected_call_order(model, params)
        except Exception as e:
            self._errors.append(f"{self.client.meta.service_model.service_name}: {e}")
            raise

    def _assert_expected_params(self, model, params, context, **kwargs):
        try:
            super()._assert_expected_params(model, params, context, **kwargs)
        except Exception as e:
            self._errors.append(f"{self.client.meta.service_model.service_name}: {e}")
            raise


@dataclass
class ModuleRun:
    """What one run left behind, besides its result: the calls made and the sleeps skipped."""

    calls: list[tuple[str, str, dict]] = field(default_factory=list)
    sleeps: list[float] = field(default_factory=list)


def _validator(service: str, errors: list[str], record: ModuleRun):
    """Records each call (service, operation, API parameters), and each call whose parameters the
    service model refuses (botocore raises ParamValidationError next, which the module may catch)."""

    def validate(model, params, **_):
        record.calls.append((service, model.name, dict(params)))
        try:
            validate_parameters(params, model.input_shape)
        except Exception as e:
            errors.append(f"{service}.{model.name}: {e}")

    return validate


def _load(module_name: str):
    """A module given as its FQCN: the project's (banknote.deploy.NAME, imported from collections/, which
    pyproject.toml puts on sys.path) or another collection's (community.aws.NAME, from the venv)."""
    namespace, collection, name = module_name.split(".")
    return importlib.import_module(f"ansible_collections.{namespace}.{collection}.plugins.modules.{name}")


def run_module(
    module_name: str,
    args: dict[str, Any],
    stubs: dict[str, list[tuple]],
    *,
    check_mode: bool = False,
    record: ModuleRun | None = None,
) -> dict[str, Any]:
    """Runs the module's main() with `args`; each AWS service's client answers `stubs[service]` in order.

    stubs: {"eks": [(method, response_or_AwsError, expected_params), ...], ...}; expected_params may be
    left out (or None) only where it cannot be known. Returns the module's JSON result (with
    "failed": True when it called fail_json). Fails the test when a call was not stubbed, came out of
    order or had other parameters than expected, or when a stubbed response was never used.
    """
    record = record if record is not None else ModuleRun()
    errors: list[str] = []
    session = botocore.session.Session()
    region = args.get("region") or "us-east-1"
    clients: dict[str, Any] = {}
    stubbers: dict[str, Stubber] = {}
    for service, responses in stubs.items():
        client = session.create_client(
            service, region_name=region, aws_access_key_id="AKIDSTUB", aws_secret_access_key="stub"
        )
        stubber = _RecordingStubber(client, errors)
        for stub in responses:
            method, response, expected = (*stub, None)[:3]
            if isinstance(response, AwsError):
                stubber.add_client_error(
                    method, response.code, response.message, response.http_status, expected_params=expected
                )
            else:
                stubber.add_response(method, response, expected)
        client.meta.events.register("before-parameter-build.*.*", _validator(service, errors, record))
        stubber.activate()
        clients[service] = client
        stubbers[service] = stubber

    def boto3_conn(_module, conn_type=None, resource=None, **_params):
        if conn_type != "client":
            raise StubFailure(f"the module asked for a boto3 {conn_type} of {resource}; stubs are clients")
        if resource not in clients:
            errors.append(f"the module created a {resource} client, but no {resource} calls are stubbed")
            raise StubFailure(errors[-1])
        return clients[resource]

    module_args = dict(args, _ansible_check_mode=check_mode)
    out = io.StringIO()
    module = _load(module_name)
    code = None
    with (
        patch_module_args(module_args),
        mock.patch(BOTO3_CONN, boto3_conn),
        mock.patch.object(time, "sleep", record.sleeps.append),
        contextlib.redirect_stdout(out),
    ):
        try:
            module.main()
        except SystemExit as e:
            code = e.code
    for stubber in stubbers.values():
        stubber.deactivate()
    text = out.getvalue()
    if code is None:
        raise StubFailure(f"{module_name} returned without exit_json/fail_json; output: {text}")
    # AnsibleModule prints exactly one JSON document.
    result = json.loads(text[text.index("{"):])
    if errors:
        unexpected = "; ".join(dict.fromkeys(errors))
        raise StubFailure(f"unexpected AWS calls: {unexpected}\nmodule result: {result}")
    pending = {s: list(st._queue) for s, st in stubbers.items() if st._queue}
    if pending:
        unused = {s: [q["operation_name"] for q in queue] for s, queue in pending.items()}
        raise StubFailure(f"stubbed calls never made: {unused}\nmodule result: {result}")
    return result
