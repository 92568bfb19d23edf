"""Suppressions with reasons: `# prodstack:ignore` comments and prodstack-audit.toml.

A suppressed finding stays in the report with its reason and where the suppression is
written, and does not fail the run; a suppression without a reason, past its expiry, naming
an unknown id or written next to no block is a META-SUPPRESSION finding, which does.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from prodstack.cli import cli
from prodstack.ops.audit.engine import AuditResult
from prodstack.ops.audit.suppress import META_ID
from tests.audit.helpers import PlanBuilder, db, folder_audit, write_files

LISTENER = {"port": 443, "protocol": "HTTPS", "ssl_policy": "ELBSecurityPolicy-2016-08"}
TEMPLATE = {"metadata_options": [{"http_tokens": "optional"}]}


def _plan_file(folder: Path, builder: PlanBuilder, toml: str | None = None) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "plan.json").write_text(json.dumps(builder.build()))
    if toml is not None:
        (folder / "prodstack-audit.toml").write_text(toml)
    return str(folder / "plan.json")


def _audit(*args: str) -> tuple[int, dict, str]:
    out = CliRunner().invoke(cli, ["audit", *args, "--format", "json"])
    return out.exit_code, (json.loads(out.stdout) if out.stdout.strip() else {}), out.stderr


def _listener() -> PlanBuilder:
    return PlanBuilder().add("aws_lb_listener.https", LISTENER)


def _ids(data: dict, key: str = "findings") -> list[tuple[str, str]]:
    return [(f["id"], f["address"]) for f in data[key]]


# -- prodstack-audit.toml --------------------------------------------------------------------


def test_toml_by_id_suppresses_everywhere_with_its_reason(tmp_path: Path) -> None:
    plan = _plan_file(tmp_path, _listener(), '[[suppress]]\nid = "FM-X7"\n'
                                             'reason = "old clients until June"\n')
    code, data, _ = _audit(plan)
    assert code == 0 and data["findings"] == []
    [suppressed] = data["suppressed"]
    assert suppressed["id"] == "FM-X7" and suppressed["reason"] == "old clients until June"
    assert suppressed["suppressed"] == "external"
    assert suppressed["where"] == "prodstack-audit.toml:1"
    text = CliRunner().invoke(cli, ["audit", plan]).stdout
    assert "SUPPRESSED (reported, not counted)" in text
    assert "suppressed in prodstack-audit.toml:1: old clients until June" in text


def test_toml_by_id_and_address(tmp_path: Path) -> None:
    builder = (PlanBuilder().add("aws_launch_template.web", TEMPLATE)
               .add("module.batch.aws_launch_template.this[0]", TEMPLATE)
               .add("module.batch.aws_launch_template.this[1]", TEMPLATE)
               .add("module.other.aws_launch_template.this", TEMPLATE))
    toml = ('[[suppress]]\nid = "FM-X6"\naddress = "module.batch.aws_launch_template.this"\n'
            'reason = "batch hosts have no role"\n\n'
            '[[suppress]]\nid = "FM-X6"\naddress = "module.other"\nreason = "vendor module"\n'
            'expires = 2999-01-01\n')
    code, data, _ = _audit(_plan_file(tmp_path, builder, toml))
    assert _ids(data) == [("FM-X6", "aws_launch_template.web")]
    assert {(s["address"], s["where"]) for s in data["suppressed"]} == {
        ("module.batch.aws_launch_template.this[0]", "prodstack-audit.toml:1"),
        ("module.batch.aws_launch_template.this[1]", "prodstack-audit.toml:1"),
        ("module.other.aws_launch_template.this", "prodstack-audit.toml:6")}
    assert code == 1


@pytest.mark.parametrize("entry,message", [
    ('id = "FM-X7"', "gives no reason"),
    ('id = "FM-X7"\nreason = "  "', "gives no reason"),
    ('id = "FM-X7"\nreason = "later"\nexpires = 2020-01-31', "expired on 2020-01-31"),
    ('id = "FM-X7"\nreason = "later"\nexpires = "2020-01-31"', "expired on 2020-01-31"),
])
def test_toml_without_reason_or_expired_fails_and_the_finding_stays(
        tmp_path: Path, entry: str, message: str) -> None:
    code, data, _ = _audit(_plan_file(tmp_path, _listener(), f"[[suppress]]\n{entry}\n"))
    assert code == 1
    assert ("FM-X7", "aws_lb_listener.https") in _ids(data)
    [meta] = [f for f in data["findings"] if f["id"] == META_ID]
    assert message in meta["message"] and meta["severity"] == "medium"
    assert meta["address"] == "prodstack-audit.toml:1" and data["suppressed"] == []
    # the meta finding is medium: --fail-on high lets it (and the medium FM-X7) pass
    assert _audit(str(tmp_path / "plan.json"), "--fail-on", "high")[0] == 0


def test_unknown_ids_and_ids_without_a_rule_are_reported(tmp_path: Path) -> None:
    toml = ('[[suppress]]\nid = "FM-9.9"\nreason = "typo"\n\n'
            '[[suppress]]\nid = "FM-5.2"\nreason = "no rule"\n')
    code, data, _ = _audit(_plan_file(tmp_path, _listener(), toml))
    messages = {f["address"]: f["message"] for f in data["findings"] if f["id"] == META_ID}
    assert "FM-9.9, which is not a catalog id" in messages["prodstack-audit.toml:1"]
    assert "FM-5.2, which has no static rule" in messages["prodstack-audit.toml:5"]
    assert code == 1


@pytest.mark.parametrize("toml,expected", [
    ("[[suppress]\nid=", "not valid TOML"),
    ('[[suppress]]\nid = "FM-X7"\nreason = "r"\nexpires = "June"', "is not a date"),
    ('[[suppress]]\nid = "FM-X7"\nreason = "r"\nexpires = 2030-01-01T10:00:00', "not a date"),
    ('[[suppress]]\nreason = "r"', "suppression 1 (line 1): id must be"),
    ('[[suppress]]\nid = "FM-X7"\nreason = "r"\nwhy = "x"', "unknown key 'why'"),
    ('[[suppress]]\nid = "FM-X7"\nreason = 3', "reason must be a string"),
    ('[[suppress]]\nid = "FM-X7"\naddress = ""\nreason = "r"', "address must be"),
    ('suppress = "FM-X7"', "must be a list of tables"),
    ('[ignore]\nid = "FM-X7"', "unknown key 'ignore'"),
])
def test_a_malformed_suppressions_file_exits_2_with_one_line(
        tmp_path: Path, toml: str, expected: str) -> None:
    out = CliRunner().invoke(cli, ["audit", _plan_file(tmp_path, _listener(), toml)])
    assert out.exit_code == 2 and out.stdout == ""
    [line] = out.stderr.strip().splitlines()
    assert line.startswith("prodstack: error: ") and "prodstack-audit.toml" in line
    assert expected in line and "Traceback" not in out.output


def test_suppressions_file_given_on_the_command_line(tmp_path: Path) -> None:
    plan = _plan_file(tmp_path / "plans", _listener())
    given = tmp_path / "ci" / "audit.toml"
    given.parent.mkdir()
    given.write_text('[[suppress]]\nid = "FM-X7"\nreason = "legacy clients"\n')
    code, data, _ = _audit(plan, "--suppressions", str(given))
    assert code == 0 and [s["reason"] for s in data["suppressed"]] == ["legacy clients"]
    out = CliRunner().invoke(cli, ["audit", plan, "--suppressions", str(tmp_path / "none")])
    assert out.exit_code == 2 and "no such suppressions file" in out.stderr


def test_profile_trades_keep_working_next_to_suppressions(tmp_path: Path) -> None:
    toml = ('[[suppress]]\nid = "FM-3.1"\nreason = "also suppressed"\n\n'
            '[[suppress]]\nid = "FM-4.4"\nreason = "restore drill covers it"\n')
    code, data, _ = _audit(_plan_file(tmp_path, db(PlanBuilder(), multi_az=False), toml),
                           "--env", "dev")
    assert [a["id"] for a in data["accepted"]] == ["FM-3.1"]  # the trade, as before
    assert [s["id"] for s in data["suppressed"]] == ["FM-4.4"]
    assert "FM-4.4" not in [f["id"] for f in data["findings"]]
    assert code == 1  # FM-4.1 and FM-4.2 remain


# -- # prodstack:ignore ----------------------------------------------------------------------


def _inline(tmp_path: Path, main_tf: str, builder: PlanBuilder, **files: str) -> AuditResult:
    write_files(tmp_path, {"main.tf": main_tf, **files})
    return folder_audit(tmp_path, builder)


def _suppressed(result: AuditResult) -> dict[tuple[str, str], tuple[str, str]]:
    return {(s.finding.id, s.finding.address): (s.reason, s.where) for s in result.suppressed}


def test_ignore_above_and_inside_a_block(tmp_path: Path) -> None:
    main_tf = """
    # prodstack:ignore FM-X7 legacy clients until June
    resource "aws_lb_listener" "https" {
      ssl_policy = "ELBSecurityPolicy-2016-08"
    }

    resource "aws_launch_template" "web" {
      name = "web"
      metadata_options {
        http_tokens = "optional" // prodstack:ignore FM-X6: the app never calls IMDS
      }
    }
    """
    builder = _listener().add("aws_launch_template.web", TEMPLATE)
    result = _inline(tmp_path, main_tf, builder)
    assert _suppressed(result) == {
        ("FM-X7", "aws_lb_listener.https"): ("legacy clients until June", "main.tf:1"),
        ("FM-X6", "aws_launch_template.web"): ("the app never calls IMDS", "main.tf:9")}
    assert result.findings == [] and result.exit_code("low") == 0
    assert result.suppressed[0].kind == "inSource"


def test_ignore_several_ids_all_instances_and_comment_lines_above(tmp_path: Path) -> None:
    main_tf = """
    # The batch tier is internal.
    # prodstack:ignore FM-X6, FM-X2 batch hosts, no web traffic
    # (ticket OPS-12)
    resource "aws_launch_template" "batch" {
      count = 2
    }
    """
    builder = (PlanBuilder().add("aws_launch_template.batch[0]", TEMPLATE)
               .add("aws_launch_template.batch[1]", TEMPLATE))
    result = _inline(tmp_path, main_tf, builder)
    assert {a for _, a in _suppressed(result)} == {"aws_launch_template.batch[0]",
                                                   "aws_launch_template.batch[1]"}
    assert {r for r, _ in _suppressed(result).values()} == {"batch hosts, no web traffic"}
    assert result.findings == []


def test_ignore_on_a_module_call_and_in_a_module_source(tmp_path: Path) -> None:
    main_tf = """
    # prodstack:ignore FM-X6 vendor module, patched upstream
    module "vendor" {
      source = "acme/web/aws"
    }

    module "batch" {
      source = "./modules/batch"
    }
    """
    batch_tf = """
    resource "aws_launch_template" "this" { # prodstack:ignore FM-X6 no role on batch hosts
    }
    """
    builder = (PlanBuilder().add("module.vendor.aws_launch_template.web", TEMPLATE)
               .add("module.batch.aws_launch_template.this", TEMPLATE)
               .add("aws_launch_template.web", TEMPLATE))
    result = _inline(tmp_path, main_tf, builder, **{"modules/batch/main.tf": batch_tf})
    assert _suppressed(result) == {
        ("FM-X6", "module.vendor.aws_launch_template.web"): ("vendor module, patched upstream",
                                                             "main.tf:1"),
        ("FM-X6", "module.batch.aws_launch_template.this"): ("no role on batch hosts",
                                                             "modules/batch/main.tf:1")}
    assert [(f.id, f.address) for f in result.findings] == [("FM-X6", "aws_launch_template.web")]


def test_ignore_a_backend_finding_in_the_terraform_block(tmp_path: Path) -> None:
    main_tf = """
    terraform {
      # prodstack:ignore FM-1.2, FM-1.3 init gets -backend-config from CI
      backend "s3" {}
    }
    """
    result = _inline(tmp_path, main_tf, PlanBuilder().add("aws_sns_topic.x", {"name": "x"}))
    assert {i for i, _ in _suppressed(result)} == {"FM-1.2", "FM-1.3"}
    assert result.exit_code("low") == 0


def test_ignore_in_tf_json(tmp_path: Path) -> None:
    doc = {"resource": {"aws_lb_listener": {"https": {
        "//": "prodstack:ignore FM-X7 legacy clients", "ssl_policy": "x"}}}}
    write_files(tmp_path, {"main.tf.json": json.dumps(doc, indent=2)})
    result = folder_audit(tmp_path, _listener())
    assert _suppressed(result) == {("FM-X7", "aws_lb_listener.https"): ("legacy clients",
                                                                        "main.tf.json:5")}


def test_ignore_without_reason_misplaced_or_unknown_is_a_finding(tmp_path: Path) -> None:
    main_tf = """
    # prodstack:ignore FM-X7
    resource "aws_lb_listener" "https" {
    }

    # prodstack:ignore FM-X6 a blank line below: next to nothing

    resource "aws_launch_template" "web" {
    }

    variable "x" {
      # prodstack:ignore FM-X6 not a resource
    }

    resource "aws_sns_topic" "x" { # prodstack:ignore FM-X9 a typo
    }
    """
    builder = _listener().add("aws_launch_template.web", TEMPLATE)
    result = _inline(tmp_path, main_tf, builder)
    meta = {f.address: f.message for f in result.findings if f.id == META_ID}
    assert "gives no reason" in meta["main.tf:1"]
    assert "neither in nor directly above" in meta["main.tf:5"]
    assert "neither in nor directly above" in meta["main.tf:11"]
    assert "FM-X9, which is not a catalog id" in meta["main.tf:14"]
    assert {(f.id, f.address) for f in result.findings if f.id != META_ID} == {
        ("FM-X7", "aws_lb_listener.https"), ("FM-X6", "aws_launch_template.web")}
    assert result.suppressed == [] and result.exit_code("low") == 1
    assert result.location_of("main.tf:5") is not None  # SARIF points at the comment
