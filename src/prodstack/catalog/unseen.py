"""What a rule says when it cannot decide: an `Unseen` naming what the plan and the
configuration left undecided (a data source read from AWS at apply, an expression the plan
does not keep, a value only known after apply), never a silent pass.

`cannot_tell` words it from the documents and requests a policy question depends on;
`unknown_value` from one attribute the rule reads, with what the value resolver
(catalog/resolve.py) says its expression depends on.
"""

from __future__ import annotations

from typing import Any

from prodstack.catalog.model import Unseen
from prodstack.catalog.policies import Request, unresolved
from prodstack.catalog.policy_match import unknowns
from prodstack.catalog.resolve import resolver
from prodstack.tf.plan import Plan, Resource
from prodstack.tf.resource import Unknown, why_unknown


def reasons(*sources: Any) -> list[str]:
    """What documents, requests, strings and unknown values depend on."""
    out: list[str] = []
    for source in sources:
        if isinstance(source, str):
            out += unknowns(source)
        elif isinstance(source, Request):
            out += [u for r in source.resources for u in unknowns(r)]
            out += [u for v in source.context.values() if isinstance(v, str)
                    for u in unknowns(v)]
        elif isinstance(source, Unknown):
            out += why_unknown(source)
        elif source is not None:
            out += unresolved(source)
    return list(dict.fromkeys(out))


def cannot_tell(address: str, question: str, *sources: Any) -> Unseen:
    """`question`: what the rule could not decide ("the policy of bucket x lets …"). A
    document unknown as a whole is the reason by itself."""
    wholes = [s for s in sources if isinstance(s, Unknown)]
    why = reasons(*(wholes or sources)) or ["values only known after apply"]
    return Unseen(address, f"cannot tell whether {question}: it depends on {'; '.join(why)}")


def unknown_value(plan: Plan, res: Resource, question: str, *path: str | int) -> Unseen:
    """`question`: what the rule could not decide because the value at `path` is only known
    after apply ("the database is Multi-AZ")."""
    value = resolver(plan).value(res, *path)
    why = why_unknown(value) if isinstance(value, Unknown) else ("a value known after apply",)
    shown = ".".join(str(p) for p in path if isinstance(p, str))
    return Unseen(res.address, f"cannot tell whether {question}: {shown} depends on "
                  f"{'; '.join(why)}")


def decided(plan: Plan, res: Resource, *path: str | int) -> Any:
    """The value at `path`: planned, else resolved through the configuration (an `Unknown`
    when neither decides it)."""
    return resolver(plan).value(res, *path)


def settled(plan: Plan, res: Resource, attr: str, default: Any) -> Any:
    """The value `attr` takes: planned; AWS's `default` when it is not written (or resolves
    to null); else what the configuration resolves it to; an `Unknown` when neither the plan
    nor the configuration decides it."""
    value = res.get(attr)
    if not isinstance(value, Unknown):
        return default if value is None and not res.written(attr) else value
    if res.has_config and not res.written(attr):
        return default
    value = resolver(plan).value(res, attr)
    return default if value is None else value
