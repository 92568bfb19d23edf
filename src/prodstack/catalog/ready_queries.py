"""Plan queries of the apply-readiness rules (AR-…): the policy documents a service meets.

Which key, bucket or role a resource uses (by reference, through modules, or by a literal
name or ARN); the documents that govern them: a KMS key's policy (its own, an
`aws_kms_key_policy`, or AWS's default key policy), a bucket's policy, a role's trust policy and
permissions (inline, attached customer policies, the AWS managed policies the rules need to know
by name), whether a service may assume a role. A document the plan only knows after apply is
resolved through the configuration (catalog/resolve.py). Data sources, the account, region and
partition are plan_data's (re-exported here); create-time ordering is ready_order's.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from prodstack.catalog.plan_data import (  # noqa: F401  (re-exported for the rules)
    account_id,
    data_instances,
    data_of,
    partition,
    region,
)
from prodstack.catalog.policies import (
    ANYTHING,
    EMPTY,
    Document,
    Request,
    Statement,
    evaluate,
    from_blocks,
    merge,
    parse,
    statement_of,
)
from prodstack.catalog.policy_match import HOLE
from prodstack.catalog.resolve import plain, resolver
from prodstack.tf.plan import UNKNOWN, Plan, Resource, Unknown
from prodstack.tf.resource import Unresolved

POLICY_DOC = "aws_iam_policy_document"
# The Elastic Load Balancing account of each Region opened before August 2022 (AWS documents
# these for access-log bucket policies; later Regions use the logdelivery service principal).
ELB_ACCOUNTS = {
    "af-south-1": "098369216593", "ap-east-1": "754344448648", "ap-northeast-1": "582318560864",
    "ap-northeast-2": "600734575887", "ap-northeast-3": "383597477331",
    "ap-south-1": "718504428378", "ap-southeast-1": "114774131450",
    "ap-southeast-2": "783225319266", "ap-southeast-3": "589379963580",
    "ca-central-1": "985666609251", "cn-north-1": "638102146993",
    "cn-northwest-1": "037604701340", "eu-central-1": "054676820928",
    "eu-north-1": "897822967062", "eu-south-1": "635631232127", "eu-west-1": "156460612806",
    "eu-west-2": "652711504416", "eu-west-3": "009996457667", "me-south-1": "076674570225",
    "sa-east-1": "507241528517", "us-east-1": "127311923021", "us-east-2": "033677994240",
    "us-gov-east-1": "190560391635", "us-gov-west-1": "048591011584",
    "us-west-1": "027434742980", "us-west-2": "797873946194",
}


def _allow(actions: tuple[str, ...], resources: tuple[str, ...] = ("*",), *,
           not_actions: bool = False, certain: bool = True) -> Statement:
    return Statement(actions=None if not_actions else actions,
                     not_actions=actions if not_actions else None, resources=resources,
                     certain=certain)


# AWS managed policies by name, as far as the rules need them: what they certainly allow, and
# (uncertain) what else they may allow. AWS_ConfigRole reads configurations; it grants no
# s3:PutObject (AWS documents adding one for the delivery bucket).
_CONFIG_ROLE = Document((_allow(("s3:PutObject", "s3:PutObjectAcl"), not_actions=True,
                                certain=False),))
MANAGED_POLICIES = {
    "AdministratorAccess": Document((_allow(("*",)),)),
    "AmazonS3FullAccess": Document((_allow(("s3:*", "s3-object-lambda:*")),)),
    "CloudWatchLogsFullAccess": Document((_allow(("logs:*",)),)),
    "service-role/AWS_ConfigRole": _CONFIG_ROLE,
    "service-role/AWSConfigRole": _CONFIG_ROLE,  # its deprecated name
}


# -- documents -------------------------------------------------------------------------------

def document(plan: Plan, res: Resource, attr: str = "policy") -> Document | Unknown | None:
    """The policy document at `attr`: its JSON when known; when only known after apply, its
    expression resolved through the configuration (catalog/resolve.py: `jsonencode`, an
    `aws_iam_policy_document`, references as symbols), or the `data.aws_iam_policy_document`
    it is taken from, rebuilt from its planned statement blocks; else `Unresolved` with why.
    None when there is no policy."""
    value = res.get(attr)
    if value is not UNKNOWN:
        return parse(value)
    resolved = resolver(plan).value(res, attr)
    if not isinstance(resolved, Unknown):
        return from_resolved(resolved)
    found = _from_references(plan, res, attr, set())
    if isinstance(found, Unknown):
        return resolved if isinstance(resolved, Unresolved) else found
    return found


def from_resolved(value: Any) -> Document | Unknown | None:
    """A document from a resolved value (a string, `jsonencode`'s structure): statements
    whose parts are unknown stay in it, as uncertain or with unknown elements."""
    data, why = plain(value)
    if isinstance(data, str):
        doc = parse(data)
        return replace(doc, unresolved=why) if isinstance(doc, Document) else doc
    if not isinstance(data, dict):
        return None
    raw = data.get("Statement", [])
    if raw is UNKNOWN:
        return Unresolved(*why)
    raws = [raw] if isinstance(raw, dict) else raw if isinstance(raw, list) else []
    out: list[Statement] = []
    for item in raws:
        if not isinstance(item, dict):
            out.append(ANYTHING.statements[0])  # a statement known after apply
            continue
        st = statement_of(item)
        if item.get("Effect", "Allow") is UNKNOWN:
            out += [replace(st, effect="Allow", certain=False),
                    replace(st, effect="Deny", certain=False)]
        else:
            out.append(st)
    return Document(tuple(out), why)


def _from_references(plan: Plan, res: Resource, attr: str,
                     seen: set[str]) -> Document | Unknown:
    keys = plan.refs(res, attr)
    docs = [k for k in keys if k.rsplit(".", 1)[0].endswith(f"data.{POLICY_DOC}")]
    if not docs or len(docs) != len(keys) or plan.through_locals(res, attr):
        return UNKNOWN  # computed from something else (a local, a replace(), an ARN…)
    parts: list[Document | Unknown] = []
    for key in docs:
        instances = data_instances(plan).get(key, [])
        if res.index is not None and any(d.index == res.index for d in instances):
            instances = [d for d in instances if d.index == res.index]
        for ds in instances:
            parts.append(UNKNOWN if key in seen else _data_document(plan, ds, seen | {key}))
    if not parts:
        return UNKNOWN
    doc = merge(parts)
    return doc if len(parts) == 1 else doc.uncertain()  # which one applies: not known


def _data_document(plan: Plan, ds: Resource, seen: set[str]) -> Document | Unknown:
    known = ds.get("json")
    if isinstance(known, str):
        return parse(known) or EMPTY
    own = from_blocks(ds.get)
    if isinstance(own, Unknown):
        return Unresolved(f"the statements of {ds.address}, known after apply")
    parts: list[Document | Unknown] = [own]
    for attr in ("source_policy_documents", "override_policy_documents", "source_json",
                 "override_json"):
        value = ds.get(attr)
        if value is UNKNOWN:
            found = _from_references(plan, ds, attr, seen)
            parts = [p.uncertain() if isinstance(p, Document) else p for p in parts]
            parts.append(found.uncertain() if isinstance(found, Document) else found)
        elif value:
            for text in value if isinstance(value, list) else [value]:
                doc = parse(text) or EMPTY
                if attr.startswith("override"):
                    parts = [_override(p, doc) for p in parts]
                parts.append(doc)
    return merge(parts)


def _override(doc: Document | Unknown, override: Document) -> Document | Unknown:
    if isinstance(doc, Unknown):
        return doc
    sids = {s.sid for s in override.statements if s.sid}
    return Document(tuple(s for s in doc.statements if not s.sid or s.sid not in sids))


def verdicts(doc: Document | Unknown | None, asks: dict[str, Request]
             ) -> tuple[list[str], list[str]]:
    """The asks the document certainly refuses, and those the plan cannot decide (each
    request evaluated once)."""
    found = {what: evaluate(doc, req) for what, req in asks.items()}
    return ([w for w, v in found.items() if v is False],
            [w for w, v in found.items() if v is None])


def default_key_policy(plan: Plan) -> Document:
    """AWS's default key policy: the account may use IAM policies; nothing for services."""
    root = f"arn:{partition(plan)}:iam::{account_id(plan)}:root"
    return Document((Statement(principals={"AWS": (root,)}, actions=("kms:*",),
                               resources=("*",)),))


def key_policy(plan: Plan, key: Resource) -> Document | Unknown:
    attached = plan.referrers(key, "aws_kms_key_policy", "key_id")
    if attached:
        return merge(document(plan, p) for p in attached)
    value = key.get("policy")
    if value is UNKNOWN and key.has_config and not key.written("policy"):
        return default_key_policy(plan)  # a new key without a policy gets AWS's default
    found = document(plan, key)
    return default_key_policy(plan) if found is None else found


def bucket_policy(plan: Plan, bucket: Resource) -> Document | Unknown:
    """The bucket's policy (no policy: nothing allowed)."""
    docs: list[Document | Unknown | None] = [
        document(plan, p) for p in plan.referrers(bucket, "aws_s3_bucket_policy", "bucket")]
    if bucket.written("policy") or isinstance(bucket.get("policy"), str):
        docs.append(document(plan, bucket))  # inline, or read from AWS for a bucket in state
    unknown = [d for d in docs if isinstance(d, Unknown)]
    if unknown:
        return unknown[0]  # UNKNOWN, or `Unresolved` with what it depends on
    return merge(docs)


def role_permissions(plan: Plan, role: Resource) -> Document:
    """What the role's identity policies allow: inline policies (resources and blocks),
    attached customer policies, AWS managed policies known by name (others: anything)."""
    docs: list[Document | Unknown | None] = [
        document(plan, p) for p in plan.referrers(role, "aws_iam_role_policy", "role")]
    if role.written("inline_policy"):
        blocks = role.get("inline_policy")
        if blocks is UNKNOWN:
            docs.append(UNKNOWN)
        for i in range(len(blocks) if isinstance(blocks, list) else 0):
            docs.append(parse(role.get("inline_policy", i, "policy")))
    attachments = [(a, "policy_arn") for a in
                   plan.referrers(role, "aws_iam_role_policy_attachment", "role")]
    attachments += [(a, "policy_arn") for a in
                    plan.referrers(role, "aws_iam_policy_attachment", "roles")]
    for attachment, attr in attachments:
        docs.append(_attached(plan, attachment, attr))
    if role.written("managed_policy_arns"):
        arns = role.get("managed_policy_arns")
        docs += [ANYTHING] if arns is UNKNOWN else [managed(str(a)) for a in arns or []]
    doc = merge(docs)
    return doc.uncertain() if role.get("permissions_boundary") else doc


def _attached(plan: Plan, attachment: Resource, attr: str) -> Document | Unknown | None:
    customer = plan.linked(attachment, (attr,), "aws_iam_policy")
    if customer:
        return merge(document(plan, p) for p in customer)
    arn = attachment.get(attr)
    return managed(arn) if isinstance(arn, str) else ANYTHING


def managed(arn: str) -> Document:
    """An AWS managed policy by ARN (`arn:aws:iam::aws:policy/NAME`); unknown ones: anything."""
    _, sep, name = arn.partition(":iam::aws:policy/")
    return MANAGED_POLICIES.get(name, ANYTHING) if sep else ANYTHING


# -- linking ---------------------------------------------------------------------------------

def linked(plan: Plan, res: Resource, path: tuple[str, ...], *types: str) -> list[Resource]:
    """`Plan.linked`, narrowed to the instance with `res`'s own key where a reference names a
    block with several instances (`for_each` over the same keys, `count.index`)."""
    found = plan.linked(res, path, *types)
    groups: dict[str, list[Resource]] = {}
    for target in found:
        groups.setdefault(target.config_key, []).append(target)
    out: list[Resource] = []
    for group in groups.values():
        same = [t for t in group if res.index is not None and t.index == res.index]
        out += same if len(group) > 1 and same else group
    return out


def keys(plan: Plan, res: Resource, *path: str) -> list[Resource]:
    """The KMS keys the attribute names: directly, or through an alias."""
    found = linked(plan, res, path, "aws_kms_key")
    for alias in linked(plan, res, path, "aws_kms_alias"):
        found += [k for k in linked(plan, alias, ("target_key_id",), "aws_kms_key")
                  if k not in found]
    return found


def present(value: Any) -> bool:
    """A known, non-empty value (a block written out); UNKNOWN is not."""
    return not isinstance(value, Unknown) and bool(value)


def s3_arn(plan: Plan, bucket: Resource, key: str | None = None) -> str:
    name = bucket.get("bucket")
    arn = f"arn:{partition(plan)}:s3:::{name if isinstance(name, str) and name else HOLE}"
    return arn if key is None else f"{arn}/{key}"


def join_prefix(prefix: Any, rest: str) -> str:
    """An object key under a service's key prefix (which may be unset, or end in `/`)."""
    if prefix is UNKNOWN:
        return f"{HOLE}{rest}"  # the hole holds the prefix and its slash, or nothing
    text = str(prefix or "").strip("/")
    return f"{text}/{rest}" if text else rest


def sse_settings(plan: Plan, bucket: Resource) -> list[tuple[Any, Any, list[Resource]]]:
    """The bucket's default encryption rules: (algorithm: `AES256`, `aws:kms`, UNKNOWN…; the
    written `kms_master_key_id`; the customer managed keys it names)."""
    out: list[tuple[Any, Any, list[Resource]]] = []
    configs = plan.referrers(bucket, "aws_s3_bucket_server_side_encryption_configuration",
                             "bucket")
    for res in [*configs, *([bucket] if bucket.written(
            "server_side_encryption_configuration") else [])]:
        path = ("rule",) if res in configs else ("server_side_encryption_configuration", "rule")
        path += ("apply_server_side_encryption_by_default",)
        out.append((res.get(*path, "sse_algorithm"), res.get(*path, "kms_master_key_id"),
                    keys(plan, res, *path, "kms_master_key_id")))
    return out


def sse_algorithms(plan: Plan, bucket: Resource) -> list[Any]:
    """The bucket's default encryption algorithms (`AES256`, `aws:kms`, UNKNOWN…)."""
    return [algorithm for algorithm, _, _ in sse_settings(plan, bucket)]


def role_arn(plan: Plan, role: Resource) -> str:
    name, path = role.get("name"), role.get("path")
    path = path if isinstance(path, str) and path else "/"
    return (f"arn:{partition(plan)}:iam::{account_id(plan)}:role{path}"
            f"{name if isinstance(name, str) and name else HOLE}")


def service_may_assume(plan: Plan, role: Resource, service: str, source_arn: str) -> bool | None:
    """Whether `role`'s trust policy lets `service` assume it for a source in this account
    (`source_arn`: the ARN after `arn:<partition>:`); None when the plan does not know."""
    trust = Request("sts:AssumeRole", (role_arn(plan, role),), service,
                    {"aws:SourceAccount": account_id(plan),
                     "aws:SourceArn": f"arn:{partition(plan)}:{source_arn}"})
    return evaluate(document(plan, role, "assume_role_policy"), trust)
