"""prodstack.runtime.moto_patches.iam_account_lookup"""

from __future__ import annotations

import pytest

from tests.emulator.conftest import Client, client_factory, still_needed

pytestmark = pytest.mark.emulator


def partitions_after_a_request(client: Client) -> list[str]:
    """The IAM partitions the default account has after one EC2 request."""
    from moto.iam.models import iam_backends

    ec2 = client("ec2")
    ec2.describe_vpcs()  # the first finds no account yet; the second looks in every partition
    ec2.describe_vpcs()
    return sorted(iam_backends["123456789012"].keys())


def test_a_request_builds_only_the_partition_it_uses(monkeypatch: pytest.MonkeyPatch):
    """The patch applied in-process (undone after the test): one IAM backend, not six (each
    parses about a thousand managed policies; bench figures, not a timed test)."""
    import moto
    import moto.iam.models as iam_models

    from prodstack.runtime.moto_patches import iam_account_lookup

    monkeypatch.setattr(iam_models, "get_account_id_from", iam_models.get_account_id_from)
    iam_account_lookup.apply()
    with moto.mock_aws():
        assert partitions_after_a_request(client_factory(None)) == ["aws"]


def test_still_needed(unpatched: Client):
    still_needed(len(partitions_after_a_request(unpatched)) > 1, "iam_account_lookup",
                 "an IAM backend created for every partition on each request")
