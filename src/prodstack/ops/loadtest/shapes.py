"""Load shapes: how many simulated users run at each moment, and the stages a run is judged in.

- steady: `users` for the whole run (one stage);
- step: `start` users, `step` more every `every` seconds up to the ceiling `users`, which then
  holds to the end (one stage per step);
- ramp: linear from `start` to the ceiling `users` over the run (a stage every `every`
  seconds, by default a tenth of the run).

Pure: the command validates and describes a shape, the locust master follows it (through
`prodstack.ops.loadtest.engine`), and the report names the stage where an SLO first broke.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from prodstack.core.errors import UserError
from prodstack.ops.loadtest.limits import (
    DEFAULT_DURATION_S,
    DEFAULT_STAGES,
    MAX_DURATION_S,
    MAX_STEP_SECONDS,
    MAX_USERS,
    SPAWN_S,
    TICK_S,
)

KINDS = ("steady", "step", "ramp")
DEFAULT_EVERY_S = 30.0
DEFAULT_STEPS = 5  # a step shape without --step climbs to its ceiling in this many steps


@dataclass(frozen=True)
class Stage:
    """A stretch of the run judged on its own: [start_s, end_s) with its users."""

    index: int
    start_s: float
    end_s: float
    users_from: int
    users_to: int

    @property
    def label(self) -> str:
        users = (f"{self.users_from}" if self.users_from == self.users_to
                 else f"{self.users_from}–{self.users_to}")
        return f"stage {self.index + 1} ({users} users, {self.start_s:g}–{self.end_s:g} s)"


@dataclass(frozen=True)
class Shape:
    kind: str
    users: int  # steady: the users; step and ramp: the ceiling
    duration_s: float
    start: int = 0
    step: int = 0
    every_s: float = 0.0

    def users_at(self, t: float) -> int:
        if self.kind == "step":
            return min(self.users, self.start + self.step * int(t // self.every_s))
        if self.kind == "ramp":
            share = min(max(t / self.duration_s, 0.0), 1.0)
            return round(self.start + (self.users - self.start) * share)
        return self.users

    @property
    def spawn_rate(self) -> float:
        """Users started per second: a step's new users within SPAWN_S, a ramp's as it climbs."""
        if self.kind == "step":
            return max(self.start, self.step) / SPAWN_S
        if self.kind == "ramp":
            return max(self.start, math.ceil((self.users - self.start) / self.duration_s),
                       1) / SPAWN_S
        return self.users / SPAWN_S

    def stages(self) -> list[Stage]:
        if self.kind == "steady":
            return [Stage(0, 0.0, self.duration_s, self.users, self.users)]
        stages: list[Stage] = []
        t = 0.0
        while t < self.duration_s - 1e-9:
            end = min(t + self.every_s, self.duration_s)
            if self.kind == "step" and self.users_at(t) == self.users:
                end = self.duration_s  # the ceiling holds to the end: one stage
            last = self.users_at(t) if self.kind == "step" else self.users_at(end)
            stages.append(Stage(len(stages), round(t, 3), round(end, 3), self.users_at(t), last))
            t = end
        return stages

    def describe(self) -> str:
        if self.kind == "step":
            return (f"step load, {self.start} → {self.users} users (+{self.step} every "
                    f"{self.every_s:g} s), {self.duration_s:g} s")
        if self.kind == "ramp":
            return f"ramp, {self.start} → {self.users} users over {self.duration_s:g} s"
        return f"steady load, {self.users} users, {self.duration_s:g} s"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Shape:
        return cls(**data)


def make_shape(kind: str, users: int, duration: float | None, start: int | None,
               step: int | None, every: float | None) -> Shape:
    """Validate the shape options; a value that does not apply or is out of bounds is one
    line naming the option (exit 2)."""
    if kind not in KINDS:
        raise UserError(f"--shape must be one of {', '.join(KINDS)}, not {kind!r}", exit_code=2)
    if not 1 <= users <= MAX_USERS:
        raise UserError(f"--users must be from 1 to {MAX_USERS}, not {users}", exit_code=2)
    for name, value, kinds in (("--start", start, ("step", "ramp")), ("--step", step, ("step",)),
                               ("--every", every, ("step", "ramp"))):
        if value is not None and kind not in kinds:
            raise UserError(f"{name} applies to --shape {' or '.join(kinds)} only", exit_code=2)
    if duration is not None and not (math.isfinite(duration) and 0 < duration <= MAX_DURATION_S):
        raise UserError(f"--duration must be more than 0 and at most {MAX_DURATION_S:g} seconds,"
                        f" not {duration:g}", exit_code=2)
    if kind == "steady":
        return Shape("steady", users, duration or DEFAULT_DURATION_S)
    if every is not None and not (math.isfinite(every) and TICK_S <= every <= MAX_STEP_SECONDS):
        raise UserError(f"--every must be from {TICK_S:g} to {MAX_STEP_SECONDS:g} seconds, "
                        f"not {every:g}", exit_code=2)
    if kind == "step":
        step = step if step is not None else max(1, math.ceil(users / DEFAULT_STEPS))
        if not 1 <= step <= users:
            raise UserError(f"--step must be from 1 to --users ({users}), not {step}",
                            exit_code=2)
        start = start if start is not None else step
        _check_start(start, users)
        every = every or DEFAULT_EVERY_S
        steps = math.ceil((users - start) / step) + 1
        duration = duration or steps * every
        if duration > MAX_DURATION_S:
            raise UserError(f"{steps} steps of {every:g} s take {duration:g} s, more than "
                            f"{MAX_DURATION_S:g}: give fewer steps, a shorter --every or "
                            "--duration", exit_code=2)
        return Shape("step", users, duration, start, step, every)
    start = start if start is not None else 1
    _check_start(start, users)
    duration = duration or DEFAULT_DURATION_S
    every = every or max(TICK_S, duration / DEFAULT_STAGES)
    return Shape("ramp", users, duration, start, 0, every)


def _check_start(start: int, users: int) -> None:
    if not 1 <= start <= users:
        raise UserError(f"--start must be from 1 to --users ({users}), not {start}", exit_code=2)
