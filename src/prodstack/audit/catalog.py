"""`prodstack audit --catalog`: every failure mode, its fix, and where it is checked.

Entries with a static side take their title, failure and fix from their rule (one source);
the others (report only, teardown test, live checks, CI) are written here.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from prodstack.audit.rules import RULES

STATIC = "static rule (prodstack audit)"
STATIC_FOLDER = "static rule on the configuration folder (prodstack audit PATH)"
LIVE = "live check (prodstack verify)"


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    severity: str | None
    failure: str
    fix: str
    checked: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["checked"] = list(self.checked)
        return data


_EXTRA_CHECKS: dict[str, tuple[str, ...]] = {
    "FM-4.4": ("restore drill (prodstack backup verify)",),
    "FM-6.1": ("health-gated switch with automatic rollback (planned: prodstack deploy)",),
}


def _live_ids() -> set[str]:
    """Catalog ids that `prodstack verify` really checks (read from its registry)."""
    from prodstack.verify.base import REGISTRY
    from prodstack.verify.runner import CHECK_MODULES

    del CHECK_MODULES  # imported for its side effect: every check is registered
    return {check.id for check in REGISTRY}

_NOT_STATIC = (
    Entry("FM-5.2", "On-demand pricing only", None,
          "on-demand prices for a steady baseline that a Savings Plan or reservation would "
          "cover for less",
          "the cost report shows Savings Plan / reserved estimates next to on-demand",
          ("report only (prodstack cost): a pricing choice, not visible in a plan",)),
    Entry("FM-6.3", "Destroy fails or loses data", None,
          "destroy fails (non-empty buckets, running trail and recorder, protected database) "
          "or deletes logs and data nobody meant to lose",
          "ordered teardown: stop the trail and the recorder, final snapshot, keep audit logs "
          "unless an explicit purge flag",
          ("teardown test (tests/e2e: up, down, down --purge)",)),
    Entry("FM-7.1", "Tests check existence, not function", None,
          "tests assert that resources exist, not that HTTPS answers, alarms notify or the "
          "database is private",
          "live checks of each fix and of connectivity",
          (LIVE,)),
    Entry("FM-7.2", "No performance testing", None,
          "nobody knows the latency and error rate under load before users find out",
          "a load test with SLO thresholds against the deployed URL",
          ("load test with SLO thresholds (prodstack loadtest URL)",)),
    Entry("FM-7.3", "No security scanning", None,
          "security misconfigurations reach production unseen",
          "checkov on the plan in CI, every skip justified in code",
          ("CI: checkov gate on the production plan (scripts/checkov_gate.py)",)),
)


def entries() -> list[Entry]:
    live = _live_ids()
    out = [
        Entry(rule.id, rule.title, rule.severity, rule.failure, rule.fix,
              (STATIC_FOLDER if rule.needs_config else STATIC,
               *((LIVE,) if rule.id in live else ()), *_EXTRA_CHECKS.get(rule.id, ())))
        for rule in RULES
    ]
    out.extend(_NOT_STATIC)
    return sorted(out, key=lambda e: _order(e.id))


def _order(fm_id: str) -> tuple[int, int]:
    group, _, number = fm_id.removeprefix("FM-").partition(".")
    if group.startswith("X"):
        return 100, int(group[1:] or 0)
    return int(group), int(number or 0)


def render_text() -> str:
    lines = []
    for entry in entries():
        severity = f" [{entry.severity}]" if entry.severity else ""
        lines.append(f"{entry.id}  {entry.title}{severity}")
        lines.append(f"    failure: {entry.failure}")
        lines.append(f"    fix:     {entry.fix}")
        lines.append(f"    checked: {'; '.join(entry.checked)}")
    return "\n".join(lines)


def render_json() -> dict[str, object]:
    return {"catalog": [e.to_dict() for e in entries()]}
