"""The journal of a multi-step operation (deploy, down, backup verify) in the working folder.

An operation says what it is about to do before it does it (`begin`), and that it did it
(`done`); an operation that ends, whether it succeeded, failed cleanly or undid itself,
removes its journal (`close`). A journal that is still there when the next prodstack
command starts is an operation that was cut off (a signal it could not finish under, a
machine that stopped, an emulator that died): `unfinished` describes what it left, and
`prodstack resume` finishes or undoes it.

One journal per working folder (one operation at a time per stack: they also hold the state
lock). Written atomically, readable by its owner only.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prodstack.core.errors import UserError

JOURNAL_FILE = "journal.json"


@dataclass
class Journal:
    path: Path
    operation: str  # "deploy", "down", "backup verify"
    data: dict[str, Any] = field(default_factory=dict)
    steps: list[dict[str, Any]] = field(default_factory=list)
    pid: int = field(default_factory=os.getpid)
    started: float = field(default_factory=time.time)

    @classmethod
    def open(cls, workdir: Path, operation: str, **data: Any) -> Journal:
        """Start the journal of a new operation. An operation that was cut off must be
        resolved first, except a cut-off `down`, which a new `down` finishes."""
        earlier = cls.load(workdir)
        if earlier is not None and not earlier.resolved_by(operation):
            raise UserError(f"{earlier.describe()}: run `prodstack resume` first to finish or "
                            "undo it", exit_code=2)
        journal = cls(workdir / JOURNAL_FILE, operation, dict(data))
        journal.save()
        return journal

    def resolved_by(self, operation: str) -> bool:
        """`resume` resolves any cut-off operation; a new `down` finishes a cut-off `down`."""
        return operation == "resume" or self.operation == operation == "down"

    @classmethod
    @contextlib.contextmanager
    def session(cls, workdir: Path, operation: str, **data: Any) -> Iterator[Journal]:
        """`open` for the length of an operation: if it fails before beginning any step
        (bad input, a refusal), the journal goes with it: there is nothing to resume."""
        journal = cls.open(workdir, operation, **data)
        try:
            yield journal
        except BaseException:
            if not journal.steps:
                journal.close()
            raise

    @classmethod
    def load(cls, workdir: Path) -> Journal | None:
        path = workdir / JOURNAL_FILE
        try:
            raw = json.loads(path.read_text())
            return cls(path, raw["operation"], raw.get("data", {}), raw.get("steps", []),
                       int(raw.get("pid", 0)), float(raw.get("started", 0)))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"operation": self.operation, "pid": self.pid,
                                   "started": self.started, "data": self.data,
                                   "steps": self.steps}, indent=1))
        os.chmod(tmp, 0o600)
        tmp.replace(self.path)

    def begin(self, step: str, **detail: Any) -> None:
        self.steps.append({"step": step, "status": "doing", **detail})
        self.save()

    def done(self, step: str | None = None, **detail: Any) -> None:
        entry = self.last(step)
        if entry is not None:
            entry["status"] = "done"
            entry.update(detail)
            self.save()

    def note(self, **data: Any) -> None:
        self.data.update(data)
        self.save()

    def last(self, step: str | None = None) -> dict[str, Any] | None:
        for entry in reversed(self.steps):
            if step is None or entry["step"] == step:
                return entry
        return None

    def did(self, step: str) -> bool:
        return any(s["step"] == step and s["status"] == "done" for s in self.steps)

    def close(self) -> None:
        self.path.unlink(missing_ok=True)

    @property
    def running(self) -> bool:
        """The process that writes it is alive (another prodstack run, not a leftover)."""
        if self.pid == os.getpid() or self.pid <= 0:
            return False
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

    def describe(self) -> str:
        """What the cut-off operation left, in one line."""
        steps = ", ".join(f"{s['step']} ({s['status']})" for s in self.steps) or "no step"
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.started))
        return f"`prodstack {self.operation}` started {when} did not finish: {steps}"
