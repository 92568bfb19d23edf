"""prodstack.runtime.moto_patches.iam_account_lookup"""

from __future__ import annotations

import time

import pytest

from tests.emulator.conftest import Client, still_needed

pytestmark = pytest.mark.emulator


def partitions_after_a_request(client: Client) -> list[str]:
    """The IAM partitions the default account has after one EC2 request."""
    from moto.iam.models import iam_backends

    ec2 = client("ec2")
    ec2.describe_vpcs()  # the first finds no account yet; the second looks in every partition
    ec2.describe_vpcs()
    return sorted(iam_backends["123456789012"].keys())


def test_a_request_after_a_reset_is_fast(aws: Client, emulator_url: str):
    from prodstack.runtime import emulator

    ec2 = aws("ec2")
    ec2.describe_vpcs()
    emulator.reset(emulator_url)
    started = time.monotonic()
    ec2.describe_vpcs()
    ec2.describe_vpcs()
    # Unpatched, the requests after a reset build six IAM backends (about 1.5 s); one is 0.3 s.
    assert time.monotonic() - started < 0.9


def test_still_needed(unpatched: Client):
    still_needed(len(partitions_after_a_request(unpatched)) > 1, "iam_account_lookup",
                 "an IAM backend created for every partition on each request")
