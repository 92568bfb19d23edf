"""prodstack.runtime.moto_patches.cloudwatch_dashboards_global"""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.emulator.conftest import Client, still_needed

pytestmark = pytest.mark.emulator


def cloudwatch(endpoint: str | None, region: str) -> Any:
    return boto3.client("cloudwatch", region_name=region, endpoint_url=endpoint,
                        aws_access_key_id="test", aws_secret_access_key="test")


def body(title: str) -> str:
    return json.dumps({"widgets": [{"type": "text", "x": 0, "y": 0, "width": 6, "height": 2,
                                    "properties": {"markdown": title}}]})


def seen_elsewhere(endpoint: str | None, name: str) -> str | None:
    """Put a dashboard in one Region; its body as another Region reads it (None: missing)."""
    cloudwatch(endpoint, "us-west-1").put_dashboard(DashboardName=name,
                                                   DashboardBody=body("west"))
    try:
        return str(cloudwatch(endpoint, "eu-central-1").get_dashboard(
            DashboardName=name)["DashboardBody"])
    except ClientError:
        return None


def test_a_dashboard_is_the_same_object_in_every_region(aws: Client):
    endpoint = aws("cloudwatch").meta.endpoint_url
    assert seen_elsewhere(endpoint, "global-ops") == body("west")
    east = cloudwatch(endpoint, "eu-central-1")
    assert "global-ops" in [d["DashboardName"] for d in east.list_dashboards(
        DashboardNamePrefix="global-")["DashboardEntries"]]
    east.put_dashboard(DashboardName="global-ops", DashboardBody=body("east"))  # overwrites
    west = cloudwatch(endpoint, "us-west-1").get_dashboard(DashboardName="global-ops")
    assert west["DashboardBody"] == body("east")
    assert west["DashboardArn"] == "arn:aws:cloudwatch::123456789012:dashboard/global-ops"
    cloudwatch(endpoint, "ap-northeast-1").delete_dashboards(DashboardNames=["global-ops"])
    with pytest.raises(ClientError) as gone:
        cloudwatch(endpoint, "us-west-1").get_dashboard(DashboardName="global-ops")
    assert gone.value.response["Error"]["Code"] == "ResourceNotFound"


def test_still_needed(unpatched: Client):
    still_needed(seen_elsewhere(None, "probe") is None, "cloudwatch_dashboards_global",
                 "dashboards global to the account")
