"""The harness itself: a stubbed run returns the module's result, and every kind of mismatch between
the module's calls and the stubs fails the test even when the module catches the botocore error."""

import botocore.exceptions
import botocore.session
import pytest
from botocore.stub import Stubber

from tests.modules.harness import ModuleRun, StubFailure, _validator, aws_error

EKS_CLUSTER_INFO = "banknote.deploy.eks_cluster_info"

ISSUER = "https://oidc.eks.us-east-1.amazonaws.com/id/ABC"
CLUSTER = {"cluster": {"name": "banknote", "status": "ACTIVE", "identity": {"oidc": {"issuer": ISSUER}}}}
ARGS = {"name": "banknote"}


def test_result_of_a_stubbed_run(run_module):
    result = run_module(EKS_CLUSTER_INFO, ARGS, {"eks": [("describe_cluster", CLUSTER, ARGS)]})
    assert result["exists"] is True
    assert result["oidc_issuer"] == "https://oidc.eks.us-east-1.amazonaws.com/id/ABC"
    assert run_module.last.calls == [("eks", "DescribeCluster", {"name": "banknote"})]


def test_stubbed_error_reaches_the_module(run_module):
    result = run_module(
        EKS_CLUSTER_INFO,
        {"name": "banknote"},
        {"eks": [("describe_cluster", aws_error("ResourceNotFoundException"), {"name": "banknote"})]},
    )
    assert (result["changed"], result["exists"], result["cluster"]) == (False, False, {})


def test_other_parameters_than_expected_fail(run_module):
    with pytest.raises(StubFailure, match="Expected parameters"):
        run_module(EKS_CLUSTER_INFO, ARGS, {"eks": [("describe_cluster", CLUSTER, {"name": "other"})]})


def test_unstubbed_call_fails(run_module):
    with pytest.raises(StubFailure, match="Unexpected API Call"):
        run_module(EKS_CLUSTER_INFO, ARGS, {"eks": []})


def test_unused_stub_fails(run_module):
    stubs = {"eks": [("describe_cluster", CLUSTER, ARGS), ("list_clusters", {"clusters": []}, {})]}
    with pytest.raises(StubFailure, match="never made"):
        run_module(EKS_CLUSTER_INFO, ARGS, stubs)


def test_response_outside_the_output_shape_is_refused(run_module):
    with pytest.raises(botocore.exceptions.ParamValidationError, match="Unknown parameter"):
        run_module(EKS_CLUSTER_INFO, ARGS, {"eks": [("describe_cluster", {"clusterz": {}}, None)]})


def test_parameters_outside_the_input_shape_are_recorded():
    # What run_module registers on each client: the module may catch botocore's ParamValidationError,
    # the recorded error still fails the run.
    client = botocore.session.Session().create_client(
        "eks", region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b"
    )
    errors, record = [], ModuleRun()
    client.meta.events.register("before-parameter-build.*.*", _validator("eks", errors, record))
    stubber = Stubber(client)
    stubber.add_response("describe_cluster", CLUSTER)
    with stubber, pytest.raises(botocore.exceptions.ParamValidationError):
        client.describe_cluster(name=3)
    assert record.calls == [("eks", "DescribeCluster", {"name": 3})]
    assert "Invalid type for parameter name" in errors[0]
