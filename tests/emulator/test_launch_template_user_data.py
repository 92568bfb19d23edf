"""prodstack.runtime.moto_patches.launch_template_user_data"""

from __future__ import annotations

import base64

import pytest

from tests.emulator.conftest import Client, still_needed

pytestmark = pytest.mark.emulator

USER_DATA = base64.b64encode(b"#!/bin/bash\necho version 2\n").decode()


def launch_from_second_version(client: Client) -> str | None:
    """Launch an ASG from a version made by CreateLaunchTemplateVersion: None, or the error."""
    ec2, autoscaling = client("ec2"), client("autoscaling")
    template = ec2.create_launch_template(
        LaunchTemplateName="ud", LaunchTemplateData={
            "ImageId": "ami-12c6146b", "InstanceType": "t3.micro", "UserData": USER_DATA},
    )["LaunchTemplate"]
    ec2.create_launch_template_version(
        LaunchTemplateId=template["LaunchTemplateId"], LaunchTemplateData={
            "ImageId": "ami-12c6146b", "InstanceType": "t3.small", "UserData": USER_DATA})
    try:
        autoscaling.create_auto_scaling_group(
            AutoScalingGroupName="ud", MinSize=1, MaxSize=1, AvailabilityZones=["us-west-1a"],
            LaunchTemplate={"LaunchTemplateId": template["LaunchTemplateId"], "Version": "2"})
    except Exception as exc:  # an HTTP 500 from the server, an AssertionError in-process
        return f"{type(exc).__name__}: {exc}"
    return None


def test_asg_launches_from_a_new_version(aws: Client):
    assert launch_from_second_version(aws) is None
    group = aws("autoscaling").describe_auto_scaling_groups(
        AutoScalingGroupNames=["ud"])["AutoScalingGroups"][0]
    assert [i["InstanceType"] for i in group["Instances"]] == ["t3.small"]


def test_still_needed(unpatched: Client):
    still_needed(launch_from_second_version(unpatched) is not None, "launch_template_user_data",
                 "launching from a CreateLaunchTemplateVersion version with user data")
