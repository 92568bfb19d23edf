"""Ctrl-C at a terminal during a Terraform run (prodstack.tf.interrupt), with a stand-in
`terraform` that counts the interrupts it receives: through a pseudo-terminal, the kernel
signals the terminal's whole foreground group, and Terraform must still get exactly one; the
message must say what the state read back holds."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from prodstack.tf import interrupt
from prodstack.tf.progress import Diagnostic, Progress
from tests.e2e.terminal import Terminal

VPC = {"mode": "managed", "type": "aws_vpc", "name": "main",
       "instances": [{"attributes": {"id": "vpc-1"}}]}
SUBNETS = {"mode": "managed", "type": "aws_subnet", "name": "app",
           "instances": [{"index_key": 0, "attributes": {"id": "subnet-0"}}]}


def _hook(kind: str, addr: str, action: str = "create") -> str:
    return json.dumps({"type": kind, "hook": {"resource": {"addr": addr}, "action": action}})


def _terraform(bin_dir: Path, saves: list[dict]) -> None:
    """A `terraform` whose apply creates two resources, then waits for SIGINT (counted in
    $TF_INTERRUPTS), takes two seconds to "save" `saves` as the state, and exits 1."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    state = json.dumps({"version": 4, "serial": 2, "resources": saves})
    script = bin_dir / "terraform"
    script.write_text(textwrap.dedent(f"""\
        #!/bin/sh
        if [ "$1" = state ]; then cat terraform.tfstate; exit 0; fi
        trap 'echo interrupt >> "$TF_INTERRUPTS"' INT
        echo '{_hook("apply_start", "aws_vpc.main")}'
        echo '{_hook("apply_complete", "aws_vpc.main")}'
        echo '{_hook("apply_start", "aws_subnet.app[0]")}'
        echo '{_hook("apply_complete", "aws_subnet.app[0]")}'
        echo '{_hook("apply_start", "aws_lb.web")}'
        touch "$TF_READY"
        while [ ! -s "$TF_INTERRUPTS" ]; do sleep 0.1; done
        sleep 2
        echo '{_hook("apply_errored", "aws_lb.web")}'
        echo '{state}' > terraform.tfstate
        exit 1
        """))
    script.chmod(0o755)


APPLY = textwrap.dedent("""\
    import sys
    from pathlib import Path
    from prodstack.tf.runner import Interrupted, Terraform
    work = Path(sys.argv[1])
    tf = Terraform(workdir=work, logs=work / "logs", show_progress=False)
    (work / "tfplan").write_text("plan")
    try:
        tf.apply(total=3)
    except Interrupted as exc:
        print(f"prodstack: error: {exc}", flush=True)
        sys.exit(130)
    """)


@pytest.fixture
def stand_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    def make(saves: list[dict]) -> dict[str, str]:
        _terraform(tmp_path / "bin", saves)
        (tmp_path / "work").mkdir()
        (tmp_path / "apply.py").write_text(APPLY)
        return {**os.environ, "PATH": f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}",
                "PRODSTACK_HOME": str(tmp_path / "home"),
                "TF_INTERRUPTS": str(tmp_path / "interrupts"),
                "TF_READY": str(tmp_path / "ready")}
    return make


def test_two_ctrl_c_at_a_terminal_reach_terraform_once_and_the_second_says_why(
        stand_in, tmp_path: Path):
    env = stand_in([VPC, SUBNETS])
    term = Terminal([str(tmp_path / "apply.py"), str(tmp_path / "work")], env,
                    command=[sys.executable])
    term.wait_for((tmp_path / "ready").exists, 30, "the apply to start")
    term.ctrl_c()
    term.ctrl_c()  # typed in a row: the second must not cut the wait short
    time.sleep(0.7)
    term.ctrl_c()  # while Terraform still "saves"
    code = term.finish(30)
    text = " ".join(term.output.split())
    assert code == 130, text
    assert (tmp_path / "interrupts").read_text().splitlines() == ["interrupt"], \
        "Terraform must receive exactly one interrupt"
    assert "Terraform finishes what is in flight and saves the state" in text
    assert "still waiting for Terraform" in text and "does not pass on a second" in text
    assert "interrupted after 3 of 3 resources: Terraform finished what was in flight and " \
           "saved the state (read back: 2 resources" in text


def test_a_state_that_lacks_what_terraform_created_is_not_called_saved(stand_in,
                                                                       tmp_path: Path):
    env = stand_in([VPC])  # the subnet Terraform reported created is not in the state
    proc = subprocess.Popen([sys.executable, str(tmp_path / "apply.py"), str(tmp_path / "work")],
                            env=env, text=True, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 30
    while not (tmp_path / "ready").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    proc.send_signal(signal.SIGINT)  # as a CI runner signals prodstack's pid alone
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 130, out
    assert "saved the state (read back" not in out
    assert "the state was NOT fully saved: the state lacks 1 resource(s) Terraform " \
           "reported created (aws_subnet.app[0])" in out


def _progress(*completed: tuple[str, str]) -> Progress:
    progress = Progress(verb="apply", total=len(completed), enabled=False)
    progress.completed = list(completed)
    progress.done = len(completed)
    return progress


def test_what_the_state_read_back_does_not_hold_is_named(tmp_path: Path):
    state = {"resources": [VPC, SUBNETS, {"mode": "data", "type": "aws_region", "name": "x",
                                          "instances": [{"attributes": {}}]}]}
    ok = _progress(("aws_vpc.main", "create"), ("aws_subnet.app[0]", "update"),
                   ("data.aws_region.x", "read"), ("aws_eip.nat", "delete"))
    assert interrupt.saved(ok, state, tmp_path, time.time(), forced=False) == []
    gone = _progress(("aws_vpc.main", "delete"), ("aws_nat_gateway.a", "create"))
    problems = interrupt.saved(gone, state, tmp_path, time.time(), forced=True)
    assert problems[0].startswith("Terraform exited without saving")
    assert "lacks 1 resource(s) Terraform reported created (aws_nat_gateway.a)" in problems[1]
    assert "still lists 1 resource(s) Terraform reported destroyed (aws_vpc.main)" in \
        problems[2]
    (tmp_path / "errored.tfstate").write_text("{}")
    # one an earlier run left is not this run's
    assert interrupt.saved(ok, state, tmp_path, time.time() + 60, forced=False) == []
    ok.errors.append(Diagnostic("error", "Error releasing the state lock", "", ""))
    problems = interrupt.saved(ok, None, tmp_path, time.time(), forced=False)
    assert "terraform state push errored.tfstate" in problems[0]
    assert problems[1:] == ["Terraform could not release the state lock",
                            "the state cannot be read back"]
    line = interrupt.message("apply", ok, None, problems, tmp_path / "x.log")
    assert "NOT fully saved" in line and "saved the state" not in line


def test_an_interrupted_plan_changed_nothing(tmp_path: Path):
    assert interrupt.message("plan", _progress(), None, [], tmp_path / "p.log").startswith(
        "interrupted while planning: nothing was changed")


def test_after_an_interrupt_a_later_one_cannot_cut_the_report_short(capsys):
    """A second Ctrl-C typed just after Terraform saved and exited lands while prodstack
    reports what the state holds: it is answered, and the report goes on."""
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with pytest.raises(KeyboardInterrupt), interrupt.interruptible(lambda since: "waiting"):
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(1)  # the handler raises here
        os.kill(os.getpid(), signal.SIGINT)  # after the run: no KeyboardInterrupt
        time.sleep(0.2)
        assert "already stopping" in capsys.readouterr().err
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


def test_without_an_interrupt_the_handlers_are_given_back():
    before = signal.getsignal(signal.SIGINT)
    with interrupt.interruptible(lambda since: "waiting"):
        pass
    assert signal.getsignal(signal.SIGINT) is before
