"""Who signed a request, and the IAM policies that apply to them (for `iam_authorization`).

A request signed with an access key of an IAM user (CreateAccessKey: `AKIA…`) or with a
role's temporary credentials (STS AssumeRole: `ASIA…`) is made by that identity; any other
key (`test`, which prodstack's local target and its Terraform provider use, or any key the
emulator never issued) is the account's administrator, whom nothing restricts. An identity's
policies are its inline and attached policies (a user's groups' too), its permissions
boundary, and the session policy given to AssumeRole.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from moto.iam.models import get_account_id_from, iam_backends
from moto.sts.models import sts_backends

from prodstack.catalog.policies import Document, parse

_KEY = re.compile(r"Credential=(?P<key>[^/,\s]+)/\d{8}/(?P<region>[^/]+)/(?P<service>[^/]+)/")


@dataclass(frozen=True)
class Caller:
    account: str
    arn: str  # the principal as error messages name it (user, or assumed-role session)
    principal_arns: tuple[str, ...]  # ARNs a resource policy may name it by
    kind: str  # "User" or "AssumedRole"
    identity: tuple[Document, ...] = ()
    boundary: Document | None = None
    session: Document | None = None
    context: dict[str, Any] = field(default_factory=dict)


def signature(headers: Any, querystring: dict[str, list[str]]) -> tuple[str, str, str] | None:
    """(access key id, region, signing service) of a SigV4 request (header or presigned)."""
    found = _KEY.search(headers.get("Authorization") or headers.get("authorization") or "")
    if found is None and querystring.get("X-Amz-Credential"):
        found = _KEY.search("Credential=" + querystring["X-Amz-Credential"][0] + "/")
    if found is None:
        return None
    return found["key"], found["region"], found["service"]


def _document(text: Any) -> Document | None:
    if isinstance(text, dict):
        text = json.dumps(text)
    doc = parse(text) if isinstance(text, str) else None
    return doc if isinstance(doc, Document) else None


def _managed(policy: Any) -> Document | None:
    versions = getattr(policy, "versions", None) or []
    text = next((v.document for v in versions if getattr(v, "is_default", False)),
                getattr(policy, "document", None))
    return _document(text)


def _docs(owner: Any) -> list[Document]:
    found = [_document(text) for text in getattr(owner, "policies", {}).values()]
    found += [_managed(p) for p in getattr(owner, "managed_policies", {}).values()]
    return [doc for doc in found if doc is not None]


def _boundary(backend: Any, arn: str | None) -> Document | None:
    if not arn:
        return None
    policy = backend.managed_policies.get(arn) or getattr(backend, "aws_managed_policies",
                                                          {}).get(arn)
    return _managed(policy) if policy is not None else None


def identify(access_key: str) -> Caller | None:
    """The IAM user or role session that owns `access_key`, or None (the administrator)."""
    if not access_key.startswith(("AKIA", "ASIA")):
        return None
    account = get_account_id_from(access_key)
    iam = iam_backends[account]["global"]
    for user in iam.users.values():
        if any(k.access_key_id == access_key for k in user.access_keys):
            docs = _docs(user)
            for group in iam.get_groups_for_user(user.name):
                docs += _docs(group)
            return Caller(account=account, arn=user.arn, principal_arns=(user.arn,),
                          kind="User", identity=tuple(docs),
                          context={"aws:username": user.name, "aws:userid": user.id,
                                   "aws:PrincipalArn": user.arn})
    for session in sts_backends[account]["global"].assumed_roles:
        if session.access_key_id != access_key:
            continue
        role_name = session.role_arn.rsplit("/", 1)[-1]
        role = next((r for r in iam.roles.values() if r.arn == session.role_arn), None)
        arn = f"arn:aws:sts::{account}:assumed-role/{role_name}/{session.session_name}"
        return Caller(account=account, arn=arn, principal_arns=(arn, session.role_arn),
                      kind="AssumedRole", identity=tuple(_docs(role)) if role else (),
                      boundary=_boundary(iam, getattr(role, "permissions_boundary_arn", None)),
                      session=_document(session.policy) if session.policy else None,
                      context={"aws:PrincipalArn": session.role_arn,
                               "aws:userid": f"{getattr(role, 'id', '')}:"
                                             f"{session.session_name}"})
    return None
