"""Objects a cut-off create left outside Terraform state: found by name, adopted by import.

Some provider resources save an object's ID in state only after waiting for it: the AWS
provider's launch template waits until the template is ready. An apply stopped in that wait
(Ctrl-C, a CI runner's SIGTERM) cancels the wait, the object exists, state does not know it,
and the next apply fails with "already exists". When an apply fails that way for a type in
`LOOKUPS`, prodstack finds the object by the name in the configuration, checks that it carries
this deployment's tags (someone else's object with the same name is never adopted), and
writes an `import` block for it; planning and applying again converges.

On the emulator only, the same "already exists" also follows a create whose response was lost
and whose retry was refused: there, objects of `NAME_IS_IMPORT_ID` types are adopted by name,
those of `BY_NAME` types by the id found under their name, and security group rules and
routes by their configuration (`BY_CONFIGURATION`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from prodstack.config.settings import Settings
from prodstack.runtime.targets import ClientFactory
from prodstack.tf.progress import Diagnostic

ALREADY_EXISTS = ("alreadyexists", "already exists", "already in use", "duplicate")

# type -> (clients, configured name) -> (import id, tags) of the existing object
Lookup = Callable[[ClientFactory, str], tuple[str, dict[str, str]] | None]


def _launch_template(clients: ClientFactory, name: str) -> tuple[str, dict[str, str]] | None:
    ec2 = clients("ec2")
    try:
        found = ec2.describe_launch_templates(LaunchTemplateNames=[name])["LaunchTemplates"]
    except ClientError:
        return None
    if not found:
        return None
    return found[0]["LaunchTemplateId"], {t["Key"]: t["Value"] for t in found[0].get("Tags", [])}


LOOKUPS: dict[str, Lookup] = {"aws_launch_template": _launch_template}

# On the emulator (nothing there but prodstack's own deployments, named per environment), an
# object of these types that a create made twice is adopted by its name, which is also its
# import id: the emulator, under load, can lose the response of a create whose retry it then
# refuses as "already exists". Never on the aws target.
NAME_IS_IMPORT_ID = frozenset({
    "aws_autoscaling_group", "aws_backup_vault", "aws_cloudtrail", "aws_cloudwatch_log_group",
    "aws_db_subnet_group", "aws_iam_instance_profile", "aws_iam_role", "aws_kms_alias",
})


def replace_parameters(diagnostics: list[Diagnostic], doc: dict[str, Any],
                       settings: Settings, clients: ClientFactory) -> list[str]:
    """Parameters of the application's path that a cut-off run created and its state lacks
    ("ParameterAlreadyExists"): deleted, so that the next apply creates them again. Not
    imported: the provider reads an imported parameter's value into `value`, never into the
    `insecure_value` the stack writes, so every plan after would update it."""
    path = settings.names.app_parameter_path + "/"
    deleted = []
    for diag in diagnostics:
        rtype, _, label = diag.address.partition(".")
        text = f"{diag.summary} {diag.detail}".lower()
        name = doc.get("resource", {}).get(rtype, {}).get(label, {}).get("name")
        if rtype != "aws_ssm_parameter" or not isinstance(name, str) or \
                not name.startswith(path) or not any(m in text for m in ALREADY_EXISTS):
            continue
        try:
            clients("ssm").delete_parameter(Name=name)
        except (ClientError, BotoCoreError):
            continue
        deleted.append(name)
    return deleted




def _backup_plan(clients: ClientFactory, name: str) -> str | None:
    plans = clients("backup").list_backup_plans()["BackupPlansList"]
    return next((p["BackupPlanId"] for p in plans if p.get("BackupPlanName") == name), None)


def _load_balancer(clients: ClientFactory, name: str) -> str | None:
    found = clients("elbv2").describe_load_balancers(Names=[name])["LoadBalancers"]
    return found[0]["LoadBalancerArn"] if found else None


def _target_group(clients: ClientFactory, name: str) -> str | None:
    found = clients("elbv2").describe_target_groups(Names=[name])["TargetGroups"]
    return found[0]["TargetGroupArn"] if found else None


# On the emulator, types whose import id is not their name: found by name (emulator only).
BY_NAME: dict[str, Callable[[ClientFactory, str], str | None]] = {
    "aws_backup_plan": _backup_plan, "aws_lb": _load_balancer,
    "aws_lb_target_group": _target_group,
}


RULE_TYPES = ("aws_vpc_security_group_egress_rule", "aws_vpc_security_group_ingress_rule")
_ID_REF = re.compile(r"^\$\{(aws_[a-z0-9_]+\.[a-z0-9_]+)\.id\}$")


def _security_group_rule(rtype: str, body: dict[str, Any], ids: dict[str, str],
                         clients: ClientFactory) -> str | None:
    """The id of the existing rule that matches a rule resource's configuration, or None."""
    def resolve(value: Any) -> Any:
        match = _ID_REF.match(value) if isinstance(value, str) else None
        return ids.get(match.group(1)) if match else value

    group = resolve(body.get("security_group_id"))
    if not isinstance(group, str) or not group.startswith("sg-"):
        return None
    rules = clients("ec2").describe_security_group_rules(
        Filters=[{"Name": "group-id", "Values": [group]}])["SecurityGroupRules"]
    protocol = str(body.get("ip_protocol"))
    for rule in rules:
        if rule.get("IsEgress") != (rtype == RULE_TYPES[0]) or rule.get("IpProtocol") != protocol:
            continue
        if protocol != "-1" and (rule.get("FromPort"), rule.get("ToPort")) != (
                body.get("from_port"), body.get("to_port")):
            continue
        peer = resolve(body.get("referenced_security_group_id"))
        if peer and rule.get("ReferencedGroupInfo", {}).get("GroupId") != peer:
            continue
        if body.get("cidr_ipv4") and rule.get("CidrIpv4") != body["cidr_ipv4"]:
            continue
        return str(rule["SecurityGroupRuleId"])
    return None


def _route(rtype: str, body: dict[str, Any], ids: dict[str, str],
           clients: ClientFactory) -> str | None:
    """A route's import id, `<route table id>_<destination>`, from its configuration."""
    match = _ID_REF.match(str(body.get("route_table_id", "")))
    table = ids.get(match.group(1)) if match else body.get("route_table_id")
    cidr = body.get("destination_cidr_block")
    return f"{table}_{cidr}" if table and cidr else None


# type -> (type, configuration, ids in state, clients) -> import id (emulator only)
BY_CONFIGURATION: dict[str, Callable[..., str | None]] = {
    **{rtype: _security_group_rule for rtype in RULE_TYPES}, "aws_route": _route}


def adoptable(diagnostics: list[Diagnostic], doc: dict[str, Any], settings: Settings,
              clients: ClientFactory, emulator: bool = False,
              state_ids: Callable[[], dict[str, str]] | None = None) -> dict[str, str]:
    """Address -> import id of each object an apply found already existing and that is ours.

    On the emulator also security group rules added twice ("InvalidPermission.Duplicate") and
    routes ("RouteAlreadyExists"), found from their configuration with the ids that
    `state_ids` reads from state.
    """
    types = set(LOOKUPS) | (NAME_IS_IMPORT_ID | set(BY_CONFIGURATION) | set(BY_NAME)
                            if emulator else set())
    candidates = [d for d in diagnostics if d.address.partition(".")[0] in types and any(
        marker in f"{d.summary} {d.detail}".lower() for marker in ALREADY_EXISTS)]
    if not candidates:
        return {}
    rules = [d for d in candidates if d.address.partition(".")[0] in BY_CONFIGURATION]
    ids = state_ids() if rules and state_ids else {}
    found: dict[str, str] = {}
    for diag in rules:
        rtype, _, label = diag.address.partition(".")
        try:
            rule_id = BY_CONFIGURATION[rtype](rtype, doc["resource"][rtype][label], ids,
                                              clients)
        except (ClientError, BotoCoreError, KeyError):
            rule_id = None
        if rule_id:
            found[diag.address] = rule_id
    candidates = [d for d in candidates if d not in rules]
    ours = {"environment": settings.env, "project": settings.project}
    for diag in candidates:
        rtype, _, label = diag.address.partition(".")
        name = doc.get("resource", {}).get(rtype, {}).get(label, {}).get("name")
        if not isinstance(name, str):
            continue
        if rtype in BY_NAME:
            try:
                object_id = BY_NAME[rtype](clients, name)
            except (ClientError, BotoCoreError):
                object_id = None
            if object_id:
                found[diag.address] = object_id
            continue
        if rtype not in LOOKUPS:
            found[diag.address] = name
            continue
        try:
            existing = LOOKUPS[rtype](clients, name)
        except (ClientError, BotoCoreError):
            existing = None
        if existing and all(existing[1].get(k) == v for k, v in ours.items()):
            found[diag.address] = existing[0]
    return found


def add_imports(imports_file: Path, ids: dict[str, str]) -> None:
    """Add `import` blocks to the working folder's imports file (kept ones stay)."""
    blocks: list[dict[str, Any]] = []
    if imports_file.exists():
        blocks = json.loads(imports_file.read_text()).get("import", [])
    known = {b["to"] for b in blocks}
    blocks += [{"to": address, "id": import_id} for address, import_id in ids.items()
               if address not in known]
    imports_file.write_text(json.dumps({"import": blocks}, indent=2) + "\n")

