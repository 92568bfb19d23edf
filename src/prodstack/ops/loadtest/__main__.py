"""`python -m prodstack.ops.loadtest SPEC_FILE`: a run's locust master (see `engine`).

Started by `prodstack loadtest` as a process of its own: importing locust monkey-patches
sockets, threads and sleep for gevent, which must never happen in the command's process.
"""

# isort: off
import locust  # noqa: F401  first of all: locust patches the standard library for gevent on import

# isort: on
import os
import sys

from prodstack.ops.loadtest.engine import main

if __name__ == "__main__":
    code = main(sys.argv[1:])
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # every file is written and closed; gevent's teardown only costs a second
