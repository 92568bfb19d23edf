"""The cost report: a text table for people, JSON for tools, and the savings of commitments.

JSON: `{"total_monthly_usd", "total", "not_priced", "region", "prices_as_of", "items":
[{"address", "monthly_usd", "basis"}], "assumptions", "savings"}` plus a few descriptive keys
(subject, price source, what is not counted). Every format puts the resources it could not
price beside the total (`total`: "$30.07 + 3 resources not priced: …"), never a bare sum.
`savings` is what a 1-year Compute Savings Plan and RDS reserved instances, both without
upfront payment, would take off the on-demand total (FM-5.2).
"""

from __future__ import annotations

import json
import textwrap
from collections import Counter
from typing import Any

from prodstack.ops.cost.assumptions import BY_NAME
from prodstack.ops.cost.estimate import COMPUTE_SP, RDS_RESERVED, Estimate, Item, num, usd
from prodstack.ops.cost.prices import DISCOUNTS

COVERS = {
    COMPUTE_SP: "EC2 instance hours",
    RDS_RESERVED: "RDS instance hours, Multi-AZ included",
}
NOT_COUNTED = (
    "data transfer out to the internet and between AZs",
    "request charges (S3, KMS beyond the assumption, CloudWatch API)",
    "custom metrics that agents on the instances publish",
    "account-wide free tiers (CloudWatch, SNS, KMS, Config): figures are before any free tier",
    "tax, support plans, Marketplace subscriptions",
)
_STATUS_ORDER = {"priced": 0, "partial": 0, "unpriced": 1, "free": 2}


def savings(est: Estimate) -> dict[str, Any]:
    plans = []
    for key, what in DISCOUNTS.items():
        eligible = sum(item.eligible.get(key, 0.0) for item in est.items)
        factor = est.table.discounts[key]
        plans.append({"name": key, "what": what, "covers": COVERS[key],
                      "eligible_monthly_usd": round(eligible, 2), "discount": factor,
                      "monthly_saving_usd": round(eligible * factor, 2)})
    saving = round(sum(p["monthly_saving_usd"] for p in plans), 2)
    return {"commitments": plans, "monthly_saving_usd": saving,
            "monthly_usd_with_commitments": round(est.total - saving, 2)}


def _sorted(items: list[Item]) -> list[Item]:
    return sorted(items, key=lambda i: (_STATUS_ORDER[i.status], -i.monthly_usd, i.address))


def _unpriced(est: Estimate) -> list[str]:
    return [i.address for i in _sorted(est.items) if i.status == "unpriced"]


def headline(est: Estimate) -> str:
    """The total with what it leaves out beside it: `$30.07 + 3 resources not priced: …`."""
    left_out = _unpriced(est)
    total = usd(est.total)
    if not left_out:
        return f"{total} (every resource priced)"
    shown = ", ".join(left_out[:5]) + (f" and {len(left_out) - 5} more"
                                       if len(left_out) > 5 else "")
    return (f"{total} + {len(left_out)} resource{'s' if len(left_out) > 1 else ''} not priced: "
            f"{shown}")


def to_dict(est: Estimate, subject: str) -> dict[str, Any]:
    return {
        "total_monthly_usd": est.total,
        "total": headline(est),
        "not_priced": _unpriced(est),
        "currency": "USD",
        "region": est.region,
        "region_from": est.region_basis,
        "prices_as_of": est.table.as_of,
        "prices_source": est.table.source,
        "prices_file": est.table.origin,
        "subject": subject,
        "items": [{"address": i.address, "type": i.type, "monthly_usd": round(i.monthly_usd, 2),
                   "basis": i.basis, "status": i.status} for i in _sorted(est.items)],
        "assumptions": {a["name"]: {k: v for k, v in a.items() if k != "name"}
                        for a in est.assumptions.as_list()},
        "savings": savings(est),
        "not_counted": list(NOT_COUNTED),
    }


def to_json(est: Estimate, subject: str) -> str:
    return json.dumps(to_dict(est, subject), indent=2)


def _wrap(text: str, indent: int, first: str | None = None, width: int = 100) -> list[str]:
    return textwrap.wrap(text, width=width, initial_indent=" " * indent if first is None
                         else first, subsequent_indent=" " * indent, break_on_hyphens=False)


def _rows(items: list[Item]) -> list[tuple[float, str, str]]:
    """(monthly, what, basis) rows; items of one type with the same basis share a row."""
    groups: dict[tuple[str, float, str], list[Item]] = {}
    for item in items:
        groups.setdefault((item.type, item.monthly_usd, item.basis), []).append(item)
    rows: list[tuple[float, str, str]] = []
    for (rtype, monthly, basis), members in groups.items():
        if len(members) == 1:
            rows.append((monthly, members[0].address, basis))
            continue
        names = ", ".join(m.address.removeprefix(f"{rtype}.") for m in members)
        rows.append((monthly * len(members), f"{len(members)} × {rtype}: {names}",
                     f"each: {basis}"))
    return sorted(rows, key=lambda row: (-row[0], row[1]))


def to_text(est: Estimate, subject: str) -> str:
    items = _sorted(est.items)
    lines = [f"Monthly cost estimate: {subject}",
             f"Region {est.region} (from {est.region_basis}); prices as of {est.table.as_of} "
             f"({est.table.origin}); USD, on demand", "",
             f"{'monthly':>10}  resource", f"{'-' * 10}  {'-' * 40}"]
    for monthly, what, basis in _rows([i for i in items if i.status in ("priced", "partial")]):
        lines += _wrap(what, 12, first=f"{monthly:>10,.2f}  ")
        lines += _wrap(basis, 12)
    unpriced = [i for i in items if i.status == "unpriced"]
    if unpriced:
        lines.append(f"{'?':>10}  {len(unpriced)} unpriced (not in the total):")
        for item in unpriced:
            lines += _wrap(f"{item.address}: {item.basis.removeprefix('unpriced: ')}", 12)
    free = Counter(i.type for i in items if i.status == "free")
    if free:
        kinds = ", ".join(f"{n} × {t}" if n > 1 else t for t, n in sorted(free.items()))
        lines.append(f"{0:>10,.2f}  {sum(free.values())} free (no charge, or priced through "
                     "another resource):")
        lines += _wrap(kinds, 12)
    lines += [f"{'-' * 10}", f"{est.total:>10,.2f}  total per month, on demand"
              + (f" + {len(unpriced)} resource{'s' if len(unpriced) > 1 else ''} not priced "
                 "(listed above)" if unpriced else ""), ""]
    lines += _savings_text(est)
    lines += _assumptions_text(est)
    lines += ["", *_wrap("Not counted: " + "; ".join(NOT_COUNTED) + ".", 0)]
    lines += _wrap(f"Prices: {est.table.source}.", 0)
    for note in est.table.notes:
        lines += _wrap(note, 2, first="- ")
    return "\n".join(lines)


def _savings_text(est: Estimate) -> list[str]:
    data = savings(est)
    lines = ["Savings with 1-year commitments (FM-5.2):"]
    for plan in data["commitments"]:
        lines += _wrap(f"{plan['what']}: {plan['discount']:.0%} of "
                       f"{usd(plan['eligible_monthly_usd'])} on {plan['covers']} = "
                       f"{usd(plan['monthly_saving_usd'])}/month", 4, first="  ")
    share = data["monthly_saving_usd"] / est.total if est.total else 0.0
    lines += [f"  with both: {usd(data['monthly_usd_with_commitments'])}/month "
              f"(saves {usd(data['monthly_saving_usd'])}, {share:.1%})", ""]
    return lines


def _assumptions_text(est: Estimate) -> list[str]:
    lines = ["Assumptions (change with --assume NAME=VALUE or --assumptions FILE; "
             "* = changed):"]
    for entry in est.assumptions.as_list():
        mark = " " if entry["default"] else "*"
        value = f"{num(entry['value'])} {BY_NAME[entry['name']].unit}".strip()
        lines += _wrap(f"{entry['name']} = {value}: {entry['meaning']}", 4, first=f" {mark}")
    return lines
