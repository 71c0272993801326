"""``wh sync``: the right file for every target, into the wheelhouse.

Flow: config -> targets -> lockfiles -> (fast path: a complete plan cached for exactly these
inputs, every file still in place) -> index pages -> plan -> downloads -> builds -> prune ->
built-wheels record. Failures of single files are collected; the sync fetches everything it
can and then reports gaps and errors together.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from filelock import FileLock, Timeout

from wh import __version__
from wh.adapters.builds import build_wheel
from wh.adapters.cache import HashCache, PlanCache, cache_dir
from wh.adapters.fs import atomic_write, leftover_temp_files
from wh.adapters.project import load_config, read_lockfiles
from wh.core.built import RECORD_NAME, BuiltWheel, RecordError, parse_record, render_record
from wh.core.config import make_targets, select_platforms
from wh.core.files import DistFile, is_dist_filename, parse_dist
from wh.core.lockfile import LockedRequirement
from wh.core.plan import SyncPlan, plan_sync, projects, with_builds, with_recorded
from wh.core.selection import Choice, Gap
from wh.core.targets import Target
from wh.errors import UsageError, WhError
from wh.services.report import Reporter, Silent

if TYPE_CHECKING:  # the network stack is imported only when the index is asked
    from wh.services.session import Session


@dataclass(frozen=True, slots=True)
class SyncOptions:
    project: Path = Path()
    platforms: Sequence[str] | None = None  # families or tags; None: every configured family
    python: Sequence[str] | None = None  # None: the configured versions
    prune: bool = True
    jobs: int = 8
    build_sdists: bool = True  # False: leave sdists to `wh build` (it cross-builds per target)


@dataclass(frozen=True, slots=True)
class TargetSummary:
    name: str
    python: str
    platform: str
    files: tuple[str, ...]
    gaps: int


@dataclass(frozen=True, slots=True)
class GapReport:
    target: str
    package: str
    version: str
    reason: str
    hint: str


@dataclass(slots=True)
class SyncResult:
    wheelhouse: Path
    targets: list[TargetSummary] = field(default_factory=list)
    gaps: list[GapReport] = field(default_factory=list)
    errors: list[WhError] = field(default_factory=list)
    downloaded: list[str] = field(default_factory=list)
    downloaded_bytes: int = 0
    present: int = 0
    built: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    build_failures: dict[str, str] = field(default_factory=dict)
    unchanged: bool = False  # the fast path: nothing to do, nothing asked of the index

    @property
    def ok(self) -> bool:
        return not self.gaps and not self.errors

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1


def sync(options: SyncOptions, reporter: Reporter | None = None) -> SyncResult:
    reporter = reporter or Silent()
    if options.jobs < 1:
        raise UsageError("--jobs: must be at least 1")
    project = options.project.resolve()
    config = load_config(project)
    selected = make_targets(
        options.python or config.python, select_platforms(config, options.platforms)
    )
    configured = make_targets(config.python, select_platforms(config, None))
    others = [t for t in configured if t not in selected]
    lockfiles = read_lockfiles(project, config)
    requirements = [r for lockfile, _ in lockfiles for r in lockfile.requirements]
    wheelhouse = project / config.wheelhouse
    wheelhouse.mkdir(parents=True, exist_ok=True)
    # The lock pins every file by sha256, so these inputs decide the plan; the index does
    # not (it only says where the files are), and the snapshot re-checks every file's hash.
    key = PlanCache.key(
        __version__,
        *(text for _, text in lockfiles),
        *(t.name for t in selected),
        "|",
        *(t.name for t in others),
        str(options.prune),
    )
    lock = FileLock(cache_dir() / "locks" / f"{PlanCache.key(str(wheelhouse))}.lock")
    (cache_dir() / "locks").mkdir(parents=True, exist_ok=True)
    try:
        lock.acquire(timeout=0.5)
    except Timeout:
        reporter.info(f"waiting for another wh sync of {wheelhouse} to finish")
        lock.acquire()
    try:
        hashes = HashCache()
        plans = PlanCache()
        result = _unchanged(wheelhouse, plans.get(key), hashes, options.prune)
        if result is None:
            from wh.services.session import Session

            session = Session.create(config, [lf for lf, _ in lockfiles], options.jobs, reporter)
            result = _sync(session, wheelhouse, selected, others, requirements, hashes, options)
            if result.ok and all(r.hashes for r in requirements):
                plans.put(key, _snapshot(wheelhouse, result, hashes))
        hashes.save()
        return result
    finally:
        lock.release()


def _sync(
    session: Session,
    wheelhouse: Path,
    selected: list[Target],
    others: list[Target],
    requirements: list[LockedRequirement],
    hashes: HashCache,
    options: SyncOptions,
) -> SyncResult:
    import asyncio

    reporter = session.reporter
    result = SyncResult(wheelhouse)
    for req in requirements:
        if not req.hashes:
            reporter.warn(
                f"{req.source}: {req.name}=={req.version} has no hashes; any file accepted"
            )
    records = _read_record(wheelhouse, reporter)
    plan, other_plan, new_records = asyncio.run(
        _run(
            session,
            wheelhouse,
            selected,
            others,
            requirements,
            records,
            hashes,
            result,
            options.build_sdists,
        )
    )
    keep = _used(plan) | _used(other_plan)
    _write_record(wheelhouse, [r for r in [*records, *new_records] if r.wheel in keep])
    for leftover in leftover_temp_files(wheelhouse):  # a killed run's: never anyone's file
        leftover.unlink()
    if options.prune:
        result.removed = _prune(wheelhouse, keep)
    _summarize(result, plan)
    return result


async def _run(
    session: Session,
    wheelhouse: Path,
    selected: list[Target],
    others: list[Target],
    requirements: list[LockedRequirement],
    records: list[BuiltWheel],
    hashes: HashCache,
    result: SyncResult,
    build: bool = True,
) -> tuple[SyncPlan, SyncPlan, list[BuiltWheel]]:
    """Read the index, plan, download what is missing and build the sdists, in one session.

    Returns the settled plans for the selected targets and for the other configured ones
    (those only to know which files to keep), and the records of wheels built now."""
    names = projects([*selected, *others], requirements)
    async with session:
        session.reporter.info(
            f"reading {len(names)} projects from {', '.join(session.display_urls)}"
        )
        pages = await session.pages(names)
        plan = plan_sync(selected, requirements, pages)
        other_plan = plan_sync(others, requirements, pages)
        expected = _expected(plan)
        missing = []
        for f in plan.downloads:
            path = wheelhouse / f.filename
            if path.is_file() and _matches(hashes.sha256(path), expected[f.filename]):
                result.present += 1
            else:
                missing.append(f)
        fetched, errors = await session.download(missing, expected, wheelhouse)
        for name, (path, digest) in sorted(fetched.items()):
            hashes.remember(path, digest)
            result.downloaded.append(name)
            result.downloaded_bytes += path.stat().st_size
        result.errors.extend(errors)
        reused = _reuse_records(wheelhouse, records, hashes, expected)
        built: dict[str, DistFile | str] = dict(reused)
        to_build = [s for s in plan.builds if s.filename not in reused and build]
        new_records = await _build_all(session, wheelhouse, to_build, expected, hashes, result)
        for r in new_records:
            built[r.sdist] = parse_dist(r.wheel, sha256=r.wheel_sha256) or "not a wheel"
        for name, why in result.build_failures.items():
            built[name] = why
    # Wheels in the wheelhouse that the record says were built from a locked sdist (wh build
    # cross-builds one per target) fill the gaps of the targets they fit.
    recorded = _in_place(wheelhouse, [*records, *new_records], hashes)
    return (
        with_recorded(with_builds(plan, built), recorded),
        with_recorded(with_builds(other_plan, reused), recorded),
        new_records,
    )


async def _build_all(
    session: Session,
    wheelhouse: Path,
    sdists: list[DistFile],
    expected: Mapping[str, frozenset[str]],
    hashes: HashCache,
    result: SyncResult,
) -> list[BuiltWheel]:
    """Fetch and build each sdist once; failures go to ``result.build_failures``."""
    if not sdists:
        return []
    import asyncio

    records: list[BuiltWheel] = []
    with tempfile.TemporaryDirectory(prefix="wh-sdists-") as tmp:
        fetched, errors = await session.download(sdists, expected, Path(tmp))
        result.errors.extend(errors)
        for sdist in sdists:
            if sdist.filename not in fetched:
                result.build_failures[sdist.filename] = "the sdist could not be downloaded"
                continue
            path, sdist_sha = fetched[sdist.filename]
            session.reporter.info(f"building {sdist.filename} (once, for every target it fits)")
            try:
                wheel_path, isolated = await asyncio.to_thread(
                    build_wheel, path, wheelhouse, session.index_urls
                )
            except WhError as exc:
                result.build_failures[sdist.filename] = exc.message
                continue
            if not isolated:
                session.reporter.warn(
                    f"{sdist.filename}: the index lacks its build backend;"
                    " built without isolation, with the backends installed beside wh"
                )
            wheel_sha = hashes.sha256(wheel_path)
            result.built.append(wheel_path.name)
            records.append(BuiltWheel(sdist.filename, sdist_sha, wheel_path.name, wheel_sha))
    return records


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


def _matches(digest: str, expected: frozenset[str]) -> bool:
    return not expected or digest in expected


def _reuse_records(
    wheelhouse: Path,
    records: list[BuiltWheel],
    hashes: HashCache,
    expected: Mapping[str, frozenset[str]],
) -> dict[str, DistFile | str]:
    """Wheels built by an earlier sync, still in place, from an sdist the lock still allows."""
    reused: dict[str, DistFile | str] = {}
    for r, wheel in _in_place(wheelhouse, records, hashes):
        allowed = expected.get(r.sdist)
        if allowed is None or _matches(r.sdist_sha256, allowed):
            reused[r.sdist] = wheel
    return reused


def _in_place(
    wheelhouse: Path, records: list[BuiltWheel], hashes: HashCache
) -> list[tuple[BuiltWheel, DistFile]]:
    """Recorded wheels still in the wheelhouse with the recorded bytes."""
    found: list[tuple[BuiltWheel, DistFile]] = []
    for r in records:
        path = wheelhouse / r.wheel
        if path.is_file() and hashes.sha256(path) == r.wheel_sha256:
            wheel = parse_dist(r.wheel, sha256=r.wheel_sha256)
            if wheel is not None:
                found.append((r, wheel))
    return found


def _read_record(wheelhouse: Path, reporter: Reporter) -> list[BuiltWheel]:
    path = wheelhouse / RECORD_NAME
    try:
        return parse_record(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, RecordError) as exc:
        reporter.warn(f"{path}: {exc}; wheels it named will be built again")
        return []


def _write_record(wheelhouse: Path, records: list[BuiltWheel]) -> None:
    path = wheelhouse / RECORD_NAME
    if not records:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        return
    text = render_record(records)
    with contextlib.suppress(FileNotFoundError):
        if path.read_text(encoding="utf-8") == text:
            return
    atomic_write(path, text.encode())


def _used(plan: SyncPlan) -> set[str]:
    return {e.outcome.file.filename for e in plan.entries if isinstance(e.outcome, Choice)}


def _prune(wheelhouse: Path, keep: set[str]) -> list[str]:
    removed = []
    for path in sorted(wheelhouse.iterdir()):
        if path.is_file() and is_dist_filename(path.name) and path.name not in keep:
            path.unlink()
            removed.append(path.name)
    return removed


def _summarize(result: SyncResult, plan: SyncPlan) -> None:
    for target in plan.targets:
        entries = plan.for_target(target)
        files = sorted(e.outcome.file.filename for e in entries if isinstance(e.outcome, Choice))
        gaps = [e for e in entries if isinstance(e.outcome, Gap)]
        result.targets.append(
            TargetSummary(
                target.name, target.python_short, target.platform.tag, tuple(files), len(gaps)
            )
        )
        for e in gaps:
            assert isinstance(e.outcome, Gap)
            result.gaps.append(
                GapReport(
                    target.name,
                    e.requirement.name,
                    e.requirement.version,
                    e.outcome.reason,
                    e.outcome.hint,
                )
            )


def _snapshot(wheelhouse: Path, result: SyncResult, hashes: HashCache) -> dict[str, object]:
    """What the fast path needs to prove nothing changed, and to report as a full sync does."""
    names = sorted({f for t in result.targets for f in t.files})
    record = wheelhouse / RECORD_NAME
    return {
        "files": {n: hashes.sha256(wheelhouse / n) for n in names},
        "record": hashes.sha256(record) if record.exists() else None,
        "targets": [
            {"name": t.name, "python": t.python, "platform": t.platform, "files": list(t.files)}
            for t in result.targets
        ],
    }


def _unchanged(
    wheelhouse: Path, snapshot: object, hashes: HashCache, prune: bool
) -> SyncResult | None:
    """A result without network when the last complete sync of the same inputs still holds."""
    if not isinstance(snapshot, dict):
        return None
    try:
        files: dict[str, str] = snapshot["files"]
        for name, digest in files.items():
            if hashes.sha256(wheelhouse / name) != digest:
                return None
        record = wheelhouse / RECORD_NAME
        if snapshot["record"] != (hashes.sha256(record) if record.exists() else None):
            return None
        on_disk = set(os.listdir(wheelhouse))
        if any(n.startswith(".wh-tmp-") for n in on_disk):
            return None
        if prune and any(is_dist_filename(n) and n not in files for n in on_disk):
            return None
        result = SyncResult(wheelhouse, unchanged=True, present=len(files))
        for t in snapshot["targets"]:
            result.targets.append(
                TargetSummary(t["name"], t["python"], t["platform"], tuple(t["files"]), 0)
            )
        return result
    except (OSError, KeyError, TypeError, ValueError):
        return None
