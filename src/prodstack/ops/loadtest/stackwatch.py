"""The deployed stack under load: what Auto Scaling, the load balancer and the database did.

Given the stack's outputs (`prodstack outputs`: the ASGs, target groups, load balancer,
database and release record by name, never rebuilt) and a client factory, a `StackWatch`
finds the live colour (`prodstack.stack.traffic`), polls its group's desired and in-service
capacity while the load runs, and afterwards reads the group's scaling activities and the
CloudWatch metrics of the run's minutes (the ones the stack's alarms watch). It turns both
into scaling events (when, from how many instances to how many, and why). AWS errors become
notes in the report: the load test's own result stands without them.
"""

from __future__ import annotations

import itertools
import math
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from prodstack.core.errors import aws_error
from prodstack.stack.traffic import live_colour

PERIOD_S = 60  # CloudWatch's resolution for the load balancer, detailed EC2 and RDS metrics
POLL_S = 10.0
MAX_ACTIVITY_PAGES = 10


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    unit: str
    namespace: str
    name: str
    stat: str
    on: str  # "alb", "target_group", "asg" or "db": which dimensions


METRICS = (
    Metric("requests", "requests (load balancer)", "per minute", "AWS/ApplicationELB",
           "RequestCount", "Sum", "alb"),
    Metric("target_response_time", "target response time", "s", "AWS/ApplicationELB",
           "TargetResponseTime", "Average", "alb"),
    Metric("target_5xx", "5xx from the web tier", "per minute", "AWS/ApplicationELB",
           "HTTPCode_Target_5XX_Count", "Sum", "alb"),
    Metric("elb_5xx", "5xx from the load balancer", "per minute", "AWS/ApplicationELB",
           "HTTPCode_ELB_5XX_Count", "Sum", "alb"),
    Metric("unhealthy_hosts", "unhealthy hosts", "hosts", "AWS/ApplicationELB",
           "UnHealthyHostCount", "Maximum", "target_group"),
    Metric("web_cpu", "web tier CPU", "%", "AWS/EC2", "CPUUtilization", "Average", "asg"),
    Metric("db_cpu", "database CPU", "%", "AWS/RDS", "CPUUtilization", "Average", "db"),
    Metric("db_connections", "database connections", "connections", "AWS/RDS",
           "DatabaseConnections", "Maximum", "db"),
)

# AWS's wording of a scaling activity's cause: "At 2026-… a monitor alarm X in state ALARM
# triggered policy P changing the desired capacity from 2 to 4."
CAUSE = re.compile(r"At (?P<at>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ) (?P<why>.+?) changing the "
                   r"desired capacity from (?P<old>\d+) to (?P<new>\d+)")


def _arn_tail(arn: str, marker: str) -> str:
    """The CloudWatch dimension of a load balancer or target group: its ARN after `marker`."""
    return arn.split(marker, 1)[1] if marker in arn else arn


@dataclass(frozen=True)
class Deployment:
    """What is watched, read from the outputs: one value per dimension (None: not there)."""

    colour: str
    asg: str | None
    alb: str | None
    target_group: str | None
    db: str | None

    @classmethod
    def read(cls, outputs: dict[str, Any], ssm: Any) -> Deployment:
        colour = live_colour(ssm, outputs.get("release_parameter"))
        group_arn = (outputs.get("target_groups") or {}).get(colour)
        return cls(colour=colour, asg=(outputs.get("asg_names") or {}).get(colour),
                   alb=_arn_tail(outputs["alb_arn"], ":loadbalancer/")
                   if outputs.get("alb_arn") else None,
                   target_group=group_arn.rsplit(":", 1)[-1] if group_arn else None,
                   db=outputs.get("db_identifier"))

    def dimensions(self, metric: Metric) -> list[dict[str, str]] | None:
        wanted = {"alb": [("LoadBalancer", self.alb)],
                  "target_group": [("LoadBalancer", self.alb),
                                   ("TargetGroup", self.target_group)],
                  "asg": [("AutoScalingGroupName", self.asg)],
                  "db": [("DBInstanceIdentifier", self.db)]}[metric.on]
        if any(value is None for _, value in wanted):
            return None
        return [{"Name": name, "Value": str(value)} for name, value in wanted]


class StackWatch:
    def __init__(self, outputs: dict[str, Any], clients: Callable[[str], Any],
                 poll_s: float = POLL_S) -> None:
        self.outputs, self.clients, self.poll_s = outputs, clients, poll_s
        self.samples: list[dict[str, Any]] = []
        self.notes: list[str] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.deployment = Deployment.read(outputs, clients("ssm"))
        self._autoscaling = clients("autoscaling")

    # -- while the load runs ------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self._poll, name="stack-watch", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def _poll(self) -> None:
        while True:
            self.sample()
            if self._stop.wait(self.poll_s):
                self.sample()
                return

    def sample(self) -> None:
        if not self.deployment.asg:
            return
        try:
            groups = self._autoscaling.describe_auto_scaling_groups(
                AutoScalingGroupNames=[self.deployment.asg])["AutoScalingGroups"]
        except (ClientError, BotoCoreError) as exc:
            self._note(f"reading {self.deployment.asg}: {aws_error(exc)}")
            return
        if groups:
            group = groups[0]
            self.samples.append({
                "at": time.time(), "desired": group["DesiredCapacity"],
                "in_service": sum(1 for i in group.get("Instances", [])
                                  if i.get("LifecycleState") == "InService")})

    def _note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    # -- afterwards ---------------------------------------------------------------------
    def collect(self, started_at: float, ended_at: float) -> dict[str, Any]:
        """Everything about the stack from `started_at` to `ended_at` (epoch seconds), times
        in seconds from `started_at`."""
        metrics = self._metrics(started_at, ended_at)
        activities = self._activities(started_at, ended_at)
        rel = lambda at: round(at - started_at, 2)  # noqa: E731
        samples = [{"t": rel(s["at"]), "desired": s["desired"], "in_service": s["in_service"]}
                   for s in self.samples]
        return {"colour": self.deployment.colour, "asg": self.deployment.asg,
                "db": self.deployment.db, "samples": samples, "metrics": metrics,
                "activities": [{**a, "t": rel(a["at"])} for a in activities],
                "events": [{**e, "t": rel(e["at"])} for e in
                           scaling_events(activities, self.samples, self.poll_s)],
                "notes": self.notes}

    def _metrics(self, started_at: float, ended_at: float) -> dict[str, Any]:
        queries, wanted = [], {}
        for metric in METRICS:
            dimensions = self.deployment.dimensions(metric)
            if dimensions is None:
                continue
            wanted[metric.key] = metric
            queries.append({"Id": metric.key, "ReturnData": True, "MetricStat": {
                "Metric": {"Namespace": metric.namespace, "MetricName": metric.name,
                           "Dimensions": dimensions},
                "Period": PERIOD_S, "Stat": metric.stat}})
        if not queries:
            return {}
        start = math.floor(started_at / PERIOD_S) * PERIOD_S
        end = max(math.ceil(ended_at / PERIOD_S) * PERIOD_S, start + PERIOD_S)
        found: dict[str, Any] = {key: {"label": m.label, "unit": m.unit, "period_s": PERIOD_S,
                                       "points": []} for key, m in wanted.items()}
        try:
            cloudwatch = self.clients("cloudwatch")
            for page in cloudwatch.get_paginator("get_metric_data").paginate(
                    MetricDataQueries=queries, ScanBy="TimestampAscending",
                    StartTime=datetime.fromtimestamp(start, UTC),
                    EndTime=datetime.fromtimestamp(end, UTC)):
                for result in page["MetricDataResults"]:
                    found[result["Id"]]["points"] += [
                        [round(ts.timestamp() - started_at, 2), float(value)]
                        for ts, value in zip(result["Timestamps"], result["Values"],
                                             strict=True)]
        except (ClientError, BotoCoreError) as exc:
            self._note(f"reading CloudWatch metrics: {aws_error(exc)}")
        for entry in found.values():
            entry["points"].sort()
        return found

    def _activities(self, started_at: float, ended_at: float) -> list[dict[str, Any]]:
        if not self.deployment.asg:
            return []
        found = []
        try:
            pages = self._autoscaling.get_paginator("describe_scaling_activities").paginate(
                AutoScalingGroupName=self.deployment.asg,
                PaginationConfig={"MaxItems": MAX_ACTIVITY_PAGES * 100, "PageSize": 100})
            for page in pages:  # newest first
                for activity in page["Activities"]:
                    at = activity["StartTime"].timestamp()
                    if started_at <= at <= ended_at:
                        found.append({"at": at, "description": activity.get("Description", ""),
                                      "cause": activity.get("Cause", ""),
                                      "status": activity.get("StatusCode", "")})
                if page["Activities"] and \
                        page["Activities"][-1]["StartTime"].timestamp() < started_at:
                    break
        except (ClientError, BotoCoreError) as exc:
            self._note(f"reading the scaling activities of {self.deployment.asg}: "
                       f"{aws_error(exc)}")
        return sorted(found, key=lambda a: a["at"])


def scaling_events(activities: list[dict[str, Any]], samples: list[dict[str, Any]],
                   poll_s: float) -> list[dict[str, Any]]:
    """Scaling decisions: each activity cause's desired-capacity change once (at the moment
    its alarm or request changed it), and changes of the desired capacity the polling saw
    that no activity explains."""
    events: dict[tuple[str, int, int], dict[str, Any]] = {}
    for activity in activities:
        match = CAUSE.search(activity["cause"])
        if not match:
            continue
        old, new = int(match["old"]), int(match["new"])
        key = (match["at"], old, new)
        at = datetime.strptime(match["at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        event = events.setdefault(key, {"at": at.timestamp(), "from": old, "to": new,
                                        "why": match["why"], "source": "scaling activity",
                                        "activities": 0})
        event["activities"] += 1
        # The cause names its second only; an activity started within that second dates the
        # decision more precisely (the load at the event is read at that time).
        if at.timestamp() <= activity["at"] < at.timestamp() + 1:
            event["started"] = min(activity["at"], event.get("started", activity["at"]))
    for event in events.values():
        event["at"] = event.pop("started", event["at"])
    found = list(events.values())
    for before, after in itertools.pairwise(samples):
        if before["desired"] == after["desired"]:
            continue
        explained = any(e["from"] == before["desired"] and e["to"] == after["desired"]
                        and before["at"] - PERIOD_S <= e["at"] <= after["at"] + poll_s
                        for e in events.values())
        if not explained:
            found.append({"at": after["at"], "from": before["desired"], "to": after["desired"],
                          "why": f"the desired capacity changed (seen by polling every "
                                 f"{poll_s:g} s)", "source": "polling", "activities": 0})
    return sorted(found, key=lambda e: e["at"])
