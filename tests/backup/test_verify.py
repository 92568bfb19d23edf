"""`prodstack backup verify` on the emulator: a database made with boto3, outputs injected."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from prodstack.core.errors import UserError
from prodstack.ops.backup import verify
from tests.backup.conftest import boto, inventory, run

pytestmark = pytest.mark.e2e


def verify_json(*args: str) -> tuple[int, dict[str, Any]]:
    result = run("verify", "--format", "json", *args)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, json.loads(result.stdout)


def checks(report: dict[str, Any]) -> dict[str, dict[str, str]]:
    return {c["id"]: c for c in report["checks"]}


def test_new_snapshot_passes_and_leaves_nothing(make_db, deployed, emulator_url):
    deployed(make_db())
    before = inventory(emulator_url)
    code, report = verify_json()
    assert code == 0, report
    assert report["status"] == "passed"
    assert report["cleaned_up"] is True
    assert isinstance(report["restore_seconds"], float) and report["restore_seconds"] >= 0
    assert isinstance(report["rpo_seconds"], float) and report["rpo_seconds"] >= 0
    assert re.fullmatch(r"bv-\w+-db-verify-\d{14}", report["snapshot_id"])
    assert set(checks(report)) == {"snapshot", "restore", "engine", "engine_version",
                                   "encryption", "answers", "cleanup"}
    assert {c["status"] for c in report["checks"]} == {"passed"}
    assert inventory(emulator_url) == before


def test_restore_lands_next_to_the_source(make_db, deployed, emulator_url, monkeypatch):
    outputs = make_db()
    deployed(outputs)
    seen: list[dict[str, Any]] = []
    original = verify.restore_instance

    def recording(rds, snapshot_id, identifier, source, instance_class):
        seen.append(original(rds, snapshot_id, identifier, source, instance_class))
        return seen[-1]

    monkeypatch.setattr(verify, "restore_instance", recording)
    result = run("verify", "--instance-class", "db.t4g.small")
    assert result.exit_code == 0, result.output
    assert "backup verify passed" in result.stdout and "RTO" in result.stdout
    [restored] = seen
    source = boto("rds", emulator_url).describe_db_instances(
        DBInstanceIdentifier=outputs["db_identifier"])["DBInstances"][0]
    assert re.fullmatch(rf"{outputs['db_identifier']}-restore-\d{{14}}",
                        restored["DBInstanceIdentifier"])
    assert restored["DBSubnetGroup"]["DBSubnetGroupName"] == "backup-test-db"
    assert [g["VpcSecurityGroupId"] for g in restored["VpcSecurityGroups"]] == \
        [g["VpcSecurityGroupId"] for g in source["VpcSecurityGroups"]]
    assert restored["PubliclyAccessible"] is False
    assert restored["MultiAZ"] is False
    assert restored["DeletionProtection"] is False
    assert restored["DBInstanceClass"] == "db.t4g.small"


def test_unencrypted_restore_fails_and_cleans_up(make_db, deployed, emulator_url):
    deployed(make_db(encrypted=False))
    before = inventory(emulator_url)
    code, report = verify_json()
    assert code == 1
    assert report["status"] == "failed"
    assert checks(report)["encryption"]["status"] == "failed"
    assert "not encrypted" in checks(report)["encryption"]["detail"]
    assert report["cleaned_up"] is True
    assert inventory(emulator_url) == before


def test_other_major_version_fails_and_cleans_up(make_db, deployed, emulator_url, monkeypatch):
    deployed(make_db())
    original = verify.restore_instance

    def restore_old_major(rds, snapshot_id, identifier, source, instance_class):
        restored = original(rds, snapshot_id, identifier, source, instance_class)
        rds.modify_db_instance(DBInstanceIdentifier=identifier, EngineVersion="15.7",
                               ApplyImmediately=True)
        return restored

    monkeypatch.setattr(verify, "restore_instance", restore_old_major)
    before = inventory(emulator_url)
    code, report = verify_json()
    assert code == 1 and report["status"] == "failed"
    version = checks(report)["engine_version"]
    assert version["status"] == "failed" and "15.7" in version["detail"]
    assert checks(report)["engine"]["status"] == "passed"
    assert report["cleaned_up"] is True
    assert inventory(emulator_url) == before


def test_latest_uses_the_newest_existing_snapshot(make_db, deployed, emulator_url):
    outputs = make_db()
    deployed(outputs)
    rds = boto("rds", emulator_url)
    rds.create_db_snapshot(DBInstanceIdentifier=outputs["db_identifier"],
                           DBSnapshotIdentifier=f"{outputs['db_identifier']}-nightly")
    before = inventory(emulator_url)
    code, report = verify_json("--snapshot", "latest")
    assert code == 0, report
    assert report["snapshot_id"] == f"{outputs['db_identifier']}-nightly"
    assert "(manual snapshot of " in checks(report)["snapshot"]["detail"]
    assert inventory(emulator_url) == before  # an existing snapshot is never deleted


def test_given_snapshot_id_is_used_and_kept(make_db, deployed, emulator_url):
    outputs = make_db()
    deployed(outputs)
    rds = boto("rds", emulator_url)
    [automated] = rds.describe_db_snapshots(DBInstanceIdentifier=outputs["db_identifier"],
                                            SnapshotType="automated")["DBSnapshots"]
    code, report = verify_json("--snapshot", automated["DBSnapshotIdentifier"])
    assert code == 0, report
    assert report["snapshot_id"] == automated["DBSnapshotIdentifier"]
    assert automated["DBSnapshotIdentifier"] in inventory(emulator_url)["snapshots"]


def test_snapshot_of_an_older_major_version_fails(make_db, deployed, emulator_url):
    outputs = make_db(version="15.7")
    deployed(outputs)
    rds = boto("rds", emulator_url)
    old = f"{outputs['db_identifier']}-before-upgrade"
    rds.create_db_snapshot(DBInstanceIdentifier=outputs["db_identifier"],
                           DBSnapshotIdentifier=old)
    rds.modify_db_instance(DBInstanceIdentifier=outputs["db_identifier"], EngineVersion="16.3",
                           ApplyImmediately=True)
    before = inventory(emulator_url)
    code, report = verify_json("--snapshot", old)
    assert code == 1 and report["status"] == "failed"
    assert checks(report)["engine_version"]["status"] == "failed"
    assert "15.7 restored, 16.3 source" in checks(report)["engine_version"]["detail"]
    assert report["cleaned_up"] is True
    assert inventory(emulator_url) == before


@pytest.mark.parametrize(("snapshot", "fragment"), [
    ("no-such-snapshot", "no snapshot 'no-such-snapshot'"),
    ("other", "not of the stack's database"),
])
def test_bad_snapshot_is_a_one_line_error(make_db, deployed, emulator_url, snapshot, fragment):
    outputs = make_db()
    deployed(outputs)
    if snapshot == "other":
        other = make_db()["db_identifier"]
        snapshot = f"{other}-manual"
        boto("rds", emulator_url).create_db_snapshot(DBInstanceIdentifier=other,
                                                     DBSnapshotIdentifier=snapshot)
    before = inventory(emulator_url)
    result = run("verify", "--snapshot", snapshot)
    assert isinstance(result.exception, UserError)
    assert result.exception.exit_code != 0
    assert "\n" not in str(result.exception) and fragment in str(result.exception)
    assert inventory(emulator_url) == before


def test_missing_database_is_a_one_line_error(deployed):
    deployed({"db_identifier": "gone-db", "db_secret_arn": "arn:aws:secretsmanager:x"})
    result = run("verify")
    assert isinstance(result.exception, UserError)
    assert "gone-db" in str(result.exception) and "\n" not in str(result.exception)


def test_nothing_deployed_is_a_one_line_error(emulator_url):
    result = run("verify", "--env", "dev")
    assert isinstance(result.exception, UserError)
    assert "nothing deployed" in str(result.exception)


def test_emulator_not_running_is_a_one_line_error(monkeypatch, tmp_path):
    monkeypatch.setenv("PRODSTACK_HOME", str(tmp_path))
    result = run("verify")
    assert isinstance(result.exception, UserError)
    assert "emulator is not running" in str(result.exception)
    assert not (tmp_path / "emulator.json").exists()


def test_interrupt_still_cleans_up(make_db, emulator_url, monkeypatch):
    outputs = make_db()
    before = inventory(emulator_url)

    def interrupted(*_args: Any) -> list[Any]:
        raise KeyboardInterrupt

    monkeypatch.setattr(verify, "run_engine_checks", interrupted)
    lines: list[str] = []
    with pytest.raises(KeyboardInterrupt):
        verify.verify_backup(outputs, lambda service: boto(service, emulator_url),
                             runs_sql=False, poll_interval=0, progress=lines.append)
    assert inventory(emulator_url) == before
    assert any(line.startswith("cleaned up: deleted instance") for line in lines)


def test_the_emulator_stopping_under_a_restore_is_named(make_db, emulator_url, monkeypatch):
    """A connection that fails because the emulator stopped: one line naming it, no report."""
    from botocore.exceptions import EndpointConnectionError

    outputs = make_db()

    def restore_then_lose_the_emulator(*_args: Any) -> dict[str, Any]:
        raise EndpointConnectionError(endpoint_url=emulator_url)

    monkeypatch.setattr(verify, "restore_instance", restore_then_lose_the_emulator)
    monkeypatch.setattr(verify.emulator, "gone", lambda exc: emulator_url)
    with pytest.raises(UserError, match=r"backup verify stopped at its restore step: the "
                                        r"emulator at http://127\.0\.0\.1:\d+ stopped"):
        verify.verify_backup(outputs, lambda service: boto(service, emulator_url),
                             runs_sql=False, poll_interval=0)


def test_vault_restores_the_snapshot_behind_the_newest_recovery_point(make_db, emulator_url):
    """The emulator's AWS Backup makes no recovery points: a fake one points at a snapshot
    of the emulator's RDS, which is restored, checked and kept."""
    outputs = make_db()
    db_id = outputs["db_identifier"]
    rds = boto("rds", emulator_url)
    taken = rds.create_db_snapshot(DBInstanceIdentifier=db_id,
                                   DBSnapshotIdentifier=f"{db_id}-by-backup")["DBSnapshot"]
    db_arn = rds.describe_db_instances(DBInstanceIdentifier=db_id)["DBInstances"][0][
        "DBInstanceArn"]
    asked: dict[str, Any] = {}

    class Backup:
        def get_paginator(self, name: str) -> Any:
            class Paginator:
                def paginate(self, **kwargs: Any) -> list[dict[str, Any]]:
                    asked.update(kwargs)
                    return [{"RecoveryPoints": [{
                        "RecoveryPointArn": taken["DBSnapshotArn"], "Status": "COMPLETED",
                        "CreationDate": taken["SnapshotCreateTime"], "ResourceType": "RDS"}]}]

            return Paginator()

    before = inventory(emulator_url)
    report = verify.verify_backup(
        outputs, lambda service: Backup() if service == "backup" else boto(service, emulator_url),
        runs_sql=False, snapshot="vault", vault="prodstack-production-vault", poll_interval=0)
    assert report.status == "passed", report.to_dict()
    assert asked == {"BackupVaultName": "prodstack-production-vault", "ByResourceArn": db_arn}
    assert report.snapshot_id == f"{db_id}-by-backup"
    assert report.vault_recovery_point == taken["DBSnapshotArn"]
    assert "newest recovery point" in checks(report.to_dict())["snapshot"]["detail"]
    assert inventory(emulator_url) == before  # the recovery point's snapshot is kept


def test_vault_without_a_recovery_point_is_a_one_line_error(make_db, deployed, emulator_url):
    deployed(make_db())
    backup = boto("backup", emulator_url)
    result = run("verify", "--snapshot", "vault")
    assert isinstance(result.exception, UserError)
    assert "backup vault prodstack-production-vault does not exist" in str(result.exception)
    backup.create_backup_vault(BackupVaultName="prodstack-production-vault")
    before = inventory(emulator_url)
    try:
        result = run("verify", "--snapshot", "vault")
    finally:
        backup.delete_backup_vault(BackupVaultName="prodstack-production-vault")
    assert isinstance(result.exception, UserError)
    assert "holds no completed recovery point" in str(result.exception)
    assert "\n" not in str(result.exception)
    assert inventory(emulator_url) == before
