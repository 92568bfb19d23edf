"""`prodstack loadtest` (FM-7.2): load tests of a URL or a locustfile, on one machine or many,
with the deployed stack's own metrics beside the load, judged against SLOs, in a report with
charts.

The package is split by process. The command's side never imports locust, which
monkey-patches the standard library for gevent on import:

- `orchestra` (runs the engine, the stack watch and the
  report), `address`, `shapes`, `slo`, `spec`, `limits`, `histogram` (pure), `stackwatch`
  (the deployment's metrics, boto3), `report`, `charts`, `page`, `png` (the report).
- The locust side, each in a process of its own: `engine` (`python -m prodstack.ops.loadtest
  SPEC_FILE`: the master, or the only process), `worker` (`python -m
  prodstack.ops.loadtest.worker`), and what both run: `scenario` (the users) and `guard` (the
  addresses users may connect to).

The click commands are `prodstack.cli.loadtest`; this package imports nothing, so that
`python -m prodstack.ops.loadtest` imports locust before anything else.
"""
