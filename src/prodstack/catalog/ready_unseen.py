"""What an apply-readiness rule says when it cannot decide: an `Unseen` naming what the
plan and the configuration left undecided (a data source read from AWS at apply, an
expression the plan does not keep, a value only known after apply), never a silent pass."""

from __future__ import annotations

from typing import Any

from prodstack.catalog.model import Unseen
from prodstack.catalog.policies import Request, unresolved
from prodstack.catalog.policy_match import unknowns
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
