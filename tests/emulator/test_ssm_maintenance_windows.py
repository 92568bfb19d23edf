"""prodstack.runtime.moto_patches.ssm_maintenance_windows"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.emulator.conftest import Client, still_needed

pytestmark = pytest.mark.emulator

TARGETS = [{"Key": "tag:PatchGroup", "Values": ["web"]}]
INVOCATION = {"RunCommand": {"TimeoutSeconds": 3600, "Parameters": {
    "Operation": ["Install"], "RebootOption": ["RebootIfNeeded"]}}}


def window_with_target(client: Client) -> tuple[str, str]:
    ssm = client("ssm")
    window = ssm.create_maintenance_window(Name="patching", Schedule="cron(0 3 ? * SUN *)",
                                           Duration=3, Cutoff=1,
                                           AllowUnassociatedTargets=False)["WindowId"]
    target = ssm.register_target_with_maintenance_window(
        WindowId=window, ResourceType="INSTANCE", Targets=TARGETS, Name="web-tier",
        OwnerInformation="web team")["WindowTargetId"]
    return window, target


def described_target(client: Client) -> list[dict[str, Any]]:
    """A target read back as the AWS provider reads it (filtered by its id)."""
    window, target = window_with_target(client)
    return list(client("ssm").describe_maintenance_window_targets(
        WindowId=window, Filters=[{"Key": "WindowTargetId", "Values": [target]}])["Targets"])


def register_task(client: Client, window: str, target: str) -> str:
    return str(client("ssm").register_task_with_maintenance_window(
        WindowId=window, Name="patch-web-tier", TaskType="RUN_COMMAND",
        TaskArn="AWS-RunPatchBaseline", Priority=1, MaxConcurrency="50%", MaxErrors="1",
        Targets=[{"Key": "WindowTargetIds", "Values": [target]}],
        TaskInvocationParameters=INVOCATION)["WindowTaskId"])


def test_targets_are_filtered_and_read_back(aws: Client):
    found = described_target(aws)
    assert len(found) == 1
    assert {k: found[0][k] for k in ("ResourceType", "Targets", "Name", "OwnerInformation")} == {
        "ResourceType": "INSTANCE", "Targets": TARGETS, "Name": "web-tier",
        "OwnerInformation": "web team"}
    window = found[0]["WindowId"]
    ssm = aws("ssm")
    other = ssm.register_target_with_maintenance_window(
        WindowId=window, ResourceType="INSTANCE", Targets=[{"Key": "tag:Role",
                                                            "Values": ["db"]}])["WindowTargetId"]
    by_id = ssm.describe_maintenance_window_targets(
        WindowId=window, Filters=[{"Key": "WindowTargetId", "Values": [other]}])["Targets"]
    assert [t["WindowTargetId"] for t in by_id] == [other]
    everything = ssm.describe_maintenance_window_targets(WindowId=window)["Targets"]
    assert len(everything) == 2


def test_target_update_and_deregister(aws: Client):
    window, target = window_with_target(aws)
    ssm = aws("ssm")
    new_targets = [{"Key": "tag:PatchGroup", "Values": ["web", "api"]}]
    ssm.update_maintenance_window_target(WindowId=window, WindowTargetId=target,
                                         Targets=new_targets, OwnerInformation="ops")
    read = ssm.describe_maintenance_window_targets(
        WindowId=window, Filters=[{"Key": "WindowTargetId", "Values": [target]}])["Targets"][0]
    assert (read["Targets"], read["OwnerInformation"], read["Name"]) == (
        new_targets, "ops", "web-tier")
    ssm.deregister_target_from_maintenance_window(WindowId=window, WindowTargetId=target)
    with pytest.raises(ClientError) as again:
        ssm.deregister_target_from_maintenance_window(WindowId=window, WindowTargetId=target)
    assert again.value.response["Error"]["Code"] == "DoesNotExistException"


def test_run_command_task_lifecycle(aws: Client):
    window, target = window_with_target(aws)
    ssm = aws("ssm")
    task = register_task(aws, window, target)
    got = ssm.get_maintenance_window_task(WindowId=window, WindowTaskId=task)
    assert {k: got[k] for k in ("WindowId", "WindowTaskId", "TaskArn", "TaskType", "Priority",
                                "MaxConcurrency", "MaxErrors", "Name",
                                "TaskInvocationParameters", "Targets")} == {
        "WindowId": window, "WindowTaskId": task, "TaskArn": "AWS-RunPatchBaseline",
        "TaskType": "RUN_COMMAND", "Priority": 1, "MaxConcurrency": "50%", "MaxErrors": "1",
        "Name": "patch-web-tier", "TaskInvocationParameters": INVOCATION,
        "Targets": [{"Key": "WindowTargetIds", "Values": [target]}]}
    listed = ssm.describe_maintenance_window_tasks(
        WindowId=window, Filters=[{"Key": "WindowTaskId", "Values": [task]}])["Tasks"]
    assert [t["WindowTaskId"] for t in listed] == [task]
    assert ssm.describe_maintenance_window_tasks(
        WindowId=window, Filters=[{"Key": "TaskType", "Values": ["LAMBDA"]}])["Tasks"] == []
    # As the AWS provider updates: every field given, Replace=true.
    changed = {"RunCommand": {"TimeoutSeconds": 600, "Parameters": {"Operation": ["Scan"]}}}
    ssm.update_maintenance_window_task(
        WindowId=window, WindowTaskId=task, TaskArn="AWS-RunPatchBaseline", Priority=2,
        MaxConcurrency="1", MaxErrors="0", Name="scan-web-tier", Replace=True,
        Targets=[{"Key": "WindowTargetIds", "Values": [target]}],
        TaskInvocationParameters=changed)
    got = ssm.get_maintenance_window_task(WindowId=window, WindowTaskId=task)
    assert (got["Priority"], got["MaxConcurrency"], got["MaxErrors"], got["Name"],
            got["TaskInvocationParameters"], "Description" in got) == (
        2, "1", "0", "scan-web-tier", changed, False)
    ssm.deregister_task_from_maintenance_window(WindowId=window, WindowTaskId=task)
    with pytest.raises(ClientError) as gone:
        ssm.get_maintenance_window_task(WindowId=window, WindowTaskId=task)
    assert gone.value.response["Error"]["Code"] == "DoesNotExistException"


def task_read_back(client: Client) -> bool:
    """True when GetMaintenanceWindowTask answers for a registered task."""
    window, target = window_with_target(client)
    task = register_task(client, window, target)
    try:
        client("ssm").get_maintenance_window_task(WindowId=window, WindowTaskId=task)
    except Exception:  # HTTP 500 from a server, NotImplementedError in-process
        return False
    return True


def disabled_window(client: Client) -> dict[str, Any] | None:
    """A window disabled and rescheduled by UpdateMaintenanceWindow, as read back (None when
    the update is refused)."""
    ssm = client("ssm")
    window = ssm.create_maintenance_window(Name="to-disable", Schedule="cron(0 3 ? * SUN *)",
                                           Duration=3, Cutoff=1,
                                           AllowUnassociatedTargets=False)["WindowId"]
    try:
        ssm.update_maintenance_window(WindowId=window, Enabled=False,
                                      Schedule="cron(0 4 ? * SUN *)")
    except (ClientError, NotImplementedError):
        return None
    return dict(ssm.get_maintenance_window(WindowId=window))


def test_a_window_is_updated_and_reads_back_as_updated(aws: Client):
    window = disabled_window(aws)
    assert window is not None
    assert (window["Enabled"], window["Schedule"]) == (False, "cron(0 4 ? * SUN *)")
    assert (window["Name"], window["Duration"], window["Cutoff"]) == ("to-disable", 3, 1)
    listed = {w["WindowId"]: w for w in aws("ssm").describe_maintenance_windows()[
        "WindowIdentities"]}
    assert listed[window["WindowId"]]["Enabled"] is False
    ssm = aws("ssm")
    ssm.update_maintenance_window(WindowId=window["WindowId"], Enabled=True)
    assert ssm.get_maintenance_window(WindowId=window["WindowId"])["Enabled"] is True
    with pytest.raises(ClientError, match="DoesNotExist"):
        ssm.update_maintenance_window(WindowId="mw-00000000000000000", Enabled=True)


def test_still_needed(unpatched: Client):
    broken = (described_target(unpatched) == [] or not task_read_back(unpatched)
              or disabled_window(unpatched) is None)
    still_needed(broken, "ssm_maintenance_windows",
                 "DescribeMaintenanceWindowTargets filters, GetMaintenanceWindowTask and "
                 "UpdateMaintenanceWindow")
