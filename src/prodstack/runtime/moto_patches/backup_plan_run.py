"""Run a backup plan's rules now: `POST /moto-api/prodstack/backup/run-plan`.

moto: a backup plan's rules never run (moto has no scheduler and no backup jobs), so no plan
ever creates a recovery point.
AWS (AWS Backup API reference, "BackupRule", "BackupSelection", "GetBackupPlan"; Developer
Guide, "Creating a backup plan", "Assigning resources to a backup plan"): at each rule's
schedule, AWS Backup starts a backup job into the rule's target vault, with the rule's
lifecycle, for every resource the plan's selections assign (Resources or ListOfTags, then
every Conditions entry, less NotResources), created by the plan (CreatedBy: BackupPlanId,
BackupPlanArn, BackupPlanVersion, BackupRuleId); GetBackupPlan then shows LastExecutionDate.
The emulator has no clock to wait for: this endpoint runs the rules when asked.

Request body (JSON): {"BackupPlanId": "...", "Region": "us-west-1", "AccountId":
"123456789012" (default), "RuleName": "daily" (default: every rule)}. Answer: {"BackupJobs":
[{"BackupJobId", "ResourceArn", "RecoveryPointArn", "State"}, ...]}; an unknown or deleted
plan answers 404. `prodstack.runtime.emulator.run_backup_plan` calls it. Selections can assign
RDS DB instances (by ARN, wildcard or tag) and any other resource by its exact ARN.
"""

from __future__ import annotations

import json
from fnmatch import fnmatchcase
from typing import Any

from moto.backup.models import BackupBackend, Plan, backup_backends
from moto.core import DEFAULT_ACCOUNT_ID
from moto.core.utils import unix_time
from moto.moto_api._internal import urls
from moto.rds.models import rds_backends

from prodstack.runtime.moto_patches import _backup_store as backups
from prodstack.runtime.moto_patches.backup_selections import selections

MOTO_VERSION = "5.2.5"
PATH = "{0}/moto-api/prodstack/backup/run-plan"


def _tags(instance: Any) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in getattr(instance, "tags", None) or []}


def _holds(operator: str, tags: dict[str, str], key: str, value: str) -> bool:
    actual = tags.get(key.removeprefix("aws:ResourceTag/"))
    if operator in ("StringEquals", "STRINGEQUALS"):
        return actual == value
    if operator == "StringNotEquals":
        return actual != value
    if operator == "StringLike":
        return actual is not None and fnmatchcase(actual, value)
    return actual is None or not fnmatchcase(actual, value)  # StringNotLike


def assigned(document: dict[str, Any], account_id: str, region: str) -> list[str]:
    """The ARNs a selection assigns, in the order AWS Backup would list them."""
    instances = {db.db_instance_arn: _tags(db)
                 for db in rds_backends[account_id][region].databases.values()}
    chosen: list[str] = []
    for pattern in document.get("Resources") or []:
        matched = [arn for arn in instances if fnmatchcase(arn, pattern)]
        chosen += matched or ([pattern] if "*" not in pattern else [])
    for tag in document.get("ListOfTags") or []:
        chosen += [arn for arn, tags in instances.items()
                   if _holds(tag["ConditionType"], tags, tag["ConditionKey"],
                             tag["ConditionValue"])]
    conditions = document.get("Conditions") or {}
    kept = []
    for arn in dict.fromkeys(chosen):
        tags = instances.get(arn, {})
        if all(_holds(op, tags, c["ConditionKey"], c["ConditionValue"])
               for op, entries in conditions.items() for c in entries):
            kept.append(arn)
    return [arn for arn in kept if not any(fnmatchcase(arn, p)
                                           for p in document.get("NotResources") or [])]


def run_plan(backend: BackupBackend, plan: Plan, rule_name: str | None) -> list[dict[str, Any]]:
    jobs = []
    for rule in plan.backup_plan["Rules"]:
        if rule_name not in (None, rule["RuleName"]):
            continue
        created_by = {"BackupPlanId": plan.backup_plan_id, "BackupPlanArn": plan.backup_plan_arn,
                      "BackupPlanVersion": plan.version_id, "BackupRuleId": rule["RuleId"]}
        for selection in selections(backend, plan.backup_plan_id).values():
            for arn in assigned(selection.document, backend.account_id, backend.region_name):
                jobs.append(backups.start_job(
                    backend, rule["TargetBackupVaultName"], arn,
                    selection.document["IamRoleArn"], rule.get("Lifecycle"), created_by))
    plan.last_execution_date = unix_time()  # type: ignore[assignment]
    return jobs


def run_plan_response(request: Any, full_url: str, headers: Any) -> tuple[int, dict[str, str],
                                                                           str]:
    if request.method != "POST":
        return 405, {}, json.dumps({"Error": "POST a JSON body: BackupPlanId, Region"})
    body = json.loads(request.get_data() or b"{}")
    account = body.get("AccountId") or DEFAULT_ACCOUNT_ID
    backend = backup_backends[account][body.get("Region") or "us-east-1"]
    plan = backend.plans.get(str(body.get("BackupPlanId")))
    if plan is None or plan.deletion_date is not None:
        return 404, {}, json.dumps({"Error": f"no backup plan {body.get('BackupPlanId')}"})
    jobs = run_plan(backend, plan, body.get("RuleName"))
    return 200, {"Content-Type": "application/json"}, json.dumps({"BackupJobs": [
        {k: job.get(k) for k in ("BackupJobId", "ResourceArn", "RecoveryPointArn", "State")}
        for job in jobs]})


def apply() -> None:
    urls.url_paths[PATH] = run_plan_response
