"""The synthesized stack with an application: target groups, health checks and security groups
follow its port, path and matcher; its configuration is SSM String parameters the instance role
reads on exactly their path; no secret appears anywhere in the JSON; `local.prodstack` holds
the documented names."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from prodstack.config.load import load_settings
from prodstack.config.naming import STACK_KEYS
from prodstack.stack.built import Stack
from prodstack.stack.compose import build
from prodstack.stack.outputs import LOCALS
from tests.conftest import AWS_SETS, resources

ROOT = Path(__file__).resolve().parents[2]
APP = ("app_port=8080", "health_check_path=/healthz", "health_check_matcher=200-299")


@pytest.fixture(scope="module")
def app_doc(tmp_path_factory: pytest.TempPathFactory) -> dict:
    folder = tmp_path_factory.mktemp("app")
    (folder / "app.sh").write_text("#!/bin/bash\necho app\n")
    (folder / "prodstack.toml").write_text(
        'app_user_data = "app.sh"\n' + "".join(
            f'{k} = {v if k == "app_port" else json.dumps(v)}\n'
            for k, v in (item.split("=", 1) for item in APP))
        + '[app_environment]\nGREETING = "hello"\nFEATURE_FLAGS = "a,b"\n')
    return build(load_settings(env="production", target="aws", overrides=AWS_SETS,
                               config_file=folder / "prodstack.toml")).doc.to_dict()


def test_target_groups_follow_port_path_and_matcher(app_doc, synth):
    for colour in ("blue", "green"):
        tg = resources(app_doc, "aws_lb_target_group")[colour]
        assert tg["port"] == 8080 and tg["protocol"] == "HTTP"
        check = tg["health_check"][0]
        assert (check["path"], check["matcher"]) == ("/healthz", "200-299")
        default = resources(synth(), "aws_lb_target_group")[colour]
        assert default["port"] == 80 and default["health_check"][0]["path"] == "/"


def test_security_groups_follow_the_port(app_doc):
    egress = resources(app_doc, "aws_vpc_security_group_egress_rule")
    ingress = resources(app_doc, "aws_vpc_security_group_ingress_rule")
    for rule in (egress["alb_to_web"], ingress["web_from_alb"]):
        assert rule["from_port"] == rule["to_port"] == 8080
    # the ALB's own listeners and the database do not move
    assert ingress["alb_http"]["from_port"] == 80 and ingress["alb_https"]["from_port"] == 443
    assert ingress["db_from_web"]["from_port"] == egress["web_to_db"]["from_port"] == 5432
    ports = {r["from_port"] for r in [*egress.values(), *ingress.values()]
             if r["security_group_id"] == "${aws_security_group.web.id}"}
    assert ports == {8080, 443, 5432}


def test_the_app_configuration_parameters(app_doc):
    params = {p["name"]: p for n, p in resources(app_doc, "aws_ssm_parameter").items()
              if n != "release"}
    path = "/prodstack/production/app/"
    assert sorted(params) == sorted(path + k for k in (*STACK_KEYS, "GREETING",
                                                       "FEATURE_FLAGS"))
    values = {name.removeprefix(path): p["insecure_value"] for name, p in params.items()}
    assert values == {
        "DB_HOST": "${aws_db_instance.main.address}", "DB_PORT": "${aws_db_instance.main.port}",
        "DB_NAME": "${aws_db_instance.main.db_name}",
        "DB_SECRET_ARN": "${aws_db_instance.main.master_user_secret[0].secret_arn}",
        "DATA_BUCKET": "${aws_s3_bucket.data.id}", "AWS_REGION": "us-west-1",
        "PRODSTACK_ENV": "production", "APP_PORT": "8080", "GREETING": "hello",
        "FEATURE_FLAGS": "a,b"}
    assert all(p["type"] == "String" for p in params.values())


def test_the_instance_role_reads_exactly_the_app_path_and_its_secret(app_doc):
    policies = resources(app_doc, "aws_iam_role_policy")
    web = {n: json.loads(p["policy"])["Statement"] for n, p in policies.items()
           if p["role"] == "${aws_iam_role.web.id}"}
    assert set(web) == {"web_cloudwatch_agent", "web_read_db_secret", "web_read_app_config",
                        "web_use_data_bucket"}
    allow, deny = web["web_read_app_config"]
    base = ("arn:${data.aws_partition.current.partition}:ssm:us-west-1:"
            "${data.aws_caller_identity.current.account_id}:parameter/prodstack/production/app")
    reads = ["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"]
    assert allow == {"Sid": "ReadOwnAppConfiguration", "Effect": "Allow", "Action": reads,
                     "Resource": [base, base + "/*"]}
    # the managed SSM core policy allows GetParameter(s) on "*": denied but for this path
    # (and AWS's public parameters)
    assert deny == {"Sid": "NoOtherParameters", "Effect": "Deny",
                    "Action": [*reads, "ssm:GetParameterHistory"],
                    "NotResource": [base, base + "/*", "arn:${data.aws_partition.current."
                                    "partition}:ssm:us-west-1::parameter/aws/*"]}
    ssm_anywhere = [s for statements in web.values() for s in statements
                    if any(str(a).startswith("ssm:") for a in
                           (s["Action"] if isinstance(s["Action"], list) else [s["Action"]]))]
    assert ssm_anywhere == [allow, deny]
    secret = web["web_read_db_secret"][0]
    assert secret["Resource"] == "${aws_db_instance.main.master_user_secret[0].secret_arn}"


def test_instances_start_after_their_configuration(app_doc):
    for colour in ("blue", "green"):
        depends = resources(app_doc, "aws_autoscaling_group")[f"web_{colour}"]["depends_on"]
        assert "aws_iam_role_policy.web_read_app_config" in depends
        assert {f"aws_ssm_parameter.app_{k.lower()}" for k in STACK_KEYS} <= set(depends)


SECRET_LITERAL = re.compile(r"(AKIA|ASIA)[A-Z0-9]{16}|-----BEGIN [A-Z ]*PRIVATE KEY|"
                            r"aws_secret_access_key|sk_live_")


@pytest.mark.parametrize("target", ["local", "aws"])
def test_no_secret_in_the_synthesized_json(app_doc, synth, target):
    for doc in (app_doc, synth("production", target), synth("dev", target)):
        text = json.dumps(doc)
        assert not re.search(r'"(master_)?password"\s*:', text)
        assert "master_password" not in text and "secret_string" not in text
        assert not SECRET_LITERAL.search(text)
        db = resources(doc, "aws_db_instance")["main"]
        assert db["manage_master_user_password"] is True
        # the secret is named only by reference, never by a literal ARN
        assert ":secretsmanager:" not in text
        assert text.count("master_user_secret[0].secret_arn") >= 3  # parameter, policy, output


def test_local_prodstack_holds_the_documented_names(synth):
    for env, target in (("production", "local"), ("dev", "aws")):
        local = synth(env, target)["locals"]["prodstack"]
        assert list(local) == list(LOCALS)
        assert local["vpc_id"] == "${aws_vpc.main.id}"
        assert local["app_subnet_ids"][0] == "${aws_subnet.app_0.id}"
        assert local["alb_security_group_id"] == "${aws_security_group.alb.id}"
        assert local["name_prefix"] == f"prodstack-{env}"
        assert local["tags"] == {"environment": env, "project": "prodstack",
                                 "managed-by": "prodstack"}
        assert local["app_parameter_path"] == f"/prodstack/{env}/app"
    docs = (ROOT / "docs" / "application.md").read_text()
    documented = re.findall(r"^\| `local\.prodstack\.([a-z_]+)` \|", docs, re.M)
    assert documented == list(LOCALS)


def test_health_check_and_page_marker_outputs(app_doc, synth):
    assert app_doc["output"]["page_marker"]["value"] == ""
    assert app_doc["output"]["health_check_url"]["value"] == "https://shop.acme.io/healthz"
    default = synth()["output"]
    assert default["page_marker"]["value"] == "Production Server"
    assert default["health_check_url"]["value"] == "https://prodstack-demo.test/"


def test_parts_by_name():
    stack = build(load_settings(env="dev"))
    assert isinstance(stack, Stack)
    assert stack.part("network").vpc.id == "${aws_vpc.main.id}"
    assert stack.part("application").path == "/prodstack/dev/app"
    with pytest.raises(KeyError, match="no part 'nope'"):
        stack.part("nope")


def test_the_public_api():
    import prodstack
    from prodstack.config.load import load_settings
    from prodstack.config.settings import Settings
    from prodstack.stack.built import Stack
    from prodstack.stack.compose import build
    from prodstack.tf.document import Block, Document, expr, policy_document

    assert sorted(prodstack.__all__) == ["Block", "Document", "Settings", "Stack", "build",
                                         "expr", "load_settings", "policy_document"]
    assert (prodstack.Stack, prodstack.build, prodstack.load_settings, prodstack.Settings,
            prodstack.Block, prodstack.Document, prodstack.policy_document,
            prodstack.expr) == (Stack, build, load_settings, Settings, Block, Document,
                                policy_document, expr)
    with pytest.raises(AttributeError):
        prodstack.Workspace  # noqa: B018
    docs = (ROOT / "docs" / "application.md").read_text()
    for name in prodstack.__all__:
        assert f"`{name}" in docs, name
