"""Policy documents as the apply-readiness rules read them, and how AWS would decide a request.

A `Document` is an IAM identity policy, a KMS key policy or an S3 bucket policy, parsed from a
JSON string (`jsonencode`, a heredoc, a `data.aws_iam_policy_document`'s `json`) or rebuilt
from the statement blocks of a `data.aws_iam_policy_document` whose `json` is only known after
apply. `evaluate` answers whether a document lets a `Request` (principal, action, resource,
request context) through the way AWS does: explicit Deny wins, then any Allow; Principal
(`Service`, `AWS`, `*`), Action and NotAction with wildcards, Resource per ARN segment, and the
Condition operators services' requests meet (String*, Arn*, Bool, Null, Numeric*, `IfExists`,
`ForAnyValue:`/`ForAllValues:`).

Answers are three-valued: True, False, or None when the plan cannot tell. A value Terraform only
knows after apply is `UNKNOWN` as a whole, or a `HOLE` inside a string (an ARN whose account is
not known yet); a statement that may or may not be part of the document is `certain=False`.
Rules report a finding only on False, so what the plan cannot show is never a finding. The
string matching (wildcards, ARN segments, holes) is `policy_match`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from prodstack.catalog.policy_match import (
    HOLE,
    Tri,
    arn_glob,
    glob,
    numeric,
    opaque,
    tri_and,
    tri_not,
    tri_or,
    unknowns,
)
from prodstack.tf.plan import UNKNOWN, Unknown
from prodstack.tf.resource import why_unknown

_ACCOUNT = re.compile(r"^\d{12}$")
_ROOT = re.compile(r"^arn:[^:]+:iam::(?P<account>[^:]+):root$")
_NEGATED = ("StringNotEquals", "StringNotEqualsIgnoreCase", "StringNotLike", "ArnNotEquals",
            "ArnNotLike", "NumericNotEquals")


# -- documents -------------------------------------------------------------------------------

Strings = tuple[str, ...] | Unknown


@dataclass(frozen=True)
class Condition:
    operator: str  # "StringEquals", "ForAnyValue:ArnLike", "BoolIfExists", …
    key: str
    values: Strings


@dataclass(frozen=True)
class Statement:
    effect: str = "Allow"
    sid: str = ""
    principals: Mapping[str, Strings] | Unknown | None = None  # None: no Principal element
    not_principals: Mapping[str, Strings] | Unknown | None = None
    actions: Strings | None = None
    not_actions: Strings | None = None
    resources: Strings | None = None
    not_resources: Strings | None = None
    conditions: tuple[Condition, ...] | Unknown = ()
    certain: bool = True  # False: may not be part of the document after all

    @property
    def services(self) -> tuple[str, ...]:
        """The service principals the statement names (known ones)."""
        if not isinstance(self.principals, Mapping):
            return ()
        names = self.principals.get("Service", ())
        return tuple(n.lower() for n in names) if isinstance(names, tuple) else ()


@dataclass(frozen=True)
class Document:
    statements: tuple[Statement, ...] = ()
    # what the document depends on that the plan and the configuration do not decide (a
    # data source read from AWS at apply, …): the reason a rule cannot tell
    unresolved: tuple[str, ...] = ()

    def __add__(self, other: Document) -> Document:
        return Document(self.statements + other.statements,
                        tuple(dict.fromkeys(self.unresolved + other.unresolved)))

    def uncertain(self) -> Document:
        return Document(tuple(replace(s, certain=False) for s in self.statements),
                        self.unresolved)


# A document only known after apply: anything may be allowed (never a definite "no").
ANYTHING = Document((Statement(actions=("*",), resources=("*",), certain=False),))
EMPTY = Document()


def merge(documents: Iterable[Document | Unknown | None]) -> Document:
    """One document of several that apply together; an unknown one may allow anything."""
    out = EMPTY
    for doc in documents:
        if isinstance(doc, Unknown):
            out += replace(ANYTHING, unresolved=why_unknown(doc))
        elif doc is not None:
            out += doc
    return out


def unresolved(doc: Document | Unknown | None) -> tuple[str, ...]:
    """What a document depends on that neither the plan nor the configuration decides: its
    `unresolved`, and the symbols and holes in its strings."""
    if isinstance(doc, Unknown):
        return why_unknown(doc)
    if doc is None:
        return ()
    out = list(doc.unresolved)
    for st in doc.statements:
        for values in (st.actions, st.not_actions, st.resources, st.not_resources):
            if isinstance(values, tuple):
                out += [u for v in values for u in unknowns(v)]
        for principals in (st.principals, st.not_principals):
            if isinstance(principals, Mapping):
                out += [u for ids in principals.values() if isinstance(ids, tuple)
                        for v in ids for u in unknowns(v)]
        if isinstance(st.conditions, tuple):
            out += [u for c in st.conditions if isinstance(c.values, tuple)
                    for v in c.values for u in unknowns(v)]
    return tuple(dict.fromkeys(out))


def _strings(value: Any) -> Strings | None:
    if value is UNKNOWN:
        return UNKNOWN
    if value is None or value == []:
        return None
    items = value if isinstance(value, list | tuple) else [value]
    if any(v is UNKNOWN for v in items):
        return UNKNOWN
    return tuple(str(v).lower() if isinstance(v, bool) else str(v) for v in items)


def _principal_map(value: Any) -> Mapping[str, Strings] | Unknown | None:
    if value is None:
        return None
    if value is UNKNOWN:
        return UNKNOWN
    if value == "*":
        return {"*": ("*",)}
    if isinstance(value, Mapping):
        return {str(k): _strings(v) or () for k, v in value.items()}
    return {}


def _conditions(value: Any) -> tuple[Condition, ...] | Unknown:
    if value is UNKNOWN:
        return UNKNOWN
    out = []
    for operator, keys in (value if isinstance(value, Mapping) else {}).items():
        if keys is UNKNOWN:
            return UNKNOWN
        for key, values in (keys if isinstance(keys, Mapping) else {}).items():
            out.append(Condition(str(operator), str(key), _strings(values) or ()))
    return tuple(out)


def statement_of(raw: Mapping[str, Any]) -> Statement:
    """A statement from its JSON form (`{"Effect": …, "Principal": …, …}`)."""
    return Statement(
        effect=str(raw.get("Effect", "Allow")), sid=str(raw.get("Sid") or ""),
        principals=_principal_map(raw.get("Principal")),
        not_principals=_principal_map(raw.get("NotPrincipal")),
        actions=_strings(raw.get("Action")), not_actions=_strings(raw.get("NotAction")),
        resources=_strings(raw.get("Resource")), not_resources=_strings(raw.get("NotResource")),
        conditions=_conditions(raw.get("Condition")),
    )


def parse(value: Any) -> Document | Unknown | None:
    """A document from a plan value: a JSON string or a dict; UNKNOWN stays UNKNOWN; None (no
    policy, or not a policy) otherwise."""
    if value is UNKNOWN:
        return UNKNOWN
    if isinstance(value, str):
        if not value.strip():
            return None
        try:
            value = json.loads(value)
        except ValueError:
            return None
    if not isinstance(value, Mapping):
        return None
    raw = value.get("Statement", [])
    raws = [raw] if isinstance(raw, Mapping) else raw if isinstance(raw, list) else []
    return Document(tuple(statement_of(s) for s in raws if isinstance(s, Mapping)))


def from_blocks(get: Callable[..., Any]) -> Document | Unknown:
    """A document from the `statement` blocks of a `data.aws_iam_policy_document` (`get(*keys)`
    reads its planned values, UNKNOWN where only known after apply)."""
    blocks = get("statement")
    if blocks is UNKNOWN:
        return UNKNOWN
    out: list[Statement] = []
    for i in range(_count(blocks)):
        def at(*keys: Any, i: int = i) -> Any:
            return get("statement", i, *keys)

        conditions: list[Condition] | Unknown = [] if at("condition") is not UNKNOWN \
            else UNKNOWN
        for j in range(_count(at("condition"))):
            test, variable = at("condition", j, "test"), at("condition", j, "variable")
            if UNKNOWN in (test, variable) or not isinstance(conditions, list):
                conditions = UNKNOWN
                break
            conditions.append(Condition(str(test), str(variable),
                                        strings_at(at, "condition", j, "values") or ()))
        st = Statement(
            effect="Allow", sid=str(at("sid") or ""),
            principals=_principal_blocks(at, "principals"),
            not_principals=_principal_blocks(at, "not_principals"),
            actions=strings_at(at, "actions"), not_actions=strings_at(at, "not_actions"),
            resources=strings_at(at, "resources"),
            not_resources=strings_at(at, "not_resources"),
            conditions=tuple(conditions) if isinstance(conditions, list) else UNKNOWN,
        )
        effect = at("effect")
        if effect is UNKNOWN:
            out += [replace(st, certain=False), replace(st, effect="Deny", certain=False)]
        else:
            out.append(replace(st, effect=str(effect or "Allow")))
    return Document(tuple(out))


def strings_at(get: Callable[..., Any], *keys: Any) -> Strings | None:
    """The strings of a planned list (or string): an element only known after apply becomes
    a HOLE, so it may match anything but never certainly does."""
    value = get(*keys)
    if not isinstance(value, list):
        return _strings(value)
    items = [get(*keys, j) for j in range(len(value))]
    if not items:
        return None
    return tuple(HOLE if v is UNKNOWN else str(v).lower() if isinstance(v, bool) else str(v)
                 for v in items)


def _count(value: Any) -> int:
    return len(value) if isinstance(value, list) else 0


def _principal_blocks(at: Callable[..., Any], name: str) -> Mapping[str, Strings] | Unknown | None:
    blocks = at(name)
    if blocks is UNKNOWN:
        return UNKNOWN
    if not isinstance(blocks, list) or not blocks:
        return None
    out: dict[str, Strings] = {}
    for j in range(len(blocks)):
        type_, ids = at(name, j, "type"), strings_at(at, name, j, "identifiers")
        if type_ is UNKNOWN:
            return UNKNOWN
        known = out.get(str(type_), ())
        if isinstance(ids, Unknown) or isinstance(known, Unknown):
            out[str(type_)] = UNKNOWN
        else:
            out[str(type_)] = known + (ids or ())
    return out


# -- requests and evaluation -----------------------------------------------------------------

@dataclass(frozen=True)
class Request:
    """A request a service makes: its principal (`("Service", name)`, `("AWS", arn)`, or None
    for the role whose identity policies are evaluated), action, candidate resource ARNs (any
    may be the real one), the condition keys it carries (value UNKNOWN when not known at plan
    time) and the keys it is known not to carry (patterns); other keys: the plan cannot tell."""

    action: str
    resources: tuple[str, ...] = ("*",)
    principal: tuple[str, str] | None = None
    context: Mapping[str, Any] = field(default_factory=dict)
    absent: tuple[str, ...] = ()

    def lookup(self, key: str) -> tuple[Tri, Any]:
        """(carried?, value) for a condition key (names are case-insensitive)."""
        wanted = key.lower()
        for name, value in self.context.items():
            if name.lower() == wanted:
                return True, value
        if any(glob(p.lower(), wanted) for p in self.absent):
            return False, None
        return None, None


def _principal(principals: Mapping[str, Strings] | Unknown | None,
               request: Request, effect: str) -> Tri:
    if principals is None:
        return True  # an identity policy: it applies to the principal it is attached to
    if isinstance(principals, Unknown) or request.principal is None:
        return None if isinstance(principals, Unknown) else False
    kind, name = request.principal
    results: list[Tri] = []
    for type_, ids in principals.items():
        if isinstance(ids, Unknown):
            results.append(None)
            continue
        for pid in ids:
            if type_ == "*" or (type_ == "AWS" and pid == "*"):
                return True
            if type_ == "Service" and kind == "Service":
                results.append(glob(pid, name, wildcards=False, ignore_case=True))
            elif type_ == "AWS" and kind == "AWS":
                results.append(_aws_principal(pid, name, effect))
    return tri_or(*results)


def _aws_principal(pid: str, arn: str, effect: str) -> Tri:
    root = _ROOT.match(pid)
    account = pid if _ACCOUNT.match(pid) else root.group("account") if root else None
    if account is None:
        return glob(pid, arn, wildcards=False)
    requester = _ROOT.match(arn)
    if requester:  # the request comes from an account itself (ELB's log delivery account)
        return glob(account, requester.group("account"), wildcards=False)
    if effect == "Deny":  # a Deny for the account covers every principal in it
        return glob(f"*:{account}:*", arn)
    # An Allow for the account lets IAM policies grant access: by itself it grants a role
    # nothing. A role's own policies are evaluated with it where the rule needs them; a
    # service-linked role's AWS-defined policy grants no customer managed key.
    return False


def _any(patterns: Strings | None, value: str, *, arn: bool = False) -> Tri:
    if isinstance(patterns, Unknown):
        return None
    return tri_or(*((arn_glob(p, value) if arn else glob(p, value, ignore_case=True))
                    for p in patterns or ()))


def _element(allowed: Strings | None, denied: Strings | None, values: Iterable[str],
             arn: bool) -> Tri:
    results = []
    for value in values:
        if allowed is not None:
            results.append(_any(allowed, value, arn=arn))
        elif denied is not None:
            results.append(tri_not(_any(denied, value, arn=arn)))
        else:
            results.append(True)
    return tri_or(*results)


def _compare(base: str, patterns: tuple[str, ...], item: Any) -> Tri:
    if item is UNKNOWN:
        return None
    text = str(item).lower() if isinstance(item, bool) else str(item)
    positive = base.replace("Not", "", 1) if base in _NEGATED else base
    if positive in ("StringEquals", "StringLike", "StringEqualsIgnoreCase"):
        results = [glob(p, text, wildcards=positive == "StringLike",
                        ignore_case=positive == "StringEqualsIgnoreCase") for p in patterns]
    elif positive in ("ArnEquals", "ArnLike"):
        results = [arn_glob(p, text) for p in patterns]
    elif positive == "Bool":
        results = [None if opaque(text) else p.lower() == text.lower() for p in patterns]
    elif positive.startswith("Numeric"):
        results = [numeric(positive, p, text) for p in patterns]
    else:  # Date*, IpAddress, Binary…: not met by the requests the rules model
        return None
    matched = tri_or(*results)
    return tri_not(matched) if base in _NEGATED else matched


def condition_holds(cond: Condition, request: Request) -> Tri:
    qualifier, _, base = cond.operator.rpartition(":")
    if_exists = base.endswith("IfExists")
    base = base.removesuffix("IfExists")
    if isinstance(cond.values, Unknown):
        return None
    carried, value = request.lookup(cond.key)
    if base == "Null":
        if carried is None:
            return None
        return any((v.lower() == "true") == (not carried) for v in cond.values)
    if carried is None:
        return None
    if not carried:  # the request does not carry the key
        return if_exists or base in _NEGATED or qualifier.lower() == "forallvalues"
    items = value if isinstance(value, list | tuple) else [value]
    results = [_compare(base, cond.values, item) for item in items]
    return tri_and(*results) if qualifier.lower() == "forallvalues" else tri_or(*results)


def applies(st: Statement, request: Request) -> Tri:
    """Does the statement cover the request (principal, action, resource, conditions)?"""
    principal = _principal(st.principals, request, st.effect)
    if st.not_principals is not None:
        principal = tri_and(principal, tri_not(_principal(st.not_principals, request, "Allow")))
    action = _element(st.actions, st.not_actions, [request.action], arn=False)
    resource = _element(st.resources, st.not_resources, request.resources, arn=True)
    if False in (principal, action, resource):
        return False
    if isinstance(st.conditions, Unknown):
        conditions: Tri = None
    else:
        conditions = tri_and(*(condition_holds(c, request) for c in st.conditions))
    return tri_and(principal, action, resource, conditions)


def evaluate(doc: Document | Unknown | None, request: Request) -> Tri:
    """Would AWS allow the request under this document? (No document: nothing is allowed.)"""
    if isinstance(doc, Unknown):
        return None
    allowed: Tri = False
    denied: Tri = False
    for st in (doc.statements if doc is not None else ()):
        hit = applies(st, request)
        if hit is True and not st.certain:
            hit = None
        if st.effect == "Deny":
            denied = tri_or(denied, hit)
        else:
            allowed = tri_or(allowed, hit)
    return tri_and(allowed, tri_not(denied))


def denied_by(doc: Document | Unknown | None, request: Request) -> list[Statement]:
    """The Deny statements that certainly refuse the request (for messages)."""
    if not isinstance(doc, Document):
        return []
    return [s for s in doc.statements
            if s.effect == "Deny" and s.certain and applies(s, request) is True]
