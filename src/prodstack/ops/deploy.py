"""`prodstack deploy`: blue/green releases of the web tier with health gates and rollback (FM-6.1).

The release record (an SSM parameter the stack creates and then only reads) says which colour
is live and which launch template and version each colour runs; the ASGs' sizes and templates
are expressions over it, and the listener's weights are ignored by Terraform, so a re-plan
after a deploy shows no changes. A deploy: the template to run (Terraform's, or a new version
of a release template of prodstack's own when the image or user data change, so Terraform's
template is never touched) → the idle colour gets it and the live colour's capacity → wait for
healthy targets → shift the HTTPS listener's weights step by step, checking target health and
the 5xx / unhealthy-host alarms at each step → 100 % on the new colour, the old one scaled to
zero, the record updated. A failed gate puts the weights back and scales the idle colour down.
New user data (`--user-data-file`) is the user's part: it runs after prodstack's bootstrap,
combined exactly as the stack combines `app_user_data` (`prodstack.config.userdata`).
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from prodstack.config.settings import Settings
from prodstack.config.userdata import UserDataError, encoded
from prodstack.core.errors import UserError, aws_error
from prodstack.core.journal import Journal
from prodstack.core.reporting import Reporter
from prodstack.core.signals import held_signals
from prodstack.runtime import emulator
from prodstack.runtime.launch_data import request_data
from prodstack.runtime.targets import ClientFactory
from prodstack.stack.parts.edge import COLOURS
from prodstack.stack.parts.webtier import FOLLOWS_TERRAFORM
from prodstack.stack.traffic import forward_weights, live_colour


@dataclass
class Step:
    weight: int
    healthy: int
    unhealthy: int
    alarms: list[str]
    ok: bool


@dataclass
class DeployReport:
    status: str  # succeeded | rolled_back | failed
    from_colour: str
    to_colour: str
    version: str  # launch template id:version
    steps: list[Step] = field(default_factory=list)
    seconds: float = 0.0
    reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["from"], data["to"] = data.pop("from_colour"), data.pop("to_colour")
        return data


@dataclass
class Options:
    steps: tuple[int, ...] = (10, 50, 100)
    image_id: str | None = None
    user_data_file: Path | None = None
    rollback: bool = False
    step_seconds: float = 60.0
    poll_seconds: float = 10.0
    healthy_timeout: float = 900.0


def release_user_data(settings: Settings, path: Path) -> str:
    """A release's user data, base64: prodstack's bootstrap, then the user's file."""
    try:
        return encoded(settings, path)
    except UserDataError as exc:
        raise UserError(f"--user-data-file: {exc.problem}", exit_code=2) from None


class Deployer:
    def __init__(self, settings: Settings, outputs: dict[str, Any], clients: ClientFactory,
                 reporter: Reporter) -> None:
        self.s, self.out, self.say = settings, outputs, reporter.say
        self.ec2 = clients("ec2")
        self.asg = clients("autoscaling")
        self.elbv2 = clients("elbv2")
        self.cw = clients("cloudwatch")
        self.ssm = clients("ssm")

    # --- the release record ------------------------------------------------------------
    def record(self) -> dict[str, Any]:
        name = self.out["release_parameter"]
        try:
            value = self.ssm.get_parameter(Name=name)["Parameter"]["Value"]
        except ClientError as exc:
            raise UserError(f"release record {name} is missing ({exc}); run `prodstack up`"
                            ) from None
        record = json.loads(value)
        # A colour the record does not name yet runs what its ASG runs (see stack.webtier):
        # Terraform's template follows Terraform; another one is pinned where it is.
        templates = record.setdefault("templates", {})
        for colour in COLOURS:
            if colour not in templates:
                running = self.group(colour)["LaunchTemplate"]
                ours = running["LaunchTemplateId"] == self.out["launch_template_id"]
                templates[colour] = {"id": running["LaunchTemplateId"],
                                     "version": FOLLOWS_TERRAFORM if ours
                                     else str(running["Version"])}
        return record

    def write_record(self, record: dict[str, Any]) -> None:
        self.ssm.put_parameter(Name=self.out["release_parameter"], Value=json.dumps(record),
                               Type="String", Overwrite=True)

    # --- pieces --------------------------------------------------------------------------
    def group(self, colour: str) -> dict[str, Any]:
        name = self.out["asg_names"][colour]
        return self.asg.describe_auto_scaling_groups(
            AutoScalingGroupNames=[name])["AutoScalingGroups"][0]

    def new_release(self, opts: Options) -> dict[str, str]:
        """The template and version to deploy: Terraform's own template, followed as Terraform
        changes it, or a new version of the release template, copied from Terraform's with the
        new image or user data and pinned."""
        template = self.out["launch_template_id"]
        if not opts.image_id and not opts.user_data_file:
            return {"id": template, "version": FOLLOWS_TERRAFORM}
        # A bad file stops the deploy before anything is called.
        user_data = release_user_data(self.s, opts.user_data_file) if opts.user_data_file \
            else None
        described = self.ec2.describe_launch_templates(LaunchTemplateIds=[template])
        default = str(described["LaunchTemplates"][0]["DefaultVersionNumber"])
        data = request_data(self.ec2, self.ec2.describe_launch_template_versions(
            LaunchTemplateId=template, Versions=[default])["LaunchTemplateVersions"][0][
            "LaunchTemplateData"])
        if opts.image_id:
            data["ImageId"] = opts.image_id
        if user_data:
            data["UserData"] = user_data
        name = self.s.names.release_template
        try:
            created = self.ec2.create_launch_template_version(
                LaunchTemplateName=name, LaunchTemplateData=data,
                VersionDescription="prodstack deploy")["LaunchTemplateVersion"]
        except ClientError as exc:
            if "NotFound" not in exc.response.get("Error", {}).get("Code", ""):
                raise
            created = self.ec2.create_launch_template(
                LaunchTemplateName=name, LaunchTemplateData=data,
                VersionDescription="prodstack deploy", TagSpecifications=[{
                    "ResourceType": "launch-template", "Tags": [
                        {"Key": "managed-by", "Value": "prodstack deploy"},
                        {"Key": "environment", "Value": self.s.env}]}])["LaunchTemplate"]
            created = {"LaunchTemplateId": created["LaunchTemplateId"], "VersionNumber": 1}
        return {"id": created["LaunchTemplateId"], "version": str(created["VersionNumber"])}

    def version_of(self, release: dict[str, str]) -> str:
        """The version number to run: Terraform's (the template's default, see stack.webtier)
        when the release follows it."""
        if release["version"] != FOLLOWS_TERRAFORM:
            return str(release["version"])
        described = self.ec2.describe_launch_templates(LaunchTemplateIds=[release["id"]])
        return str(described["LaunchTemplates"][0]["DefaultVersionNumber"])

    def scale(self, colour: str, release: dict[str, str] | None,
              size: tuple[int, int, int]) -> None:
        kwargs: dict[str, Any] = {"AutoScalingGroupName": self.out["asg_names"][colour],
                                  "MinSize": size[0], "MaxSize": size[1],
                                  "DesiredCapacity": size[2]}
        if release:
            kwargs["LaunchTemplate"] = {"LaunchTemplateId": release["id"],
                                        "Version": self.version_of(release)}
        self.asg.update_auto_scaling_group(**kwargs)

    def health(self, colour: str) -> tuple[int, int]:
        states = [t["TargetHealth"]["State"] for t in self.elbv2.describe_target_health(
            TargetGroupArn=self.out["target_groups"][colour])["TargetHealthDescriptions"]]
        return states.count("healthy"), sum(s in ("unhealthy", "unavailable") for s in states)

    def alarms_firing(self, colour: str) -> list[str]:
        """The gate's alarms for `colour` (from the stack's outputs) that are in ALARM; an
        alarm the outputs name and that does not exist fails the gate too."""
        names = list(self.out["deploy_gate_alarms"][colour])
        alarms = self.cw.describe_alarms(AlarmNames=names)["MetricAlarms"]
        missing = sorted(set(names) - {a["AlarmName"] for a in alarms})
        return [a["AlarmName"] for a in alarms if a["StateValue"] == "ALARM"] + [
            f"{name} (missing)" for name in missing]

    def weights(self, live: str, idle: str, idle_weight: int) -> None:
        groups = [{"TargetGroupArn": self.out["target_groups"][live], "Weight": 100 - idle_weight},
                  {"TargetGroupArn": self.out["target_groups"][idle], "Weight": idle_weight}]
        self.elbv2.modify_listener(ListenerArn=self.out["https_listener_arn"], DefaultActions=[{
            "Type": "forward", "ForwardConfig": {
                "TargetGroups": groups,
                "TargetGroupStickinessConfig": {"Enabled": False}}}])

    def align(self) -> str | None:
        """Outside a deploy, all traffic is on the release record's live colour: put the
        listener's weights back if someone changed them (Terraform ignores the listener's
        actions, which deploys own). Returns what was changed, or None."""
        live = live_colour(self.ssm, self.out["release_parameter"])
        idle = next(c for c in COLOURS if c != live)
        found = forward_weights(self.elbv2, self.out["https_listener_arn"])
        groups = self.out["target_groups"]
        if found == {groups[live]: 100, groups[idle]: 0}:
            return None
        self.weights(live, idle, 0)
        shown = ", ".join(f"{c} {found.get(arn, 0)}%" for c, arn in sorted(groups.items()))
        return (f"traffic: the listener had {shown}; all traffic back on {live}, the live "
                "colour in the release record")

    def wait_healthy(self, colour: str, wanted: int, opts: Options) -> bool:
        deadline = time.monotonic() + opts.healthy_timeout
        while True:
            healthy, unhealthy = self.health(colour)
            if healthy >= wanted and not unhealthy:
                return True
            if time.monotonic() >= deadline:
                return False
            self.say(f"  waiting for {colour}: {healthy}/{wanted} targets healthy")
            time.sleep(opts.poll_seconds)

    # --- the deploy ------------------------------------------------------------------------
    def run(self, opts: Options, journal: Journal) -> DeployReport:
        """Deploy, recording each step in `journal` before doing it. Any failure or signal
        puts all traffic back on the live colour (`undo`); only an undo that itself fails
        leaves the journal open, for `prodstack resume`."""
        started = time.monotonic()
        record = self.record()
        live = record["live"]
        idle = next(c for c in COLOURS if c != live)
        release = dict(record["templates"][idle]) if opts.rollback else self.new_release(opts)
        version = f"{release['id']}:{release['version']}"
        report = DeployReport("failed", live, idle, version)
        current = self.group(live)
        size = (current["MinSize"], current["MaxSize"],
                max(current["DesiredCapacity"], current["MinSize"]))
        previous = dict(record["templates"][idle])
        journal.note(live=live, idle=idle, previous=previous, release=release,
                     max_size=size[1])
        self.say(f"deploying {version} to {idle} ({size[2]} instances), live is {live}")
        try:
            journal.begin("scale-new", colour=idle, size=size[2])
            self.scale(idle, release, size)
            journal.done()
            if not self.wait_healthy(idle, size[2], opts):
                report.reason = f"{idle} targets did not become healthy"
                return self._roll_back(report, journal, started)
            for weight in opts.steps:
                journal.begin("weights", weight=weight)
                self.weights(live, idle, weight)
                journal.done()
                time.sleep(opts.step_seconds)
                healthy, unhealthy = self.health(idle)
                firing = self.alarms_firing(idle)
                ok = healthy >= size[2] and not unhealthy and not firing
                report.steps.append(Step(weight, healthy, unhealthy, firing, ok))
                self.say(f"  {weight:>3}% on {idle}: {healthy} healthy, {unhealthy} unhealthy"
                         f"{', alarms: ' + ', '.join(firing) if firing else ''}")
                if not ok:
                    report.reason = (f"gate failed at {weight}%: " +
                                     (", ".join(firing) or f"{unhealthy} unhealthy targets"))
                    return self._roll_back(report, journal, started)
            # All traffic is on the new colour: from here on a cut-off deploy is finished,
            # not undone (see `finish`).
            journal.begin("record", live=idle)
            self.write_record({"live": idle, "templates": {**record["templates"],
                                                           idle: release}})
            journal.done()
        except BaseException as exc:
            if journal.did("record"):
                raise
            self._roll_back(report, journal, started)
            if isinstance(exc, KeyboardInterrupt):
                raise UserError(f"interrupted: rolled back, all traffic on {live} and {idle} "
                                "scaled to zero", exit_code=130) from None
            raise
        journal.begin("scale-old", colour=live)
        self.scale(live, None, (0, size[1], 0))
        journal.done()
        journal.close()
        report.status, report.seconds = "succeeded", time.monotonic() - started
        return report

    def _roll_back(self, report: DeployReport, journal: Journal,
                   started: float) -> DeployReport:
        live, idle = journal.data["live"], journal.data["idle"]
        self.say(f"rolling back: all traffic to {live}, {idle} to zero…")
        with held_signals():
            try:
                self.undo(journal.data)
            except (ClientError, BotoCoreError) as exc:
                if url := emulator.gone(exc):
                    raise UserError(f"the rollback could not run: {emulator.stopped_message(url)}"
                                    ) from None
                raise UserError(f"the rollback failed ({aws_error(exc)}): traffic may still be "
                                f"split between {live} and {idle}; run `prodstack resume` to "
                                "finish it") from None
        journal.close()
        self.say(f"rolled back: all traffic on {live}, {idle} scaled to zero")
        report.status, report.seconds = "rolled_back", time.monotonic() - started
        return report

    def undo(self, data: dict[str, Any]) -> None:
        """All traffic to the live colour; the other one back to its template, at zero."""
        live, idle = data["live"], data["idle"]
        self.weights(live, idle, 0)
        self.scale(idle, data["previous"], (0, int(data["max_size"]), 0))

    def finish(self, data: dict[str, Any]) -> None:
        """A deploy cut off after the switch: scale the old colour to zero."""
        self.scale(data["live"], None, (0, int(data["max_size"]), 0))


def resume(deployer: Deployer, journal: Journal) -> str:
    """Finish or undo a deploy that was cut off; returns what was done."""
    data = journal.data
    if "idle" not in data:  # cut off before it changed anything
        journal.close()
        return "the deploy had changed nothing; journal removed"
    if journal.did("record"):
        deployer.finish(data)
        journal.close()
        return f"finished: all traffic on {data['idle']}, {data['live']} scaled to zero"
    deployer.undo(data)
    journal.close()
    return f"undone: all traffic on {data['live']}, {data['idle']} scaled to zero"


def align_traffic(settings: Settings, outputs: dict[str, Any], clients: ClientFactory,
                  reporter: Reporter, workdir: Path) -> None:
    """After `prodstack up`: the listener's weights as the release record says, unless a
    deploy was cut off (then `prodstack resume` decides, and up leaves the traffic alone)."""
    if Journal.load(workdir) is not None or "https_listener_arn" not in outputs:
        return
    if changed := Deployer(settings, outputs, clients, reporter).align():
        reporter.say(changed)
