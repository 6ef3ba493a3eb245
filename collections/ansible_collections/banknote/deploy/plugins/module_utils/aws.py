"""What the collection's AWS modules share: clients with retries, describe-or-absent, bounded waiting, tags.

Each piece is a thin layer over amazon.aws's own module_utils (cited per function), so the modules behave
as amazon.aws's and community.aws's do.
"""

from __future__ import annotations

import time

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import (
    boto3_tag_list_to_ansible_dict,
    compare_aws_tags,
)


class BotocoreMissing(Exception):
    """Stands in for botocore's errors when botocore is missing, so the modules still import;
    AnsibleAWSModule then fails first, saying what to install."""


try:
    from botocore.exceptions import BotoCoreError, ClientError

    # The errors a boto3 call raises: the service's answer, or botocore's own (connection, parameters).
    AWS_ERRORS = (ClientError, BotoCoreError)
except ImportError:
    AWS_ERRORS = (BotocoreMissing,)

# Throttling is retried as amazon.aws's modules do: AWSRetry.jittered_backoff (amazon.aws
# module_utils/retries.py; cloud.py CloudRetry.jittered_backoff: 10 retries, 3 s doubling to 60 s, full
# jitter), applied by RetryingBotoClientWrapper to the calls made with aws_retry=True. AWSRetry.found
# retries RequestLimitExceeded, Throttling (IAM, CloudFormation, EC2) and TooManyRequestsException (Service
# Quotas) as they are; the AWS JSON APIs (EKS, ECR, SSM) answer ThrottlingException, which it does not
# list but botocore's retry table treats as throttling (botocore/data/_retry.json), so it is added, as
# community.aws efs_info.py does.
RETRY = AWSRetry.jittered_backoff(catch_extra_error_codes=["ThrottlingException"])


def client(module, service):
    """A boto3 client of `service` whose aws_retry=True calls retry throttling (RETRY)."""
    return module.client(service, retry_decorator=RETRY)


def describe_or_none(call, not_found, module=None, msg=None, **params):
    """call(aws_retry=True, **params), or None when AWS answers the error code(s) `not_found`.

    With `module` and `msg`, any other AWS error fails the module with `msg`; without, it propagates to
    the caller's own handler.
    """
    try:
        return call(aws_retry=True, **params)
    except is_boto3_error_code(not_found):
        return None
    except AWS_ERRORS as e:  # pylint: disable=duplicate-except
        if module is None:
            raise
        module.fail_json_aws(e, msg=msg)


def wait_until(module, poll, timeout, delay, on_timeout=None):
    """Calls poll() every `delay` seconds until it returns (True, value), and returns value.

    poll() returns (done, value) and fails the module itself on a final bad state. After `timeout`
    seconds, fails the module with the fail_json arguments on_timeout(value) gives for the last value
    seen, or, without on_timeout, returns that value for the caller to judge.
    """
    deadline = time.monotonic() + timeout
    while True:
        done, value = poll()
        if done:
            return value
        if time.monotonic() > deadline:
            if on_timeout is None:
                return value
            module.fail_json(**on_timeout(value))
        time.sleep(delay)


def tag_changes(current, wanted, purge_tags=True):
    """(tags to set as {key: value}, keys to remove) to go from `current` to `wanted`.

    current is a boto3 tag list ([{"Key": k, "Value": v}]) or a dict; wanted a dict whose values are made
    strings (as AWS stores them). amazon.aws tagging.py compare_aws_tags: purge_tags removes every other
    tag except AWS's reserved aws:* ones, as amazon.aws and community.aws modules do by default.
    """
    if isinstance(current, list):
        current = boto3_tag_list_to_ansible_dict(current)
    wanted = {key: str(value) for key, value in wanted.items()}
    to_set, to_remove = compare_aws_tags(current, wanted, purge_tags=purge_tags)
    return to_set, sorted(to_remove)
