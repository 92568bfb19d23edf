"""AR-9: RDS Enhanced Monitoring (monitoring_interval > 0) without a monitoring role, with a
role that monitoring.rds.amazonaws.com may not assume, or a role without an interval."""

from __future__ import annotations

from collections.abc import Iterator

from prodstack.catalog.model import AuditInput, Cases, Entry, Hit, Made, Rule, Unseen
from prodstack.catalog.plan_fixtures import GOOD_DB
from prodstack.catalog.policy_match import HOLE
from prodstack.catalog.ready_fixtures import ACCOUNT, ReadyBuilder, allow, policy
from prodstack.catalog.ready_queries import (
    account_id,
    document,
    linked,
    region,
    service_may_assume,
)
from prodstack.catalog.unseen import cannot_tell

MONITORING = ("Service", "monitoring.rds.amazonaws.com")
TYPES = ("aws_db_instance", "aws_rds_cluster", "aws_rds_cluster_instance")


def rule(inp: AuditInput) -> Iterator[Hit | Unseen]:
    plan = inp.plan
    for db in plan.of(*TYPES):
        interval = db.effective("monitoring_interval", 0)
        role = db.effective("monitoring_role_arn", None)  # computed: unset stays unset
        if not isinstance(interval, int | float):
            continue
        if interval > 0 and role in (None, ""):
            yield Hit(db.address, f"monitoring_interval = {interval} without "
                      "monitoring_role_arn: AWS answers InvalidParameterCombination (\"A "
                      "MonitoringRoleARN value is required if you specify a MonitoringInterval "
                      "value other than 0\")")
        elif interval == 0 and isinstance(role, str) and role:
            yield Hit(db.address, "monitoring_role_arn set with monitoring_interval = 0: AWS "
                      "answers InvalidParameterCombination (\"You must specify a "
                      "MonitoringInterval value other than 0 when you specify a "
                      "MonitoringRoleARN value\")")
        if interval <= 0:
            continue
        for found in linked(plan, db, ("monitoring_role_arn",), "aws_iam_role"):
            source = f"rds:{region(plan)}:{account_id(plan)}:db:{HOLE}"
            trusted = service_may_assume(plan, found, MONITORING, source)
            if trusted is None:
                yield cannot_tell(db.address, f"the trust policy of {found.address} lets "
                                  "monitoring.rds.amazonaws.com assume it",
                                  document(plan, found, "assume_role_policy"))
            if trusted is False:
                yield Hit(db.address, f"the trust policy of {found.address} does not let "
                          "monitoring.rds.amazonaws.com assume it: AWS answers "
                          "InvalidParameterValue (\"IAM role ARN value is invalid or does not "
                          "include the required permissions for: ENHANCED_MONITORING\")")


cases = Cases()
MANAGED = "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"


def _stack(interval: int, trusted: str | None = "monitoring.rds.amazonaws.com",
           literal_role: str | None = None) -> ReadyBuilder:
    """A database module whose monitoring role comes from the root (or is not passed, or is a
    literal ARN)."""
    b = ReadyBuilder()
    refs = None
    if trusted:
        trust = policy(allow({"Service": trusted}, "sts:AssumeRole", None,
                             {"StringEquals": {"aws:SourceAccount": ACCOUNT}}))
        b.add("aws_iam_role.rds_monitoring", {"name": "rds-monitoring", "path": "/",
                                              "assume_role_policy": trust},
              unknown={"arn": True, "id": True})
        b.add("aws_iam_role_policy_attachment.rds_monitoring", {"policy_arn": MANAGED},
              refs={"role": ["aws_iam_role.rds_monitoring.name", "aws_iam_role.rds_monitoring"]},
              unknown={"role": True})
        b.module("module.db", inputs={"monitoring_role_arn": ["aws_iam_role.rds_monitoring.arn",
                                                              "aws_iam_role.rds_monitoring"]})
        refs = {"monitoring_role_arn": ["var.monitoring_role_arn"]}
    b.add("module.db.aws_db_instance.this[0]",
          {**GOOD_DB, "monitoring_interval": interval, "monitoring_role_arn": literal_role},
          refs=refs, unknown={"arn": True, **({"monitoring_role_arn": True} if trusted else {})})
    return b


@cases.fires("module.db.aws_db_instance.this[0]")
def interval_without_a_role() -> Made:
    return _stack(60, trusted=None), None


@cases.fires("module.db.aws_db_instance.this[0]")
def role_trusted_by_rds_instead_of_monitoring() -> Made:
    return _stack(30, trusted="rds.amazonaws.com"), None


@cases.fires("module.db.aws_db_instance.this[0]")
def role_without_an_interval() -> Made:
    return _stack(0, trusted=None, literal_role=f"arn:aws:iam::{ACCOUNT}:role/rds-monitoring"), \
        None


@cases.passes
def documented_monitoring_role() -> Made:
    return _stack(60), None


@cases.passes
def monitoring_off() -> Made:
    return _stack(0, trusted=None), None


ENTRY = Entry(
    id="AR-9", title="RDS Enhanced Monitoring without a usable role", severity="high",
    failure="CreateDBInstance fails with InvalidParameterCombination (monitoring_interval > 0 "
            "needs monitoring_role_arn, and a role needs an interval) or InvalidParameterValue "
            "(the role must trust monitoring.rds.amazonaws.com)",
    fix="a role trusted by monitoring.rds.amazonaws.com with AmazonRDSEnhancedMonitoringRole "
        "attached, passed as monitoring_role_arn whenever monitoring_interval > 0",
    aws_docs="https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/"
             "USER_Monitoring.OS.Enabling.html",
    rule=Rule(types=(*TYPES, "aws_iam_role"), check=rule, cases=cases.plan),
)
