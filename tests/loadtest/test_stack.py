"""The stack under load, on the emulator: a recorded deployment (built with the AWS APIs in
the emulator, as tests/catalog builds live states, no Terraform), whose live group scales
from 2 to 4 instances (SetDesiredCapacity, as an operator or a policy would) once the load
stays above 4 requests a second, with the metrics it would have published put into the
emulator's CloudWatch. The emulator records the scaling activities of that change as AWS
does (prodstack.moto_patches.autoscaling_scaling_activities), and the report reads them from
DescribeScalingActivities. The load goes to a local server; the report must mark the scaling
event at the load it happened."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from click.testing import CliRunner

from prodstack.catalog.world import World
from prodstack.cli import cli
from prodstack.loadtest import command
from tests.conftest import running_emulator

pytestmark = pytest.mark.emulator

REGION = "us-west-1"
WHY = "a user request explicitly set group desired capacity"  # AWS's cause for the request


@pytest.fixture(scope="module")
def emulator_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_emulator(tmp_path_factory.mktemp("loadtest-emulator")) as url:
        yield url


class RecordedDeployment:
    """The deployment in the emulator, its scaling and its metrics, driven by the load."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.scaled_at: float | None = None
        world = World(self.client).network().edge(waf=None).web_tier().database(
            backup_plan=False)
        self.outputs = world.outputs | {"url": "https://shop.acme.io/",
                                        "http_url": "http://shop.acme.io/"}

    def client(self, service: str) -> Any:
        return boto3.client(service, region_name=REGION, endpoint_url=self.url,
                            aws_access_key_id="test", aws_secret_access_key="test")

    def scale(self) -> None:
        """Scale the live group 2 → 4: the emulator records one activity per launch."""
        self.scaled_at = datetime.now(UTC).timestamp()
        self.client("autoscaling").set_desired_capacity(
            AutoScalingGroupName=self.outputs["asg_names"]["blue"], DesiredCapacity=4)

    def publish(self, rate: int) -> None:
        alb = self.outputs["alb_arn"].split(":loadbalancer/", 1)[1]
        db = self.outputs["db_identifier"]
        now = datetime.now(UTC)

        def datum(name: str, dims: dict[str, str], value: float) -> dict[str, Any]:
            return {"MetricName": name, "Timestamp": now, "Value": value,
                    "Dimensions": [{"Name": k, "Value": v} for k, v in dims.items()]}

        cloudwatch = self.client("cloudwatch")
        cloudwatch.put_metric_data(Namespace="AWS/ApplicationELB", MetricData=[
            datum("RequestCount", {"LoadBalancer": alb}, rate),
            datum("TargetResponseTime", {"LoadBalancer": alb}, 0.01 * rate),
            datum("HTTPCode_Target_5XX_Count", {"LoadBalancer": alb}, 0)])
        cloudwatch.put_metric_data(Namespace="AWS/RDS", MetricData=[
            datum("CPUUtilization", {"DBInstanceIdentifier": db}, 10 + 5 * rate),
            datum("DatabaseConnections", {"DBInstanceIdentifier": db}, 2 * rate)])


def test_report_marks_the_scaling_events(emulator_url: str, server, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    deployment = RecordedDeployment(emulator_url)
    monkeypatch.setattr(command, "_deployment",
                        lambda settings: (deployment.outputs, deployment.client, False))
    monkeypatch.setenv("PRODSTACK_HOME", str(tmp_path))
    done = threading.Event()

    def operate() -> None:
        busy = 0  # like the alarm: the rate above 4/s for two datapoints in a row
        while not done.wait(0.5):
            rate = server.behaviour.rate()
            deployment.publish(rate)
            busy = busy + 1 if rate > 4 else 0
            if busy >= 2 and deployment.scaled_at is None:
                deployment.scale()

    operator = threading.Thread(target=operate, daemon=True)
    operator.start()
    try:
        result = CliRunner().invoke(cli, [
            "loadtest", server.url, "--env", "production", "--shape", "step", "--start", "2",
            "--step", "4", "--every", "2.5", "--users", "6", "--report", str(tmp_path / "r"),
            # this test judges the scaling marks, not latency (a busy machine saw 720 ms)
            "--p95-ms", "10000"])
    finally:
        done.set()
        operator.join(timeout=10)
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "r" / "report.json").read_text())
    stack = report["stack"]
    assert stack["colour"] == "blue" and stack["asg"] == deployment.outputs["asg_names"]["blue"]
    assert deployment.scaled_at is not None
    [event] = stack["events"]  # two activities, one decision
    assert (event["from"], event["to"], event["source"]) == (2, 4, "scaling activity")
    assert event["why"] == WHY and event["activities"] == 2
    assert 2.5 <= event["t"] <= 6  # in the second step (a busy machine scales a little late)
    assert event["load"]["users"] == 6  # the step that made it scale
    assert stack["samples"][0]["desired"] == 2
    assert stack["samples"][-1] | {"t": 0} == {"t": 0, "desired": 4, "in_service": 4}
    metrics = stack["metrics"]
    assert set(metrics) == {"requests", "target_response_time", "target_5xx", "elb_5xx",
                            "unhealthy_hosts", "web_cpu", "db_cpu", "db_connections"}
    assert metrics["target_response_time"]["points"] and metrics["db_connections"]["points"]
    assert not metrics["unhealthy_hosts"]["points"]  # nothing was published for it
    assert f"scaling     at {event['t']:g} s (6 users" in result.stdout
    html = (tmp_path / "r" / "report.html").read_text()
    assert html.count("scaling 2→4") >= 3  # marked on the load, latency and instance charts
    assert "Instances of the live group" in html and "database connections" in html
