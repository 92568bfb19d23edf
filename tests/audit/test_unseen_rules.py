"""No rule passes a resource it could not decide: for every static rule, a fixture it passes,
with the input that decided it made a value only known after apply (planned unknown, its
expression a reference to nothing the plan or the configuration knows), must give a finding
or an unseen, never nothing. A rule that gives a value known after apply the benefit of the
doubt again fails here; a new rule must be listed in one of the two tables."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from prodstack.catalog import CATALOG
from prodstack.catalog.model import AuditInput, Entry, Hit, Unseen
from tests.audit.helpers import plan_of

GHOST = ["aws_ssm_parameter.elsewhere.value", "aws_ssm_parameter.elsewhere"]

# rule -> (passing case, or "" for the first; resource type; path of the attribute it reads)
READS: dict[str, list[tuple[str, str, tuple[str, ...]]]] = {
    "FM-1.1": [("", "aws_acm_certificate", ("domain_name",)),
               ("", "aws_acm_certificate", ("validation_method",))],
    "FM-2.1": [("", "aws_lb", ("internal",))],
    "FM-2.2": [("", "aws_db_instance", ("publicly_accessible",))],
    "FM-2.3": [("trail_bucket_mfa_delete", "aws_s3_bucket_versioning",
                ("versioning_configuration", "mfa_delete"))],
    "FM-3.1": [("", "aws_db_instance", ("multi_az",))],
    "FM-3.2": [("one_nat_for_subnets_in_one_az", "aws_subnet", ("availability_zone",))],
    "FM-3.4": [("", "aws_autoscaling_group", ("health_check_grace_period",)),
               ("", "aws_autoscaling_group", ("health_check_type",))],
    "FM-4.1": [("", "aws_cloudwatch_metric_alarm", ("metric_name",))],
    "FM-4.2": [("", "aws_cloudwatch_metric_alarm", ("actions_enabled",))],
    "FM-4.4": [("", "aws_db_instance", ("backup_retention_period",))],
    "FM-5.1": [("", "aws_nat_gateway", ("connectivity_type",))],
    "FM-5.3": [("", "aws_db_instance", ("max_allocated_storage",))],
    "FM-6.2": [("state_bucket_with_versioning_resource", "aws_s3_bucket_versioning",
                ("versioning_configuration", "status"))],
    "FM-X2": [("", "aws_autoscaling_group", ("launch_template", "version"))],
    "FM-X4": [("", "aws_db_instance", ("engine_version",))],
    "FM-X5": [("", "aws_db_instance", ("deletion_protection",)),
              ("", "aws_db_instance", ("skip_final_snapshot",))],
    "FM-X6": [("", "aws_launch_template", ("metadata_options", "http_tokens"))],
    "FM-X7": [("", "aws_lb_listener", ("ssl_policy",))],
    "AR-1": [("", "aws_s3_bucket_policy", ("policy",))],
    "AR-2": [("", "aws_kms_key", ("policy",))],
    "AR-3": [("service_linked_role_with_documented_bucket_policy", "aws_s3_bucket_policy",
              ("policy",))],
    "AR-4": [("", "aws_s3_bucket_policy", ("policy",))],
    "AR-5": [("", "aws_s3_bucket_policy", ("policy",))],
    "AR-6": [("", "aws_kms_key", ("policy",))],
    "AR-7": [("", "aws_kms_key", ("policy",))],
    "AR-8": [("", "aws_iam_role", ("assume_role_policy",))],
    "AR-9": [("", "aws_iam_role", ("assume_role_policy",))],
    "AR-10": [("", "aws_cloudwatch_log_group", ("name",))],
    "AR-11": [("", "aws_kms_key", ("policy",))],
    "AR-13": [("", "aws_db_instance", ("backup_window",))],
    "AR-14": [("", "aws_s3_bucket_lifecycle_configuration", ("rule",))],
    "AR-15": [("", "aws_iam_role", ("assume_role_policy",))],
    "AR-16": [("", "aws_sqs_queue_policy", ("policy",))],
    "AR-17": [("", "aws_sqs_queue_policy", ("policy",))],
    "AR-18": [("literal_certificate_in_us_east_1", "aws_cloudfront_distribution",
               ("viewer_certificate", "acm_certificate_arn"))],
    "AR-19": [("provisioned_above_the_threshold", "aws_db_instance", ("allocated_storage",))],
    "SEC-1": [("", "aws_s3_bucket_policy", ("policy",))],
}

# rules whose decision no value known after apply can change, and why
DECIDED_ANYWAY: dict[str, str] = {
    "FM-1.2": "reads the backend block, which holds no value known after apply",
    "FM-1.3": "reads the backend block, which holds no value known after apply",
    "FM-2.4": "a log group ARN only known after apply is written, hence set: delivery is on",
    "FM-3.3": "reads which scaling policies refer to the group: references, not values",
    "FM-4.3": "reads which flow logs refer to the VPC: references, not values",
    "FM-6.1": "reads which target groups listeners forward to: references (its dynamic blocks "
              "are unseen, tests/audit/test_unseen.py)",
    "FM-X1": "a password that is not written is never in the state, one written always is",
    "FM-X3": "reads whether desired_capacity is written, and ignore_changes",
}


def _set(node: Any, path: tuple[str, ...], value: Any, *, drop: bool = False) -> None:
    """Write (or drop) `value` at `path` through nested blocks (lists of bodies)."""
    for i, part in enumerate(path[:-1]):
        child = node.get(part)
        if not isinstance(child, list) or not child:
            child = [{}]
            node[part] = child
        for rest in child[1:]:
            _set(rest, path[i + 1:], value, drop=drop)
        node = child[0]
    if drop:
        node.pop(path[-1], None)
    else:
        node[path[-1]] = value


def _config_entries(config: dict[str, Any]) -> list[dict[str, Any]]:
    out = list(config.get("resources") or [])
    for call in (config.get("module_calls") or {}).values():
        out += _config_entries(call.get("module") or {})
    return out


def made_unknown(plan: dict[str, Any], type_: str, path: tuple[str, ...]) -> dict[str, Any]:
    """The plan with `path` of every `type_` instance only known after apply, written as a
    reference to a value no one knows before apply."""
    out = copy.deepcopy(plan)
    changes = [c for c in out["resource_changes"] if c.get("type") == type_]
    assert changes, f"no {type_} in the fixture"
    for change in changes:
        body = change["change"]
        _set(body.setdefault("after", {}), path, None, drop=True)
        _set(body.setdefault("after_unknown", {}), path, True)
    for entry in _config_entries(out["configuration"]["root_module"]):
        if entry.get("type") == type_ and entry.get("mode") == "managed":
            _set(entry.setdefault("expressions", {}), path, {"references": GHOST})
    return out


def _cases() -> list[tuple[Entry, str, str, tuple[str, ...]]]:
    out = []
    for entry_id, reads in READS.items():
        for case, type_, path in reads:
            out.append((CATALOG[entry_id], case, type_, path))
    return out


@pytest.mark.parametrize(("entry", "case", "type_", "path"), _cases(),
                         ids=[f"{e.id}:{'.'.join(p)}" for e, _, _, p in _cases()])
def test_an_unknown_input_is_never_a_silent_pass(entry: Entry, case: str, type_: str,
                                                 path: tuple[str, ...]) -> None:
    assert entry.rule is not None
    passing = [c for c in entry.rule.cases if not c.hits and not c.unseen
               and (not case or c.name == case)]
    assert passing, f"{entry.id} has no passing case {case!r}"
    builder, config = passing[0].make()
    plan = plan_of(made_unknown(builder.build(), type_, path),
                   config.locals if config else None)
    said = list(entry.rule.check(AuditInput(plan, config)))
    assert any(isinstance(h, Hit | Unseen) for h in said), (
        f"{entry.id} says nothing about {passing[0].name} once {type_}.{'.'.join(path)} is "
        "only known after apply")


def test_every_static_rule_is_listed() -> None:
    listed = set(READS) | set(DECIDED_ANYWAY)
    missing = [e.id for e in CATALOG.rules if e.id not in listed]
    assert not missing, f"add these rules to READS (or DECIDED_ANYWAY with why): {missing}"
    assert not set(READS) & set(DECIDED_ANYWAY)
