"""Sync's network run, in one session: read the index pages, plan every target, download
what is missing (hash-checked), build the sdists. Returns what happened; changes nothing
but the files it fetches and builds.

A project's files are fetched as soon as its page arrives (its lock lines decide them
alone), so the pages and the downloads overlap; the whole plan is made once all are read.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.utils import canonicalize_name

from wh.adapters.cache import HashCache
from wh.core.built import BuiltWheel
from wh.core.files import DistFile
from wh.core.lockfile import LockedRequirement
from wh.core.plan import SyncPlan, joined, plan_sync, projects, with_builds, with_recorded
from wh.core.selection import Choice
from wh.core.targets import Target
from wh.errors import TransferError
from wh.services.sdists import Builds, build_sdists, in_place, matches, reuse_built

if TYPE_CHECKING:
    from wh.services.session import Session


@dataclass(frozen=True, slots=True)
class Wanted:
    """What a sync asks for: the files of the selected targets (the other configured ones'
    are planned only to know which files to keep)."""

    wheelhouse: Path
    selected: list[Target]
    others: list[Target]
    requirements: list[LockedRequirement]
    records: list[BuiltWheel]  # the built-wheels record as found
    build: bool = True  # build the sdists here (False: `wh build` cross-builds them per target)


@dataclass(slots=True)
class Downloads:
    present: int = 0  # planned files already in place with a locked hash
    fetched: list[str] = field(default_factory=list)
    fetched_bytes: int = 0
    errors: list[TransferError] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Fetched:
    plan: SyncPlan  # the selected targets', builds settled
    other_plan: SyncPlan  # the other configured targets', settled with earlier builds
    downloads: Downloads
    builds: Builds


async def fetch(session: Session, wanted: Wanted, hashes: HashCache) -> Fetched:
    """Read the index, plan, download what is missing and build the sdists."""
    names = projects([*wanted.selected, *wanted.others], wanted.requirements)
    async with session:
        session.reporter.info(
            f"reading {len(names)} projects from {', '.join(session.display_urls)}"
        )
        downloads = Downloads()
        store = _Store(downloads, hashes, _names_in(wanted.wheelhouse))
        plan, other_plan = await _pages_and_files(session, wanted, names, store)
        downloads.fetched.sort()
        downloads.errors.sort(key=str)
        expected = _expected(plan)
        reused = reuse_built(wanted.wheelhouse, wanted.records, hashes, expected)
        to_build = [s for s in plan.builds if s.filename not in reused and wanted.build]
        builds = await build_sdists(session, wanted.wheelhouse, to_build, expected, hashes)
    built = {**reused, **builds.settled()}
    # Wheels the record says were built (or cross-built, one per target by wh build) from a
    # locked sdist fill the gaps of the targets they fit.
    recorded = in_place(wanted.wheelhouse, [*wanted.records, *builds.records], hashes)
    return Fetched(
        with_recorded(with_builds(plan, built), recorded),
        with_recorded(with_builds(other_plan, reused), recorded),
        downloads,
        builds,
    )


@dataclass(frozen=True, slots=True)
class _Store:
    downloads: Downloads  # filled in as the projects' files arrive
    hashes: HashCache
    present: frozenset[str]  # the names in the wheelhouse when the sync began


async def _pages_and_files(
    session: Session, wanted: Wanted, names: Sequence[str], store: _Store
) -> tuple[SyncPlan, SyncPlan]:
    """Read every project's page, and plan it for the selected and the other targets; fetch
    its missing files as soon as its page is read. Returns the plans of the selected and of
    the other targets. The first page that cannot be read stops everything (its error is
    raised)."""
    by_project: dict[str, list[LockedRequirement]] = {}
    for req in wanted.requirements:
        by_project.setdefault(canonicalize_name(req.name), []).append(req)
    index = session.index()
    gate = asyncio.Semaphore(session.jobs)

    async def one(name: str) -> tuple[SyncPlan, SyncPlan]:
        async with gate:
            files = await session.page(index, name)
        key = canonicalize_name(name)
        lines = by_project.get(key, [])
        page: dict[str, list[DistFile]] = {key: files}
        part = plan_sync(wanted.selected, lines, page)
        other = plan_sync(wanted.others, lines, page)
        await _download(session, wanted.wheelhouse, part, store)
        return part, other

    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(one(name)) for name in names]
    except BaseExceptionGroup as failed:
        raise failed.exceptions[0] from None
    parts = [t.result() for t in tasks]
    return (
        joined(wanted.selected, wanted.requirements, [p for p, _ in parts]),
        joined(wanted.others, wanted.requirements, [o for _, o in parts]),
    )


async def _download(session: Session, wheelhouse: Path, plan: SyncPlan, store: _Store) -> None:
    downloads, hashes = store.downloads, store.hashes
    expected = _expected(plan)
    missing: list[DistFile] = []
    for f in plan.downloads:
        path = wheelhouse / f.filename
        if f.filename in store.present and matches(hashes.sha256(path), expected[f.filename]):
            downloads.present += 1
        else:
            missing.append(f)
    fetched, errors = await session.download(missing, expected, wheelhouse)
    downloads.errors.extend(errors)
    for name, got in fetched.items():
        hashes.remember(got.path, got.sha256, got.stat)
        downloads.fetched.append(name)
        downloads.fetched_bytes += got.stat.st_size


def _names_in(directory: Path) -> frozenset[str]:
    """The names of the regular files in ``directory`` (one directory read)."""
    with os.scandir(directory) as entries:
        return frozenset(e.name for e in entries if e.is_file())


def _expected(plan: SyncPlan) -> dict[str, frozenset[str]]:
    """For each chosen file, the sha256 digests acceptable for it (empty: any)."""
    expected: dict[str, frozenset[str]] = {}
    for e in plan.entries:
        if isinstance(e.outcome, Choice):
            f = e.outcome.file
            allowed = e.requirement.hashes or (frozenset({f.sha256}) if f.sha256 else frozenset())
            prior = expected.get(f.filename, frozenset())
            expected[f.filename] = _both(prior, allowed)
    return expected


def _both(a: frozenset[str], b: frozenset[str]) -> frozenset[str]:
    """Digests acceptable to two lines (empty means any). Lines that share none are a broken
    lock; the first line's digests then stand, and the download reports the mismatch."""
    if not a or not b:
        return a or b
    return (a & b) or a
