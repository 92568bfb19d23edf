"""prodstack.runtime.moto_patches.service_role_trust"""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.emulator.conftest import REGION, Client, still_needed
from tests.emulator.service_policies import ACCOUNT, error, role, stmt, trust

pytestmark = pytest.mark.emulator

MISSING = f"arn:aws:iam::{ACCOUNT}:role/no-such-role"
SOURCE_ACCOUNT = {"StringEquals": {"aws:SourceAccount": ACCOUNT}}
ENHANCED = "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
FLOW_LOG_ACTIONS = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents",
                    "logs:DescribeLogGroups", "logs:DescribeLogStreams"]


def database(client: Client, name: str, **extra: object) -> dict:
    return client("rds").create_db_instance(
        DBInstanceIdentifier=name, Engine="postgres", DBInstanceClass="db.t4g.micro",
        AllocatedStorage=20, MasterUsername="app", MasterUserPassword="password-1234",
        **extra)["DBInstance"]


def test_enhanced_monitoring_role_must_trust_rds_monitoring(aws: Client):
    rds_only = role(aws, "em-rds", trust("rds.amazonaws.com"), managed=(ENHANCED,))
    for arn in (rds_only, MISSING):
        with pytest.raises(ClientError) as exc:
            database(aws, "em-refused", MonitoringInterval=60, MonitoringRoleArn=arn)
        assert error(exc) == ("InvalidParameterValue", "IAM role ARN value is invalid or does "
                              "not include the required permissions for: ENHANCED_MONITORING")
    documented = role(aws, "em-documented", trust("monitoring.rds.amazonaws.com",
                                                  SOURCE_ACCOUNT), managed=(ENHANCED,))
    made = database(aws, "em-accepted", MonitoringInterval=60, MonitoringRoleArn=documented)
    assert made["MonitoringRoleArn"] == documented
    plain = database(aws, "em-later")
    with pytest.raises(ClientError) as exc:
        aws("rds").modify_db_instance(DBInstanceIdentifier=plain["DBInstanceIdentifier"],
                                      MonitoringInterval=30, MonitoringRoleArn=rds_only)
    assert error(exc)[0] == "InvalidParameterValue"
    aws("rds").modify_db_instance(DBInstanceIdentifier="em-later", MonitoringInterval=30,
                                  MonitoringRoleArn=documented)


def flow_log(client: Client, role_arn: str, group: str) -> dict:
    ec2 = client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    client("logs").create_log_group(logGroupName=group)
    made = ec2.create_flow_logs(ResourceType="VPC", ResourceIds=[vpc], TrafficType="ALL",
                                LogGroupName=group, DeliverLogsPermissionArn=role_arn)
    [found] = ec2.describe_flow_logs(FlowLogIds=made["FlowLogIds"])["FlowLogs"]
    return found


def test_flow_logs_role_is_assumed_when_delivering(aws: Client):
    ec2_trust = role(aws, "fl-ec2", trust("ec2.amazonaws.com"), stmt(None, FLOW_LOG_ACTIONS))
    no_write = role(aws, "fl-mute", trust("vpc-flow-logs.amazonaws.com"),
                    stmt(None, "logs:DescribeLogGroups"))
    for i, arn in enumerate((ec2_trust, no_write, MISSING)):
        found = flow_log(aws, arn, f"/fl/refused-{i}")
        assert (found["DeliverLogsStatus"], found["DeliverLogsErrorMessage"]) == (
            "FAILED", "Access error"), arn
    documented = role(aws, "fl-documented", trust("vpc-flow-logs.amazonaws.com", {
        "StringEquals": {"aws:SourceAccount": ACCOUNT}, "ArnLike": {
            "aws:SourceArn": f"arn:aws:ec2:{REGION}:{ACCOUNT}:vpc-flow-log/*"}}),
        stmt(None, FLOW_LOG_ACTIONS))
    assert flow_log(aws, documented, "/fl/accepted")["DeliverLogsStatus"] == "SUCCESS"
    # Terraform names the group by ARN (LogDestination), which moto alone reports as failed.
    aws("logs").create_log_group(logGroupName="/fl/by-arn")
    group = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/fl/by-arn"
    vpc = aws("ec2").create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    made = aws("ec2").create_flow_logs(
        ResourceType="VPC", ResourceIds=[vpc], TrafficType="ALL",
        LogDestinationType="cloud-watch-logs", LogDestination=group,
        DeliverLogsPermissionArn=documented)
    [found] = aws("ec2").describe_flow_logs(FlowLogIds=made["FlowLogIds"])["FlowLogs"]
    assert found["DeliverLogsStatus"] == "SUCCESS"


def selection(client: Client, name: str, role_arn: str) -> str:
    backup = client("backup")
    backup.create_backup_vault(BackupVaultName=f"{name}-vault")
    plan_id = backup.create_backup_plan(BackupPlan={"BackupPlanName": name, "Rules": [
        {"RuleName": "daily", "TargetBackupVaultName": f"{name}-vault"}]})["BackupPlanId"]
    return str(backup.create_backup_selection(BackupPlanId=plan_id, BackupSelection={
        "SelectionName": "db", "IamRoleArn": role_arn,
        "Resources": [f"arn:aws:rds:{REGION}:{ACCOUNT}:db:main"]})["SelectionId"])


def test_backup_selection_role_must_trust_backup(aws: Client):
    ec2 = role(aws, "bk-ec2", trust("ec2.amazonaws.com"))
    for i, arn in enumerate((ec2, MISSING)):
        with pytest.raises(ClientError) as exc:
            selection(aws, f"bk-refused-{i}", arn)
        assert error(exc) == ("InvalidParameterValueException",
                              f"IAM Role {arn} cannot be assumed by AWS Backup")
    assert selection(aws, "bk-accepted", role(aws, "bk-documented", trust("backup.amazonaws.com")))


def test_auto_scaling_creates_its_service_linked_role(aws: Client):
    aws("ec2").create_launch_template(LaunchTemplateName="slr-probe", LaunchTemplateData={
        "ImageId": "ami-12c6146b", "InstanceType": "t3.micro"})
    aws("autoscaling").create_auto_scaling_group(
        AutoScalingGroupName="slr-probe", MinSize=0, MaxSize=1,
        LaunchTemplate={"LaunchTemplateName": "slr-probe"},
        AvailabilityZones=[f"{REGION}a"])
    made = aws("iam").get_role(RoleName="AWSServiceRoleForAutoScaling")["Role"]
    assert made["Path"] == "/aws-service-role/autoscaling.amazonaws.com/"


def accepts_roles_nobody_can_assume(client: Client) -> bool:
    try:
        database(client, "probe", MonitoringInterval=60, MonitoringRoleArn=MISSING)
    except ClientError:
        return False
    return flow_log(client, MISSING, "/probe")["DeliverLogsStatus"] == "SUCCESS"


def test_still_needed(unpatched: Client):
    still_needed(accepts_roles_nobody_can_assume(unpatched), "service_role_trust",
                 "the trust of the roles RDS monitoring and VPC flow logs assume")
