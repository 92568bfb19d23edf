"""What a live check is, what it returns, and the context it reads (outputs, settings, clients).

A check is a function registered with `@check(id, title)`; it returns `Result.passed(...)`,
`Result.failed(...)` or `Result.na(reason)`. Ids are catalog ids where one fits (FM-3.1 for
Multi-AZ) and part names elsewhere (NET-…, EDGE-…, WEB-…, DB-…, S3-…, AUDIT-…, OPS-…).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from prodstack.aws_clients import client
from prodstack.profiles import Profile
from prodstack.settings import Settings


@dataclass(frozen=True)
class Result:
    status: str  # "pass" | "fail" | "n/a"
    detail: str

    @classmethod
    def passed(cls, detail: str) -> Result:
        return cls("pass", detail)

    @classmethod
    def failed(cls, detail: str) -> Result:
        return cls("fail", detail)

    @classmethod
    def na(cls, reason: str) -> Result:
        return cls("n/a", reason)

    @classmethod
    def expect(cls, ok: bool, good: str, bad: str) -> Result:
        return cls.passed(good) if ok else cls.failed(bad)


@dataclass
class VerifyContext:
    settings: Settings
    outputs: dict[str, Any]
    endpoint: str | None
    _clients: dict[str, Any] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def profile(self) -> Profile:
        return self.settings.profile

    @property
    def local(self) -> bool:
        return self.settings.target == "local"

    def client(self, service: str) -> Any:
        """One boto3 client per service, shared by the checks (clients are thread-safe)."""
        with self._lock:
            if service not in self._clients:
                self._clients[service] = client(service, self.settings, self.endpoint)
            return self._clients[service]

    def accepted_trade(self, fm_id: str) -> str | None:
        for trade in self.profile.trades:
            if trade.fm_id == fm_id:
                return f"accepted by the {self.profile.name} profile: {trade.what} ({trade.reason})"
        return None


CheckFn = Callable[[VerifyContext], Result]


@dataclass(frozen=True)
class Check:
    id: str
    title: str
    fn: CheckFn


REGISTRY: list[Check] = []


def check(id_: str, title: str) -> Callable[[CheckFn], CheckFn]:
    def register(fn: CheckFn) -> CheckFn:
        REGISTRY.append(Check(id_, title, fn))
        return fn

    return register
