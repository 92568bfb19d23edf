"""What `up` (and `make demo`, through `prodstack outputs --format summary`) ends with: what
was built, where to look at it, and the commands to run next."""

from __future__ import annotations

from typing import Any

from prodstack.config.settings import Settings


def built(settings: Settings, values: dict[str, Any]) -> list[str]:
    """A few lines for a person: the site, the dashboard, where alarms go, what to run."""
    which = f"--env {settings.env} --target {settings.target}"
    alarms = values.get("alarm_names") or []
    emails = ", ".join(settings.effective_alarm_emails) or "its subscribers"
    lines = [f"built: {settings.env} on {settings.target}, in {values.get('region', '?')}",
             f"  site:       {values.get('url', '?')} (health check: "
             f"{values.get('health_check_url', '?')})"]
    if values.get("dashboard_name"):
        lines.append(f"  dashboard:  {values['dashboard_name']} (CloudWatch)")
    lines += [f"  alarms:     {len(alarms)} alarms notify {values.get('alarm_topic_arn', '?')} "
              f"({emails})",
              "next:",
              f"  prodstack verify {which}        # check it live",
              f"  prodstack deploy {which}        # release a new version, blue/green",
              f"  prodstack outputs {which}       # every output (--format json)",
              f"  prodstack down {which} --yes    # remove it (keeps data, logs, backups; "
              "--purge removes them too)"]
    return lines
