"""What `backup verify` checks on the restored instance: engine, major version, encryption,
and that the database answers.

"Answers" means, on the emulator, an endpoint and the status `available` (there is no
database engine behind moto); on the aws target, `SELECT 1` over TLS with the credentials in
the stack's managed secret, through psycopg when it is installed (it is optional: without it
the check is `n/a` and says so).
"""

from __future__ import annotations

import importlib
import json
from dataclasses import dataclass
from typing import Any

PASSED, FAILED, NA = "passed", "failed", "n/a"
SQL_CONNECT_TIMEOUT = 10


@dataclass
class Check:
    id: str
    status: str  # passed | failed | n/a
    detail: str

    def to_dict(self) -> dict[str, str]:
        return {"id": self.id, "status": self.status, "detail": self.detail}


def major_version(engine: str, version: str) -> str:
    """`16.3` -> `16` for PostgreSQL 10 and later; `9.6.24` -> `9.6`; `8.0.35` -> `8.0`."""
    parts = version.split(".")
    postgres = engine.endswith(("postgres", "postgresql"))
    if postgres and parts[0].isdigit() and int(parts[0]) >= 10:
        return parts[0]
    return ".".join(parts[:2])


def engine_checks(source: dict[str, Any], restored: dict[str, Any]) -> list[Check]:
    """Engine and major version equal the source's; storage encrypted."""
    src_engine, new_engine = source.get("Engine", ""), restored.get("Engine", "")
    checks = [Check("engine", PASSED if new_engine == src_engine else FAILED,
                    f"{new_engine or '?'} (source {src_engine or '?'})")]
    src_version = source.get("EngineVersion", "")
    new_version = restored.get("EngineVersion", "")
    src_major = major_version(src_engine, src_version) if src_version else "?"
    new_major = major_version(new_engine, new_version) if new_version else "?"
    same = bool(new_version) and new_major == src_major
    checks.append(Check("engine_version", PASSED if same else FAILED,
                        f"major {new_major} ({new_version or 'none'} restored, "
                        f"{src_version or 'none'} source)"))
    if restored.get("StorageEncrypted") is True:
        key = restored.get("KmsKeyId")
        checks.append(Check("encryption", PASSED,
                            "storage encrypted" + (f" with {key}" if key else "")))
    else:
        checks.append(Check("encryption", FAILED, "storage of the restored instance is not "
                            f"encrypted (StorageEncrypted={restored.get('StorageEncrypted')})"))
    return checks


def answers_emulator(restored: dict[str, Any]) -> Check:
    """The emulator runs no database: an endpoint and the status `available` is all there is."""
    address = (restored.get("Endpoint") or {}).get("Address")
    status = restored.get("DBInstanceStatus")
    if address and status == "available":
        return Check("answers", PASSED, f"{address} available (emulator: no SQL engine to query)")
    return Check("answers", FAILED, f"endpoint {address or 'missing'}, status {status}")


def answers_sql(restored: dict[str, Any], secret_arn: str | None, secrets: Any) -> Check:
    """`SELECT 1` on the restored instance with the master credentials from the managed secret.

    The restored instance has the master password that was current when the snapshot was
    taken; after a rotation an older snapshot answers with an authentication error.
    """
    if not restored.get("Engine", "").startswith("postgres"):
        return Check("answers", NA, f"n/a: SQL check implemented for PostgreSQL only "
                                    f"({restored.get('Engine')})")
    try:
        psycopg: Any = importlib.import_module("psycopg")
    except ImportError:
        return Check("answers", NA, "n/a: psycopg is not installed, so no SQL query was run "
                                    "(pip install 'psycopg[binary]' to enable it)")
    endpoint = restored.get("Endpoint") or {}
    if not endpoint.get("Address"):
        return Check("answers", FAILED, "the restored instance has no endpoint")
    if not secret_arn:
        return Check("answers", FAILED, "no db_secret_arn output: no credentials to connect with")
    try:
        secret = json.loads(secrets.get_secret_value(SecretId=secret_arn)["SecretString"])
        user, password = secret["username"], secret["password"]
    except Exception as exc:
        return Check("answers", FAILED, f"cannot read the managed secret: {_one_line(exc)}")
    dbname = restored.get("DBName") or "postgres"
    where = f"{endpoint['Address']}:{endpoint.get('Port', 5432)}/{dbname}"
    try:
        with psycopg.connect(host=endpoint["Address"], port=endpoint.get("Port", 5432),
                             user=user, password=password, dbname=dbname, sslmode="require",
                             connect_timeout=SQL_CONNECT_TIMEOUT) as conn, conn.cursor() as cur:
            cur.execute("SELECT 1")
            row = cur.fetchone()
    except Exception as exc:
        return Check("answers", FAILED, f"SELECT 1 on {where} failed: {_one_line(exc)} (the "
                                        "instance is private: run from inside the VPC)")
    if row is None or row[0] != 1:
        return Check("answers", FAILED, f"SELECT 1 on {where} returned {row!r}")
    return Check("answers", PASSED, f"SELECT 1 on {where} as {user} returned 1")


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__
