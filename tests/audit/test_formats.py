"""`--format sarif|junit|markdown`, and where findings are located (file and line).

SARIF is validated against the OASIS 2.1.0 schema (a copy in fixtures/) for a plan-file audit
and a directory-mode audit (built without Terraform: a PlanBuilder plan plus the folder's
configuration); JUnit is parsed as XML; markdown must hold the table and the details block.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from prodstack.catalog import CATALOG
from prodstack.cli import cli
from prodstack.ops.audit.formats import render
from prodstack.ops.audit.formats.sarif import to_sarif
from prodstack.ops.audit.locations import read_folder_locations
from tests.audit.helpers import PlanBuilder, db, folder_audit, write_files

FIXTURES = Path(__file__).parent / "fixtures"
WEAK = str(FIXTURES / "weak_plan_small.json")
SCHEMA = json.loads((FIXTURES / "sarif-schema-2.1.0.json").read_text())

MAIN_TF = """
terraform {
  backend "s3" {}
}

resource "aws_lb_listener" "https" {
  port       = 443
  ssl_policy = "ELBSecurityPolicy-2016-08"
}

# prodstack:ignore FM-X6 the template is replaced next sprint
resource "aws_launch_template" "web" {
  name = "web"
}

module "db" {
  source = "./modules/db"
}

module "registry" {
  source  = "terraform-aws-modules/rds/aws"
  version = "~> 6.0"
}
"""
DB_TF = """
variable "n" {
  default = 2
}

resource "aws_launch_template" "this" {
  count = var.n
  // prodstack:ignore FM-X6, FM-X2 batch hosts, no web traffic
  name = "db"
}
"""
TEMPLATE = {"metadata_options": [{"http_tokens": "optional"}]}
LISTENER = {"port": 443, "protocol": "HTTPS", "ssl_policy": "ELBSecurityPolicy-2016-08"}


def validate(document: dict[str, Any]) -> None:
    jsonschema.Draft4Validator(SCHEMA, format_checker=jsonschema.FormatChecker()).validate(
        document)


def _plan() -> PlanBuilder:
    return (PlanBuilder().add("aws_lb_listener.https", LISTENER)
            .add("aws_launch_template.web", TEMPLATE)
            .add("module.db.aws_launch_template.this[0]", TEMPLATE)
            .add("module.db.aws_launch_template.this[1]", TEMPLATE)
            .add("module.registry.aws_db_instance.this", {"identifier": "x"}))


@pytest.fixture
def stack(tmp_path: Path) -> Path:
    return write_files(tmp_path / "stack", {"main.tf": MAIN_TF, "modules/db/main.tf": DB_TF})


def _physical(result: dict[str, Any]) -> tuple[str, int]:
    physical = result["locations"][0]["physicalLocation"]
    return physical["artifactLocation"]["uri"], physical["region"]["startLine"]


def test_sarif_of_a_plan_file_validates_and_points_at_the_plan() -> None:
    out = CliRunner().invoke(cli, ["audit", WEAK, "--format", "sarif"])
    assert out.exit_code == 1
    document = json.loads(out.stdout)
    validate(document)
    [run] = document["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [e.id for e in CATALOG.rules
                                       if e.id not in ("FM-1.2", "FM-1.3")]
    single_az = next(r for r in rules if r["id"] == "FM-3.1")
    assert single_az["shortDescription"]["text"] == CATALOG["FM-3.1"].title
    assert single_az["fullDescription"]["text"] == CATALOG["FM-3.1"].failure
    assert single_az["help"]["text"] == CATALOG["FM-3.1"].fix
    assert single_az["defaultConfiguration"]["level"] == "error"
    levels = {r["ruleId"]: r["level"] for r in run["results"]}
    assert levels["FM-X1"] == "error" and levels["FM-X7"] == "warning"
    assert levels["FM-5.3"] == "note"
    for result in run["results"]:
        assert _physical(result)[0] == "weak_plan_small.json"
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    skipped = run["invocations"][0]["toolExecutionNotifications"]
    assert {n["associatedRule"]["id"] for n in skipped} == {"FM-1.2", "FM-1.3"}


def test_sarif_of_a_folder_validates_with_file_and_line(stack: Path) -> None:
    document = to_sarif(folder_audit(stack, _plan()))
    validate(document)
    [run] = document["runs"]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == stack.absolute().as_uri() + "/"
    by_address = {(r["ruleId"], r["properties"]["address"]): r for r in run["results"]}
    assert _physical(by_address["FM-X7", "aws_lb_listener.https"]) == ("main.tf", 5)
    assert _physical(by_address["FM-1.2", 'backend "s3" in main.tf']) == ("main.tf", 2)
    # a module instance: the block in the module's source folder
    assert _physical(by_address["FM-X6", "module.db.aws_launch_template.this[1]"]) == (
        "modules/db/main.tf", 5)
    assert "suppressions" in by_address["FM-X6", "module.db.aws_launch_template.this[1]"]
    # a resource of a registry module: the module call's block
    rds = next(r for r in run["results"] if "module.registry" in r["properties"]["address"])
    assert _physical(rds) == ("main.tf", 19)
    web = by_address["FM-X6", "aws_launch_template.web"]
    [suppression] = web["suppressions"]
    assert suppression["kind"] == "inSource"
    assert suppression["justification"] == "the template is replaced next sprint"
    assert _physical({"locations": [suppression["location"]]}) == ("main.tf", 10)


def test_sarif_path_base_and_accepted_trades(tmp_path: Path, stack: Path) -> None:
    result = folder_audit(stack, db(PlanBuilder(), multi_az=False), env="dev")
    assert result.locations is not None
    result.locations.base = tmp_path
    document = to_sarif(result)
    validate(document)
    [run] = document["runs"]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.absolute().as_uri() + "/"
    accepted = next(r for r in run["results"] if r["ruleId"] == "FM-3.1")
    assert accepted["suppressions"][0]["kind"] == "external"
    assert "dev profile" in accepted["suppressions"][0]["justification"]
    # the database is in no file of the folder: the folder's main file
    assert _physical(accepted) == ("stack/main.tf", 1)


def test_locations_in_hcl_json_and_parent_module_folders(tmp_path: Path) -> None:
    root = write_files(tmp_path, {
        "live/main.tf": 'module "net" {\n  source = "../modules/net"\n}\n',
        "live/extra.tf.json": json.dumps({"resource": {"aws_sns_topic": {
            "alerts": {"name": "a", "//": "prodstack:ignore FM-4.2 paged elsewhere"}}}},
            indent=2),
        "modules/net/vpc.tf": '# the network\n\nresource "aws_vpc" "main" {\n'
                              '  cidr_block = "10.0.0.0/16"\n}\n',
    })
    locations = read_folder_locations(root / "live")
    vpc = locations.locate("module.net.aws_vpc.main")
    assert vpc is not None and (locations.relative(vpc.path), vpc.line) == (
        "../modules/net/vpc.tf", 3)
    keyed = locations.locate('module.net["a"].aws_vpc.main')
    assert keyed == vpc
    topic = locations.locate("aws_sns_topic.alerts")
    assert topic is not None and (topic.path.name, topic.line) == ("extra.tf.json", 4)
    [comment] = locations.comments
    assert comment.scopes == ("aws_sns_topic.alerts",) and comment.where.line == 6
    # outside the folder the SARIF location is an absolute file URI
    from prodstack.ops.audit.formats.sarif import _artifact

    assert _artifact(locations, vpc.path) == {"uri": vpc.path.as_uri()}


def test_junit_has_a_testcase_per_finding_skip_and_clean_rule(stack: Path) -> None:
    result = folder_audit(stack, _plan())
    root = ET.fromstring(render("junit", result))
    assert root.tag == "testsuites"
    suites = {s.get("name", "").split()[0]: s for s in root.findall("testsuite")}
    listener = suites["FM-X7"].find("testcase")
    assert listener is not None and listener.get("name") == "aws_lb_listener.https"
    assert (listener.get("file"), listener.get("line")) == ("main.tf", "5")
    failure = listener.find("failure")
    assert failure is not None and failure.get("type") == "medium"
    cases = {c.get("name"): c for c in suites["FM-X6"].findall("testcase")}
    assert set(cases) == {"aws_launch_template.web", "module.db.aws_launch_template.this[0]",
                          "module.db.aws_launch_template.this[1]"}
    skipped = cases["aws_launch_template.web"].find("skipped")
    assert skipped is not None and "replaced next sprint" in skipped.get("message", "")
    clean = suites["FM-2.1"].findall("testcase")
    assert [c.get("name") for c in clean] == ["no findings"] and not list(clean[0])
    assert suites["FM-X6"].get("skipped") == "3" and suites["FM-X6"].get("failures") == "0"
    total = sum(int(s.get("tests", "0")) for s in suites.values())
    assert root.get("tests") == str(total)
    assert root.get("failures") == str(len(result.findings))


def test_junit_of_a_plan_file_parses() -> None:
    out = CliRunner().invoke(cli, ["audit", WEAK, "--format", "junit", "--env", "dev"])
    assert out.exit_code == 1
    root = ET.fromstring(out.stdout)
    skips = {(c.get("classname"), c.get("name")): c.find("skipped") for c in root.iter("testcase")
             if c.find("skipped") is not None}
    accepted = {key for key, s in skips.items() if "dev profile" in (s.get("message") or "")}
    assert accepted == {("FM-3.1", "module.db.aws_db_instance.this"),
                        ("FM-X5", "module.db.aws_db_instance.this")}
    assert {("FM-1.2", "rule skipped"), ("FM-1.3", "rule skipped")} <= set(skips)
    assert all(c.get("file") is None for c in root.iter("testcase"))  # no configuration file


def test_markdown_has_summary_table_fixes_and_details(stack: Path) -> None:
    text = render("markdown", folder_audit(stack, _plan()), "high")
    first = text.splitlines()[0]
    assert first.startswith("**prodstack audit**:") and "3 suppressed" in first
    assert "| severity | id | resource | message |" in text
    assert "| medium | FM-X7 | `aws_lb_listener.https` (main.tf:5) | ssl_policy" in text
    assert "**Fixes**" in text and f"**FM-X7** {CATALOG['FM-X7'].title}" in text
    details = text[text.index("<details>"):text.index("</details>")]
    assert "the template is replaced next sprint" in details and "main.tf:10" in details
    assert "batch hosts, no web traffic" in details
    assert "fails (`--fail-on high`" in first  # FM-1.2 is critical


def test_markdown_escapes_pipes_and_says_no_findings() -> None:
    from prodstack.ops.audit.engine import AuditResult, Finding

    result = AuditResult("plan | x", "production", 0,
                         findings=[Finding("FM-X7", "t", "low", "a.b", "x | y", "fix")])
    assert "x \\| y" in render("markdown", result)
    assert render("markdown", AuditResult("p", None, 0)).endswith("No findings.")


def test_text_and_json_name_the_file_and_line_in_directory_mode(stack: Path) -> None:
    result = folder_audit(stack, _plan())
    assert "aws_lb_listener.https (main.tf:5): ssl_policy" in render("text", result)
    data = json.loads(render("json", result))
    listener = next(f for f in data["findings"] if f["id"] == "FM-X7")
    assert (listener["file"], listener["line"]) == ("main.tf", 5)
    assert {s["where"] for s in data["suppressed"]} == {"main.tf:10", "modules/db/main.tf:7"}


def test_catalog_formats() -> None:
    out = CliRunner().invoke(cli, ["audit", "--catalog", "--format", "markdown"])
    assert out.exit_code == 0
    assert out.stdout.startswith("| id | title | failure | fix | checked by |")
    out = CliRunner().invoke(cli, ["audit", "--catalog", "--format", "sarif"])
    assert out.exit_code == 2 and "--catalog prints" in out.stderr
