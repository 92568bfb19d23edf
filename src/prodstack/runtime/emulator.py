"""The embedded AWS emulator: moto server on a free 127.0.0.1 port, run in the background.

Its pid and port live in `<workdir>/emulator.json` so that every prodstack process (and the
tests) find the same server. Only loopback is ever used.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from prodstack.config.settings import STRICT_ENV
from prodstack.core.errors import UserError
from prodstack.core.paths import work_root
from prodstack.platform.local import ADMIN_KEY

HOST = "127.0.0.1"
START_TIMEOUT_SECONDS = 30
# Known emulator settings: AWS managed policies must exist (roles attach them); certificates
# validate after a short wait, as they would once the DNS records exist.
EMULATOR_ENV = {
    "MOTO_IAM_LOAD_MANAGED_POLICIES": "true",
    "MOTO_ACM_VALIDATION_WAIT": "3",
}


# The identity prodstack signs the emulator's requests with: the emulator's administrator
# (access key `test`, unrestricted), or an IAM user or role of the emulator whose keys are
# given here, whose requests strict mode authorizes against its policies (to run prodstack as a
# CI role would, and see every refusal AWS would give it).
ACCESS_KEY_ENV = "PRODSTACK_EMULATOR_ACCESS_KEY_ID"
SECRET_KEY_ENV = "PRODSTACK_EMULATOR_SECRET_ACCESS_KEY"
SESSION_TOKEN_ENV = "PRODSTACK_EMULATOR_SESSION_TOKEN"


def credentials() -> tuple[str, str, str | None]:
    """(access key, secret key, session token) for the emulator's requests."""
    return (os.environ.get(ACCESS_KEY_ENV) or ADMIN_KEY,
            os.environ.get(SECRET_KEY_ENV) or ADMIN_KEY,
            os.environ.get(SESSION_TOKEN_ENV) or None)


@dataclass(frozen=True)
class EmulatorInfo:
    pid: int
    port: int
    strict: bool = True  # refuses what AWS refuses (prodstack.runtime.moto_patches.STRICT)

    @property
    def mode(self) -> str:
        return "strict" if self.strict else "permissive"

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"


def _state_file() -> Path:
    return work_root() / "emulator.json"


def _log_file() -> Path:
    return work_root() / "emulator.log"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def process_alive(pid: int) -> bool:
    """True for a running process; a zombie (exited, not yet reaped) counts as gone."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    with contextlib.suppress(ChildProcessError):
        if os.waitpid(pid, os.WNOHANG)[0] == pid:  # our own child, now reaped
            return False
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def answers(url: str, timeout: float = 2.0) -> bool:
    """True when a server answers HTTP at `url` (any status: an error page is an answer)."""
    try:
        with urllib.request.urlopen(f"{url}/moto-api/", timeout=timeout):
            return True
    except urllib.error.HTTPError:
        return True
    except (urllib.error.URLError, OSError, ValueError):
        return False


def read_info() -> EmulatorInfo | None:
    path = _state_file()
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text())
        return EmulatorInfo(pid=int(data["pid"]), port=int(data["port"]),
                            strict=bool(data.get("strict", True)))
    except (ValueError, KeyError, TypeError):
        return None


def running() -> EmulatorInfo | None:
    """The emulator if it is running and answering, else None."""
    info = read_info()
    if info and process_alive(info.pid) and answers(info.url):
        return info
    return None


def start(strict: bool = True) -> tuple[EmulatorInfo, bool]:
    """Start the emulator unless it runs; returns (info, started_now). `strict`: refuse what
    AWS refuses (the mode of one that already runs is its own: `check_mode`)."""
    info = running()
    if info:
        return info, False
    port = _free_port()
    work_root().mkdir(parents=True, exist_ok=True)
    log = _log_file().open("ab")
    env = {**os.environ, **EMULATOR_ENV, "MOTO_PORT": str(port),
           STRICT_ENV: "1" if strict else "0"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "prodstack.runtime.emulator_server", str(port)],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
        start_new_session=True,
    )
    info = EmulatorInfo(pid=proc.pid, port=port, strict=strict)
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise UserError(f"emulator exited at start (code {proc.returncode}); see {_log_file()}")
        if answers(info.url, timeout=0.5):
            _state_file().write_text(json.dumps({"pid": info.pid, "port": info.port,
                                                 "strict": strict}))
            return info, True
        time.sleep(0.2)
    proc.kill()
    raise UserError(f"emulator did not answer within {START_TIMEOUT_SECONDS} s; see {_log_file()}")


def check_mode(info: EmulatorInfo, strict: bool) -> None:
    """A running emulator in the other mode than the settings ask for is one line."""
    if info.strict != strict:
        wanted = "strict" if strict else "permissive"
        raise UserError(
            f"the emulator at {info.url} runs {info.mode}, but the settings ask for a {wanted} "
            f"one (emulator_strict, {STRICT_ENV}): stop it (`prodstack emulator stop`, which "
            "drops what it holds) and run again, or change the setting")


def stop() -> bool:
    """Stop the emulator; True if one was running."""
    info = read_info()
    _state_file().unlink(missing_ok=True)
    if not info or not process_alive(info.pid):
        return False
    try:
        os.killpg(info.pid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        os.kill(info.pid, signal.SIGTERM)
    for _ in range(50):
        if not process_alive(info.pid):
            break
        time.sleep(0.1)
    else:
        os.kill(info.pid, signal.SIGKILL)
    return True


def reset(url: str) -> None:
    """Drop every resource the emulator holds."""
    req = urllib.request.Request(f"{url}/moto-api/reset", method="POST")
    try:
        with urllib.request.urlopen(req, timeout=30):
            pass
    except (urllib.error.URLError, OSError) as exc:
        raise UserError(f"emulator at {url} did not accept a reset: {exc}") from None


def gone(error: BaseException) -> str | None:
    """The emulator's URL when `error` is a failed connection to an emulator that no longer
    answers (it stopped under the command), else None."""
    from botocore.exceptions import (
        ConnectionClosedError,
        EndpointConnectionError,
        ReadTimeoutError,
    )

    if not isinstance(error, EndpointConnectionError | ConnectionClosedError | ReadTimeoutError):
        return None
    info = read_info()
    if info is None or info.url not in str(error) or answers(info.url):
        return None
    return info.url


def stopped_message(url: str) -> str:
    return (f"the emulator at {url} stopped: start it with `prodstack emulator start`; it comes "
            "back empty, so then `prodstack up --reset-state` deploys again (or `prodstack "
            "down --yes --reset-state` forgets what it held)")


def require() -> EmulatorInfo:
    """The running emulator, started if needed (the local target calls this)."""
    info, _ = start()
    return info


def run_backup_plan(url: str, plan_id: str, region: str, rule: str | None = None,
                    account_id: str | None = None) -> list[dict[str, str]]:
    """Run a backup plan's rules now in the emulator at `url` (what AWS Backup does at each
    rule's schedule: `prodstack.runtime.moto_patches.backup_plan_run`); returns the backup jobs
    started (BackupJobId, ResourceArn, RecoveryPointArn, State)."""
    body = {"BackupPlanId": plan_id, "Region": region, "RuleName": rule, "AccountId": account_id}
    req = urllib.request.Request(
        f"{url}/moto-api/prodstack/backup/run-plan", method="POST",
        data=json.dumps({k: v for k, v in body.items() if v}).encode(),
        headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as answer:
            return list(json.loads(answer.read())["BackupJobs"])
    except urllib.error.HTTPError as exc:
        raise UserError(f"the emulator at {url} did not run backup plan {plan_id}: "
                        f"{exc.read().decode(errors='replace')}") from None


def refusals(url: str) -> list[dict[str, str]]:
    """Every request the emulator at `url` refused an IAM identity since it started
    (principal, action, resource, message: `prodstack.moto_patches.iam_authorization`)."""
    try:
        with urllib.request.urlopen(f"{url}/moto-api/prodstack/access-denied",
                                    timeout=30) as answer:
            return list(json.loads(answer.read())["refusals"])
    except (urllib.error.URLError, OSError, ValueError, KeyError) as exc:
        raise UserError(f"the emulator at {url} did not list its refusals: {exc}") from None
