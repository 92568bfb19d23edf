"""The checks on a restored instance, without an emulator: versions, encryption, the SQL probe
(psycopg faked, or missing), and the wait loop's timeout."""

from __future__ import annotations

import sys
import types
from typing import Any

import pytest

from prodstack.backup import verify
from prodstack.backup.checks import answers_sql, engine_checks, major_version

SECRET = "arn:aws:secretsmanager:us-west-1:123456789012:secret:rds!db-1"
RESTORED = {"Engine": "postgres", "EngineVersion": "16.4", "StorageEncrypted": True,
            "DBName": "productiondb", "DBInstanceStatus": "available",
            "Endpoint": {"Address": "db-restore.internal", "Port": 5432}}


class Secrets:
    def get_secret_value(self, SecretId: str) -> dict[str, str]:
        assert SecretId == SECRET
        return {"SecretString": '{"username": "dbadmin", "password": "pw"}'}


@pytest.mark.parametrize(("engine", "version", "major"), [
    ("postgres", "16.3", "16"), ("postgres", "9.6.24", "9.6"), ("mysql", "8.0.35", "8.0"),
    ("aurora-postgresql", "15.4", "15"),
])
def test_major_version(engine, version, major):
    assert major_version(engine, version) == major


def test_engine_checks_compare_major_versions_and_encryption():
    source = {"Engine": "postgres", "EngineVersion": "16.3"}
    assert {c.status for c in engine_checks(source, RESTORED)} == {"passed"}
    by_id = {c.id: c for c in engine_checks(source, {**RESTORED, "EngineVersion": "15.7",
                                                     "StorageEncrypted": False})}
    assert by_id["engine_version"].status == "failed"
    assert by_id["encryption"].status == "failed"
    assert by_id["engine"].status == "passed"


def test_sql_check_is_na_without_psycopg(monkeypatch):
    monkeypatch.setitem(sys.modules, "psycopg", None)  # import raises ImportError
    check = answers_sql(RESTORED, SECRET, Secrets())
    assert check.status == "n/a" and "psycopg is not installed" in check.detail


def fake_psycopg(calls: list[dict[str, Any]], row: Any = (1,), error: Exception | None = None):
    class Cursor:
        def __enter__(self) -> Cursor:
            return self

        def __exit__(self, *exc: object) -> None:
            pass

        def execute(self, sql: str) -> None:
            calls.append({"sql": sql})

        def fetchone(self) -> Any:
            return row

    class Connection(Cursor):
        def cursor(self) -> Cursor:
            return Cursor()

    def connect(**kwargs: Any) -> Connection:
        calls.append(kwargs)
        if error:
            raise error
        return Connection()

    return types.SimpleNamespace(connect=connect)


def test_sql_check_runs_select_1_with_the_managed_secret(monkeypatch):
    calls: list[dict[str, Any]] = []
    monkeypatch.setitem(sys.modules, "psycopg", fake_psycopg(calls))
    check = answers_sql(RESTORED, SECRET, Secrets())
    assert check.status == "passed", check.detail
    connect, query = calls
    assert connect["host"] == "db-restore.internal" and connect["user"] == "dbadmin"
    assert connect["password"] == "pw" and connect["dbname"] == "productiondb"
    assert connect["sslmode"] == "require"
    assert query == {"sql": "SELECT 1"}


def test_sql_check_fails_when_the_database_does_not_answer(monkeypatch):
    error = OSError("connection timed out\nexpired")
    monkeypatch.setitem(sys.modules, "psycopg", fake_psycopg([], error=error))
    check = answers_sql(RESTORED, SECRET, Secrets())
    assert check.status == "failed"
    assert "connection timed out expired" in check.detail and "\n" not in check.detail


def test_wait_gives_up_after_the_timeout():
    said: list[str] = []
    item = verify._wait(lambda: {"DBInstanceStatus": "creating"}, "instance", "db-restore-1",
                        poll_interval=0, timeout=0.05, progress=said.append)
    assert item["DBInstanceStatus"] == "creating"
    assert said == ["  instance db-restore-1: creating (0s)"]
