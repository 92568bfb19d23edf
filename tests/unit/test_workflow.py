"""The apply step of `up`: one more apply on the emulator after a refused retry, never on AWS."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from prodstack.core.errors import UserError
from prodstack.core.reporting import RecordingReporter
from prodstack.ops import workflow
from prodstack.runtime.targets import AwsTarget, LocalTarget
from prodstack.tf.progress import Progress
from prodstack.tf.runner import PlanResult, TerraformError

REFUSED = ("apply failed: revoking default IPv4 egress rule for Security Group (sg-1): "
           "api error InvalidPermission.NotFound: The specified rule does not exist")


def _ws(local: bool, workdir: Path = Path("/nonexistent"),
        doc: dict | None = None) -> SimpleNamespace:
    """A stand-in workspace: the target's recovery policy is the real one; `doc` is the
    stack's document as built in memory."""
    from prodstack.config.load import load_settings

    reporter = RecordingReporter()
    stack = SimpleNamespace(doc=SimpleNamespace(to_dict=lambda: doc or {}), user_resources=[])
    return SimpleNamespace(target=LocalTarget() if local else AwsTarget(), workdir=workdir,
                           settings=load_settings(), stack=stack, clients=lambda: None,
                           say=reporter.say, reporter=reporter)


class FakeTerraform:
    def __init__(self, failures: list[str | TerraformError]) -> None:
        self.failures, self.calls = list(failures), []

    def apply(self, total: int, verb: str = "apply") -> Progress:
        self.calls.append((verb, total))
        if self.failures:
            failure = self.failures.pop(0)
            raise failure if isinstance(failure, TerraformError) else TerraformError(failure)
        return Progress(verb="apply", total=total, enabled=False)

    def plan(self, destroy: bool = False) -> PlanResult:
        self.calls.append(("plan destroy" if destroy else "plan", 0))
        return PlanResult(changes=1, summary={"add": 1}, planned=[("create", "aws_x.y")],
                          seconds=1.0)


def test_emulator_refused_retry_is_applied_again():
    tf, ws = FakeTerraform([REFUSED]), _ws(True)
    workflow.apply_plan(ws, tf, 144)
    assert tf.calls == [("apply", 144), ("plan", 0), ("apply", 1)]
    assert any("planning and applying again" in line for line in ws.reporter.lines)


def test_refusals_beyond_the_recoveries_are_reported():
    tf = FakeTerraform([REFUSED] * (workflow.RECOVERIES + 1))
    with pytest.raises(TerraformError, match=r"InvalidPermission\.NotFound"):
        workflow.apply_plan(_ws(True), tf, 144)


@pytest.mark.parametrize(("local", "message"), [
    (False, REFUSED),  # the aws target never re-applies
    (True, "apply failed: creating RDS DB Instance: InvalidParameterValue"),
])
def test_other_failures_are_not_retried(local, message):
    tf = FakeTerraform([message])
    with pytest.raises(TerraformError):
        workflow.apply_plan(_ws(local), tf, 144)
    assert tf.calls == [("apply", 144)]


def test_an_object_left_by_a_cut_off_create_is_adopted_then_applied(tmp_path, monkeypatch):
    import json

    from prodstack.ops import orphans
    from prodstack.tf.progress import Diagnostic

    doc = {"resource": {"aws_launch_template": {"web": {"name": "prodstack-production-web"}}}}
    monkeypatch.setitem(orphans.LOOKUPS, "aws_launch_template", lambda *_: (
        "lt-9", {"environment": "production", "project": "prodstack"}))
    tf = FakeTerraform([TerraformError("apply failed", [Diagnostic(
        "error", "InvalidLaunchTemplateName.AlreadyExistsException", "",
        "aws_launch_template.web")])])
    workflow.apply_plan(_ws(False, tmp_path, doc), tf, 144)
    assert tf.calls == [("apply", 144), ("plan", 0), ("apply", 1)]
    assert json.loads((tmp_path / workflow.IMPORTS_FILE).read_text())["import"] == [
        {"to": "aws_launch_template.web", "id": "lt-9"}]


def test_a_refused_retry_during_a_destroy_is_destroyed_once_more():
    tf = FakeTerraform([REFUSED])
    workflow.apply_plan(_ws(True), tf, 150, destroy=True)
    assert tf.calls == [("destroy", 150), ("plan destroy", 0), ("destroy", 1)]


def test_an_object_created_twice_on_the_emulator_is_adopted_by_name(tmp_path):
    import json

    from prodstack.tf.progress import Diagnostic

    doc = {"resource": {"aws_iam_instance_profile": {"web": {"name": "prodstack-production-web"}}}}
    twice = TerraformError("apply failed", [Diagnostic(
        "error", "creating IAM Instance Profile (prodstack-production-web): EntityAlreadyExists: "
        "Instance Profile prodstack-production-web already exists.", "",
        "aws_iam_instance_profile.web")])
    for local, adopted in ((True, True), (False, False)):
        tf = FakeTerraform([twice])
        ws = _ws(local, tmp_path, doc)
        if adopted:
            workflow.apply_plan(ws, tf, 150)
            assert json.loads((tmp_path / workflow.IMPORTS_FILE).read_text())["import"] == [
                {"to": "aws_iam_instance_profile.web", "id": "prodstack-production-web"}]
        else:  # on AWS a name taken by someone else is never adopted
            with pytest.raises(TerraformError):
                workflow.apply_plan(ws, tf, 150)


def test_a_parameter_a_cut_off_run_created_is_deleted_and_created_again(tmp_path):
    """Not imported: an imported parameter's value lands in `value`, never in the stack's
    `insecure_value`, and every plan after would update it."""
    import json

    from prodstack.tf.progress import Diagnostic

    name = "/prodstack/production/app/DATA_BUCKET"
    doc = {"resource": {"aws_ssm_parameter": {"app_data_bucket": {"name": name}}}}
    twice = TerraformError("apply failed", [Diagnostic(
        "error", f"creating SSM Parameter ({name}): ParameterAlreadyExists: The parameter "
        "already exists.", "", "aws_ssm_parameter.app_data_bucket")])
    deleted: list[str] = []
    ws = _ws(True, tmp_path, doc)
    ws.clients = lambda: lambda service: SimpleNamespace(
        delete_parameter=lambda Name: deleted.append(Name))
    tf = FakeTerraform([twice])
    workflow.apply_plan(ws, tf, 150)
    assert deleted == [name] and tf.calls == [("apply", 150), ("plan", 0), ("apply", 1)]
    imports = tmp_path / workflow.IMPORTS_FILE
    assert not imports.exists() or json.loads(imports.read_text())["import"] == []


def test_an_object_deleted_twice_in_a_destroy_on_the_emulator_is_destroyed_again():
    gone = ("destroy failed: deleting ELBv2 Listener (arn:…): ListenerNotFound: The specified "
            "listener does not exist.")
    tf = FakeTerraform([gone])
    workflow.apply_plan(_ws(True), tf, 131, destroy=True)
    assert tf.calls == [("destroy", 131), ("plan destroy", 0), ("destroy", 1)]
    with pytest.raises(TerraformError):  # but not in an up, where it may be a real error
        workflow.apply_plan(_ws(True), FakeTerraform([gone]), 131)


def test_plan_names_what_the_provider_cannot_see():
    from tests.unit.test_blind_drift import OUT, rds

    tf = SimpleNamespace(plan=lambda: PlanResult(0, {}, [], 0.0),
                         discard_plan=lambda: None)
    ws = _ws(local=True)
    ws.prepare, ws.has_state = (lambda reset_state=False: tf), (lambda: True)
    ws.deployed_outputs = lambda _tf: OUT
    ws.clients = lambda: (lambda service: rds({}))
    workflow.plan(ws)
    assert any(m.startswith("note: prodstack-production-db: the master password is no longer "
                            "managed by RDS") for m in ws.reporter.lines), ws.reporter.lines


def test_deployed_outputs_come_from_local_state_without_terraform(tmp_path):
    """Before a plan, `up` reads what is deployed from the local state file: no Terraform run
    (remote state is read through Terraform)."""
    from prodstack.ops.workflow import Workspace

    ws = Workspace.__new__(Workspace)
    ws.settings = SimpleNamespace(state_bucket=None)
    ws.workdir = tmp_path
    (tmp_path / workflow.STATE_FILE).write_text(
        '{"outputs": {"db_identifier": {"value": "db-1", "type": "string"}}}')

    def no_terraform() -> None:
        raise AssertionError("terraform output was run")

    tf = SimpleNamespace(outputs=no_terraform)
    assert ws.deployed_outputs(tf) == {"db_identifier": "db-1"}
    ws.settings = SimpleNamespace(state_bucket="bucket")
    tf = SimpleNamespace(outputs=lambda: {"db_identifier": "db-2"})
    assert ws.deployed_outputs(tf) == {"db_identifier": "db-2"}


def _guarded(planned: list[tuple[str, str]], recorded: dict) -> tuple[SimpleNamespace, list]:
    """A workspace whose deployment carries `recorded` and whose plan is `planned`."""
    from prodstack.config.record import RECORD_OUTPUT

    discarded: list[bool] = []
    tf = SimpleNamespace(plan=lambda: PlanResult(len(planned), {"remove": 1}, planned, 0.0),
                         discard_plan=lambda: discarded.append(True))
    ws = _ws(local=True)
    ws.prepare, ws.has_state = (lambda reset_state=False: tf), (lambda: True)
    ws.deployed_outputs = lambda _tf: {RECORD_OUTPUT: recorded}
    return ws, discarded


def test_up_stops_before_applying_a_plan_that_destroys_what_the_user_added():
    """A run without the settings file plans away the user's bucket: the differences are said
    before planning, and nothing is applied unless confirmed."""
    recorded = {"settings": {"extra_config": "infra"}, "config_file": "/p/prodstack.toml",
                "user_resources": ["aws_s3_bucket.extra"]}
    ws, discarded = _guarded([("aws_s3_bucket.extra", "delete"), ("aws_vpc.main", "update")],
                             recorded)
    asked: list[list[str]] = []
    with pytest.raises(UserError) as err:
        workflow.up(ws, confirm=lambda risky: asked.append(risky) or False)
    assert asked == [["aws_s3_bucket.extra (destroyed; yours)"]]
    assert err.value.exit_code == 2 and "nothing was applied" in str(err.value)
    assert "run `prodstack up` again with --yes" in str(err.value)
    assert "the settings differ from the deployment's" in str(err.value)
    assert discarded, "the refused plan is not left behind"
    said = "\n".join(ws.reporter.lines)
    assert said.index("the settings differ") < said.index("planning production")
    assert "extra_config: 'infra' → unset (the default)" in said
    with pytest.raises(UserError, match="nothing was applied"):
        workflow.up(ws)  # no one to ask (not a terminal, no --yes): refused


def test_plan_names_what_up_would_ask_about():
    ws, _ = _guarded([("aws_db_instance.main", "replace")], {"settings": {}})
    workflow.plan(ws)
    assert any("`prodstack up` asks before it applies this plan, which destroys or replaces "
               "what you added or what holds data: aws_db_instance.main (replaced; holds data)"
               in line
               for line in ws.reporter.lines), ws.reporter.lines


def test_a_new_app_port_on_a_live_stack_is_refused_before_the_plan_with_what_to_do():
    planned: list[bool] = []
    ws, _ = _guarded([], {"settings": {"app_port": 8080}})
    ws.prepare().plan = lambda: planned.append(True)
    with pytest.raises(UserError) as err:
        workflow.up(ws)  # the settings (no file) move the port back to 80
    message = str(err.value)
    assert err.value.exit_code == 2 and not planned
    assert message.startswith("app_port changes from 8080 to 80 on the deployed production "
                              "stack") and "nothing was planned" in message
    assert "--set app_port=8080" in message and "`prodstack down --yes` and `prodstack up`" \
        in message
    assert any("app_port: 8080 → unset" in line for line in ws.reporter.lines)
