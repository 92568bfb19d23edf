"""The context every stack module builds into: the document, the settings, and shared handles.

Modules publish what later modules need (the VPC, subnets, keys, buckets, the SNS topic) as
attributes of `StackContext.refs`, so the order of modules in `build_stack` is the only wiring.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from prodstack.profiles import Profile
from prodstack.settings import Settings
from prodstack.tf.document import Block, Document, policy_document


@dataclass
class Refs:
    """Handles shared between modules; each is set by exactly one module."""

    account_id: str = ""
    partition: str = ""
    region: str = ""
    az_names: list[str] = field(default_factory=list)
    vpc: Block | None = None
    public_subnets: list[Block] = field(default_factory=list)
    app_subnets: list[Block] = field(default_factory=list)
    db_subnets: list[Block] = field(default_factory=list)
    nat_gateways: list[Block] = field(default_factory=list)
    alb_sg: Block | None = None
    web_sg: Block | None = None
    db_sg: Block | None = None
    logs_key: Block | None = None
    data_key: Block | None = None
    log_bucket: Block | None = None
    audit_bucket: Block | None = None
    data_bucket: Block | None = None
    alb: Block | None = None
    https_listener: Block | None = None
    target_groups: dict[str, Block] = field(default_factory=dict)
    asgs: dict[str, Block] = field(default_factory=dict)
    web_role: Block | None = None
    release: Block | None = None
    db: Block | None = None
    topic: Block | None = None
    trail_log_group: Block | None = None
    hosted_zone_id: str | None = None


@dataclass
class StackContext:
    doc: Document
    settings: Settings
    refs: Refs = field(default_factory=Refs)

    @property
    def profile(self) -> Profile:
        return self.settings.profile

    @property
    def prefix(self) -> str:
        return self.settings.name_prefix

    def name(self, suffix: str) -> str:
        """A resource name unique to project and environment: `prodstack-production-web`."""
        return f"{self.prefix}-{suffix}"

    def tags(self, name: str, **extra: str) -> dict[str, Any]:
        return {"Name": self.name(name), **extra}

    def service_role(self, label: str, service: str, managed: dict[str, str] | None = None,
                     condition: dict[str, Any] | None = None) -> Block:
        """An IAM role that `service` assumes, with AWS managed policies attached.

        `managed` maps attachment labels to policy paths under `arn:…:iam::aws:policy/`.
        """
        trust: dict[str, Any] = {"Effect": "Allow", "Principal": {"Service": service},
                                 "Action": "sts:AssumeRole"}
        if condition:
            trust["Condition"] = condition
        name = label.replace("_", "-")
        role = self.doc.resource("aws_iam_role", label, name=self.name(name),
                                 assume_role_policy=policy_document(trust), tags=self.tags(name))
        for attachment, path in (managed or {}).items():
            self.doc.resource("aws_iam_role_policy_attachment", attachment, role=role.name_attr,
                              policy_arn=f"arn:{self.refs.partition}:iam::aws:policy/{path}")
        return role
