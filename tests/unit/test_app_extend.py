"""The user's own resources: a Python extension (`extend`) and a Terraform folder
(`extra_config`), built through the same `build()` every command uses; what they may not do is
refused in one line, exit 2."""

from __future__ import annotations

import json
import textwrap
import uuid
from pathlib import Path

import pytest

from prodstack.config.load import load_settings
from prodstack.config.record import RECORD_OUTPUT
from prodstack.core.errors import UserError
from prodstack.stack import synth
from prodstack.stack.compose import build
from tests.conftest import AWS_SETS
from tests.unit.test_cli import assert_one_line_error, run

QUEUE = """
resource "aws_sqs_queue" "jobs" {
  name                    = "${local.prodstack.name_prefix}-jobs"
  sqs_managed_sse_enabled = true
}
"""


def _extension(folder: Path, body: str) -> str:
    """A module in `folder` with `extend(stack)`; returns its reference (a fresh name)."""
    name = f"ext_{uuid.uuid4().hex[:8]}"
    (folder / f"{name}.py").write_text(textwrap.dedent(body))
    return f"{name}:extend"


def _config(folder: Path, **settings: str) -> Path:
    cfg = folder / "prodstack.toml"
    cfg.write_text("".join(f"{k} = {json.dumps(v)}\n" for k, v in settings.items()))
    return cfg


# --- extensions --------------------------------------------------------------------------

def test_an_extension_adds_adjusts_and_removes(tmp_path: Path):
    ref = _extension(tmp_path, """
        from prodstack import Stack, policy_document

        def extend(stack: Stack) -> None:
            vpc = stack.part("network").vpc
            stack.doc.resource("aws_security_group", "cache", name="cache", vpc_id=vpc.id,
                               description="cache")
            stack.doc.body_of("aws_lb_target_group", "blue")["deregistration_delay"] = 10
            stack.doc.remove("aws_cloudwatch_dashboard", "main")
            stack.doc.resource("aws_iam_role_policy", "extra", role=stack.webtier.role.id,
                               policy=policy_document({"Effect": "Allow",
                                                       "Action": "s3:ListBucket",
                                                       "Resource": "*"}))
    """)
    stack = build(load_settings(env="dev", config_file=_config(tmp_path, extend=ref)))
    doc = stack.doc.to_dict()["resource"]
    assert doc["aws_security_group"]["cache"]["vpc_id"] == "${aws_vpc.main.id}"
    assert doc["aws_lb_target_group"]["blue"]["deregistration_delay"] == 10
    assert "aws_cloudwatch_dashboard" not in doc
    assert "aws_iam_role_policy" in doc and "extra" in doc["aws_iam_role_policy"]


def test_an_extension_runs_before_the_target_adjusts(tmp_path: Path):
    """What it adds is adjusted like the rest: on the local target its provider points at
    the emulator, and the backend is the target's."""
    ref = _extension(tmp_path, """
        def extend(stack):
            assert "emulator_endpoint" not in stack.doc.variables
            stack.doc.provider("aws", alias="second", region="us-east-1")
    """)
    doc = build(load_settings(env="dev", config_file=_config(tmp_path, extend=ref))).doc
    assert all("endpoints" in body for body in doc.providers["aws"])


def test_an_extension_from_the_current_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    pkg = tmp_path / "mypkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    name = f"stack_{uuid.uuid4().hex[:8]}"
    (pkg / f"{name}.py").write_text("def extend(stack):\n    stack.doc.outputs.clear()\n")
    monkeypatch.chdir(tmp_path)
    stack = build(load_settings(env="dev", overrides=[f"extend=mypkg.{name}:extend"]))
    # Every output is gone but the deployment's record, written after the extension ran.
    assert list(stack.doc.outputs) == [RECORD_OUTPUT]


def test_an_extension_imports_its_own_modules_while_it_runs(tmp_path: Path):
    helper = f"helper_{uuid.uuid4().hex[:8]}"
    (tmp_path / f"{helper}.py").write_text(
        "def add(stack):\n    stack.doc.output('extra', 'x', 'from a helper')\n")
    ref = _extension(tmp_path, f"""
        def extend(stack):
            import {helper}
            {helper}.add(stack)
    """)
    stack = build(load_settings(env="dev", config_file=_config(tmp_path, extend=ref)))
    assert stack.doc.outputs["extra"]["value"] == "x"


@pytest.mark.parametrize(("body", "fragment"), [
    (None, "no module 'ext_missing_"),
    ("import no_such_dependency_anywhere\n", "importing"),
    ("def extend(:\n", "SyntaxError"),
    ("def something_else(stack):\n    pass\n", "has no function 'extend'"),
    ("extend = 42\n", "is not a function"),
    ("def extend(stack):\n    raise ValueError('no cache for you')\n",
     "failed: ValueError: no cache for you (at "),
    ("def extend(stack):\n    stack.doc.resource('aws_vpc', 'main')\n",
     "failed: ValueError: duplicate resource aws_vpc.main"),
    ("def extend(stack):\n    stack.doc.remove('aws_db_instance', 'main')\n",
     "the local target adjusts what it removed"),
])
def test_bad_extensions_are_one_line(tmp_path: Path, body: str | None, fragment: str):
    ref = f"ext_missing_{uuid.uuid4().hex[:8]}:extend" if body is None else \
        _extension(tmp_path, body)
    with pytest.raises(UserError) as err:
        build(load_settings(env="dev", config_file=_config(tmp_path, extend=ref)))
    message = str(err.value)
    assert message.startswith(f"extension '{ref}'") and fragment in message
    assert "\n" not in message and err.value.exit_code == 2


@pytest.mark.parametrize(("body", "fragment"), [
    ("import no_such_dependency_anywhere\n", "No module named 'no_such_dependency_anywhere'"),
    ("def extend(stack):\n    raise RuntimeError('boom')\n", "failed: RuntimeError: boom"),
])
def test_cli_bad_extension_is_one_line_exit_2(tmp_path: Path, body: str, fragment: str):
    cfg = _config(tmp_path, extend=_extension(tmp_path, body))
    proc = run("synth", "--config", str(cfg), "--out", str(tmp_path / "out"), home=tmp_path)
    assert_one_line_error(proc, fragment)
    assert proc.returncode == 2


# --- extra_config ------------------------------------------------------------------------

def _infra(tmp_path: Path, files: dict[str, str]) -> Path:
    folder = tmp_path / "infra"
    folder.mkdir(exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text)
    return folder


def test_extra_files_are_copied_with_a_prefix(tmp_path: Path):
    _infra(tmp_path, {"queue.tf": QUEUE, "more.tf.json": json.dumps(
        {"output": {"jobs_queue": {"value": "${aws_sqs_queue.jobs.url}"}}}),
        "README.md": "not Terraform"})
    cfg = _config(tmp_path, extra_config="infra/")
    s = load_settings(env="dev", target="aws", overrides=AWS_SETS, config_file=cfg)
    out = tmp_path / "out"
    (out).mkdir()
    (out / "extra_gone.tf").write_text("# from an earlier synth\n")
    written = {p.name for p in synth.write(s, out)}
    assert written == {"main.tf.json", "backend.tf.json", "extra_queue.tf",
                       "extra_more.tf.json"}
    assert (out / "extra_queue.tf").read_text() == QUEUE
    assert not (out / "extra_gone.tf").exists()
    assert sorted(p.name for p in out.iterdir()) == sorted(written)


@pytest.mark.parametrize(("files", "fragment"), [
    ({"a.tf": 'resource "aws_vpc" "main" {\n  cidr_block = "10.1.0.0/16"\n}\n'},
     "a.tf declares aws_vpc.main, which prodstack's stack declares too"),
    ({"a.tf.json": json.dumps({"resource": {"aws_lb": {"web": {}}}})},
     "declares aws_lb.web"),
    ({"a.tf": 'data "aws_caller_identity" "current" {}\n'}, "data.aws_caller_identity.current"),
    ({"a.tf": 'output "url" {\n  value = "x"\n}\n'}, "declares output url"),
    ({"a.tf": 'variable "emulator_endpoint" {}\n'}, "declares variable emulator_endpoint"),
    ({"a.tf": 'locals {\n  prodstack = {}\n}\n'}, "declares locals prodstack"),
    ({"a.tf": 'provider "aws" {\n  region = "us-east-1"\n}\n'}, "configures provider 'aws'"),
    ({"a.tf": 'terraform {\n  backend "s3" {}\n}\n'}, "sets backend: prodstack owns"),
    ({"a.tf": 'terraform {\n  required_providers {\n    aws = { source = "hashicorp/aws" }\n'
              '  }\n}\n'}, "sets required_providers"),
    ({"x_override.tf": "# override\n"}, "x_override.tf is an override file"),
    ({"bad.tf.json": "{not json"}, "bad.tf.json: not valid JSON"),
])
def test_extra_config_may_not_change_what_prodstack_owns(tmp_path: Path, files: dict[str, str],
                                                         fragment: str):
    _infra(tmp_path, files)
    cfg = _config(tmp_path, extra_config="infra")
    with pytest.raises(UserError) as err:
        build(load_settings(env="dev", config_file=cfg))
    assert fragment in str(err.value) and "\n" not in str(err.value)
    assert err.value.exit_code == 2


GRAPH = """
resource "aws_neptune_cluster" "graph" {
  cluster_identifier = "${local.prodstack.name_prefix}-graph"
}
"""


def test_the_local_target_refuses_what_the_emulator_does_not_serve(tmp_path: Path):
    """A Neptune cluster is fine on AWS; moto does not serve Neptune, so on the emulator its
    calls would go to real AWS. The refusal names the service."""
    _infra(tmp_path, {"graph.tf": GRAPH})
    cfg = _config(tmp_path, extra_config="infra")
    refused = r"aws_neptune_cluster.graph: the emulator does not serve this type's AWS " \
              r"service \(neptune\)"
    with pytest.raises(UserError, match=refused):
        build(load_settings(env="dev", config_file=cfg))
    ref = _extension(tmp_path, """
        def extend(stack):
            stack.doc.resource("aws_neptune_cluster", "graph", cluster_identifier="graph")
    """)
    with pytest.raises(UserError, match=refused):
        build(load_settings(env="dev", config_file=_config(tmp_path, extend=ref)))


def test_every_service_moto_serves_is_reachable_from_the_local_target(tmp_path: Path):
    """An SQS queue (and Lambda, EventBridge, ElastiCache, Step Functions…) now has its
    endpoint pointed at the emulator: the guard lets it through."""
    from prodstack.platform.endpoints import covered, service_of
    from prodstack.platform.local import SERVICES

    _infra(tmp_path, {"queue.tf": QUEUE})
    doc = build(load_settings(env="dev", config_file=_config(tmp_path, extra_config="infra"))).doc
    [provider] = doc.providers["aws"]
    assert {"sqs", "lambda", "events", "elasticache", "sfn"} <= set(provider["endpoints"][0])
    served = {"aws_sqs_queue": "sqs", "aws_lambda_function": "lambda",
              "aws_cloudwatch_event_rule": "events", "aws_cloudwatch_log_group": "logs",
              "aws_elasticache_replication_group": "elasticache",
              "aws_sfn_state_machine": "sfn", "aws_kinesis_stream": "kinesis",
              "aws_kinesis_firehose_delivery_stream": "firehose", "aws_msk_cluster": "kafka",
              "aws_lb_cookie_stickiness_policy": "elb", "aws_lb_listener_rule": "elbv2",
              "aws_route53_resolver_endpoint": "route53resolver",
              "aws_s3_account_public_access_block": "s3control",
              "aws_cognito_identity_pool": "cognitoidentity",
              "aws_cognito_user_pool": "cognitoidp"}
    assert {t: service_of(t) for t in served} == served
    assert all(covered(t, set(SERVICES)) for t in served)
    unserved = {"aws_neptune_cluster": "neptune", "aws_wafregional_web_acl": "wafregional",
                "aws_kinesis_analytics_application": "kinesisanalytics",
                "aws_mskconnect_connector": "kafkaconnect", "aws_lightsail_instance": "lightsail"}
    assert {t: service_of(t) for t in unserved} == unserved
    assert not any(covered(t, set(SERVICES)) for t in unserved)


@pytest.mark.parametrize("env", ["production", "staging", "dev"])
def test_every_type_of_the_stack_is_served_by_the_emulator(synth, env):
    from prodstack.platform.endpoints import covered
    from prodstack.platform.local import SERVICES

    doc = synth(env)
    types = [*doc["resource"], *doc["data"]]
    assert [t for t in types if not covered(t, set(SERVICES))] == []
    assert not covered("aws_neptune_cluster", set(SERVICES))
    assert not covered("aws_route53profiles_profile", set(SERVICES))


def test_extra_config_through_the_cli_is_one_line(tmp_path: Path):
    _infra(tmp_path, {"a.tf": 'resource "aws_vpc" "main" {}\n'})
    proc = run("synth", "--config", str(_config(tmp_path, extra_config="infra")),
               "--out", str(tmp_path / "out"), home=tmp_path)
    assert_one_line_error(proc, "declares aws_vpc.main")
    assert proc.returncode == 2
