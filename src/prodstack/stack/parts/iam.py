"""Service roles: an IAM role a service assumes, with AWS managed policies attached."""

from __future__ import annotations

from typing import Any

from prodstack.stack.context import Context
from prodstack.stack.parts.foundation import Base
from prodstack.tf.document import Block, policy_document


def service_role(ctx: Context, base: Base, label: str, service: str,
                 managed: dict[str, str] | None = None,
                 condition: dict[str, Any] | None = None) -> Block:
    """`managed` maps attachment labels to policy paths under `arn:…:iam::aws:policy/`.
    Role names are global to the account, so they carry the region (`Names.account_wide`)."""
    trust: dict[str, Any] = {"Effect": "Allow", "Principal": {"Service": service},
                             "Action": "sts:AssumeRole"}
    if condition:
        trust["Condition"] = condition
    role = ctx.doc.resource("aws_iam_role", label, name=ctx.names.service_role(label),
                            assume_role_policy=policy_document(trust),
                            tags=ctx.tags(label.replace("_", "-")))
    for attachment, path in (managed or {}).items():
        ctx.doc.resource("aws_iam_role_policy_attachment", attachment, role=role.name_attr,
                         policy_arn=f"arn:{base.partition}:iam::aws:policy/{path}")
    return role
