"""The example application on the emulator, on the staging profile (production:
test_lifecycle; dev: test_faults), through the CLI: up → verify passes, the profile's accepted
single-AZ trade reported as n/a with its reason → `plan --detailed-exitcode` exits 0 → down
keeps the audit data and the final snapshot → the next up adopts them, re-plan clean → down
--purge leaves nothing.

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
STACK = ("--env", "staging", "--config", str(EXAMPLE))
PATH = "/prodstack/staging/app"


def _parameters(url: str) -> dict[str, str]:
    pages = boto("ssm", url).get_paginator("get_parameters_by_path").paginate(Path=PATH)
    return {p["Name"].rsplit("/", 1)[1]: p["Value"] for page in pages
            for p in page["Parameters"]}


def test_example_application_on_staging_up_verify_replan_down(cli: Cli, fresh_emulator: str):
    url = fresh_emulator
    try:
        cli("up", *STACK)
        outputs = json.loads(cli("outputs", *STACK, "--format", "json").stdout)
        assert outputs["health_check_url"] == "https://prodstack-demo.test/healthz"
        assert outputs["page_marker"] == "" and outputs["app_parameter_path"] == PATH
        assert outputs["sessions_table"] == "prodstack-staging-sessions"  # an extra output

        checks = {c["id"]: c for c in json.loads(
            cli("verify", *STACK, "--format", "json").stdout)["checks"]}
        assert [c for c in checks.values() if c["status"] == "fail"] == []
        assert checks["FM-7.1"]["status"] == "n/a"
        assert checks["FM-3.1"]["status"] == "n/a" and "staging" in checks["FM-3.1"]["detail"]
        assert checks["FM-3.2"]["status"] == "pass"
        assert cli("plan", *STACK, "--detailed-exitcode", check=False).returncode == 0

        # the application: its port, health check, configuration and user data
        groups = boto("elbv2", url).describe_target_groups(
            Names=["prodstack-staging-web-blue"])["TargetGroups"]
        assert (groups[0]["Port"], groups[0]["HealthCheckPath"]) == (8080, "/healthz")
        params = _parameters(url)
        assert params["GREETING"] == "Hello from the example application"
        assert params["APP_PORT"] == "8080" and params["DB_SECRET_ARN"].startswith("arn:")
        assert params["SESSIONS_TABLE"] == "prodstack-staging-sessions"  # from extra_config
        ec2 = boto("ec2", url)
        template = ec2.describe_launch_template_versions(
            LaunchTemplateId=outputs["launch_template_id"], Versions=["$Latest"])
        user_data = base64.b64decode(
            template["LaunchTemplateVersions"][0]["LaunchTemplateData"]["UserData"]).decode()
        assert user_data.index("/etc/prodstack/app.env") < user_data.index("example-app")

        # the extension's and the folder's resources
        assert "prodstack-staging-sessions" in boto("dynamodb", url).list_tables()["TableNames"]
        groups = boto("logs", url).describe_log_groups(
            logGroupNamePrefix="/prodstack/staging/example-app")["logGroups"]
        assert [g["logGroupName"] for g in groups] == ["/prodstack/staging/example-app"]
        alarm = boto("cloudwatch", url).describe_alarms(
            AlarmNames=["prodstack-staging-example-app-4xx"])["MetricAlarms"]
        assert alarm and alarm[0]["AlarmActions"] == [outputs["alarm_topic_arn"]]

        # down keeps the audit data and the final snapshot; the next up adopts them
        kept = cli("down", "--yes", *STACK)
        assert "final database snapshot: prodstack-staging-db-final-" in kept.stdout
        assert {b["Name"] for b in boto("s3", url).list_buckets()["Buckets"]} == set(
            outputs["buckets"].values())  # audit, logs and the application's data
        assert boto("rds", url).describe_db_instances()["DBInstances"] == []
        adopted = cli("up", *STACK)
        assert "resources kept by an earlier down" in adopted.stderr, adopted.stderr[-2000:]
        again = json.loads(cli("outputs", *STACK, "--format", "json").stdout)
        assert again["buckets"] == outputs["buckets"]
        assert cli("plan", *STACK, "--detailed-exitcode", check=False).returncode == 0
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
