"""`prodstack loadtest` (FM-7.2): a load test with SLO thresholds against a deployed URL.

The package is split by process:

- `command` owns the command line: it validates the URL and the bounds, probes the address,
  runs the worker, and judges its numbers against the SLO. It never imports locust.
- `__main__` is the worker (`python -m prodstack.loadtest SPEC_JSON`): it owns everything that
  touches locust, which monkey-patches the standard library for gevent on import and so runs
  in its own process.
"""

from prodstack.loadtest.command import loadtest_cmd

__all__ = ["loadtest_cmd"]
