"""Without application settings the stack is what it was before applications existed, except
for what the application's configuration adds (docs/application.md).

`fixtures/default_stack_before_app.json` is the default synth (production, local target) as it
was before; `fixtures/default_stack_app_changes.json` lists every path of the document that
the application support added or changed, with the reason. The test compares today's default
synth with the first and expects exactly the second.

A deliberate change elsewhere in the stack changes the default synth too: refresh the
baseline with `PRODSTACK_UPDATE_BASELINE=1 pytest tests/unit/test_default_stack.py`, which
takes today's synth and keeps, at the listed paths only, the values from before (added paths
left out, changed ones as they were), so that the application's changes stay pinned.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parent / "fixtures"
BEFORE = FIXTURES / "default_stack_before_app.json"
CHANGES = FIXTURES / "default_stack_app_changes.json"


def diff(before: Any, now: Any, path: str = "") -> dict[str, str]:
    """Path -> "added" | "removed" | "changed" for every difference (dicts walked by key)."""
    if isinstance(before, dict) and isinstance(now, dict):
        out: dict[str, str] = {}
        for key in sorted(set(before) | set(now)):
            sub = f"{path}/{key}"
            if key not in before:
                out[sub] = "added"
            elif key not in now:
                out[sub] = "removed"
            else:
                out.update(diff(before[key], now[key], sub))
        return out
    return {} if before == now else {path: "changed"}


def _at(doc: dict[str, Any], path: str) -> tuple[dict[str, Any], str]:
    *parents, last = path.strip("/").split("/")
    for key in parents:
        doc = doc[key]
    return doc, last


def refreshed_baseline(before: dict[str, Any], now: dict[str, Any],
                       changes: dict[str, dict[str, str]]) -> dict[str, Any]:
    """Today's synth with the application's changes taken back out."""
    base = json.loads(json.dumps(now))
    for path in changes["added"]:
        parent, key = _at(base, path)
        parent.pop(key, None)
    for path in changes["changed"]:
        parent, key = _at(base, path)
        old_parent, _ = _at(before, path)
        parent[key] = old_parent[key]
    return base


def test_default_synth_changed_only_where_the_application_configuration_adds(synth):
    now = synth("production", "local")
    before = json.loads(BEFORE.read_text())
    changes = json.loads(CHANGES.read_text())
    if os.environ.get("PRODSTACK_UPDATE_BASELINE"):
        before = refreshed_baseline(before, now, changes)
        BEFORE.write_text(json.dumps(before, indent=1, sort_keys=True) + "\n")
    expected = {**{p: "added" for p in changes["added"]},
                **{p: "changed" for p in changes["changed"]}}
    assert diff(before, now) == expected


def test_the_list_of_changes_says_why():
    changes = json.loads(CHANGES.read_text())
    assert set(changes) == {"added", "changed"}
    assert all(reason.strip() for kind in changes.values() for reason in kind.values())
