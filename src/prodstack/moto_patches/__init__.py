"""Corrections to moto, applied inside the emulator's server process only.

Each module here corrects one moto behaviour that prodstack depends on and that differs from
AWS. Its docstring names the moto behaviour, what AWS does instead (with the page of the AWS
API reference), and the moto version it was written against (`MOTO_VERSION`). Every module
has an `apply()` that wraps or replaces moto model or response methods; nothing here runs at
import time, and nothing is applied outside `prodstack.emulator_server` (the tests' "still
needed" probes run against unpatched moto in-process).

moto is pinned in pyproject.toml to the version below: the patches use its internals. After
an upgrade, the tests in tests/emulator name each patch the new moto makes unnecessary.
"""

from __future__ import annotations

import sys
from importlib import import_module
from types import ModuleType

import moto

MOTO_VERSION = "5.2.5"

# Applied in this order (later ones may wrap what earlier ones installed).
PATCHES: tuple[str, ...] = (
    "backup_list_tags",
    "s3_bucket_policy_conditions",
    "iam_account_lookup",
    "launch_template_user_data",
    "rds_restore_overrides",
    "rds_restore_takes_time",
    "rds_resource_ids",
    "autoscaling_instance_refresh",
    "autoscaling_scaling_activities",
    "elbv2_target_health",
    "backup_selections",
    "backup_plan_names",
    "backup_recovery_points",
    "backup_restore_jobs",
    "backup_plan_run",
    "backup_restore_testing",
    "ssm_maintenance_windows",
    "cloudtrail_delete_trail",
    "cloudtrail_describe_trails",
    "elbv2_default_scheme",
    "ec2_nat_gateway_delete",
    "cloudwatch_dashboards_global",
)

# Strict mode (on unless PRODSTACK_EMULATOR_STRICT=0): what AWS refuses and moto accepts,
# refused with AWS's error. Applied after PATCHES, only in strict mode. Each module names the
# refusal, cites AWS's documentation, and has a test and a "still needed" probe like a patch.
STRICT: tuple[str, ...] = (
    "cloudtrail_delivery",
    "config_delivery",
    "service_role_trust",
    "alb_access_logs",
    "s3_access_logging",
    "log_group_key",
    "alarm_topic_key",
    "ec2_address_limit",
    "cloudtrail_trail_limit",
    "kms_key_state",
    "kms_key_state_services",
    "backup_vault_not_empty",
    "iam_authorization",
)

_applied: list[str] = []


def module(name: str) -> ModuleType:
    return import_module(f"{__name__}.{name}")


def apply_all(strict: bool = True) -> list[str]:
    """Apply every patch once (idempotent), and in `strict` mode the strict ones; returns the
    names applied in this process."""
    if _applied:
        return list(_applied)
    if moto.__version__ != MOTO_VERSION:
        print(f"prodstack.moto_patches: written against moto {MOTO_VERSION}, running "
              f"{moto.__version__}; run tests/emulator to see which patches still apply",
              file=sys.stderr, flush=True)
    for name in (*PATCHES, *(STRICT if strict else ())):
        patch = module(name)
        if getattr(patch, "MOTO_VERSION", None) != MOTO_VERSION:
            raise RuntimeError(f"prodstack.moto_patches.{name}: MOTO_VERSION differs from "
                               f"the package's {MOTO_VERSION}")
        patch.apply()
        _applied.append(name)
    return list(_applied)
