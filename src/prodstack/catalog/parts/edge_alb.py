"""EDGE-ALB: the load balancer is internet-facing, drops invalid headers, logs access."""

from __future__ import annotations

from typing import Any

from prodstack.catalog.contract import Result, VerifyContext
from prodstack.catalog.model import Cases, Entry, LiveCheck
from prodstack.catalog.world import World


def live(ctx: VerifyContext) -> Result:
    elbv2 = ctx.client("elbv2")
    arn = ctx.outputs["alb_arn"]
    lb = elbv2.describe_load_balancers(LoadBalancerArns=[arn])["LoadBalancers"][0]
    attrs = {a["Key"]: a["Value"] for a in
             elbv2.describe_load_balancer_attributes(LoadBalancerArn=arn)["Attributes"]}
    problems = []
    scheme = lb.get("Scheme")
    if scheme != "internet-facing":
        problems.append(f"scheme is {scheme or 'not reported'}")
    if attrs.get("routing.http.drop_invalid_header_fields.enabled") != "true":
        problems.append("invalid header fields are not dropped")
    if attrs.get("access_logs.s3.enabled") != "true":
        problems.append("access logs are off")
    return Result.expect(not problems, "internet-facing, drops invalid headers, logs access",
                         "; ".join(problems))


cases = Cases()


@cases.live("pass")
def hardened_alb(world: World) -> dict[str, Any]:
    return world.network().edge().outputs


@cases.live("fail")
def internal_alb(world: World) -> dict[str, Any]:
    return world.network().edge(scheme="internal").outputs


@cases.live("fail")
def alb_keeping_invalid_headers(world: World) -> dict[str, Any]:
    return world.network().edge(drop_invalid=False).outputs


@cases.live("fail")
def alb_without_access_logs(world: World) -> dict[str, Any]:
    return world.network().edge(access_logs=False).outputs


ENTRY = Entry(
    id="EDGE-ALB", title="Internet-facing ALB drops invalid headers and writes access logs",
    failure="an ALB that passes malformed headers to the app (request smuggling) and keeps no "
            "record of requests",
    fix="`drop_invalid_header_fields = true`, `desync_mitigation_mode = \"strictest\"`, "
        "access logs to the log bucket",
    live=LiveCheck(live, cases=cases.lives),
)
