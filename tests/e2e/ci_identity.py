"""The CI role of docs/ci.md, made in the emulator: a role with exactly the managed policies
`prodstack ci-policy` prints, assumed as a CI job assumes it. prodstack then signs every
request as that session (the PRODSTACK_EMULATOR_* keys; on the local target Terraform's provider
signs with them too), and the strict emulator authorizes each against those policies. The
administrator (key `test`) makes the role; the tests keep the administrator for their own checks
and deliberate out-of-band changes.

The policies are the aws target's. The local target does a few things the aws target does not,
granted here only, in one more policy (`LOCAL_TARGET_ONLY`), each with its reason."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass, replace

from prodstack.config.settings import Settings
from prodstack.ops.ci_policy import policies
from prodstack.runtime import emulator
from tests.e2e.conftest import Cli, boto

ACCOUNT = "123456789012"  # the emulator's account
STATE_BUCKET = "prodstack-ci-state"  # the aws target's backend (local keeps state locally)
LOCAL_TARGET_ONLY = [
    # Terraform's provider on the local target skips credential validation (the emulator is
    # no STS endpoint it trusts), so it asks IAM for the caller's account (GetUser) before
    # STS; on AWS it asks STS, which needs no permission.
    {"Sid": "ProviderAccountLookup", "Effect": "Allow", "Action": "iam:GetUser",
     "Resource": "*"},
    # The local target creates a demo hosted zone for the certificate's DNS validation
    # (`targets.local.LocalTarget.hosted_zone`); on AWS the zone is the user's
    # (hosted_zone_id), and the policy grants records in it alone.
    {"Sid": "DemoHostedZone", "Effect": "Allow", "Resource": "*", "Action": [
        "route53:ChangeResourceRecordSets", "route53:ChangeTagsForResource",
        "route53:CreateHostedZone", "route53:DeleteHostedZone", "route53:GetChange",
        "route53:GetDNSSEC", "route53:GetHostedZone", "route53:ListResourceRecordSets",
        "route53:ListTagsForResource"]},
]


def policy(statements: list[dict]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


@dataclass(frozen=True)
class CiRole:
    url: str
    settings: Settings
    env: dict[str, str]  # the session's keys, as prodstack reads them

    @property
    def name(self) -> str:
        return self.settings.names.ci_role

    @classmethod
    def create(cls, url: str, settings: Settings) -> CiRole:
        """Create the CI role with the managed policies for `settings` and assume it."""
        iam, name = boto("iam", url), settings.names.ci_role
        trust = {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "sts:AssumeRole",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}}]}
        role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))
        aws = replace(settings, state_bucket=settings.state_bucket or STATE_BUCKET)
        for found in policies(aws, ACCOUNT):
            arn = iam.create_policy(PolicyName=found.name,
                                    PolicyDocument=json.dumps(found.document))["Policy"]["Arn"]
            iam.attach_role_policy(RoleName=name, PolicyArn=arn)
        iam.put_role_policy(RoleName=name, PolicyName="local-target-only",
                            PolicyDocument=policy(LOCAL_TARGET_ONLY))
        creds = boto("sts", url).assume_role(RoleArn=role["Role"]["Arn"],
                                             RoleSessionName="ci")["Credentials"]
        return cls(url, settings, {emulator.ACCESS_KEY_ENV: creds["AccessKeyId"],
                                   emulator.SECRET_KEY_ENV: creds["SecretAccessKey"],
                                   emulator.SESSION_TOKEN_ENV: creds["SessionToken"]})

    def refused(self, since: int = 0) -> list[str]:
        """What the emulator refused the role's sessions, from its `since`-th refusal on
        (also what a program caught and went on from)."""
        session = f"arn:aws:sts::{ACCOUNT}:assumed-role/{self.name}/"
        return [r["message"] for r in emulator.refusals(self.url)[since:]
                if r["principal"].startswith(session)]

    def __call__(self, cli: Cli, *args: str,
                 check: bool = True) -> subprocess.CompletedProcess[str]:
        """`prodstack ARGS` as the CI role, which nothing may be refused."""
        seen = len(emulator.refusals(self.url))
        proc = cli(*args, check=check, env=self.env)
        refused = self.refused(seen)
        assert not refused, (f"prodstack {' '.join(args)} as the CI role was refused "
                             f"{len(refused)} request(s):\n" + "\n".join(refused[:20]))
        return proc
