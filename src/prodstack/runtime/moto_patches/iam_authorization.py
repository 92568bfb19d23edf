"""Requests signed with an IAM user's or a role's credentials are authorized as AWS does.

moto: every request is allowed, whoever signed it (its IAM mode, INITIAL_NO_AUTH_ACTION_COUNT,
authorizes every key or none, reads only identity policies, ignores Resource and most
Condition elements, and answers IAM's XML error from JSON services).
AWS (IAM User Guide, IAM JSON policy reference, "Policy evaluation logic"; "Troubleshooting
access denied error messages"; KMS Developer Guide, "Key policies"; S3 User Guide,
"Troubleshoot access denied (403 Forbidden) errors"): a request signed by an IAM user (access
key from CreateAccessKey) or an assumed-role session (STS AssumeRole) is allowed only if an
identity-based policy, or a resource-based policy that names the principal (S3 bucket policy,
Secrets Manager secret policy), allows it, nothing denies it explicitly, and a permissions
boundary and session policy, where set, allow it too; a KMS key is usable only if its key
policy allows the principal or the account (then IAM policies decide). SSE-KMS objects need
kms:GenerateDataKey to write and kms:Decrypt to read, on the key. A refusal is "User:
<principal ARN> is not authorized to perform: <action> on resource: <ARN> because no
identity-based policy allows the <action> action" (or "… because no resource-based policy
allows …", "… with an explicit deny in an identity-based policy", "… because no permissions
boundary allows …", "… because no session policy allows …"), as `AccessDeniedException` (JSON
services, HTTP 400; REST-JSON 403), `AccessDenied` (query services and S3, 403; S3 quotes the
resource) or `UnauthorizedOperation` (EC2, 403, "You are not authorized to perform this
operation. …").

The emulator's administrator is anyone else: requests signed with the dummy key `test` (the
local target and its Terraform provider) or any key the emulator never issued are never
restricted. sts:GetCallerIdentity is always allowed. Signatures are not verified. The
request's context: aws:SecureTransport is true (the emulator stands for an HTTPS endpoint),
aws:RequestedRegion, aws:PrincipalArn, aws:PrincipalAccount, aws:PrincipalType, aws:userid,
S3's x-amz-server-side-encryption headers and IAM's iam:PolicyARN (the managed policy an
Attach/DetachRolePolicy names); any other key is absent. Where the emulator
cannot tell (a resource it does not name, a condition operator it does not evaluate), the
request is let through: a refusal must never fire on what AWS would allow.

Recorded: `GET /moto-api/prodstack/access-denied` answers {"refusals": [{"principal",
"action", "resource", "message"}]} for every request refused since start, so that a run whose
program swallows an AccessDenied (a best-effort step) still shows it.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from moto.core.authorization import ActionAuthenticatorMixin
from moto.core.exceptions import JsonRESTError, _RESTError
from moto.core.utils import get_service_model
from moto.moto_api._internal import urls as moto_api_urls

from prodstack.catalog.policies import Document, Request, applies
from prodstack.runtime.moto_patches import _iam_caller, _iam_request

MOTO_VERSION = "5.2.5"
EVALUATION = ("https://docs.aws.amazon.com/IAM/latest/UserGuide/"
              "reference_policies_evaluation-logic.html")
REFUSES = (
    ("A request signed by an IAM user or an assumed role that no identity-based policy (nor "
     "a bucket or secret policy naming it) allows",
     "AccessDeniedException / AccessDenied: User: <principal> is not authorized to perform: "
     "<action> on resource: <ARN> because no identity-based policy allows the <action> action",
     "https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html"),
    ("Such a request that a policy denies explicitly, or that the role's permissions boundary "
     "or session policy does not allow",
     "AccessDeniedException / AccessDenied: … with an explicit deny in an identity-based "
     "(resource-based) policy / because no permissions boundary (session policy) allows …",
     EVALUATION),
    ("Using a KMS key (directly, or through S3 SSE-KMS) whose key policy allows neither the "
     "principal nor the account",
     "AccessDeniedException: … because no resource-based policy allows the kms:<action> action",
     "https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html"),
)
ALWAYS = {"sts:GetCallerIdentity"}
ROUTE = "{0}/moto-api/prodstack/access-denied"
REFUSALS: list[dict[str, str]] = []


def _hits(docs: list[Document], request: Request) -> tuple[bool, bool]:
    """(allowed, denied) by these documents; what cannot be evaluated neither denies nor
    keeps from allowing."""
    allowed = denied = False
    for doc in docs:
        for st in doc.statements:
            hit = applies(st, request)
            if st.effect == "Deny":
                denied = denied or hit is True
            else:
                allowed = allowed or hit is not False
    return allowed, denied


def _unknown_resource(doc: Document) -> Document:
    """Without the resource: Allows for any resource, Denies only those for every one."""
    kept = [replace(st, resources=("*",), not_resources=None)
            if st.effect == "Allow" else st for st in doc.statements
            if st.effect == "Allow" or st.resources == ("*",)]
    return Document(tuple(kept))


def decide(caller: _iam_caller.Caller, action: str, arns: tuple[str, ...] | None,
           context: dict[str, Any], resource_docs: list[Document] | None,
           kms: bool) -> str | None:
    """Why AWS refuses the request (the end of its message), or None if it allows it."""
    def request(principal: str | None) -> Request:
        return Request(action=action, resources=arns or ("*",), context=context,
                       absent=("*",), principal=("AWS", principal) if principal else None)

    def docs(found: list[Document]) -> list[Document]:
        return found if arns else [_unknown_resource(d) for d in found]

    identity_allows, identity_denies = _hits(docs(list(caller.identity)), request(None))
    if identity_denies:
        return "with an explicit deny in an identity-based policy"
    if resource_docs is not None:
        allows = False
        for principal in caller.principal_arns:
            named, denies = _hits(resource_docs, request(principal))
            if denies:
                return "with an explicit deny in a resource-based policy"
            allows = allows or named
        if allows:
            return None  # the resource policy names the principal: it grants by itself
        if kms and not _hits(resource_docs, request(f"arn:aws:iam::{caller.account}:root"))[0]:
            return f"because no resource-based policy allows the {action} action"
    if not identity_allows:
        return f"because no identity-based policy allows the {action} action"
    for name, limit in (("permissions boundary", caller.boundary),
                        ("session policy", caller.session)):
        if limit is not None and not _hits(docs([limit]), request(None))[0]:
            return f"because no {name} allows the {action} action"
    return None


class S3AccessDenied(_RESTError):
    code = 403

    def __init__(self, message: str) -> None:
        super().__init__("AccessDenied", message)
        from xmltodict import unparse

        self.description = unparse({"Error": {"Code": "AccessDenied", "Message": message}},
                                   full_document=True)


def refusal(response: Any, message: str) -> Exception:
    """The service's own error for an access denied, in its protocol."""
    protocol = get_service_model(response.boto3_service_name).protocol
    if protocol == "json":
        return JsonRESTError("AccessDeniedException", message)
    if protocol == "rest-json":
        error = JsonRESTError("AccessDeniedException", message)
        error.code = 403
        return error
    if protocol == "rest-xml":
        return S3AccessDenied(message)
    if protocol == "ec2":
        error = _RESTError("UnauthorizedOperation",
                           f"You are not authorized to perform this operation. {message}")
    else:
        error = _RESTError("AccessDenied", message)
    error.code = 403
    return error


def authorize(response: Any, resource: str) -> None:
    signed = _iam_caller.signature(response.headers, response.querystring or {})
    caller = _iam_caller.identify(signed[0]) if signed else None
    if caller is None or signed is None:
        return  # unsigned, or the administrator
    _, region, signing_name = signed
    action = _iam_request.iam_action(signing_name, str(response._get_action()))
    if action in ALWAYS:
        return
    prefix = action.split(":", 1)[0]
    arns = _iam_request.resources(prefix, response, caller.account, region, resource)
    headers = response.headers
    context = {**caller.context, "aws:SecureTransport": "true", "aws:RequestedRegion": region,
               "aws:PrincipalAccount": caller.account, "aws:PrincipalType": caller.kind}
    policy_arn = _iam_request.params(response).get("PolicyArn") if prefix == "iam" else None
    if policy_arn:  # Attach/DetachRolePolicy, …: the managed policy asked for
        context["iam:PolicyARN"] = policy_arn
    for header in ("x-amz-server-side-encryption",
                   "x-amz-server-side-encryption-aws-kms-key-id"):
        if headers.get(header):
            context[f"s3:{header}"] = headers[header]
    checks = [(action, arns, prefix)]
    if prefix == "s3" and arns:
        needs = _iam_request.s3_kms_key(response, action, arns[0], caller.account)
        if needs:
            context["kms:ViaService"] = f"s3.{region}.amazonaws.com"
            checks.append((needs[0], (needs[1],), "kms"))
    for wanted, on, service in checks:
        why = decide(caller, wanted, on,
                     context, _iam_request.resource_policies(service, on, caller.account, region),
                     kms=service == "kms")
        if why is not None:
            where = f" on resource: {on[0]}" if on else ""
            if prefix == "s3" and on and service == "s3":
                where = f' on resource: "{on[0]}"'
            message = (f"User: {caller.arn} is not authorized to perform: {wanted}{where} "
                       f"{why}")
            REFUSALS.append({"principal": caller.arn, "action": wanted,
                             "resource": on[0] if on else "", "message": message})
            raise refusal(response, message)


def refusals_response(request: Any, full_url: str, headers: Any) -> tuple[int, dict, str]:
    return 200, {"Content-Type": "application/json"}, json.dumps({"refusals": REFUSALS})


def apply() -> None:
    def authenticate_and_authorize(self: Any, iam_request_cls: type,
                                   resource: str = "*") -> None:
        authorize(self, resource)

    ActionAuthenticatorMixin._authenticate_and_authorize_action = (  # type: ignore[method-assign]
        authenticate_and_authorize)
    moto_api_urls.url_paths[ROUTE] = refusals_response
