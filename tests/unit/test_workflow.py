"""The apply step of `up`: one more apply on the emulator after a refused retry, never on AWS."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from prodstack import workflow
from prodstack.tf.progress import Progress
from prodstack.tf.runner import PlanResult, TerraformError

REFUSED = ("apply failed: revoking default IPv4 egress rule for Security Group (sg-1): "
           "api error InvalidPermission.NotFound: The specified rule does not exist")


class FakeTerraform:
    def __init__(self, failures: list[str]) -> None:
        self.failures, self.calls = list(failures), []

    def apply(self, total: int) -> Progress:
        self.calls.append(("apply", total))
        if self.failures:
            raise TerraformError(self.failures.pop(0))
        return Progress(verb="apply", total=total, enabled=False)

    def plan(self) -> PlanResult:
        self.calls.append(("plan", 0))
        return PlanResult(changes=1, summary={"add": 1}, planned=[("create", "aws_x.y")],
                          seconds=1.0)


def test_emulator_refused_retry_is_applied_once_more(capsys):
    tf = FakeTerraform([REFUSED])
    workflow._apply(SimpleNamespace(local=True), tf, 144)
    assert tf.calls == [("apply", 144), ("plan", 0), ("apply", 1)]
    assert "applying once more" in capsys.readouterr().err


def test_a_second_refusal_is_reported():
    tf = FakeTerraform([REFUSED, REFUSED])
    with pytest.raises(TerraformError, match=r"InvalidPermission\.NotFound"):
        workflow._apply(SimpleNamespace(local=True), tf, 144)


@pytest.mark.parametrize(("local", "message"), [
    (False, REFUSED),  # the aws target never re-applies
    (True, "apply failed: creating RDS DB Instance: InvalidParameterValue"),
])
def test_other_failures_are_not_retried(local, message):
    tf = FakeTerraform([message])
    with pytest.raises(TerraformError):
        workflow._apply(SimpleNamespace(local=local), tf, 144)
    assert tf.calls == [("apply", 144)]
