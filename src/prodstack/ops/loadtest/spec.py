"""What the command tells the locust side: the run's specification, as JSON.

`Scenario` is what every process that sends load needs (the master hands it to each worker
as it joins): where the load goes and may go, and what each user does. `Spec` adds what the
master alone needs: the shape, the bounds, the workers, and where to write.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from prodstack.ops.loadtest.shapes import Shape

# Messages between the master and its workers, besides locust's own.
SCENARIO = "prodstack_scenario"  # master -> worker as it joins: the Scenario
HELLO = "prodstack_hello"  # worker -> master, once it has the scenario: {"host", "pid"}
REFUSED = "prodstack_refused"  # worker -> master, before it quits: {"reason"}


@dataclass(frozen=True)
class Scenario:
    base: str  # scheme://host[:port]: locust's host
    path: str  # the URL scenario's page
    allowed: list[tuple[str, int]]  # (host, port) pairs the users may connect to
    expect: str | None = None
    locustfile: str | None = None  # absolute path, or None for the URL scenario
    locustfile_sha256: str | None = None

    @property
    def kind(self) -> str:
        return "locustfile" if self.locustfile else "url"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Scenario:
        data = dict(data)
        data["allowed"] = [(str(h), int(p)) for h, p in data["allowed"]]
        return cls(**data)


@dataclass(frozen=True)
class Spec:
    scenario: Scenario
    shape: Shape
    max_requests: int
    out: str  # the result JSON the engine writes
    locust_html: str  # locust's own HTML report
    log_dir: str  # the local workers' logs
    workers: int = 0  # local worker processes (0: the master runs the users itself)
    expect_workers: int = 0  # workers to wait for, local ones included
    master_bind: tuple[str, int] | None = None
    worker_wait_s: float = 0.0
    slo_names: list[str] = field(default_factory=list)  # request names always reported

    @property
    def distributed(self) -> bool:
        return self.expect_workers > 0

    def dumps(self) -> str:
        data = asdict(self)
        data["shape"] = self.shape.as_dict()
        return json.dumps(data)

    @classmethod
    def loads(cls, text: str) -> Spec:
        data = json.loads(text)
        data["scenario"] = Scenario.from_dict(data["scenario"])
        data["shape"] = Shape.from_dict(data["shape"])
        if data["master_bind"] is not None:
            data["master_bind"] = (str(data["master_bind"][0]), int(data["master_bind"][1]))
        return cls(**data)


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
