"""The load test's bounds, defaults and clocks, read by both of its sides: the command (which
validates) and the locust processes (which obey). One place for each number."""

from __future__ import annotations

# Bounds: every run ends on its own, in time and in count.
MAX_DURATION_S = 3600.0  # long enough to watch Auto Scaling go out and come back
MAX_USERS = 20_000  # simulated users, all workers together
MAX_REQUESTS = 50_000_000  # hard ceiling of --max-requests
DEFAULT_MAX_REQUESTS = 2_000_000
MAX_STEP_SECONDS = 600.0

# Defaults of a run.
DEFAULT_DURATION_S = 30.0
DEFAULT_USERS = 20
DEFAULT_P95_MS = 500.0
DEFAULT_MAX_ERROR_RATE = 0.01
DEFAULT_STAGES = 10  # a ramp is reported in this many stages unless --every says otherwise

# The URL scenario: each simulated user sends one request per USER_RATE seconds⁻¹, so N users
# make N requests per second while the server answers within a second.
USER_RATE = 1.0
REQUEST_TIMEOUT_S = 10.0
PROBE_TIMEOUT_S = 5.0

# Clocks of the locust side.
TICK_S = 0.5  # the engine samples its statistics this often
WINDOW_S = 3.0  # the timeline's rates and percentiles are over this trailing window
REPORT_INTERVAL_S = 0.5  # workers report their statistics to the master this often
SPAWN_S = 1.0  # a step's new users are all started within this time

# Workers.
DEFAULT_WORKER_WAIT_S = 120.0  # how long the master waits for the workers it expects
WORKER_QUIT_S = 10.0  # how long a local worker may take to quit after the run

# The command's own waits.
ENGINE_GRACE_S = 60.0  # start-up, worker wait excluded, and the final report
PROGRESS_EVERY_S = 10.0  # a progress line on stderr this often
MAX_SLO_NAMES = 100  # request names reported per stage (the SLO's names always are)
