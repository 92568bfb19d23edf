"""FM-7.3: no security scanning: misconfigurations reach production unseen."""

from __future__ import annotations

from prodstack.catalog.model import Entry

ENTRY = Entry(
    id="FM-7.3", title="No security scanning",
    failure="security misconfigurations reach production unseen",
    fix="checkov on the plan in CI, every skip justified in code",
    exercised=("CI: checkov gate on the production plan (scripts/checkov_gate.py)",),
)
