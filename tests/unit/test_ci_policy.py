"""prodstack.ops.ci_policy: the CI role's managed policies (docs/ci.md) are well formed,
within IAM's limits, name only real IAM actions, are scoped to the deployment's names, follow
those names when they change, and `prodstack ci-policy` prints them or says in one line what
is wrong."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any

import botocore.session
import pytest

from prodstack.catalog.policies import Request, evaluate, parse
from prodstack.config.load import load_settings
from prodstack.config.profiles import PROFILES
from prodstack.config.settings import Settings
from prodstack.ops.ci_policy import (
    MAX_MANAGED_POLICIES,
    MAX_POLICY_CHARS,
    Policy,
    _pack,
    documents,
    policies,
    size,
)
from prodstack.ops.ci_policy.statements import allow
from prodstack.runtime.moto_patches._iam_request import ACTIONS

ACCOUNT = "123456789012"
# IAM prefix -> botocore service name (where they differ).
BOTOCORE = {"elasticloadbalancing": "elbv2", "tag": "resourcegroupstaggingapi",
            "servicequotas": "service-quotas"}
# IAM actions that are no API operation of their own (Service Authorization Reference:
# "permission only"), and what they authorize.
PERMISSION_ONLY = {
    "iam:PassRole": "giving a role to a service (CreateFlowLogs, CreateTrail, …)",
    "elasticloadbalancing:SetWebAcl": "wafv2:AssociateWebACL on a load balancer",
    "s3:BypassGovernanceRetention": "DeleteObjects with BypassGovernanceRetention",
    "s3:DeleteObjectVersion": "DeleteObject(s) naming a VersionId",
    "s3:GetObjectVersion": "GetObject naming a VersionId",
    "logs:CreateLogDelivery": "vended log delivery (WAF logging)",
    "logs:DeleteLogDelivery": "vended log delivery (WAF logging)",
    "logs:GetLogDelivery": "vended log delivery (WAF logging)",
    "logs:ListLogDeliveries": "vended log delivery (WAF logging)",
    "logs:UpdateLogDelivery": "vended log delivery (WAF logging)",
}
# Actions granted on `*`, each because AWS documents no resource-level permission for it (or
# the listing has no name to scope by). A change here is a change of what the role may do
# anywhere in the account: it must be deliberate.
ON_ANY_RESOURCE_CHANGES = {
    "acm:AddTagsToCertificate", "acm:RequestCertificate", "kms:TagResource",
    "config:DeleteConfigRule",
    "config:DeleteConfigurationRecorder", "config:DeleteDeliveryChannel", "config:PutConfigRule",
    "config:PutConfigurationRecorder", "config:PutDeliveryChannel",
    "config:StartConfigurationRecorder", "config:StopConfigurationRecorder",
    "config:TagResource", "config:UntagResource", "kms:CreateKey", "logs:CreateLogDelivery",
    "logs:DeleteLogDelivery", "logs:DeleteResourcePolicy", "logs:PutResourcePolicy",
    "logs:UpdateLogDelivery", "route53:CreateHealthCheck", "sns:SetSubscriptionAttributes",
    "sns:Unsubscribe", "ssm:CancelCommand", "ssm:CreateMaintenanceWindow",
}
READ_PREFIXES = ("Describe", "List", "Get")


def settings(**changes: Any) -> Settings:
    base = replace(load_settings(env="production"), state_bucket="acme-tfstate",
                   domain="shop.acme.io", hosted_zone_id="Z0ACME")
    return replace(base, **changes)


@cache
def production() -> tuple[Policy, ...]:
    return tuple(policies(settings(), ACCOUNT))


def statements(found: tuple[Policy, ...] | list[Policy]) -> list[dict[str, Any]]:
    return [st for p in found for st in p.document["Statement"]]


def allowed(action: str, resource: str, **context: Any) -> bool:
    request = Request(action=action, resources=(resource,), absent=("*",),
                      context={"aws:RequestedRegion": "us-west-1", **context})
    return any(evaluate(parse(json.dumps(p.document)), request) is True for p in production())


@cache
def operations(service: str) -> frozenset[str]:
    model = botocore.session.get_session().get_service_model(BOTOCORE.get(service, service))
    return frozenset(model.operation_names)


def test_each_document_is_a_policy_iam_accepts():
    found = production()
    assert 1 <= len(found) <= MAX_MANAGED_POLICIES
    names = [p.name for p in found]
    assert len(set(names)) == len(names) and all(re.fullmatch(r"[\w+=,.@-]{1,128}", n)
                                                 for n in names)
    for policy in found:
        doc = policy.document
        assert set(doc) == {"Version", "Statement"} and doc["Version"] == "2012-10-17"
        assert size(doc) <= MAX_POLICY_CHARS, (policy.name, size(doc))
        sids = [st["Sid"] for st in doc["Statement"]]
        assert len(set(sids)) == len(sids) and all(s.isalnum() for s in sids)
        for st in doc["Statement"]:
            assert st["Effect"] == "Allow" and st["Action"] and st["Resource"]
    every = [st["Sid"] for st in statements(found)]
    assert len(set(every)) == len(every)


def test_documents_are_the_policies_json():
    assert documents(settings(), ACCOUNT) == [p.document for p in production()]
    assert json.loads(production()[0].to_json()) == production()[0].document


def test_packing_splits_at_the_size_limit_and_keeps_every_statement():
    wide = [allow(f"S{n}", [f"ec2:Describe{n:04d}Things"] * 1 + [f"ec2:Describe{n:04d}More"],
                  [f"arn:aws:ec2:us-west-1:{ACCOUNT}:vpc/vpc-{n:040d}"] * 1, "test")
            for n in range(120)]
    packed = _pack("ci-network", wide)
    assert len(packed) > 1 and [p.name for p in packed][:2] == ["ci-network-1", "ci-network-2"]
    assert all(size(p.document) <= MAX_POLICY_CHARS for p in packed)
    assert [st for p in packed for st in p.statements] == wide
    # the first document is full: one more statement would not have fit
    first = packed[0]
    assert size(Policy("x", (*first.statements, packed[1].statements[0])).document) \
        > MAX_POLICY_CHARS
    assert _pack("ci-data", wide[:2])[0].name == "ci-data"


def test_size_counts_no_whitespace():
    doc = {"Version": "2012-10-17", "Statement": []}
    assert size(doc) == len(json.dumps(doc, separators=(",", ":")))


def test_every_action_is_a_real_iam_action():
    # S3's IAM names of API operations (the emulator's table, and one it does not need)
    from_api = {iam: api for api, iam in ACTIONS.items()}
    from_api["s3:GetAccelerateConfiguration"] = "s3:GetBucketAccelerateConfiguration"
    unknown = []
    for st in statements(production()):
        for action in st["Action"]:
            assert "*" not in action, f"{st['Sid']}: wildcard action {action}"
            prefix = action.split(":")[0]
            api = from_api.get(action, action).split(":")[1]
            if action not in PERMISSION_ONLY and api not in operations(prefix):
                unknown.append(action)
    assert not unknown, f"no such API operation (nor a permission-only action): {unknown}"


def test_only_reads_and_the_documented_actions_are_granted_on_any_resource():
    anywhere = {a for st in statements(production()) if st["Resource"] == "*"
                for a in st["Action"]}
    changes = {a for a in anywhere if not a.split(":")[1].startswith(READ_PREFIXES)}
    assert changes == ON_ANY_RESOURCE_CHANGES
    for policy in production():
        for st in policy.statements:
            if st.resources == ("*",):
                assert "no resource-level permissions" in st.reason or "no name" in st.reason, \
                    st.sid


def test_the_deployment_is_granted_and_its_neighbours_are_not():
    role = f"arn:aws:iam::{ACCOUNT}:role/prodstack-production-us-west-1-web"
    assert allowed("iam:CreateRole", role)
    assert not allowed("iam:CreateRole", role.replace("production", "staging"))
    ci_role = f"arn:aws:iam::{ACCOUNT}:role/{settings().names.ci_role}"
    assert not allowed("iam:PutRolePolicy", ci_role), "the role must not widen itself"
    assert allowed("iam:PassRole", role, **{"iam:PassedToService": "ec2.amazonaws.com"})
    assert not allowed("iam:PassRole", role, **{"iam:PassedToService": "lambda.amazonaws.com"})
    assert not allowed("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/admin",
                       **{"iam:PassedToService": "ec2.amazonaws.com"})
    attach = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
    assert allowed("iam:AttachRolePolicy", role, **{"iam:PolicyARN": attach})
    assert not allowed("iam:AttachRolePolicy", role, **{
        "iam:PolicyARN": "arn:aws:iam::aws:policy/AdministratorAccess"})
    bucket = f"arn:aws:s3:::prodstack-production-audit-{ACCOUNT}-us-west-1"
    assert allowed("s3:DeleteBucket", bucket)
    assert not allowed("s3:DeleteBucket", "arn:aws:s3:::someone-elses-bucket")
    assert not allowed("s3:DeleteBucket", bucket.replace(ACCOUNT, "999999999999"))
    state = "arn:aws:s3:::acme-tfstate/prodstack/production/us-west-1/terraform.tfstate"
    assert allowed("s3:PutObject", state)
    assert not allowed("s3:PutObject", state.replace("production", "staging"))
    assert not allowed("s3:DeleteObject", state), "only the lock file is deleted"
    parameter = f"arn:aws:ssm:us-west-1:{ACCOUNT}:parameter/prodstack/production/release"
    assert allowed("ssm:PutParameter", parameter)
    assert not allowed("ssm:PutParameter", parameter.replace("production", "staging"))
    group = f"arn:aws:logs:us-west-1:{ACCOUNT}:log-group:/prodstack-production/cloudtrail"
    assert allowed("logs:DeleteLogGroup", group)
    assert not allowed("logs:DeleteLogGroup", f"arn:aws:logs:us-west-1:{ACCOUNT}:log-group:/x")
    lb = (f"arn:aws:elasticloadbalancing:us-west-1:{ACCOUNT}:loadbalancer/app/"
          "prodstack-production-alb/50dc6c495c0c9188")
    assert allowed("elasticloadbalancing:DeleteLoadBalancer", lb)
    assert not allowed("elasticloadbalancing:DeleteLoadBalancer", lb.replace("production",
                                                                            "staging"))
    assert not allowed("ec2:DeleteVpc", f"arn:aws:ec2:eu-west-1:{ACCOUNT}:vpc/vpc-1"), \
        "another region"
    trail = f"arn:aws:cloudtrail:us-west-1:{ACCOUNT}:trail/prodstack-production-us-west-1-trail"
    assert allowed("cloudtrail:StopLogging", trail)
    assert not allowed("cloudtrail:StopLogging", trail.replace("production", "staging"))


def test_the_policy_follows_the_names():
    """Another project, environment or region: every name-scoped grant moves with it."""
    before = json.dumps(statements(production()))
    for change, old, new in ((dict(project="acme"), "prodstack-production", "acme-production"),
                             (dict(env="staging"), "prodstack-production", "prodstack-staging"),
                             (dict(region="eu-west-1"), "us-west-1", "eu-west-1")):
        after = json.dumps(statements(policies(settings(**change), ACCOUNT)))
        assert after != before
        assert new in after and old not in after, change


def test_optional_parts_follow_the_settings():
    without_recorder = statements(policies(settings(config_recorder=False), ACCOUNT))
    assert "config:PutConfigurationRecorder" not in json.dumps(without_recorder)
    given = "arn:aws:acm:us-west-1:123456789012:certificate/0a1b2c3d-0000-4000-8000-000000000000"
    with_certificate = json.dumps(statements(policies(settings(certificate_arn=given,
                                                               hosted_zone_id=None), ACCOUNT)))
    assert "acm:RequestCertificate" not in with_certificate
    assert "route53:ChangeResourceRecordSets" not in with_certificate
    any_account = json.dumps(statements(policies(settings())))
    assert ACCOUNT not in any_account and ":*:role/prodstack-production-us-west-1-*" in any_account


def run(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRODSTACK_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "prodstack", "ci-policy", *args],
                          capture_output=True, text=True, env=env, timeout=120, check=False,
                          cwd=home)


SETS = ("--set", "state_bucket=acme-tfstate", "--set", "domain=shop.acme.io",
        "--set", "hosted_zone_id=Z0ACME")


def test_the_command_prints_the_documents_or_writes_one_file_each(tmp_path: Path):
    proc = run(*SETS, "--account", ACCOUNT, home=tmp_path)
    assert proc.returncode == 0, proc.stderr
    printed = json.loads(proc.stdout)
    assert list(printed.values()) == [p.document for p in production()]
    proc = run(*SETS, "--account", ACCOUNT, "--out", str(tmp_path / "ci"), home=tmp_path)
    assert proc.returncode == 0, proc.stderr
    files = sorted((tmp_path / "ci").glob("*.json"))
    assert [f.stem for f in files] == sorted(printed)
    assert [json.loads(f.read_text()) for f in files] == [printed[f.stem] for f in files]
    explained = run(*SETS, "--explain", home=tmp_path)
    assert explained.returncode == 0 and "PassRoleEc2" in explained.stdout


@pytest.mark.parametrize(("args", "fragment"), [
    ((), "needs state_bucket"),
    ((*SETS, "--account", "12"), "twelve digits"),
    ((*SETS, "--env", "qa"), "unknown profile 'qa'"),
    ((*SETS, "--set", "project=Bad_Name"), "setting 'project'"),
])
def test_bad_input_is_one_line(tmp_path: Path, args: tuple[str, ...], fragment: str):
    proc = run(*args, home=tmp_path)
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert len(lines) == 1 and fragment in lines[0], proc.stderr


def test_the_out_folder_must_be_a_folder(tmp_path: Path):
    (tmp_path / "taken").write_text("")
    proc = run(*SETS, "--out", str(tmp_path / "taken"), home=tmp_path)
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert len([ln for ln in proc.stderr.splitlines() if ln.strip()]) == 1, proc.stderr


@pytest.mark.parametrize("env", sorted(PROFILES))
def test_every_profile_fits_iams_limits(env: str):
    found = policies(settings(env=env), ACCOUNT)
    assert len(found) <= MAX_MANAGED_POLICIES
    assert all(size(p.document) <= MAX_POLICY_CHARS for p in found)
