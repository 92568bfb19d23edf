"""S3-BASELINE: every bucket blocks public access, is versioned, encrypted and TLS-only; the
audit and data buckets log access to the log bucket."""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from prodstack.catalog.contract import Result, VerifyContext
from prodstack.catalog.model import Cases, Entry, LiveCheck
from prodstack.catalog.world import World

LOGGED_BUCKETS = ("audit", "data")


def _problems(ctx: VerifyContext, role: str, bucket: str) -> list[str]:
    s3 = ctx.client("s3")
    problems: list[str] = []
    try:
        block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
        if not all(block.values()):
            problems.append("public access not fully blocked")
    except ClientError:
        problems.append("no public access block")
    if s3.get_bucket_versioning(Bucket=bucket).get("Status") != "Enabled":
        problems.append("versioning off")
    try:
        s3.get_bucket_encryption(Bucket=bucket)
    except ClientError:
        problems.append("no default encryption")
    try:
        policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
        tls = any(st.get("Effect") == "Deny" and "aws:SecureTransport" in json.dumps(
            st.get("Condition", {})) for st in policy.get("Statement", []))
        if not tls:
            problems.append("policy does not deny plain HTTP")
    except ClientError:
        problems.append("no bucket policy (plain HTTP allowed)")
    if role in LOGGED_BUCKETS and not s3.get_bucket_logging(Bucket=bucket).get("LoggingEnabled"):
        problems.append("server access logging off")
    return problems


def live(ctx: VerifyContext) -> Result:
    problems = [f"{role}: {p}" for role, bucket in ctx.outputs["buckets"].items()
                for p in _problems(ctx, role, bucket)]
    return Result.expect(not problems, f"{len(ctx.outputs['buckets'])} buckets pass",
                         "; ".join(problems))


cases = Cases()


@cases.live("pass")
def hardened_buckets(world: World) -> dict[str, Any]:
    return world.buckets().outputs


@cases.live("fail")
def plain_http_allowed(world: World) -> dict[str, Any]:
    return world.buckets(tls_only=False).outputs


@cases.live("fail")
def versioning_suspended(world: World) -> dict[str, Any]:
    return world.buckets(versioned=False).outputs


@cases.live("fail")
def access_logging_off(world: World) -> dict[str, Any]:
    return world.buckets(logged=False).outputs


ENTRY = Entry(
    id="S3-BASELINE", title="Buckets: public access blocked, versioned, encrypted, TLS only, "
                            "logged",
    failure="a bucket that can be made public, loses overwritten objects, stores plain text, "
            "answers plain HTTP, or leaves no access record",
    fix="public access block, versioning, default encryption, a TLS-only policy and server "
        "access logging on every bucket",
    live=LiveCheck(live, cases=cases.lives),
)
