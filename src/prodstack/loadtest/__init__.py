"""`prodstack loadtest` (FM-7.2): load tests of a URL or a locustfile, on one machine or many,
with the deployed stack's own metrics beside the load, judged against SLOs, in a report with
charts.

The package is split by process. The command's side never imports locust, which
monkey-patches the standard library for gevent on import:

- `command` (the click commands), `orchestra` (runs the engine, the stack watch and the
  report), `address`, `shapes`, `slo`, `spec`, `limits`, `histogram` (pure), `stackwatch`
  (the deployment's metrics, boto3), `report`, `charts`, `page`, `png` (the report).
- The locust side, each in a process of its own: `engine` (`python -m prodstack.loadtest
  SPEC_FILE`: the master, or the only process), `worker` (`python -m
  prodstack.loadtest.worker`), and what both run: `scenario` (the users) and `guard` (the
  addresses users may connect to).

The commands are imported when first used, so that `python -m prodstack.loadtest` imports
locust before anything else.
"""

from __future__ import annotations

from typing import Any

__all__ = ["loadtest_cmd", "worker_cmd"]


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module 'prodstack.loadtest' has no attribute {name!r}")
    from prodstack.loadtest import command

    return getattr(command, name)
