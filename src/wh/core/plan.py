"""The sync plan: for every target and every lock line that applies to it, a file or a gap.

Pure. :func:`plan_sync` decides from the lock and the index pages; :func:`with_builds`
settles the sdists once they are built; the service fetches :attr:`SyncPlan.downloads`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from packaging.utils import canonicalize_name

from wh.core.built import BuiltWheel
from wh.core.files import DistFile
from wh.core.lockfile import LockedRequirement
from wh.core.selection import (
    Choice,
    Gap,
    applicable,
    best,
    choose,
    fits,
    hash_ok,
    pinned,
    served_by_built,
)
from wh.core.targets import Target


@dataclass(frozen=True, slots=True)
class Entry:
    target: Target
    requirement: LockedRequirement
    outcome: Choice | Gap


@dataclass(frozen=True, slots=True)
class SyncPlan:
    targets: tuple[Target, ...]
    entries: tuple[Entry, ...]

    def _files(self, *, build: bool) -> list[DistFile]:
        files = {
            e.outcome.file.filename: e.outcome.file
            for e in self.entries
            if isinstance(e.outcome, Choice) and e.outcome.needs_build == build
        }
        return [files[k] for k in sorted(files)]

    @property
    def downloads(self) -> list[DistFile]:
        """Every wheel some target uses, once, by filename."""
        return self._files(build=False)

    @property
    def builds(self) -> list[DistFile]:
        """Every sdist some target needs built, once."""
        return self._files(build=True)

    @property
    def gaps(self) -> list[Entry]:
        return [e for e in self.entries if isinstance(e.outcome, Gap)]

    def for_target(self, target: Target) -> list[Entry]:
        return [e for e in self.entries if e.target == target]


def projects(targets: Sequence[Target], requirements: Sequence[LockedRequirement]) -> list[str]:
    """The projects whose index pages the plan needs."""
    names = {req.name for t in targets for req in applicable(t, requirements)}
    return sorted(names)


def plan_sync(
    targets: Sequence[Target],
    requirements: Sequence[LockedRequirement],
    pages: Mapping[str, Sequence[DistFile]],
) -> SyncPlan:
    """Choose for every target; ``pages`` maps canonical project names to their files."""
    entries = [
        Entry(t, req, choose(t, req, pages.get(canonicalize_name(req.name), ())))
        for t in targets
        for req in applicable(t, requirements)
    ]
    return SyncPlan(tuple(targets), tuple(entries))


def joined(
    targets: Sequence[Target],
    requirements: Sequence[LockedRequirement],
    parts: Sequence[SyncPlan],
) -> SyncPlan:
    """The plan :func:`plan_sync` makes for ``targets`` and ``requirements``, put together
    from plans of disjoint parts of ``requirements`` (a project's lines each) made for the
    same targets: their entries, in the order ``plan_sync`` gives them."""
    first = {id(r): i for i, r in reversed(list(enumerate(requirements)))}
    rank = {t: i for i, t in enumerate(targets)}
    entries = sorted(
        (e for part in parts for e in part.entries),
        key=lambda e: (rank[e.target], first[id(e.requirement)]),
    )
    return SyncPlan(tuple(targets), tuple(entries))


def with_builds(plan: SyncPlan, built: Mapping[str, DistFile | str]) -> SyncPlan:
    """Settle sdist choices: ``built`` maps an sdist filename to its wheel, or to why it failed."""
    entries: list[Entry] = []
    for e in plan.entries:
        if isinstance(e.outcome, Choice) and e.outcome.needs_build:
            sdist = e.outcome.file
            result = built.get(sdist.filename, "it was not built")
            if isinstance(result, str):
                outcome: Choice | Gap = Gap(
                    f"{sdist.name} {sdist.version}: building {sdist.filename} failed: {result}",
                    "see the build log above; build the wheel by hand and add it to the index",
                )
            else:
                outcome = served_by_built(e.target, sdist, result)
            e = replace(e, outcome=outcome)
        entries.append(e)
    return SyncPlan(plan.targets, tuple(entries))


def with_recorded(plan: SyncPlan, recorded: Sequence[tuple[BuiltWheel, DistFile]]) -> SyncPlan:
    """Settle gaps with wheels already in the wheelhouse that the built-wheels record says
    were built (or cross-built) from an sdist the lock line lists, when one fits the target."""
    if not recorded:
        return plan
    entries: list[Entry] = []
    for e in plan.entries:
        if isinstance(e.outcome, Gap):
            req = e.requirement
            wheels = [
                wheel
                for record, wheel in recorded
                if (not req.hashes or record.sdist_sha256 in req.hashes)
                and wheel.name == canonicalize_name(req.name)
                and fits(e.target, wheel)
            ]
            wheels = pinned(req, wheels)
            if wheels:
                e = replace(e, outcome=Choice(best(e.target, wheels)))
        entries.append(e)
    return SyncPlan(plan.targets, tuple(entries))


def sdist_of(req: LockedRequirement, files: Sequence[DistFile]) -> DistFile | None:
    """The sdist of ``req``'s pinned version whose hash the lock lists, if the index has one."""
    sdists = [f for f in pinned(req, files) if not f.is_wheel and not f.yanked and hash_ok(req, f)]
    return min(sdists, key=lambda f: f.filename) if sdists else None
