"""Progress of a Terraform run, read from its `-json` stream.

On a terminal: one status line, rewritten in place (`[ 57/146] creating aws_db_instance.main
40s · 2m13s elapsed`). Elsewhere (CI logs): a line at most every 15 s. Errors are collected
as diagnostics for a one-line report.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from typing import Any, TextIO

QUIET_INTERVAL_SECONDS = 15.0
SLOW_SECONDS = 180.0  # a resource busy this long is named, with what it waits for
# Resource type -> what a long wait on it is, and what to do about it.
SLOW_HINTS = {
    "aws_db_instance": "RDS creates, modifies or deletes the instance (and takes a final "
                       "snapshot before a delete): 5 to 15 minutes on AWS. A restore left by "
                       "`prodstack backup verify` keeps the subnet group busy: `prodstack "
                       "resume` removes it",
    "aws_acm_certificate_validation": "ACM waits for the DNS validation record: check that "
                                      "the hosted zone serves the domain",
    "aws_nat_gateway": "NAT gateways take a few minutes to become available or to go",
    "aws_lb": "the load balancer becomes active in a few minutes",
}


@dataclass
class Diagnostic:
    severity: str
    summary: str
    detail: str
    address: str

    def one_line(self) -> str:
        detail = " ".join(self.detail.split())
        where = f" ({self.address})" if self.address else ""
        text = f"{self.summary}{where}"
        if detail:
            text += f": {detail}"
        return text if len(text) <= 600 else text[:597] + "..."


def fmt_seconds(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


@dataclass
class Progress:
    """Consumes Terraform JSON messages; renders progress; remembers the outcome."""

    verb: str
    total: int = 0
    out: TextIO = field(default_factory=lambda: sys.stderr)
    enabled: bool = True
    done: int = 0
    errors: list[Diagnostic] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)
    summary: dict[str, int] = field(default_factory=dict)
    planned: list[tuple[str, str]] = field(default_factory=list)
    reasons: dict[str, str] = field(default_factory=dict)  # address -> why it is replaced
    outputs: dict[str, Any] = field(default_factory=dict)
    current: dict[str, float] = field(default_factory=dict)  # in flight: address -> start
    completed: list[tuple[str, str]] = field(default_factory=list)  # (address, action) done
    started: float = field(default_factory=time.monotonic)
    _last_print: float = 0.0
    _line_open: bool = False
    _named_slow: set[str] = field(default_factory=set)

    @property
    def tty(self) -> bool:
        return bool(getattr(self.out, "isatty", lambda: False)())

    def handle(self, msg: dict[str, Any]) -> None:
        kind = msg.get("type", "")
        hook = msg.get("hook", {})
        addr = hook.get("resource", {}).get("addr", "")
        if kind == "planned_change":
            change = msg.get("change", {})
            address = change.get("resource", {}).get("addr", "")
            self.planned.append((address, change.get("action", "")))
            if change.get("reason"):
                self.reasons[address] = str(change["reason"])
        elif kind == "change_summary":
            self.summary = {k: v for k, v in msg.get("changes", {}).items() if isinstance(v, int)}
        elif kind == "apply_start":
            self.current[addr] = time.monotonic()
            self._render(f"{hook.get('action', 'apply')} {addr}")
        elif kind == "apply_progress":
            self._render(f"{hook.get('action', 'apply')} {addr}")
            self._name_slow(addr, hook.get("action", "apply"), hook.get("elapsed_seconds", 0))
        elif kind in ("apply_complete", "apply_errored"):
            self.current.pop(addr, None)
            if kind == "apply_complete":
                self.completed.append((addr, hook.get("action", "")))
            self.done += 1
            self._render(f"{'failed' if kind == 'apply_errored' else 'done'} {addr}",
                         force=kind == "apply_errored")
        elif kind == "diagnostic":
            d = msg.get("diagnostic", {})
            diag = Diagnostic(d.get("severity", "error"), d.get("summary", ""),
                              d.get("detail", ""), d.get("address", ""))
            (self.errors if diag.severity == "error" else self.warnings).append(diag)
        elif kind == "outputs":
            self.outputs = msg.get("outputs", {})

    def _render(self, what: str, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        elapsed = fmt_seconds(now - self.started)
        oldest = min(self.current.items(), key=lambda kv: kv[1], default=None)
        if oldest is not None:
            what = f"{oldest[0]} ({fmt_seconds(now - oldest[1])})"
            if len(self.current) > 1:
                what += f" +{len(self.current) - 1} more"
        width = len(str(self.total))
        counter = f" [{self.done:>{width}}/{self.total}]" if self.total else ""
        line = f"  {self.verb}{counter} {what} · {elapsed} elapsed"
        if self.tty:
            self.out.write("\r\033[K" + line[:150])
            self.out.flush()
            self._line_open = True
        elif force or now - self._last_print >= QUIET_INTERVAL_SECONDS:
            self.out.write(line + "\n")
            self.out.flush()
            self._last_print = now

    def _name_slow(self, addr: str, action: str, elapsed: float) -> None:
        """Say once, whether or not progress is shown, what a long wait is and what to do."""
        if addr in self._named_slow or elapsed < SLOW_SECONDS:
            return
        self._named_slow.add(addr)
        kind = addr.split("[")[0].split(".")[-2] if "." in addr else addr
        hint = SLOW_HINTS.get(kind, "the provider is waiting for AWS to finish")
        self.finish()
        self.out.write(f"  still {action} {addr} after {fmt_seconds(elapsed)}: {hint}; "
                       "Ctrl-C stops Terraform cleanly and a rerun converges\n")
        self.out.flush()

    def finish(self) -> None:
        if self._line_open:
            self.out.write("\r\033[K")
            self.out.flush()
            self._line_open = False

    @property
    def seconds(self) -> float:
        return time.monotonic() - self.started
