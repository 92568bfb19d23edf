"""prodstack.runtime.moto_patches.elbv2_target_health"""

from __future__ import annotations

import pytest

from tests.emulator.conftest import Client, still_needed

pytestmark = pytest.mark.emulator


def group_behind_target_group(client: Client, name: str, size: int) -> str:
    ec2, autoscaling, elbv2 = client("ec2"), client("autoscaling"), client("elbv2")
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.20.1.0/24",
                               AvailabilityZone="us-west-1a")["Subnet"]["SubnetId"]
    target_group = elbv2.create_target_group(Name=name, Protocol="HTTP", Port=80, VpcId=vpc)[
        "TargetGroups"][0]["TargetGroupArn"]
    template = ec2.create_launch_template(LaunchTemplateName=name, LaunchTemplateData={
        "ImageId": "ami-12c6146b", "InstanceType": "t3.micro"})["LaunchTemplate"]
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName=name, MinSize=0, DesiredCapacity=size, MaxSize=size,
        VPCZoneIdentifier=subnet, TargetGroupARNs=[target_group],
        LaunchTemplate={"LaunchTemplateId": template["LaunchTemplateId"]})
    return str(target_group)


def health(client: Client, target_group: str) -> dict[str, str]:
    found = client("elbv2").describe_target_health(TargetGroupArn=target_group)
    return {d["Target"]["Id"]: d["TargetHealth"]["State"]
            for d in found["TargetHealthDescriptions"]}


def group_instances(client: Client, name: str) -> set[str]:
    group = client("autoscaling").describe_auto_scaling_groups(
        AutoScalingGroupNames=[name])["AutoScalingGroups"][0]
    return {i["InstanceId"] for i in group["Instances"]}


def healthy_after_scale_in(client: Client) -> set[str]:
    """Instances the ASG terminated by scaling in that are still reported healthy."""
    target_group = group_behind_target_group(client, "probe", 3)
    before = group_instances(client, "probe")
    client("autoscaling").set_desired_capacity(AutoScalingGroupName="probe", DesiredCapacity=1)
    gone = before - group_instances(client, "probe")
    return {i for i, state in health(client, target_group).items()
            if i in gone and state == "healthy"}


def test_targets_follow_the_group(aws: Client):
    target_group = group_behind_target_group(aws, "web", 3)
    before = group_instances(aws, "web")
    assert health(aws, target_group) == dict.fromkeys(before, "healthy")
    aws("autoscaling").set_desired_capacity(AutoScalingGroupName="web", DesiredCapacity=1)
    kept = group_instances(aws, "web")
    assert health(aws, target_group) == dict.fromkeys(kept, "healthy")
    # An instance terminated outside the group: replaced, and the replacement registered.
    aws("ec2").terminate_instances(InstanceIds=sorted(kept))
    replacement = group_instances(aws, "web")
    assert len(replacement) == 1 and not replacement & kept
    assert health(aws, target_group) == dict.fromkeys(replacement, "healthy")
    aws("autoscaling").delete_auto_scaling_group(AutoScalingGroupName="web", ForceDelete=True)
    assert health(aws, target_group) == {}


def test_stopped_terminated_and_deregistered_targets(aws: Client):
    ec2, elbv2 = aws("ec2"), aws("elbv2")
    vpc = ec2.create_vpc(CidrBlock="10.30.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.30.1.0/24")["Subnet"]["SubnetId"]
    target_group = elbv2.create_target_group(Name="states", Protocol="HTTP", Port=80,
                                             VpcId=vpc)["TargetGroups"][0]["TargetGroupArn"]
    stopped, terminated, deregistered, running = (
        i["InstanceId"] for i in ec2.run_instances(ImageId="ami-12c6146b", MinCount=4,
                                                   MaxCount=4, SubnetId=subnet)["Instances"])
    elbv2.register_targets(TargetGroupArn=target_group, Targets=[
        {"Id": i} for i in (stopped, terminated, deregistered, running)])
    ec2.stop_instances(InstanceIds=[stopped])
    ec2.terminate_instances(InstanceIds=[terminated])
    elbv2.deregister_targets(TargetGroupArn=target_group, Targets=[{"Id": deregistered}])
    assert health(aws, target_group) == {stopped: "unused", running: "healthy"}

    def asked(instance_id: str) -> dict[str, str]:
        return dict(elbv2.describe_target_health(
            TargetGroupArn=target_group, Targets=[{"Id": instance_id}],
        )["TargetHealthDescriptions"][0]["TargetHealth"])

    assert asked(stopped) == {"State": "unused", "Reason": "Target.InvalidState",
                              "Description": "Target is in the stopped state"}
    assert asked(terminated)["State"] == "draining"
    assert asked(deregistered)["Reason"] == "Target.NotRegistered"


def test_still_needed(unpatched: Client):
    still_needed(bool(healthy_after_scale_in(unpatched)), "elbv2_target_health",
                 "deregistering (or reporting unhealthy) instances an ASG terminated")
