"""What is left of a deployment after `down --purge`, found through the AWS APIs rather than
believed from Terraform's state, so that purge says done only when nothing is.

Found two ways: by the tags every resource carries (provider default tags `project` and
`environment`, read through the Resource Groups Tagging API of the region), and by the names
prodstack gives what that API does not list (the trail, the Config recorder, IAM roles and
instance profiles, the web ACL, the demo zone, Auto Scaling groups, launch templates,
Elastic IPs, the dashboard). A state that lost resources (a Terraform run killed without
saving) leaves them outside Terraform: `remove` deletes those that stand alone (trails,
buckets, log groups, alarms, parameters, topics) and the rest is named for the user. What
purge keeps on purpose (compliance retention) and keys already pending deletion are not
leftovers. A check whose API the target does not serve is skipped, never guessed.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from prodstack.settings import Settings

DEMO_ZONE_COMMENT = "prodstack demo zone (emulator only)"  # targets.local.hosted_zone


@dataclass(frozen=True)
class Leftover:
    kind: str  # "trail", "bucket", "arn", …
    name: str  # its name or ARN

    def __str__(self) -> str:
        return f"{self.kind} {self.name}"


@contextlib.contextmanager
def _skipped() -> Iterator[None]:
    with contextlib.suppress(ClientError, BotoCoreError, KeyError):
        yield


def _tagged(clients: Callable[[str], Any], settings: Settings) -> list[Leftover]:
    tagging = clients("resourcegroupstaggingapi")
    filters = [{"Key": "project", "Values": [settings.project]},
               {"Key": "environment", "Values": [settings.env]}]
    found = []
    for page in tagging.get_paginator("get_resources").paginate(TagFilters=filters):
        for item in page.get("ResourceTagMappingList", []):
            arn = item["ResourceARN"]
            service = arn.split(":")[2] if arn.count(":") >= 5 else ""
            if service == "s3":
                found.append(Leftover("bucket", arn.rsplit(":", 1)[-1]))
            else:
                found.append(Leftover(service or "resource", arn))
    return found


def _going(clients: Callable[[str], Any], item: Leftover) -> bool:
    """Gone as far as it can be, though still listed: a key scheduled for deletion (what purge
    does to keys), a NAT gateway deleted or being deleted and an instance terminated or
    shutting down (EC2 lists both for about an hour, and their tags with them)."""
    try:
        if item.kind == "kms":
            meta = clients("kms").describe_key(KeyId=item.name)["KeyMetadata"]
            return bool(meta.get("KeyState") == "PendingDeletion")
        if item.kind == "ec2" and ":natgateway/" in item.name:
            gateways = clients("ec2").describe_nat_gateways(
                NatGatewayIds=[item.name.rsplit("/", 1)[1]])["NatGateways"]
            return all(g.get("State") in ("deleting", "deleted") for g in gateways)
        if item.kind == "ec2" and ":instance/" in item.name:
            reservations = clients("ec2").describe_instances(
                InstanceIds=[item.name.rsplit("/", 1)[1]])["Reservations"]
            return all(i["State"]["Name"] in ("shutting-down", "terminated")
                       for r in reservations for i in r["Instances"])
    except (ClientError, BotoCoreError, KeyError):
        return False
    return False


def _named(clients: Callable[[str], Any], settings: Settings) -> list[Leftover]:
    names = settings.names
    found: list[Leftover] = []
    with _skipped():
        trails = clients("cloudtrail").describe_trails(includeShadowTrails=False)["trailList"]
        found += [Leftover("trail", t["Name"]) for t in trails if t["Name"] == names.trail]
    with _skipped():
        recorders = clients("config").describe_configuration_recorders()
        found += [Leftover("config recorder", r["name"])
                  for r in recorders.get("ConfigurationRecorders", [])
                  if r["name"] == names.recorder]
    with _skipped():
        iam = clients("iam")
        prefix = names.account_wide("")
        for page in iam.get_paginator("list_roles").paginate():
            found += [Leftover("IAM role", r["RoleName"]) for r in page["Roles"]
                      if r["RoleName"].startswith(prefix)]
        for page in iam.get_paginator("list_instance_profiles").paginate():
            found += [Leftover("instance profile", p["InstanceProfileName"])
                      for p in page["InstanceProfiles"]
                      if p["InstanceProfileName"].startswith(prefix)]
    with _skipped():
        acls = clients("wafv2").list_web_acls(Scope="REGIONAL").get("WebACLs", [])
        found += [Leftover("web ACL", a["Name"]) for a in acls
                  if a["Name"] == names.regional("web")]
    with _skipped():
        zones = clients("route53").list_hosted_zones()["HostedZones"]
        found += [Leftover("hosted zone", z["Name"]) for z in zones
                  if z.get("Config", {}).get("Comment") == DEMO_ZONE_COMMENT
                  and z["Name"].rstrip(".") == (settings.effective_domain or "")]
    with _skipped():
        groups = clients("autoscaling").describe_auto_scaling_groups()["AutoScalingGroups"]
        found += [Leftover("auto scaling group", g["AutoScalingGroupName"]) for g in groups
                  if g["AutoScalingGroupName"].startswith(names.regional(""))]
    with _skipped():
        templates = clients("ec2").describe_launch_templates()["LaunchTemplates"]
        found += [Leftover("launch template", t["LaunchTemplateName"]) for t in templates
                  if t["LaunchTemplateName"].startswith(names.regional(""))]
    with _skipped():
        addresses = clients("ec2").describe_addresses(Filters=[
            {"Name": "tag:project", "Values": [settings.project]},
            {"Name": "tag:environment", "Values": [settings.env]}])["Addresses"]
        found += [Leftover("Elastic IP", a.get("AllocationId", a.get("PublicIp", "?")))
                  for a in addresses]
    with _skipped():
        boards = clients("cloudwatch").list_dashboards(
            DashboardNamePrefix=names.dashboard)["DashboardEntries"]
        found += [Leftover("dashboard", b["DashboardName"]) for b in boards]
    return found


def find(clients: Callable[[str], Any], settings: Settings,
         kept: Collection[str] = ()) -> list[Leftover]:
    """Every resource of this deployment still there, but those purge keeps on purpose
    (`kept`: bucket names and key ARNs or ids under compliance retention)."""
    found: list[Leftover] = []
    with _skipped():
        found += _tagged(clients, settings)
    found += _named(clients, settings)
    unique = list(dict.fromkeys(found))
    return [f for f in unique if not any(k and k in f.name for k in kept)
            and not _going(clients, f)]


def remove(clients: Callable[[str], Any], found: list[Leftover],
           delete_bucket: Callable[[str], Any]) -> None:
    """Delete the leftovers that stand alone; what depends on others stays for the user."""
    for item in found:
        name = item.name
        with _skipped():
            if item.kind == "trail":
                clients("cloudtrail").delete_trail(Name=name)
            elif item.kind == "bucket":
                delete_bucket(name)
            elif item.kind == "logs" and ":log-group:" in name:
                group = name.split(":log-group:", 1)[1].removesuffix(":*")
                clients("logs").delete_log_group(logGroupName=group)
            elif item.kind == "cloudwatch" and ":alarm:" in name:
                clients("cloudwatch").delete_alarms(AlarmNames=[name.split(":alarm:", 1)[1]])
            elif item.kind == "ssm" and ":parameter/" in name:
                clients("ssm").delete_parameter(Name="/" + name.split(":parameter/", 1)[1])
            elif item.kind == "sns":
                clients("sns").delete_topic(TopicArn=name)
            elif item.kind == "dashboard":
                clients("cloudwatch").delete_dashboards(DashboardNames=[name])
