"""One AWS provider process shared by the Terraform commands of one prodstack run.

Terraform starts the AWS provider (700 MB, its schema built at every start) several times
per command: for each graph walk of a plan or an apply, for `show`, for `validate`. The
provider can instead run on its own, in debug mode (`-debug`), and Terraform then attaches
to it (`TF_REATTACH_PROVIDERS`). Measured on a dev stack on the emulator: a fifth less CPU
for `up` and `down`, a tenth less for a re-plan.

Shared only where that is safe: the commands of one run are sequential, and the provider is
configured by each of them again with the same configuration; so only a configuration with
exactly one `aws` provider configuration (no alias, no module or extra file that could add
one) is attached, and only for the emulator (the local target), because the provider builds
its HTTP client at every configuration and a CA bundle (`AWS_CA_BUNDLE`) cannot be applied
twice in one process (a real account's proxy may need one; loopback never does). The process
is in a session of its own (a Ctrl-C at the terminal does not reach it), and on Linux dies
with prodstack (`PR_SET_PDEATHSIG`), even when prodstack is killed; elsewhere nothing is
shared. After an interrupted command the runner stops sharing (`Terraform.stop_sharing`).
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import json
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from prodstack.tf.cliconfig import PROVIDER

START_TIMEOUT_SECONDS = 60.0
_HCL_BLOCK = re.compile(r'^\s*(provider|module)\s*"', re.MULTILINE)
_REATTACH = re.compile(r"TF_REATTACH_PROVIDERS='(?P<value>\{.*\})'")
_PR_SET_PDEATHSIG = 1
# Provider settings that cannot be applied twice in one provider process.
_NOT_SHARED_ENV = ("AWS_CA_BUNDLE",)


def binary(workdir: Path) -> Path | None:
    """The AWS provider `terraform init` installed for `workdir`."""
    found = sorted((workdir / ".terraform" / "providers" / PROVIDER).glob(
        "*/*/terraform-provider-aws*"))
    return found[-1] if found else None


def _die_with_parent() -> None:
    ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


@dataclass
class ProviderServer:
    proc: subprocess.Popen[bytes]
    reattach: str

    def env(self) -> dict[str, str]:
        """What a Terraform command needs to attach; nothing once the process has ended."""
        return {"TF_REATTACH_PROVIDERS": self.reattach} if self.proc.poll() is None else {}

    def stop(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def start(workdir: Path, logs: Path, env: dict[str, str]) -> ProviderServer | None:
    """Start the provider `init` installed in `workdir` in debug mode; None where sharing is
    not possible here (not Linux, no provider binary, the provider did not start)."""
    path = binary(workdir)
    if path is None or not enabled():
        return None
    log = logs / f"{time.strftime('%Y%m%d-%H%M%S')}-provider.log"
    run_env = {k: v for k, v in env.items() if k not in _NOT_SHARED_ENV}
    with log.open("wb") as sink:
        proc = subprocess.Popen([str(path), "-debug"], stdout=sink, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, env=run_env, start_new_session=True,
                                preexec_fn=_die_with_parent)
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline and proc.poll() is None:
        found = _REATTACH.search(log.read_text(errors="replace"))
        if found:
            server = ProviderServer(proc, found["value"])
            atexit.register(server.stop)
            return server
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        proc.kill()
    proc.wait()
    return None


def enabled() -> bool:
    """Sharing works on Linux (the process must die with prodstack); it is on unless
    `PRODSTACK_SHARED_PROVIDER=0`."""
    return sys.platform.startswith("linux") and \
        os.environ.get("PRODSTACK_SHARED_PROVIDER", "1") != "0"


def shareable(aws_blocks: int, extra_files: dict[str, str]) -> bool:
    """Whether a configuration can use one shared provider: one `aws` configuration, and no
    extra file that adds a provider configuration or calls a module (which may bring its
    own)."""
    if aws_blocks != 1:
        return False
    for name, text in extra_files.items():
        if name.endswith(".json"):
            try:
                data = json.loads(text)
            except ValueError:
                return False
            if not isinstance(data, dict) or {"provider", "module"} & set(data):
                return False
        elif _HCL_BLOCK.search(text):
            return False
    return True
