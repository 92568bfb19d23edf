"""`data.aws_iam_policy_document` blocks read from the configuration, for the value resolver
(resolve.py): the JSON document the data source renders, as `jsonencode` would give it
(`Encoded`), with its statement blocks, source and override documents evaluated and the
parts only known after apply left as symbols or `Unresolved`.

Override documents replace the statements with the same Sid, as the provider does; a
`dynamic` block, a principal type or condition key only known after apply makes the
statement (or document) `Unresolved`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from prodstack.catalog.policy_match import HOLE
from prodstack.catalog.resolve_values import Encoded
from prodstack.tf.hcl_expr import Body, Tree
from prodstack.tf.plan import Resource
from prodstack.tf.resource import Unknown, Unresolved

Evaluate = Callable[[Tree, Mapping[str, Any]], Any]


def document(ds: Resource, body: Body, ev: Evaluate, scope: Mapping[str, Any]) -> Any:
    """The document of the data source whose block is `body`."""
    if any(t == "dynamic" for t, _, _ in body.blocks):
        return Unresolved(f"the dynamic blocks of {ds.address}")
    statements: list[Any] = []
    for source_attr in ("source_policy_documents", "source_json"):
        if source_attr in body.attrs:
            statements += statements_of(ev(body.attrs[source_attr], scope))
    for inner in body.children("statement"):
        statements.append(statement(inner, ev, scope))
    for override_attr in ("override_policy_documents", "override_json"):
        if override_attr in body.attrs:
            for st in statements_of(ev(body.attrs[override_attr], scope)):
                sid = st.get("Sid") if isinstance(st, dict) else None
                statements = [s for s in statements
                              if not (sid and isinstance(s, dict) and s.get("Sid") == sid)]
                statements.append(st)
    return Encoded({"Version": "2012-10-17", "Statement": statements})


def statement(body: Body, ev: Evaluate, scope: Mapping[str, Any]) -> Any:
    """One `statement` block in its JSON form."""
    if any(t == "dynamic" for t, _, _ in body.blocks):
        return Unresolved("a statement with dynamic blocks")
    out: dict[str, Any] = {"Effect": ev(body.attrs["effect"], scope)
                           if "effect" in body.attrs else "Allow"}
    if "sid" in body.attrs:
        out["Sid"] = ev(body.attrs["sid"], scope)
    for attr, key in (("actions", "Action"), ("not_actions", "NotAction"),
                      ("resources", "Resource"), ("not_resources", "NotResource")):
        if attr in body.attrs:
            out[key] = ev(body.attrs[attr], scope)
    for block, key in (("principals", "Principal"), ("not_principals", "NotPrincipal")):
        found = _principals(body.children(block), ev, scope)
        if isinstance(found, Unresolved):
            return found
        if found:
            out[key] = found
    conditions: dict[str, Any] = {}
    for inner in body.children("condition"):
        test = ev(inner.attrs.get("test", ("lit", None)), scope)
        variable = ev(inner.attrs.get("variable", ("lit", None)), scope)
        if not isinstance(test, str) or not isinstance(variable, str):
            return Unresolved("a condition known after apply")
        conditions.setdefault(test, {})[variable] = ev(
            inner.attrs.get("values", ("tuple", ())), scope)
    if conditions:
        out["Condition"] = conditions
    return out


def _principals(blocks: list[Body], ev: Evaluate, scope: Mapping[str, Any]) -> Any:
    """`{"Service": [...], "AWS": [...]}`, `"*"` for a principal of type "*", or Unresolved."""
    found: dict[str, Any] = {}
    for inner in blocks:
        kind = ev(inner.attrs.get("type", ("lit", None)), scope)
        ids = ev(inner.attrs.get("identifiers", ("tuple", ())), scope)
        if not isinstance(kind, str):
            return Unresolved("a principal type known after apply")
        if kind == "*":
            return "*"
        before = found.get(kind, [])
        found[kind] = before + ids if isinstance(before, list) and isinstance(ids, list) \
            else Unresolved("principals known after apply")
    return found


def statements_of(value: Any) -> list[Any]:
    """The statements of policy documents given as JSON (strings, `jsonencode`, lists)."""
    docs = value if isinstance(value, list) else [value]
    out: list[Any] = []
    for doc in docs:
        if isinstance(doc, Encoded):
            doc = doc.value
        elif isinstance(doc, str):
            if HOLE in doc:
                out.append(Unresolved("a source document known after apply"))
                continue
            try:
                doc = json.loads(doc)
            except ValueError:
                out.append(Unresolved("a source document that is not JSON"))
                continue
        if isinstance(doc, dict):
            found = doc.get("Statement", [])
            out += found if isinstance(found, list) else [found]
        elif isinstance(doc, Unknown):
            out.append(doc)
    return out
