"""What a live check reads (the stack's outputs, its settings, AWS clients, what the target can
do) and what it answers: pass, fail, or n/a with the reason."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from prodstack.config.profiles import Profile
from prodstack.config.settings import Settings


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
    """`clients` makes a boto3 client for a service (the target's factory); `serves_http`
    says whether the target's instances really answer HTTP (not on the emulator)."""

    settings: Settings
    outputs: dict[str, Any]
    clients: Callable[[str], Any]
    serves_http: bool = False
    _cache: dict[str, Any] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def profile(self) -> Profile:
        return self.settings.profile

    def client(self, service: str) -> Any:
        """One client per service, shared by the checks (boto3 clients are thread-safe)."""
        with self._lock:
            if service not in self._cache:
                self._cache[service] = self.clients(service)
            return self._cache[service]

    def accepted_trade(self, fm_id: str) -> str | None:
        for trade in self.profile.trades:
            if trade.fm_id == fm_id:
                return (f"accepted by the {self.profile.name} profile: {trade.what} "
                        f"({trade.reason})")
        return None
