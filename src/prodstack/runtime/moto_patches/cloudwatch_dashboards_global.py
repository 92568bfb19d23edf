"""CloudWatch dashboards are global: one dashboard of a name per account, seen from every Region.

moto: each Region keeps its own dashboards, so a dashboard put in one Region is missing from
GetDashboard and ListDashboards in another, and two Regions can each hold a dashboard of the
same name.
AWS (CloudWatch API reference, "PutDashboard": "If you call PutDashboard to create a
dashboard with a name that already exists, the dashboard is overwritten"; CloudWatch User
Guide, "Using Amazon CloudWatch dashboards": dashboards are global, a dashboard can show
metrics of every Region; its ARN `arn:aws:cloudwatch::<account>:dashboard/<name>` names no
Region): a dashboard put from any Region is the same object in every Region: GetDashboard,
ListDashboards and DeleteDashboards from another Region see it, and a PutDashboard of the
same name from another Region overwrites it. A stack deployed to two Regions with the same
dashboard name therefore shares (and fights over) one dashboard.
"""

from __future__ import annotations

from typing import Any

from moto.cloudwatch.models import CloudWatchBackend, Dashboard

MOTO_VERSION = "5.2.5"

# The account's dashboards, shared by its Regions' backends (emptied when moto resets).
_by_account: dict[str, dict[str, Dashboard]] = {}


def apply() -> None:
    init = CloudWatchBackend.__init__
    reset = CloudWatchBackend.reset

    def init_sharing_dashboards(self: CloudWatchBackend, region_name: str, account_id: str,
                                *args: Any, **kwargs: Any) -> None:
        init(self, region_name, account_id, *args, **kwargs)
        self.dashboards = _by_account.setdefault(account_id, {})

    def reset_shared_dashboards(self: CloudWatchBackend) -> None:
        _by_account.setdefault(self.account_id, {}).clear()
        reset(self)

    CloudWatchBackend.__init__ = init_sharing_dashboards  # type: ignore[method-assign]
    CloudWatchBackend.reset = reset_shared_dashboards  # type: ignore[method-assign]
