"""The data checks on the aws target, through fake SSM, Auto Scaling and Secrets Manager clients:
the instance chosen, the command sent (no secret in it), its output read back, a failed
command, a command that outlives the wait, no instance to run on, and `--sql` refused where no
database answers SQL."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from prodstack.cli.backup import check_queries
from prodstack.core.errors import UserError
from prodstack.ops.backup import runcommand
from prodstack.ops.backup.runcommand import NoInstance, data_checks, pick_instance

OUTPUTS = {"region": "us-west-1", "release_parameter": "/prodstack/production/release",
           "asg_names": {"blue": "prodstack-production-web-blue",
                         "green": "prodstack-production-web-green"},
           "db_secret_arn": "arn:aws:secretsmanager:us-west-1:123456789012:secret:rds!db-1"}
SOURCE = {"DBInstanceIdentifier": "prodstack-production-db", "DBName": "productiondb",
          "Endpoint": {"Address": "db.source.internal", "Port": 5432}}
RESTORED = {"DBInstanceIdentifier": "prodstack-production-db-restore-20250101000000",
            "DBName": "productiondb",
            "Endpoint": {"Address": "db-restore.internal", "Port": 5432}}
GOOD_OUTPUT = "\n".join([
    "PRODSTACK\tanswers\tsource\t1", "PRODSTACK\tanswers\trestored\t1",
    "PRODSTACK\ttables\tsource\t2", "PRODSTACK\ttables\trestored\t2",
    "PRODSTACK\tmissing_count\t0",
    "PRODSTACK\tcount\tsource\tpublic.orders\t12", "PRODSTACK\tcount\trestored\tpublic.orders\t10",
    "PRODSTACK\tquery\t1\tsource\t2\tabc", "PRODSTACK\tquery\t1\trestored\t2\tabc",
    "PRODSTACK\tdone", ""])


def client_error(code: str, op: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": f"{code} happened"}}, op)


class FakeSSM:
    def __init__(self, invocations: list[dict[str, Any] | BaseException], live: str = "blue",
                 send_error: Exception | None = None) -> None:
        self.invocations = invocations
        self.live = live
        self.send_error = send_error
        self.sent: list[dict[str, Any]] = []
        self.cancelled: list[str] = []
        self.polls = 0

    def get_parameter(self, Name: str) -> dict[str, Any]:
        assert Name == OUTPUTS["release_parameter"]
        return {"Parameter": {"Value": json.dumps({"live": self.live})}}

    def send_command(self, **kwargs: Any) -> dict[str, Any]:
        if self.send_error:
            raise self.send_error
        self.sent.append(kwargs)
        return {"Command": {"CommandId": "cmd-1"}}

    def get_command_invocation(self, CommandId: str, InstanceId: str) -> dict[str, Any]:
        assert CommandId == "cmd-1"
        self.polls += 1
        step = self.invocations[min(self.polls, len(self.invocations)) - 1]
        if isinstance(step, BaseException):
            raise step
        return step

    def cancel_command(self, CommandId: str, InstanceIds: list[str]) -> dict[str, Any]:
        self.cancelled.append(CommandId)
        return {}


def instance(iid: str, state: str = "InService", health: str = "Healthy") -> dict[str, str]:
    return {"InstanceId": iid, "LifecycleState": state, "HealthStatus": health}


class FakeAutoScaling:
    def __init__(self, groups: dict[str, list[dict[str, str]]]) -> None:
        self.groups = groups

    def describe_auto_scaling_groups(self, AutoScalingGroupNames: list[str]) -> dict[str, Any]:
        return {"AutoScalingGroups": [{"AutoScalingGroupName": n, "Instances": self.groups[n]}
                                      for n in AutoScalingGroupNames if n in self.groups]}


class FakeSecrets:
    """Present only to prove the caller never reads the password for the data checks."""

    def get_secret_value(self, **_: Any) -> dict[str, Any]:
        raise AssertionError("the data checks must not read the secret on the caller's side")


def factory(ssm: FakeSSM, autoscaling: FakeAutoScaling) -> Any:
    clients = {"ssm": ssm, "autoscaling": autoscaling, "secretsmanager": FakeSecrets()}
    return lambda service: clients[service]


BLUE = "prodstack-production-web-blue"
GREEN = "prodstack-production-web-green"


def test_the_live_colours_healthy_instance_is_chosen():
    groups = FakeAutoScaling({GREEN: [instance("i-2", "Pending"),
                                      instance("i-3", health="Unhealthy"), instance("i-4")],
                              BLUE: [instance("i-1")]})
    chosen, where = pick_instance(OUTPUTS, factory(FakeSSM([], live="green"), groups))
    assert chosen == "i-4" and "live colour" in where and GREEN in where


def test_the_idle_colour_serves_when_the_live_one_has_no_instance():
    groups = FakeAutoScaling({BLUE: [instance("i-1", "Terminating")], GREEN: [instance("i-9")]})
    chosen, where = pick_instance(OUTPUTS, factory(FakeSSM([]), groups))
    assert chosen == "i-9" and "idle colour" in where


def test_no_instance_in_service_is_a_failed_check_naming_both_groups():
    groups = FakeAutoScaling({BLUE: [instance("i-1", "Pending")], GREEN: []})
    with pytest.raises(NoInstance):
        pick_instance(OUTPUTS, factory(FakeSSM([]), groups))
    [check] = data_checks(OUTPUTS, factory(FakeSSM([]), groups), SOURCE, RESTORED,
                          client_package="postgresql16", poll_interval=0)
    assert check.status == "failed" and "no InService instance" in check.detail
    assert BLUE in check.detail and GREEN in check.detail


def run_checks(ssm: FakeSSM, queries: tuple[str, ...] = (), timeout: float | None = None
               ) -> list[Any]:
    groups = FakeAutoScaling({BLUE: [instance("i-1")], GREEN: []})
    return data_checks(OUTPUTS, factory(ssm, groups), SOURCE, RESTORED,
                       client_package="postgresql16", queries=queries, poll_interval=0,
                       timeout=timeout)


def test_the_command_is_sent_without_a_secret_and_its_output_becomes_checks():
    ssm = FakeSSM([client_error("InvocationDoesNotExist", "GetCommandInvocation"),
                   {"Status": "InProgress"},
                   {"Status": "Success", "StandardOutputContent": GOOD_OUTPUT}])
    result = run_checks(ssm, queries=("SELECT count(*) FROM orders WHERE id < 10",))
    assert [(c.id, c.status) for c in result] == [
        ("answers", "passed"), ("tables", "passed"), ("query_1", "passed")]
    assert "on i-1 of prodstack-production-web-blue (live colour)" in result[0].detail
    [sent] = ssm.sent
    assert sent["DocumentName"] == "AWS-RunShellScript" and sent["InstanceIds"] == ["i-1"]
    assert sent["Parameters"]["executionTimeout"] == [str(runcommand.EXECUTION_TIMEOUT)]
    script = sent["Parameters"]["commands"][0]
    assert OUTPUTS["db_secret_arn"] in script and "db-restore.internal" in script
    assert "PGPASSWORD" not in script and "PGPASSFILE" in script  # see test_credentials.py
    assert len(sent["Comment"]) <= 100
    assert ssm.polls == 3


def test_a_failed_command_is_a_failed_check_with_its_reason():
    fatal = "PRODSTACK\tfatal\tcannot read the database secret: AccessDeniedException\n"
    ssm = FakeSSM([{"Status": "Failed", "StandardOutputContent": fatal,
                    "StandardErrorContent": "", "StatusDetails": "Failed"}])
    [check] = run_checks(ssm)
    assert check.status == "failed"
    assert "cannot read the database secret: AccessDeniedException" in check.detail


def test_a_command_that_fails_before_printing_reports_its_stderr():
    ssm = FakeSSM([{"Status": "Failed", "StandardOutputContent": "",
                    "StandardErrorContent": "sh: 1: syntax error\n", "StatusDetails": "Failed"}])
    [check] = run_checks(ssm)
    assert check.status == "failed" and "ended Failed: sh: 1: syntax error" in check.detail


def test_a_command_that_outlives_the_wait_is_cancelled_and_fails():
    ssm = FakeSSM([{"Status": "InProgress", "StandardOutputContent": ""}])
    [check] = run_checks(ssm, timeout=0.05)
    assert check.status == "failed"
    assert "ended Waited: still InProgress after" in check.detail and "cancelled" in check.detail
    assert ssm.cancelled == ["cmd-1"]


def test_ssm_timing_the_command_out_is_a_failed_check():
    partial = "PRODSTACK\tanswers\tsource\t1\n"
    ssm = FakeSSM([{"Status": "TimedOut", "StandardOutputContent": partial,
                    "StandardErrorContent": "", "StatusDetails": "ExecutionTimedOut"}])
    [check] = run_checks(ssm)
    assert check.status == "failed" and "ended TimedOut: ExecutionTimedOut" in check.detail


def test_an_instance_ssm_cannot_reach_is_named_with_a_hint():
    ssm = FakeSSM([], send_error=client_error("InvalidInstanceId", "SendCommand"))
    [check] = run_checks(ssm)
    assert check.status == "failed" and "InvalidInstanceId" in check.detail
    assert "SSM agent" in check.detail


def test_no_secret_output_fails_without_sending_anything():
    ssm = FakeSSM([])
    groups = FakeAutoScaling({BLUE: [instance("i-1")]})
    outputs = {k: v for k, v in OUTPUTS.items() if k != "db_secret_arn"}
    [check] = data_checks(outputs, factory(ssm, groups), SOURCE, RESTORED,
                          client_package="postgresql16", poll_interval=0)
    assert check.status == "failed" and "db_secret_arn" in check.detail and ssm.sent == []


@pytest.mark.parametrize(("queries", "runs_sql", "fragment"), [
    (("SELECT 1",), False, "run no SQL engine"),
    (("  ",), True, "--sql #1 is empty"),
    (("x" * 5000,), True, "5,000 characters"),
    (tuple("SELECT 1" for _ in range(11)), True, "at most 10 queries"),
])
def test_bad_sql_options_are_one_line_errors(queries, runs_sql, fragment):
    with pytest.raises(UserError, match=fragment) as caught:
        check_queries(queries, runs_sql, "local")
    assert caught.value.exit_code == 2 and "\n" not in str(caught.value)
    check_queries(("SELECT 1",), True, "aws")  # a good one passes


def test_ctrl_c_while_waiting_cancels_the_command():
    ssm = FakeSSM([KeyboardInterrupt()])
    with pytest.raises(KeyboardInterrupt):
        run_checks(ssm)
    assert ssm.cancelled == ["cmd-1"]
