"""Engine (accepted trades, exit codes, broken rules), reports and the catalog."""

from __future__ import annotations

from prodstack.catalog import CATALOG
from prodstack.catalog.model import AuditInput, Entry, Hit, Rule
from prodstack.catalog.planbuilder import PlanBuilder
from prodstack.ops.audit import catalog, report
from prodstack.ops.audit.engine import run
from tests.audit.helpers import db, plan_of

KEYS = {"id", "title", "severity", "address", "message", "fix"}


def _single_az() -> AuditInput:
    return AuditInput(plan_of(db(PlanBuilder(), multi_az=False)))


def test_dev_accepts_single_az_with_the_reason() -> None:
    result = run(_single_az(), env="dev", rules=[CATALOG["FM-3.1"]])
    assert result.findings == []
    [accepted] = result.accepted
    assert accepted.finding.id == "FM-3.1"
    assert "non-production" in accepted.reason
    assert result.exit_code("low") == 0


def test_production_reports_single_az() -> None:
    result = run(_single_az(), env="production", rules=[CATALOG["FM-3.1"]])
    assert [f.id for f in result.findings] == ["FM-3.1"]
    assert result.exit_code("low") == 1
    assert result.exit_code("high") == 1
    assert result.exit_code("critical") == 0


def test_backend_rules_are_skipped_without_a_folder() -> None:
    result = run(_single_az(), env="production")
    assert {rule_id for rule_id, _ in result.skipped} == {"FM-1.2", "FM-1.3"}
    assert result.rules_run == len(CATALOG.rules) - 2


def test_a_broken_rule_is_an_error_not_a_traceback() -> None:
    def boom(inp: AuditInput) -> list:
        raise KeyError("surprise")

    broken = Entry("FM-9.9", "broken", "f", "x", severity="low",
                   rule=Rule(("aws_vpc",), boom))
    result = run(_single_az(), rules=[broken])
    assert result.errors == [("FM-9.9", "KeyError: 'surprise'")]
    assert result.exit_code("low") == 2


def test_json_report_shape() -> None:
    result = run(_single_az(), env="dev")
    data = report.to_json(result)
    assert data["findings"] and all(set(f) == KEYS for f in data["findings"])
    assert [a["id"] for a in data["accepted"]] == ["FM-3.1"]
    assert all(set(a) >= KEYS and a["reason"] for a in data["accepted"])


def test_text_report_groups_by_severity_with_address_and_fix() -> None:
    b = db(PlanBuilder(), multi_az=False, max_allocated_storage=None,
           password="x", manage_master_user_password=None)
    text = report.to_text(run(AuditInput(plan_of(b)), env="production"))
    critical, high, low = text.index("\nCRITICAL"), text.index("\nHIGH"), text.index("\nLOW")
    assert critical < high < low
    assert "aws_db_instance.main: password is passed" in text
    assert "fix: `manage_master_user_password = true`" in text


def test_a_hit_may_grade_itself_below_its_rule() -> None:
    def milder(inp: AuditInput) -> list[Hit]:
        return [Hit("aws_vpc.x", "weaker than the worst case", severity="medium")]

    entry = Entry("FM-9.8", "graded", "f", "x", severity="high", rule=Rule(("aws_vpc",), milder))
    [finding] = run(_single_az(), rules=[entry]).findings
    assert finding.severity == "medium"


def test_clean_plan_says_so() -> None:
    result = run(AuditInput(plan_of(PlanBuilder().add("aws_sns_topic.x", {"name": "x"}))))
    assert result.findings == [] and result.exit_code("low") == 0
    assert report.to_text(result).endswith("no findings")


def test_catalog_lists_every_entry_and_where_it_is_checked() -> None:
    entries = {e["id"]: e for e in catalog.render_json()["catalog"]}
    assert set(entries) == {e.id for e in CATALOG}
    assert any("static rule" in c for c in entries["FM-2.1"]["checked"])
    assert any("prodstack verify" in c for c in entries["FM-7.1"]["checked"])
    assert any("teardown" in c for c in entries["FM-6.3"]["checked"])
    assert any("CI" in c for c in entries["FM-7.3"]["checked"])
    assert entries["FM-3.1"]["accepted_by"] == ["staging", "dev"]
    assert all(e["failure"] and e["fix"] and e["checked"] for e in entries.values())
    ids = list(entries)
    assert ids.index("FM-1.1") < ids.index("FM-6.3") < ids.index("FM-X1") < ids.index("FM-X7")
