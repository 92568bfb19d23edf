"""What `backup verify` checks on the restored instance's description: engine, major version,
encryption; and, on the emulator, that it "answers".

On the emulator "answers" means an endpoint and the status `available` (there is no database
engine behind moto). On the aws target the database itself is queried, from a web instance
through SSM Run Command (`probe.py`, `runcommand.py`): the database admits only the web tier,
so a query from the operator's or CI's host cannot reach it (an earlier direct psycopg check
did exactly that, and was removed).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

PASSED, FAILED, NA = "passed", "failed", "n/a"


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

