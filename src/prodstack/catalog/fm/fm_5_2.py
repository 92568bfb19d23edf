"""FM-5.2: on-demand prices for a steady baseline that commitments would cover for less."""

from __future__ import annotations

from prodstack.catalog.model import Entry

ENTRY = Entry(
    id="FM-5.2", title="On-demand pricing only",
    failure="on-demand prices for a steady baseline that a Savings Plan or reservation would "
            "cover for less",
    fix="the cost report shows Savings Plan / reserved estimates next to on-demand",
    exercised=("report only (`prodstack cost`): a pricing choice, not visible in a plan",),
)
