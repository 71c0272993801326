"""``wh build`` and ``wh sync --build``: cross-compile the sdists no wheel serves, per target.

Flow: sync (the one rule for what each target lacks) -> for every gap whose lock line has an
sdist: fetch it once -> per target, in parallel: unpack, ``pip wheel`` under a local CPython
of the target's version with zig as the compiler for the target -> read the binaries, check
them against the target's tag (manylinux policy: glibc symbol versions, allowed libraries;
Mach-O CPU, minimum macOS) -> retag ``linux_<arch>`` to the target's tag in a reproducible
archive -> record (sdist sha256, target, toolchain) -> sync again, which now finds the
recorded wheels, so the final report and the pruning are sync's own.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.utils import canonicalize_name

from wh.adapters.binfile import BinaryReadError, read_binaries
from wh.adapters.builds import backend_missing
from wh.adapters.fs import sha256_file
from wh.adapters.housekeeping import write_records
from wh.adapters.project import load_config, read_lockfiles
from wh.adapters.toolchain import (
    Interpreter,
    Zig,
    backends_overlay,
    build_env,
    find_interpreter,
    find_zig,
    run_pip_wheel,
    unpack_sdist,
    write_wrappers,
)
from wh.adapters.wheelpack import repack
from wh.core.binaries import binary_problems
from wh.core.built import BuiltWheel
from wh.core.config import Config
from wh.core.crossbuild import CrossError, CrossSpec, cross_spec, failure_hint, first_error
from wh.core.files import DistFile
from wh.core.lockfile import LockedRequirement
from wh.core.plan import sdist_of
from wh.core.selection import applicable
from wh.core.targets import Target
from wh.errors import UsageError
from wh.services.report import Reporter, Silent
from wh.services.sync import GapReport, SyncOptions, SyncResult, read_record, sync

if TYPE_CHECKING:  # the network stack is imported only when the index is asked
    from wh.services.session import Session


@dataclass(frozen=True, slots=True)
class BuildOptions:
    project: Path = Path()
    packages: tuple[str, ...] = ()  # empty: every package with a gap
    platforms: Sequence[str] | None = None
    python: Sequence[str] | None = None
    jobs: int = max(os.cpu_count() or 1, 1)  # builds at a time
    prune: bool = True
    download_jobs: int = 8


@dataclass(frozen=True, slots=True)
class CrossBuilt:
    wheel: str
    target: str
    sdist: str
    seconds: float


@dataclass(frozen=True, slots=True)
class BuildFailure:
    package: str
    version: str
    target: str
    error: str  # the compiler's or backend's first real error line
    hint: str  # what would close the gap


@dataclass(slots=True)
class BuildResult:
    sync: SyncResult  # the wheelhouse after the builds, as sync reports it
    toolchain: str
    built: list[CrossBuilt] = field(default_factory=list)
    failures: list[BuildFailure] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.sync.ok


@dataclass(frozen=True, slots=True)
class _Job:
    sdist: Path
    sdist_sha256: str
    sdist_name: str
    requirement: LockedRequirement
    target: Target
    spec: CrossSpec


@dataclass(frozen=True, slots=True)
class _Context:
    zig: Zig
    config: Config
    wheelhouse: Path
    index_urls: list[str]
    # sdists that built a pure (-any) wheel: their other targets take that wheel, unbuilt
    pure: dict[str, BuiltWheel] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


def build(options: BuildOptions, reporter: Reporter | None = None) -> BuildResult:
    reporter = reporter or Silent()
    if options.jobs < 1:
        raise UsageError("--jobs: must be at least 1")
    zig = find_zig()  # before anything else: no toolchain is a usage error (exit 2)
    sync_options = SyncOptions(
        project=options.project,
        platforms=options.platforms,
        python=options.python,
        prune=options.prune,
        jobs=options.download_jobs,
        build_sdists=False,  # every sdist is built here, for its targets
    )
    wanted = {canonicalize_name(p) for p in options.packages}
    if wanted:
        project = options.project.resolve()
        config = load_config(project)
        locked = {r.name for lf, _ in read_lockfiles(project, config) for r in lf.requirements}
        unknown = sorted(wanted - locked)
        if unknown:
            raise UsageError(
                f"{', '.join(unknown)}: not in the lockfiles ({', '.join(config.lockfiles)})",
                hint="name packages the lock pins, or lock them first (wh lock)",
            )
    first = sync(sync_options, reporter)
    gaps = [g for g in first.gaps if not wanted or canonicalize_name(g.package) in wanted]
    result = BuildResult(first, zig.label)
    if not gaps:
        result.sync = _explained(first, [])
        return result
    _build_gaps(options, gaps, zig, result, reporter)
    final = sync(sync_options, Silent()) if result.built else first
    result.sync = _explained(final, result.failures)
    return result


def _build_gaps(
    options: BuildOptions,
    gaps: list[GapReport],
    zig: Zig,
    result: BuildResult,
    reporter: Reporter,
) -> None:
    project = options.project.resolve()
    config = load_config(project)
    lockfiles = read_lockfiles(project, config)
    requirements = [r for lockfile, _ in lockfiles for r in lockfile.requirements]
    selected = config.targets(options.platforms, options.python).selected
    targets = {t.name: t for t in selected}
    wanted: list[tuple[Target, LockedRequirement]] = []
    for g in gaps:
        target = targets[g.target]
        for req in applicable(target, requirements):
            if req.name == canonicalize_name(g.package) and req.version == g.version:
                wanted.append((target, req))
    from wh.services.session import Session, run

    session = Session.create(config, [lf for lf, _ in lockfiles], options.download_jobs, reporter)
    context = _Context(zig, config, project / config.wheelhouse, session.index_urls)
    with tempfile.TemporaryDirectory(prefix="wh-sdists-") as tmp:
        jobs = run(_fetch_sdists(session, wanted, Path(tmp), result))
        records = _run_jobs(jobs, context, options.jobs, result, reporter)
    if records:
        _record(context.wheelhouse, records, reporter)


async def _fetch_sdists(
    session: Session,
    wanted: list[tuple[Target, LockedRequirement]],
    directory: Path,
    result: BuildResult,
) -> list[_Job]:
    async with session:
        names = sorted({req.name for _, req in wanted})
        pages = await session.pages(names)
        chosen: list[tuple[Target, LockedRequirement, DistFile]] = []
        for target, req in wanted:
            sdist = sdist_of(req, pages.get(canonicalize_name(req.name), ()))
            if sdist is None:
                continue  # sync's gap already says why: there is nothing to build
            chosen.append((target, req, sdist))
        files = {s.filename: s for _, _, s in chosen}
        expected = {r_s.filename: req.hashes for _, req, r_s in chosen}
        fetched, errors = await session.download(list(files.values()), expected, directory)
    jobs: list[_Job] = []
    for target, req, sdist in chosen:
        if sdist.filename not in fetched:
            why = next((e.message for e in errors if sdist.filename in e.message), "")
            result.failures.append(
                BuildFailure(
                    req.name,
                    req.version,
                    target.name,
                    f"{sdist.filename} could not be downloaded{': ' + why if why else ''}",
                    "check the index, then run wh build again",
                )
            )
            continue
        try:
            spec = cross_spec(target)
        except CrossError as exc:
            result.failures.append(
                BuildFailure(
                    req.name, req.version, target.name, str(exc), "build it on such a machine"
                )
            )
            continue
        got = fetched[sdist.filename]
        jobs.append(_Job(got.path, got.sha256, sdist.filename, req, target, spec))
    return jobs


def _run_jobs(
    jobs: list[_Job],
    context: _Context,
    parallel: int,
    result: BuildResult,
    reporter: Reporter,
) -> list[BuiltWheel]:
    if not jobs:
        return []
    reporter.info(
        f"cross-building {len(jobs)} wheel(s) with {context.zig.label}, {parallel} at a time"
    )
    records: list[BuiltWheel] = []
    with ThreadPoolExecutor(max_workers=parallel) as pool:
        futures = {pool.submit(_build_one, job, context): job for job in jobs}
        for done, future in enumerate(as_completed(futures), 1):
            job = futures[future]
            outcome = future.result()
            where = f"[{done}/{len(jobs)}] {job.requirement.name} {job.requirement.version}"
            if isinstance(outcome, BuildFailure):
                result.failures.append(outcome)
                reporter.warn(f"{where} for {job.target.name}: {outcome.error}")
                continue
            record, seconds = outcome
            records.append(record)
            result.built.append(CrossBuilt(record.wheel, job.target.name, job.sdist_name, seconds))
            reporter.info(f"{where} for {job.target.name}: {record.wheel} ({seconds:.1f} s)")
    return records


def _build_one(job: _Job, context: _Context) -> tuple[BuiltWheel, float] | BuildFailure:
    """One sdist for one target; a failure is a value, never an exception."""
    started = time.monotonic()
    with context.lock:
        pure = context.pure.get(job.sdist_name)
    if pure is not None:
        return replace(pure, targets=(job.target.name,)), 0.0
    settings = context.config.build
    interpreter = find_interpreter(job.spec.python, settings.python)
    if interpreter is None:
        return _failure(
            job,
            f"no CPython {job.spec.python} with its headers and pip on this machine",
            f"install one (pyenv install {job.spec.python}, uv python install"
            f" {job.spec.python}, or your OS's python{job.spec.python}-dev), or name it in"
            f' [tool.wh.build] python = {{"{job.spec.python}" = "/path/to/python"}}',
        )
    headers = settings.headers.get(job.spec.python)
    with tempfile.TemporaryDirectory(prefix="wh-xbuild-") as tmp:
        root = Path(tmp)
        try:
            source = unpack_sdist(job.sdist, root / "src")
        except (OSError, ValueError, UsageError) as exc:
            return _failure(job, f"{job.sdist_name} cannot be unpacked: {exc}", "re-lock it")
        wheel = _compile(job, context, interpreter, source, root, headers)
        if isinstance(wheel, BuildFailure):
            return wheel
        return _place(job, context, wheel, started)


def _compile(
    job: _Job,
    context: _Context,
    interpreter: Interpreter,
    source: Path,
    root: Path,
    headers: str | None,
) -> Path | BuildFailure:
    tools = write_wrappers(root / "tools", context.zig, job.spec)
    env = build_env(job.spec, tools, source, context.index_urls)
    if headers:
        for key in ("CFLAGS", "CXXFLAGS"):
            env[key] = f"-I{headers} {env[key]}"
    out = root / "out"
    out.mkdir()
    timeout = context.config.build.timeout
    code, output = run_pip_wheel(interpreter.path, source, out, env, timeout)
    if code != 0 and backend_missing(output):
        # The index lacks the build backend: build with the ones installed beside wh.
        env["PYTHONPATH"] = str(backends_overlay(root / "backends"))
        code, output = run_pip_wheel(interpreter.path, source, out, env, timeout, False)
    wheels = sorted(out.glob("*.whl"))
    if code != 0 or len(wheels) != 1:
        return _failure(job, first_error(output), failure_hint(output, job.spec.platform_tag))
    return wheels[0]


def _place(
    job: _Job, context: _Context, wheel: Path, started: float
) -> tuple[BuiltWheel, float] | BuildFailure:
    """Check the binaries against the target's tag, then retag into the wheelhouse."""
    pure = wheel.name.endswith("-any.whl")
    tag = "any" if pure else job.spec.platform_tag
    final = wheel.name if pure else f"{wheel.name.rsplit('-', 1)[0]}-{tag}.whl"
    try:
        problems = binary_problems(final, read_binaries(wheel))
    except BinaryReadError as exc:
        problems = [str(exc)]
    if problems:
        return _failure(
            job,
            problems[0],
            f"the build does not fit {tag}: fix the sdist's build, or build it on such a machine",
        )
    placed = repack(wheel, context.wheelhouse, tag)
    record = BuiltWheel(
        job.sdist_name,
        job.sdist_sha256,
        placed.name,
        sha256_file(placed),
        targets=(job.target.name,),
        builder="zig",
        toolchain=context.zig.label,
    )
    if pure:
        with context.lock:
            context.pure[job.sdist_name] = record
    return record, time.monotonic() - started


def _failure(job: _Job, error: str, hint: str) -> BuildFailure:
    req = job.requirement
    return BuildFailure(req.name, req.version, job.target.name, error, hint)


def _record(wheelhouse: Path, new: list[BuiltWheel], reporter: Reporter) -> None:
    """Add ``new`` to the built-wheels record; one entry per wheel, its targets merged."""
    by_wheel = {r.wheel: r for r in read_record(wheelhouse, reporter)}
    for r in new:
        prior = by_wheel.get(r.wheel)
        if prior is not None and prior.wheel_sha256 == r.wheel_sha256:
            r = replace(r, targets=tuple(sorted({*prior.targets, *r.targets})))
        by_wheel[r.wheel] = r
    write_records(wheelhouse, list(by_wheel.values()))


def _explained(result: SyncResult, failures: list[BuildFailure]) -> SyncResult:
    """Sync's gaps, with the build's own error and hint where a build was tried."""
    why = {(f.target, canonicalize_name(f.package)): f for f in failures}
    gaps: list[GapReport] = []
    for g in result.gaps:
        failure = why.get((g.target, canonicalize_name(g.package)))
        if failure is not None:
            g = replace(
                g,
                reason=f"{g.package} {g.version}: cross build failed: {failure.error}",
                hint=failure.hint,
            )
        elif g.reason.endswith("failed: it was not built"):  # a package this run left alone
            g = replace(
                g,
                reason=f"{g.package} {g.version}: only an sdist, not built in this run",
                hint=f"wh build {g.package}",
            )
        gaps.append(g)
    result.gaps = gaps
    return result
