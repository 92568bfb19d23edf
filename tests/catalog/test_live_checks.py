"""Every live check, driven both ways: each of its live states (built in a fresh emulated
account with just the resources the check reads) must give the status the catalog expects."""

from __future__ import annotations

import pytest

from prodstack.catalog import CATALOG
from prodstack.catalog.contract import VerifyContext
from prodstack.catalog.model import Entry, LiveCase
from prodstack.catalog.world import World
from prodstack.config.load import load_settings
from prodstack.ops.verify import run_check

pytestmark = pytest.mark.emulator

CASES = [(e, c) for e in CATALOG.live_checks for c in e.live.cases]  # type: ignore[union-attr]


@pytest.mark.parametrize(("entry", "case"), CASES, ids=[f"{e.id}-{c.name}" for e, c in CASES])
def test_live_state(entry: Entry, case: LiveCase, sites, clients) -> None:  # type: ignore[no-untyped-def]
    world = World(clients, sites=sites)
    outputs = case.arrange(world)
    ctx = VerifyContext(settings=load_settings(env=case.env, overrides=case.sets),
                        outputs=outputs, clients=world.client, serves_http=case.serves_http)
    outcome = run_check(entry, ctx)
    assert outcome.status == case.expect, outcome.detail
    assert outcome.detail


@pytest.mark.parametrize("entry", CATALOG.live_checks, ids=lambda e: e.id)
def test_every_live_check_can_pass_and_fail(entry: Entry) -> None:
    expected = {c.expect for c in entry.live.cases}  # type: ignore[union-attr]
    missing = {"pass", "fail"} - expected
    assert not missing, f"{entry.id} has no {' or '.join(sorted(missing))}ing live state"
