"""The operations' grants: the stack's IAM roles and instance profile (and passing them to the
services that assume them), monitoring (CloudWatch alarms and dashboard, log groups and metric
filters, the alarm topic), the audit trail (CloudTrail, AWS Config), Systems Manager (the
release record and the application's parameters, the patching window, Run Command for `backup
verify`'s data checks), and what prodstack's own code reads across the account: `up`'s
preflight (Config recorders, trails, Elastic IPs and their quota in Service Quotas) and
`down --purge`'s check of leftovers (the Resource Groups Tagging API, IAM's lists of roles and
instance profiles).

AWS (Service Authorization Reference: list_awsidentityandaccessmanagementiam,
list_amazoncloudwatch, list_amazoncloudwatchlogs, list_amazonsns, list_awscloudtrail,
list_awsconfig, list_awssystemsmanager, list_amazonresourcegrouptaggingapi,
list_servicequotas):
- roles, instance profiles, alarms, the dashboard, log groups, the topic, the trail and SSM
  parameters carry their names in their ARNs: scoped to the deployment's names;
- iam:PassRole only for the stack's own roles, each to the one service its trust names
  (`iam:PassedToService`); managed policies attached only from the list the stack attaches
  (`iam:PolicyARN`);
- AWS Config's recorder, delivery channel and rule actions, CloudTrail's DescribeTrails, the
  Tagging API's GetResources, IAM's ListRoles and ListInstanceProfiles, CloudWatch Logs'
  resource policies and log delivery, CloudWatch's ListDashboards, SSM's DescribeParameters,
  CreateMaintenanceWindow and GetCommandInvocation support no resource-level permissions: `*`;
  so do the reads that list by prefix (DescribeAlarms, GetMetricData) and SNS's subscription
  actions, which name a subscription, not the topic;
- a maintenance window is named by id: the region's windows; Run Command names the instance
  (by id: the region's instances) and the AWS-owned document `AWS-RunShellScript`.
"""

from __future__ import annotations

from prodstack.ops.ci_policy.scope import Scope
from prodstack.ops.ci_policy.statements import REFERENCE, Statement, allow, prefixed

ROLE = prefixed(
    "iam", "CreateRole", "DeleteRole", "DeleteRolePolicy", "GetRole", "GetRolePolicy",
    "ListAttachedRolePolicies", "ListInstanceProfilesForRole", "ListRolePolicies",
    "PutRolePolicy", "TagRole", "UntagRole", "UpdateAssumeRolePolicy", "UpdateRole")
PROFILE = prefixed(
    "iam", "AddRoleToInstanceProfile", "CreateInstanceProfile", "DeleteInstanceProfile",
    "GetInstanceProfile", "RemoveRoleFromInstanceProfile", "TagInstanceProfile",
    "UntagInstanceProfile")
ALARM = prefixed("cloudwatch", "DeleteAlarms", "DisableAlarmActions", "EnableAlarmActions",
                 "ListTagsForResource", "PutMetricAlarm", "TagResource", "UntagResource")
LOG_GROUP = prefixed(
    "logs", "AssociateKmsKey", "CreateLogGroup", "DeleteLogGroup", "DeleteMetricFilter",
    "DeleteRetentionPolicy", "DescribeMetricFilters", "DisassociateKmsKey",
    "ListTagsForResource", "ListTagsLogGroup", "PutMetricFilter", "PutRetentionPolicy",
    "TagLogGroup", "TagResource", "UntagLogGroup", "UntagResource")
LOGS_ANY = prefixed(
    "logs", "CreateLogDelivery", "DeleteLogDelivery", "DeleteResourcePolicy",
    "DescribeLogGroups", "DescribeResourcePolicies", "GetLogDelivery", "ListLogDeliveries",
    "PutResourcePolicy", "UpdateLogDelivery")
TOPIC = prefixed("sns", "CreateTopic", "DeleteTopic", "GetTopicAttributes",
                 "ListSubscriptionsByTopic", "ListTagsForResource", "SetTopicAttributes",
                 "Subscribe", "TagResource", "UntagResource")
TRAIL = prefixed("cloudtrail", "AddTags", "CreateTrail", "DeleteTrail", "GetEventSelectors",
                 "GetInsightSelectors", "GetTrail", "GetTrailStatus", "ListTags",
                 "PutEventSelectors", "RemoveTags", "StartLogging", "StopLogging",
                 "UpdateTrail")
CONFIG_READ = prefixed("config", "DescribeConfigRules", "DescribeConfigurationRecorderStatus",
                       "DescribeConfigurationRecorders", "DescribeDeliveryChannels",
                       "ListTagsForResource")
CONFIG_RECORDER = prefixed(
    "config", "DeleteConfigurationRecorder", "DeleteDeliveryChannel",
    "PutConfigurationRecorder", "PutDeliveryChannel", "StartConfigurationRecorder",
    "StopConfigurationRecorder")
CONFIG_RULES = prefixed("config", "DeleteConfigRule", "PutConfigRule", "TagResource",
                        "UntagResource")
PARAMETER = prefixed("ssm", "AddTagsToResource", "DeleteParameter", "DeleteParameters",
                     "GetParameter", "GetParameters", "GetParametersByPath",
                     "ListTagsForResource", "PutParameter", "RemoveTagsFromResource")
WINDOW = prefixed(
    "ssm", "AddTagsToResource", "DeleteMaintenanceWindow",
    "DeregisterTargetFromMaintenanceWindow", "DeregisterTaskFromMaintenanceWindow",
    "DescribeMaintenanceWindowTargets", "DescribeMaintenanceWindowTasks",
    "GetMaintenanceWindow", "GetMaintenanceWindowTask", "ListTagsForResource",
    "RegisterTargetWithMaintenanceWindow", "RegisterTaskWithMaintenanceWindow",
    "RemoveTagsFromResource", "UpdateMaintenanceWindow", "UpdateMaintenanceWindowTarget",
    "UpdateMaintenanceWindowTask")
SSM_ANY = prefixed("ssm", "CancelCommand", "CreateMaintenanceWindow", "DescribeParameters",
                   "DescribeMaintenanceWindows", "GetCommandInvocation",
                   "ListCommandInvocations")
SERVICE_LINKED = ("autoscaling.amazonaws.com", "elasticloadbalancing.amazonaws.com",
                  "rds.amazonaws.com", "ssm.amazonaws.com")
LEFTOVERS = ["tag:GetResources", "iam:ListRoles", "iam:ListInstanceProfiles",
             "cloudtrail:DescribeTrails", "cloudwatch:DescribeAlarms", "cloudwatch:ListDashboards",
             "cloudwatch:GetMetricData", "cloudwatch:GetMetricStatistics",
             "sns:GetSubscriptionAttributes", "sns:SetSubscriptionAttributes", "sns:Unsubscribe"]


def iam_statements(scope: Scope) -> list[Statement]:
    roles = scope.iam("role", scope.account_wide)
    profiles = scope.iam("instance-profile", scope.account_wide)
    found = [
        allow("IamRoles", ROLE, [roles],
              "the stack's roles (web, flow logs, database monitoring, trail delivery, Config, "
              "AWS Backup) and their inline policies, by name"),
        allow("IamInstanceProfile", PROFILE, [profiles, roles],
              "the web tier's instance profile (adding a role to it names the role too)"),
    ]
    found.append(allow(
        "ServiceLinkedRoles", ["iam:CreateServiceLinkedRole"],
        [scope.iam("role", "aws-service-role/*")],
        "the first Auto Scaling group, load balancer, database or maintenance window task of "
        "an account has AWS create its service's service-linked role, with the caller's "
        "permission (IAM user guide, \"Service-linked role permissions\")",
        {"StringEquals": {"iam:AWSServiceName": list(SERVICE_LINKED)}}))
    if scope.managed_policies:
        found.append(allow(
            "IamManagedPolicies", ["iam:AttachRolePolicy", "iam:DetachRolePolicy"], [roles],
            "only the AWS managed policies the stack attaches",
            {"ArnEquals": {"iam:PolicyARN": list(scope.managed_policies)}}))
    for service, arns in sorted(scope.passed_roles().items()):
        label = service.split(".amazonaws.com")[0].replace(".", "-").replace("-", " ").title()
        found.append(allow(
            f"PassRole{label.replace(' ', '')}", ["iam:PassRole"], sorted(arns),
            f"the stack's role that {service} assumes, passed to it alone",
            {"StringEquals": {"iam:PassedToService": service}}))
    return found


def statements(scope: Scope) -> list[Statement]:
    names, s = scope.names, scope.settings
    topic = scope.arn("sns", scope.regional)
    found = [
        *iam_statements(scope),
        allow("Alarms", ALARM, [scope.arn("cloudwatch", f"alarm:{scope.regional}")],
              "the stack's alarms, by name (deploy's gate reads them)"),
        allow("Dashboard", ["cloudwatch:DeleteDashboards", "cloudwatch:GetDashboard",
                            "cloudwatch:PutDashboard"],
              [scope.arn("cloudwatch", f"dashboard/{names.dashboard}", region="")],
              "the dashboard (global to the account: its name carries the region)"),
        allow("LogGroups", LOG_GROUP, scope.log_groups,
              "the stack's log groups (flow logs, trail, WAF, database, instances), their "
              "retention, keys and metric filters"),
        allow("LogsAccountWide", LOGS_ANY, ["*"],
              "CloudWatch Logs' resource policies (WAF's and Route 53's delivery), log delivery "
              "and DescribeLogGroups support no resource-level permissions "
              f"({REFERENCE.format('amazoncloudwatchlogs')})"),
        allow("AlarmTopic", TOPIC, [topic], "the alarm topic and its e-mail subscriptions"),
        allow("Trail", TRAIL, [scope.arn("cloudtrail", f"trail/{names.trail}")],
              "the trail, by name (down stops and starts its logging)"),
        allow("ConfigRules", [*CONFIG_READ, *CONFIG_RULES], ["*"],
              "AWS Config's rule actions and its Describe* support no resource-level "
              f"permissions for a rule named on creation ({REFERENCE.format('awsconfig')})"),
        allow("Parameters", PARAMETER, scope.parameters,
              "the release record and the application's parameters (/<project>/<env>/*)"),
        allow("MaintenanceWindow", WINDOW, [scope.arn("ssm", "maintenancewindow/*")],
              "the patching window, its target and task: SSM names windows by generated ids"),
        allow("SsmAccountWide", SSM_ANY, ["*"],
              "these SSM actions support no resource-level permissions "
              f"({REFERENCE.format('awssystemsmanager')})"),
        allow("RunCommand", ["ssm:SendCommand"],
              [scope.arn("ec2", "instance/*"),
               scope.arn("ssm", "document/AWS-RunShellScript", account="")],
              "backup verify's data checks on a web instance (AWS-RunShellScript)"),
        allow("ReadAcrossTheAccount", LEFTOVERS, ["*"],
              "down --purge's check of leftovers, verify and deploy's gate list and read "
              "across the account: the Tagging API, IAM's lists and CloudTrail's "
              "DescribeTrails support no resource-level permissions, a listing of alarms or "
              "dashboards by prefix has no name to scope by, SNS's subscription actions name "
              "no topic"),
        allow("QuotaElasticIps", ["servicequotas:GetServiceQuota"],
              [scope.arn("servicequotas", "ec2/L-0263D0A3")],
              "up's preflight reads the Elastic IP quota"),
    ]
    if scope.public_parameters:
        found.append(allow(
            "PublicParameters", ["ssm:GetParameter", "ssm:GetParameters"],
            sorted({scope.arn("ssm", f"parameter{name.rsplit('/', 1)[0]}/*", account="*")
                    for name in scope.public_parameters}),
            "the AMI id the stack reads from AWS's public parameters (any architecture)"))
    if s.config_recorder:
        found.append(allow(
            "ConfigRecorder", CONFIG_RECORDER, ["*"],
            "the Config recorder and delivery channel (config_recorder = true); AWS Config's "
            "recorder actions support no resource-level permissions"))
    return found
