"""The settings a deployment was made with, recorded with it (prodstack.config.record): what the
record holds, how a run's settings differ from it, and what a plan would destroy or replace
among the user's resources and those that hold data."""

from __future__ import annotations

from pathlib import Path

from prodstack.config import record
from prodstack.config.load import load_settings
from prodstack.stack.compose import build

TOML = """\
app_port = 8080
app_user_data = "user-data.sh"
extra_config = "infra"
extend = "ext_record:extend"

[app_environment]
GREETING = "hello"
"""


def _project(tmp_path: Path) -> Path:
    (tmp_path / "user-data.sh").write_text("#!/bin/sh\necho hi\n")
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "bucket.tf").write_text(
        'resource "aws_s3_bucket" "extra" {\n  bucket = "acme-extra"\n}\n')
    (tmp_path / "ext_record.py").write_text(
        "def extend(stack):\n"
        "    stack.doc.resource('aws_sns_topic', 'mine', name='mine')\n")
    config = tmp_path / "prodstack.toml"
    config.write_text(TOML)
    return config


def test_the_record_holds_the_settings_and_what_the_user_added(tmp_path: Path):
    config = _project(tmp_path)
    stack = build(load_settings(env="dev", config_file=config))
    assert stack.user_resources == ["aws_s3_bucket.extra", "aws_sns_topic.mine",
                                    "aws_ssm_parameter.app_greeting"]
    kept = stack.doc.outputs[record.RECORD_OUTPUT]["value"]
    assert kept["config_file"] == str(config)
    assert kept["user_resources"] == stack.user_resources
    # paths relative to the settings file's folder: a checkout elsewhere records the same
    assert kept["settings"] == {"app_port": 8080, "app_user_data": "user-data.sh",
                                "extra_config": "infra", "extend": "ext_record:extend",
                                "app_environment": {"GREETING": "hello"}}


def test_a_run_without_the_settings_file_says_how_it_differs(tmp_path: Path):
    config = _project(tmp_path)
    recorded = record.of(load_settings(env="dev", config_file=config), [])
    plain = load_settings(env="dev", overrides=["min_size=1"])
    lines = record.differences(recorded, plain)
    assert lines[0] == (f"the deployment was made with the settings of {config}; this run "
                        f"reads no settings file (give --config {config} to use the same)")
    assert "app_port: 8080 → unset (the default)" in lines
    assert "app_environment.GREETING: 'hello' → unset" in lines
    assert "extra_config: 'infra' → unset (the default)" in lines
    assert record.differences(recorded, load_settings(env="dev", config_file=config)) == []


def test_what_a_plan_would_destroy_among_the_users_and_the_stateful_is_named():
    planned = [("aws_s3_bucket.extra", "delete"), ("aws_ssm_parameter.app_greeting", "delete"),
               ("aws_lb_target_group.blue", "replace"), ("aws_db_instance.main", "replace"),
               ("aws_kms_key.data", "replace"), ("aws_vpc.main", "update"),
               ("aws_dynamodb_table.sessions[0]", "replace"), ("aws_subnet.app[1]", "delete")]
    users = {"aws_s3_bucket.extra", "aws_ssm_parameter.app_greeting",
             "aws_dynamodb_table.sessions"}
    found = record.at_risk(planned, {"aws_kms_key.data": "tainted"}, users)
    assert found == ["aws_s3_bucket.extra (destroyed; yours)",
                     "aws_ssm_parameter.app_greeting (destroyed; yours)",
                     "aws_db_instance.main (replaced; holds data)",
                     "aws_dynamodb_table.sessions[0] (replaced; yours)"]
    assert record.describe_risk([f"r{i}" for i in range(10)]).endswith("r7 and 2 more")


def test_up_ends_with_what_was_built_and_what_next():
    from prodstack.ops.summary import built

    lines = built(load_settings(env="dev"), {
        "region": "us-west-1", "url": "https://prodstack-demo.test/",
        "health_check_url": "https://prodstack-demo.test/", "alarm_names": ["a", "b"],
        "alarm_topic_arn": "arn:aws:sns:us-west-1:1:alarms",
        "dashboard_name": "prodstack-dev-us-west-1-overview"})
    text = "\n".join(lines)
    assert "site:       https://prodstack-demo.test/" in text
    assert "dashboard:  prodstack-dev-us-west-1-overview" in text
    assert "2 alarms notify arn:aws:sns:us-west-1:1:alarms (oncall@prodstack-demo.test)" in text
    assert "prodstack verify --env dev --target local" in text
    assert "prodstack down --env dev --target local --yes" in text
