"""The example application on the emulator (dev profile, the smallest), through the CLI:
up → verify passes → `plan --detailed-exitcode` exits 0 → down --purge leaves nothing.

One deployment covers both ways of adding resources: the example's `extra_config` folder (a
DynamoDB table, an SSM parameter, a role policy) and its Python extension (a log group and an
alarm) are applied with the stack, re-planned clean and destroyed with it.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from tests.e2e.conftest import Cli, boto

pytestmark = pytest.mark.e2e
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "app" / "prodstack.toml"
STACK = ("--env", "dev", "--config", str(EXAMPLE))
PATH = "/prodstack/dev/app"


def _parameters(url: str) -> dict[str, str]:
    pages = boto("ssm", url).get_paginator("get_parameters_by_path").paginate(Path=PATH)
    return {p["Name"].rsplit("/", 1)[1]: p["Value"] for page in pages
            for p in page["Parameters"]}


def test_example_application_up_verify_replan_down(cli: Cli, fresh_emulator: str):
    url = fresh_emulator
    try:
        cli("up", *STACK)
        outputs = json.loads(cli("outputs", *STACK, "--format", "json").stdout)
        assert outputs["health_check_url"] == "https://prodstack-demo.test/healthz"
        assert outputs["page_marker"] == "" and outputs["app_parameter_path"] == PATH
        assert outputs["sessions_table"] == "prodstack-dev-sessions"  # an extra output

        checks = {c["id"]: c for c in json.loads(
            cli("verify", *STACK, "--format", "json").stdout)["checks"]}
        assert [c for c in checks.values() if c["status"] == "fail"] == []
        assert checks["FM-7.1"]["status"] == "n/a"
        assert cli("plan", *STACK, "--detailed-exitcode", check=False).returncode == 0

        # the application: its port, health check, configuration and user data
        groups = boto("elbv2", url).describe_target_groups(
            Names=["prodstack-dev-web-blue"])["TargetGroups"]
        assert (groups[0]["Port"], groups[0]["HealthCheckPath"]) == (8080, "/healthz")
        params = _parameters(url)
        assert params["GREETING"] == "Hello from the example application"
        assert params["APP_PORT"] == "8080" and params["DB_SECRET_ARN"].startswith("arn:")
        assert params["SESSIONS_TABLE"] == "prodstack-dev-sessions"  # from extra_config
        ec2 = boto("ec2", url)
        template = ec2.describe_launch_template_versions(
            LaunchTemplateId=outputs["launch_template_id"], Versions=["$Latest"])
        user_data = base64.b64decode(
            template["LaunchTemplateVersions"][0]["LaunchTemplateData"]["UserData"]).decode()
        assert user_data.index("/etc/prodstack/app.env") < user_data.index("example-app")

        # the extension's and the folder's resources
        assert "prodstack-dev-sessions" in boto("dynamodb", url).list_tables()["TableNames"]
        groups = boto("logs", url).describe_log_groups(
            logGroupNamePrefix="/prodstack/dev/example-app")["logGroups"]
        assert [g["logGroupName"] for g in groups] == ["/prodstack/dev/example-app"]
        alarm = boto("cloudwatch", url).describe_alarms(
            AlarmNames=["prodstack-dev-example-app-4xx"])["MetricAlarms"]
        assert alarm and alarm[0]["AlarmActions"] == [outputs["alarm_topic_arn"]]
    finally:
        down = cli("down", "--yes", "--purge", *STACK, check=False)
    assert down.returncode == 0, down.stderr[-3000:]
    assert boto("dynamodb", url).list_tables()["TableNames"] == []
    assert _parameters(url) == {}
    assert boto("logs", url).describe_log_groups(logGroupNamePrefix="/prodstack")[
        "logGroups"] == []
    assert boto("cloudwatch", url).describe_alarms()["MetricAlarms"] == []
    assert boto("rds", url).describe_db_instances()["DBInstances"] == []
    assert boto("s3", url).list_buckets()["Buckets"] == []
