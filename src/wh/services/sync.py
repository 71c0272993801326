"""``wh sync``: the right file for every target, into the wheelhouse.

Flow: config -> targets -> lockfiles -> (fast path: a complete plan cached for exactly these
inputs, every file still in place: ``adapters.cache.PlanCache``) -> the network run
(``services.fetch``: index pages, plan, downloads, sdist builds in ``services.sdists``) ->
built-wheels record and prune (``adapters.wheelhouse``). Failures of single files are
collected; the sync fetches everything it can and then reports gaps and errors together.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from wh import __version__
from wh.adapters.cache import HashCache, PlanCache, PlannedTarget
from wh.adapters.fs import leftover_temp_files
from wh.adapters.housekeeping import prune, read_records, write_records
from wh.adapters.houselock import wheelhouse_lock
from wh.adapters.project import inside_repository, load_config, read_lockfiles
from wh.core.built import RECORD_NAME, BuiltWheel, RecordError
from wh.core.config import READ_TIMEOUT
from wh.core.lockfile import LockedRequirement
from wh.core.plan import SyncPlan
from wh.core.selection import Choice, Gap
from wh.core.targets import Target
from wh.errors import TransferError, UsageError, WhError
from wh.services.failures import group_failures
from wh.services.report import Reporter, Silent

if TYPE_CHECKING:  # the network stack is imported only when the index is asked
    from wh.services.fetch import Fetched
    from wh.services.session import Session


@dataclass(frozen=True, slots=True)
class SyncOptions:
    project: Path = Path()
    platforms: Sequence[str] | None = None  # families or tags; None: every configured family
    python: Sequence[str] | None = None  # None: the configured versions
    prune: bool = True
    jobs: int = 8
    read_timeout: float = READ_TIMEOUT  # seconds without a byte before a transfer is retried
    build_sdists: bool = True  # False: leave sdists to `wh build` (it cross-builds per target)


@dataclass(frozen=True, slots=True)
class TargetSummary(PlannedTarget):
    """A target's outcome: its files (name, python, platform, files), gaps and failures."""

    gaps: int
    failed: int = 0  # files this target needs that could not be fetched or did not verify


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
    unchanged: bool = False  # the fast path: nothing to do, nothing asked of the index
    targets: list[TargetSummary] = field(default_factory=list)
    gaps: list[GapReport] = field(default_factory=list)
    errors: list[WhError] = field(default_factory=list)
    downloaded: list[str] = field(default_factory=list)
    downloaded_bytes: int = 0
    present: int = 0
    built: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    build_failures: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.gaps and not self.errors


def sync(options: SyncOptions, reporter: Reporter | None = None) -> SyncResult:
    reporter = reporter or Silent()
    if options.jobs < 1:
        raise UsageError("--jobs: must be at least 1")
    if not options.read_timeout > 0:
        raise UsageError("--read-timeout: must be more than 0 seconds")
    project = options.project.resolve()
    config = load_config(project)
    targets = config.targets(options.platforms, options.python)
    selected, others = targets.selected, targets.others
    lockfiles = read_lockfiles(project, config)
    requirements = [r for lockfile, _ in lockfiles for r in lockfile.requirements]
    wheelhouse = inside_repository(project, config.wheelhouse)
    wheelhouse.mkdir(parents=True, exist_ok=True)
    # The lock pins every file by sha256, so these inputs decide the plan; the index does
    # not (it only says where the files are), and the fast path re-checks every file's hash.
    key = PlanCache.key(
        __version__,
        *(text for _, text in lockfiles),
        *(t.name for t in selected),
        "|",
        *(t.name for t in others),
        str(options.prune),
    )
    # The lock is the wheelhouse's: two syncs with different cache dirs still meet there.
    waiting = f"waiting for another wh sync of {wheelhouse} to finish"
    with wheelhouse_lock(wheelhouse, lambda: reporter.info(waiting)):
        hashes = HashCache()
        plans = PlanCache()
        cached = plans.holds(key, wheelhouse, hashes, prune=options.prune)
        if cached is not None:
            result = _unchanged(wheelhouse, cached)
        else:
            from wh.services.session import Session

            locks = [lf for lf, _ in lockfiles]
            session = Session.create(config, locks, options.jobs, reporter, options.read_timeout)
            result = _sync(
                session, _Run(wheelhouse, selected, others, requirements), hashes, options
            )
            if result.ok and all(r.hashes for r in requirements):
                plans.store(key, wheelhouse, result.targets, hashes)
        hashes.save()
        return result


@dataclass(frozen=True, slots=True)
class _Run:
    wheelhouse: Path
    selected: list[Target]
    others: list[Target]
    requirements: list[LockedRequirement]


def _sync(session: Session, run: _Run, hashes: HashCache, options: SyncOptions) -> SyncResult:
    from wh.services.fetch import Wanted, fetch
    from wh.services.session import run as run_session

    wheelhouse, reporter = run.wheelhouse, session.reporter
    for req in run.requirements:
        if not req.hashes:
            reporter.warn(
                f"{req.source}: {req.name}=={req.version} has no hashes; any file accepted"
            )
    records = read_record(wheelhouse, reporter)
    wanted = Wanted(
        wheelhouse, run.selected, run.others, run.requirements, records, options.build_sdists
    )
    fetched = run_session(fetch(session, wanted, hashes))
    keep = _used(fetched.plan) | _used(fetched.other_plan)
    write_records(wheelhouse, [r for r in [*records, *fetched.builds.records] if r.wheel in keep])
    for leftover in leftover_temp_files(wheelhouse):  # a killed run's: never anyone's file
        leftover.unlink()
    result = _result(wheelhouse, fetched)
    if options.prune:
        result.removed = prune(wheelhouse, keep)
    return result


def _result(wheelhouse: Path, fetched: Fetched) -> SyncResult:
    downloads, builds = fetched.downloads, fetched.builds
    errors: list[WhError] = [*downloads.errors, *builds.errors]
    result = SyncResult(
        wheelhouse,
        downloaded=downloads.fetched,
        downloaded_bytes=downloads.fetched_bytes,
        present=downloads.present,
        built=[r.wheel for r in builds.records],
        build_failures=builds.failures,
        errors=errors,
    )
    _summarize(result, fetched.plan)
    result.errors = group_failures(result.errors, _needed_by(fetched.plan))
    return result


def _unchanged(wheelhouse: Path, cached: list[PlannedTarget]) -> SyncResult:
    """The fast path's result: the last complete sync of the same inputs still holds."""
    present = len({f for t in cached for f in t.files})
    result = SyncResult(wheelhouse, unchanged=True, present=present)
    for t in cached:
        result.targets.append(TargetSummary(t.name, t.python, t.platform, t.files, 0))
    return result


def read_record(wheelhouse: Path, reporter: Reporter) -> list[BuiltWheel]:
    path = wheelhouse / RECORD_NAME
    try:
        return read_records(lambda: path.read_text(encoding="utf-8"))
    except (OSError, RecordError) as exc:
        reporter.warn(f"{path}: {exc}; wheels it named will be built again")
        return []


def _used(plan: SyncPlan) -> set[str]:
    return {e.outcome.file.filename for e in plan.entries if isinstance(e.outcome, Choice)}


def _summarize(result: SyncResult, plan: SyncPlan) -> None:
    bad = {f for e in result.errors if isinstance(e, TransferError) for f in e.files}
    for target in plan.targets:
        entries = plan.for_target(target)
        files = sorted(e.outcome.file.filename for e in entries if isinstance(e.outcome, Choice))
        gaps = [e for e in entries if isinstance(e.outcome, Gap)]
        failed = sum(1 for f in files if f in bad)
        result.targets.append(
            TargetSummary(
                target.name,
                target.python_short,
                target.platform.tag,
                tuple(files),
                len(gaps),
                failed,
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


def _needed_by(plan: SyncPlan) -> dict[str, list[str]]:
    """file name -> the targets whose chosen file it is."""
    needed: dict[str, list[str]] = {}
    for target in plan.targets:
        for e in plan.for_target(target):
            if isinstance(e.outcome, Choice):
                needed.setdefault(e.outcome.file.filename, []).append(target.name)
    return needed
