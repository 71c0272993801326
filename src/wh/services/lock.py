"""``wh lock``: one universal lockfile, right for every configured target, from one machine.

Each target is resolved alone in a subprocess (pip-compile through the target shim, or uv),
in parallel, seeded with the existing pins that apply to it (minimal re-lock); the results
are merged into one file whose markers select exactly the targets that need each line.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from packaging.utils import canonicalize_name

from wh.adapters import reach, resolvers
from wh.adapters.fs import atomic_write
from wh.adapters.project import disk_reader, load_config
from wh.core.inputs import check_inputs, requirement_names
from wh.core.lockfile import (
    LockedRequirement,
    parse_compiled,
    parse_lockfile,
    render,
    render_header,
)
from wh.core.merge import MergeError, merge, slice_for
from wh.core.staleness import render_digests
from wh.core.targets import Target
from wh.errors import ConfigError, LockfileError, ResolveError, UsageError
from wh.services.indexes import index_urls
from wh.services.report import Reporter, Silent

RESOLVERS = {"pip-tools": resolvers.pip_compile_all, "uv": resolvers.uv_compile_all}


@dataclass(frozen=True, slots=True)
class LockOptions:
    project: Path = Path()
    resolver: str = "pip-tools"
    upgrade: bool = False
    upgrade_packages: Sequence[str] = ()
    only_wheels: bool = False
    jobs: int = max(os.cpu_count() or 1, 1)


@dataclass(frozen=True, slots=True)
class LockedFile:
    path: str
    inputs: tuple[str, ...]
    packages: int
    lines: int
    conditional: int  # lines with a marker
    changed: bool


@dataclass(slots=True)
class LockResult:
    resolver: str
    targets: list[str] = field(default_factory=list)
    files: list[LockedFile] = field(default_factory=list)
    seconds: float = 0.0


def lock(options: LockOptions, reporter: Reporter | None = None) -> LockResult:
    reporter = reporter or Silent()
    if options.resolver not in RESOLVERS:
        raise UsageError(f"--resolver: {options.resolver!r} is not one of pip-tools, uv")
    started = time.perf_counter()
    project = options.project.resolve()
    config = load_config(project)
    targets = config.targets().configured
    urls = index_urls(config, [])
    result = LockResult(options.resolver, [t.name for t in targets])
    run = _Run(options, project, targets, urls, config.allow_sdist, reporter)
    checked = False
    for lockfile in config.lockfiles:
        inputs = config.inputs_of(lockfile)
        for name in inputs:
            if not (project / name).is_file():
                raise ConfigError(
                    f"{name}: no such input for {lockfile}",
                    hint=f'write it, or map the lockfile in [tool.wh.inputs]: "{lockfile}" = [...]',
                )
        texts = read_inputs(project, inputs)
        names = [n for text in texts.values() for n in requirement_names(text)]
        if names and not checked:  # the index answers, or exit 3 now (as sync does)
            reach.check_reachable(urls, canonicalize_name(names[0]))
            checked = True
        existing = [] if options.upgrade else _existing(project, lockfile)
        reporter.info(
            f"locking {lockfile} from {', '.join(inputs)} for {len(targets)} targets"
            f" with {options.resolver}"
        )
        lines = _lock_one(run, inputs, existing)
        full = render_header(inputs, result.targets) + render_digests(texts, result.targets)
        full += render(lines, [])
        path = project / lockfile
        changed = not path.exists() or path.read_text(encoding="utf-8") != full
        if changed:
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(path, full.encode())
        result.files.append(
            LockedFile(
                lockfile,
                tuple(inputs),
                len({pin.name for pin, _ in lines}),
                len(lines),
                sum(1 for _, marker in lines if marker is not None),
                changed,
            )
        )
    result.seconds = time.perf_counter() - started
    return result


@dataclass(frozen=True, slots=True)
class _Run:
    """What every lockfile of one ``wh lock`` run is compiled with."""

    options: LockOptions
    project: Path
    targets: list[Target]
    urls: list[str]
    allow_sdist: Sequence[str]
    reporter: Reporter


def _lock_one(
    run: _Run, inputs: Sequence[str], existing: list[LockedRequirement]
) -> list[tuple[LockedRequirement, str | None]]:
    """Resolve ``inputs`` for every target, seeded with ``existing``; the merged lines."""
    options, targets = run.options, run.targets
    compile_all = RESOLVERS[options.resolver]
    upgrades = [canonicalize_name(n) for n in options.upgrade_packages]
    jobs = [
        resolvers.Job(
            target=t,
            inputs=inputs,
            seed=slice_for(t, [r for r in existing if r.name not in upgrades]),
            upgrade_packages=upgrades,
            only_wheels=options.only_wheels,
            allow_sdist=run.allow_sdist,
        )
        for t in targets
    ]

    def done(name: str, seconds: float) -> None:
        run.reporter.info(f"  {name}: resolved in {seconds:.1f} s")

    # uv runs are light (mostly cache reads): run them all at once; pip-compile is CPU-bound
    parallel = len(jobs) if options.resolver == "uv" else options.jobs
    with tempfile.TemporaryDirectory(prefix="wh-lock-") as tmp:
        batch = resolvers.Batch(run.project, Path(tmp), run.urls, parallel, done)
        outputs = compile_all(jobs, batch)
    failures = [o for o in outputs if isinstance(o, ResolveError)]
    if failures:
        raise _grouped(failures)
    results = {
        t: parse_compiled(str(text), f"<{options.resolver} output for {t.name}>")
        for t, text in zip(targets, outputs, strict=True)
    }
    try:
        return merge(targets, results)
    except MergeError as exc:
        raise ResolveError(
            str(exc), hint="keep one of those targets in [tool.wh.platforms]"
        ) from None


def _grouped(failures: Sequence[ResolveError]) -> ResolveError:
    """One message per cause, naming the targets it affects (a typo fails every target alike:
    said once, not once per target)."""
    groups: dict[tuple[str, str | None], list[str]] = {}
    for f in failures:
        groups.setdefault((f.cause or f.message, f.hint), []).append(f.target)
    parts = []
    for (cause, _hint), names in groups.items():
        named = [n for n in names if n]
        where = f"{len(named)} target(s) ({', '.join(named)})" if named else ""
        parts.append(f"{where}: {cause}" if where else cause)
    hints = list(dict.fromkeys(h for (_c, h) in groups if h))
    return ResolveError("\n".join(parts), hint="; ".join(hints) or None)


def read_inputs(project: Path, inputs: Sequence[str]) -> dict[str, str]:
    """Every requirement file a lock is compiled from (includes followed, each checked and kept
    inside the project), by project-relative path, in reading order."""
    read = disk_reader(project)
    texts: dict[str, str] = {}
    pending = list(inputs)
    while pending:
        name = pending.pop(0)
        if name in texts:
            continue
        try:
            texts[name] = read(name)
        except OSError as exc:
            raise LockfileError(f"{name}: cannot read: {exc.strerror or exc}") from None
        pending += check_inputs(name, texts[name])
    return texts


def _existing(project: Path, lockfile: str) -> list[LockedRequirement]:
    path = project / lockfile
    if not path.exists():
        return []
    try:
        return list(parse_lockfile(lockfile, disk_reader(project)).requirements)
    except (LockfileError, OSError):
        return []  # an unreadable old lock only loses its pins: the new one replaces it
