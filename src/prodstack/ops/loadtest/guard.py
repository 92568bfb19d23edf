"""The addresses a load generator may connect to, enforced in its own process.

`install(allowed)` wraps the connect of gevent's socket class (which every locust HTTP client
uses once locust has patched the standard library), so a user class, the URL scenario's or a
locustfile's, can reach only the run's (host, port) pairs: loopback, or the deployment's own
address. Anything else fails like a refused connection, with a message that says why, and is
counted as the request's failure. Names are resolved again (at most once a second) before
an unknown address is refused: a load balancer's addresses change.
"""

from __future__ import annotations

import errno
import socket
import time
from typing import Any

import gevent.socket

REFRESH_S = 1.0
_installed: Guard | None = None


class Guard:
    def __init__(self, allowed: list[tuple[str, int]]) -> None:
        self.allowed = allowed
        self.addresses: set[tuple[str, int]] = set()
        self._resolved_at = 0.0
        self.refresh()

    def refresh(self) -> None:
        found: set[tuple[str, int]] = set()
        for host, port in self.allowed:
            try:
                infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
            except (OSError, UnicodeError):
                continue
            found |= {(str(info[4][0]), port) for info in infos}
        self.addresses = found
        self._resolved_at = time.monotonic()

    def permits(self, address: Any) -> bool:
        if not isinstance(address, tuple) or len(address) < 2:
            return False
        key = (str(address[0]), int(address[1]))
        if key in self.addresses:
            return True
        if time.monotonic() - self._resolved_at >= REFRESH_S:
            self.refresh()
        return key in self.addresses

    def refusal(self, address: Any) -> ConnectionRefusedError:
        allowed = ", ".join(f"{h}:{p}" for h, p in self.allowed)
        where = f"{address[0]}:{address[1]}" if isinstance(address, tuple) else str(address)
        return ConnectionRefusedError(
            errno.ECONNREFUSED, f"prodstack loadtest refused {where}: not the load test's "
                                f"target ({allowed})")


def install(allowed: list[tuple[str, int]]) -> Guard:
    """Let sockets of this process connect to `allowed` only; returns the guard (installed
    once per process: a second call changes what it allows)."""
    global _installed
    if _installed is not None:
        _installed.allowed = allowed
        _installed.refresh()
        return _installed
    guard = _installed = Guard(allowed)
    cls = gevent.socket.socket
    connect, connect_ex = cls.connect, cls.connect_ex

    def guarded_connect(self: Any, address: Any) -> Any:
        if not guard.permits(address):
            raise guard.refusal(address)
        return connect(self, address)

    def guarded_connect_ex(self: Any, address: Any) -> Any:
        if not guard.permits(address):
            return errno.ECONNREFUSED
        return connect_ex(self, address)

    cls.connect = guarded_connect
    cls.connect_ex = guarded_connect_ex
    return guard
