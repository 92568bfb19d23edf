"""What a catalog entry is, and what its static rule, live check and test cases are.

An `Entry` is one failure mode (`FM-…`), one apply-readiness rule (`AR-…`: something AWS
refuses or silently ignores that the emulator accepts) or one live check of a part of the
stack (`NET-…`, `EDGE-…`, …). It carries its id, title, failure and fix once; its static rule
(types read, a function over the plan, failing and passing plan fixtures), its live check (a
function over the deployed stack, passing and failing live states), and how it is exercised
otherwise (the teardown test, the restore drill, CI). `prodstack audit`, `prodstack verify`,
`audit --catalog`, the README's catalog table and the tests all read these objects.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from prodstack.tf.folder import FolderConfig
from prodstack.tf.plan import Plan

if TYPE_CHECKING:
    from prodstack.catalog.contract import Result, VerifyContext
    from prodstack.catalog.planbuilder import PlanBuilder
    from prodstack.catalog.world import World

SEVERITIES = ("critical", "high", "medium", "low")
LIVE_STATUSES = ("pass", "fail", "n/a")


def severity_rank(severity: str) -> int:
    """0 for critical ... 3 for low."""
    return SEVERITIES.index(severity)


@dataclass
class AuditInput:
    """What the rules read: the plan, and the configuration folder when there is one (whose
    expressions the plan's value resolver then reads: catalog/resolve.py)."""

    plan: Plan
    config: FolderConfig | None = None

    def __post_init__(self) -> None:
        if self.config is not None and self.config.expressions is not None:
            self.plan.expressions = self.config.expressions


class Hit(NamedTuple):
    """One finding of a rule: the resource (or block) it is about, and what is wrong; a hit
    may be graded below its rule's severity when the case is milder than the worst one."""

    address: str
    message: str
    severity: str | None = None


class Unseen(NamedTuple):
    """What a rule could not check, and why (a listener whose actions a `dynamic` block
    builds: a plan's configuration leaves them out). Not a finding: the engine reports it in
    its own `unseen` list, in every format, and it never counts for the exit code."""

    address: str
    message: str


Made = tuple["PlanBuilder", FolderConfig | None]


@dataclass(frozen=True)
class PlanCase:
    """A plan fixture for a rule: the exact addresses it must name (none: it must not fire),
    and those it must report as unseen (could not check)."""

    name: str
    make: Callable[[], Made]
    hits: tuple[str, ...] = ()
    unseen: tuple[str, ...] = ()

    @property
    def fires(self) -> bool:
        return bool(self.hits)


@dataclass(frozen=True)
class LiveCase:
    """A live state for a check: `arrange` builds it in an emulated account and returns the
    stack outputs the check reads; the check must answer `expect` on it."""

    name: str
    expect: str
    arrange: Callable[[World], dict[str, Any]]
    env: str = "production"
    serves_http: bool = False  # the target capability the check sees
    sets: tuple[str, ...] = ()  # settings, as `--set NAME=VALUE` pairs

    def __post_init__(self) -> None:
        if self.expect not in LIVE_STATUSES:
            raise ValueError(f"{self.name}: expect must be one of {LIVE_STATUSES}")


@dataclass(frozen=True)
class Rule:
    """The static side: the resource types it reads and a function over a plan."""

    types: tuple[str, ...]
    check: Callable[[AuditInput], Iterable[Hit | Unseen]]
    cases: tuple[PlanCase, ...] = ()
    needs_config: bool = False  # reads the configuration folder (not in a plan)


@dataclass(frozen=True)
class LiveCheck:
    """The live side: a function over the deployed stack's outputs and its AWS APIs."""

    check: Callable[[VerifyContext], Result]
    cases: tuple[LiveCase, ...] = ()


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    failure: str
    fix: str
    severity: str | None = None
    rule: Rule | None = None
    live: LiveCheck | None = None
    exercised: tuple[str, ...] = ()  # other ways it is checked (teardown test, CI, ...)
    aws_docs: str = ""  # the AWS documentation page the behaviour comes from (AR-…)

    def __post_init__(self) -> None:
        if self.rule is not None and self.severity not in SEVERITIES:
            raise ValueError(f"{self.id}: a static rule needs a severity in {SEVERITIES}")
        if self.rule is None and self.live is None and not self.exercised:
            raise ValueError(f"{self.id}: checked nowhere (no rule, live check or exercise)")

    @property
    def family(self) -> str:
        """`FM` (failure mode), `AR` (apply readiness) or the part a check belongs to."""
        return self.id.split("-", 1)[0]


class Cases:
    """Collects the plan and live fixtures of one catalog file, in the order written.

        cases = Cases()

        @cases.fires("aws_lb.web")
        def alb_without_waf() -> Made: ...

        @cases.live("fail")
        def waf_detached(world: World) -> dict[str, Any]: ...
    """

    def __init__(self) -> None:
        self._plan: list[PlanCase] = []
        self._live: list[LiveCase] = []

    def fires(self, *addresses: str) -> Callable[[Callable[[], Made]], Callable[[], Made]]:
        if not addresses:
            raise ValueError("a failing fixture names the addresses its rule must hit")

        def register(make: Callable[[], Made]) -> Callable[[], Made]:
            self._plan.append(PlanCase(make.__name__, make, tuple(addresses)))
            return make

        return register

    def passes(self, make: Callable[[], Made]) -> Callable[[], Made]:
        self._plan.append(PlanCase(make.__name__, make))
        return make

    def cannot_see(self, *addresses: str) -> Callable[[Callable[[], Made]], Callable[[], Made]]:
        """A fixture the rule does not fire on, but reports these addresses as unseen."""
        if not addresses:
            raise ValueError("an unseen fixture names the addresses its rule cannot check")

        def register(make: Callable[[], Made]) -> Callable[[], Made]:
            self._plan.append(PlanCase(make.__name__, make, unseen=tuple(addresses)))
            return make

        return register

    def live(self, expect: str, env: str = "production", serves_http: bool = False,
             sets: tuple[str, ...] = ()) -> Callable[[Callable[[World], dict[str, Any]]],
                           Callable[[World], dict[str, Any]]]:
        def register(arrange: Callable[[World], dict[str, Any]]
                     ) -> Callable[[World], dict[str, Any]]:
            self._live.append(LiveCase(arrange.__name__, expect, arrange, env, serves_http,
                                       sets))
            return arrange

        return register

    @property
    def plan(self) -> tuple[PlanCase, ...]:
        return tuple(self._plan)

    @property
    def lives(self) -> tuple[LiveCase, ...]:
        return tuple(self._live)


@dataclass(frozen=True)
class Catalog:
    """Every entry, in catalog order, by id."""

    entries: tuple[Entry, ...]
    by_id: dict[str, Entry] = field(default_factory=dict)

    def __post_init__(self) -> None:
        ids = [e.id for e in self.entries]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"catalog ids written twice: {duplicates}")
        self.by_id.update({e.id: e for e in self.entries})

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.entries)

    def __getitem__(self, entry_id: str) -> Entry:
        return self.by_id[entry_id]

    @property
    def rules(self) -> tuple[Entry, ...]:
        return tuple(e for e in self.entries if e.rule is not None)

    @property
    def live_checks(self) -> tuple[Entry, ...]:
        return tuple(e for e in self.entries if e.live is not None)
