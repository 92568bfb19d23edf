"""Signals: SIGTERM (a CI runner stopping a job, `kill`) is handled like Ctrl-C, and a step
that must not be cut short (a rollback, a cleanup) holds both off until it is done."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from typing import Any


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def terminate_like_interrupt() -> None:
    """SIGTERM raises KeyboardInterrupt, so every operation undoes or finishes its step."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _interrupt)


@contextlib.contextmanager
def held_signals() -> Iterator[None]:
    """SIGINT and SIGTERM are ignored inside; one that arrived is not replayed (the step
    that held them finishes what the signal asked for: an undo or a cleanup)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous: dict[int, Any] = {sig: signal.signal(sig, signal.SIG_IGN)
                                for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
