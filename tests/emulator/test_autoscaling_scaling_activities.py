"""prodstack.runtime.moto_patches.autoscaling_scaling_activities"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.emulator.conftest import Client, still_needed

pytestmark = pytest.mark.emulator


def group(client: Client, name: str, size: int = 1) -> None:
    template = client("ec2").create_launch_template(LaunchTemplateName=name, LaunchTemplateData={
        "ImageId": "ami-12c6146b", "InstanceType": "t3.micro"})["LaunchTemplate"]
    client("autoscaling").create_auto_scaling_group(
        AutoScalingGroupName=name, MinSize=size, MaxSize=6, AvailabilityZones=["us-west-1a"],
        LaunchTemplate={"LaunchTemplateId": template["LaunchTemplateId"], "Version": "1"})


def activities(client: Client, name: str, **kwargs: Any) -> list[dict[str, Any]]:
    return list(client("autoscaling").describe_scaling_activities(
        AutoScalingGroupName=name, **kwargs)["Activities"])


def test_each_launched_and_terminated_instance_is_an_activity(aws: Client):
    group(aws, "scaled")
    autoscaling = aws("autoscaling")
    autoscaling.set_desired_capacity(AutoScalingGroupName="scaled", DesiredCapacity=3)
    autoscaling.put_scaling_policy(AutoScalingGroupName="scaled", PolicyName="shrink",
                                   AdjustmentType="ChangeInCapacity", ScalingAdjustment=-1)
    autoscaling.execute_policy(AutoScalingGroupName="scaled", PolicyName="shrink")
    found = activities(aws, "scaled")
    # newest first: 1 terminated by the policy, 2 launched by the request, 1 at creation
    assert [a["Description"].split(":")[0] for a in found] == [
        "Terminating EC2 instance", "Launching a new EC2 instance",
        "Launching a new EC2 instance", "Launching a new EC2 instance"]
    terminated = found[0]["Description"].rsplit(" ", 1)[1]
    assert "a user request executed policy shrink changing the desired capacity from 3 to 2" \
        in found[0]["Cause"]
    assert "taken out of service in response to a difference between desired and actual " \
        "capacity, shrinking the capacity from 3 to 2." in found[0]["Cause"]
    assert found[0]["Cause"].endswith(f"instance {terminated} was selected for termination.")
    assert "a user request explicitly set group desired capacity changing the desired " \
        "capacity from 1 to 3" in found[1]["Cause"]
    assert "created an AutoScalingGroup changing the desired capacity from 0 to 1" \
        in found[3]["Cause"]
    assert {a["StatusCode"] for a in found} == {"Successful"}
    assert {a["Progress"] for a in found} == {100}
    assert json.loads(found[1]["Details"])["Availability Zone"] == "us-west-1a"
    assert found[0]["StartTime"] >= found[-1]["StartTime"]
    up = aws("autoscaling").describe_auto_scaling_groups(
        AutoScalingGroupNames=["scaled"])["AutoScalingGroups"][0]["Instances"]
    launched = {a["Description"].rsplit(" ", 1)[1] for a in found[1:]}
    assert {i["InstanceId"] for i in up} == launched - {terminated}


def test_filters_pages_and_replacements(aws: Client):
    group(aws, "paged", size=2)
    autoscaling = aws("autoscaling")
    autoscaling.update_auto_scaling_group(AutoScalingGroupName="paged", MinSize=4,
                                          DesiredCapacity=4)
    every = activities(aws, "paged")
    assert len(every) == 4
    assert "update of AutoScalingGroup constraints to min: 4, max: 6, desired: 4 changing " \
        "the desired capacity from 2 to 4" in every[0]["Cause"]
    first = autoscaling.describe_scaling_activities(AutoScalingGroupName="paged", MaxRecords=3)
    assert len(first["Activities"]) == 3 and first["NextToken"]
    rest = activities(aws, "paged", NextToken=first["NextToken"])
    assert [a["ActivityId"] for a in first["Activities"] + rest] == [
        a["ActivityId"] for a in every]
    one = activities(aws, "paged", ActivityIds=[every[2]["ActivityId"]])
    assert [a["ActivityId"] for a in one] == [every[2]["ActivityId"]]
    assert activities(aws, "no-such-group") == []

    # an instance detached without lowering the desired capacity is replaced: one launch
    instance = autoscaling.describe_auto_scaling_groups(
        AutoScalingGroupNames=["paged"])["AutoScalingGroups"][0]["Instances"][0]["InstanceId"]
    autoscaling.detach_instances(AutoScalingGroupName="paged", InstanceIds=[instance],
                                 ShouldDecrementDesiredCapacity=False)
    [replaced, *_] = activities(aws, "paged")
    assert replaced["Description"].startswith("Launching a new EC2 instance: ")
    assert replaced["Cause"].endswith("an instance was started in response to a difference "
                                      "between desired and actual capacity, increasing the "
                                      "capacity from 3 to 4.")


def test_still_needed(unpatched: Client):
    group(unpatched, "probe")
    unpatched("autoscaling").set_desired_capacity(AutoScalingGroupName="probe",
                                                  DesiredCapacity=2)
    still_needed(activities(unpatched, "probe") == [], "autoscaling_scaling_activities",
                 "DescribeScalingActivities")
