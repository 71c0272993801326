"""``wh pex``: multi-platform PEX files built offline from the wheelhouse, never incomplete.

For each ``[tool.wh.pex.<name>]``: verify's checks for the PEX's targets first (a missing,
altered or dependency-incomplete file refuses the build before pex starts); then pex gets
exactly the files sync and verify choose for those targets, one ``--complete-platform`` per
target from the one target model; then the PEX is opened and checked: a distribution for
every requirement on every target, each byte-identical to its wheelhouse file.
"""

from __future__ import annotations

import hashlib
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from wh.adapters import pex as pex_tool
from wh.adapters.project import load_config, read_lockfiles
from wh.adapters.wheelhouse import read_disk
from wh.core.config import Config
from wh.core.lockfile import LockedRequirement
from wh.core.pexinfo import coverage, parse_pex_info
from wh.core.pexspec import PexSpec, module_paths, provides
from wh.core.selection import applicable
from wh.core.targets import Target
from wh.core.verify import CLOSURE, HASH, METADATA, MISSING, Report, verify
from wh.errors import PexCheckError, UsageError
from wh.services.report import Reporter, Silent

BLOCKING = {MISSING, HASH, METADATA, CLOSURE}


@dataclass(frozen=True, slots=True)
class PexOptions:
    project: Path = Path()
    names: Sequence[str] = ()
    platforms: Sequence[str] | None = None
    python: Sequence[str] | None = None


@dataclass(slots=True)
class PexResult:
    name: str
    output: Path
    targets: list[str]
    refused: Report | None = None  # set when the wheelhouse is incomplete: nothing was built
    size: int = 0
    sha256: str = ""
    distributions: int = 0
    seconds: float = 0.0


@dataclass(slots=True)
class PexRun:
    results: list[PexResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(r.refused is None for r in self.results)


def targets_for(config: Config, spec: PexSpec, options: PexOptions) -> list[Target]:
    pythons = options.python or spec.python
    return config.targets(options.platforms or spec.platforms, pythons).selected


def build_pexes(options: PexOptions, reporter: Reporter | None = None) -> PexRun:
    reporter = reporter or Silent()
    project = options.project.resolve()
    config = load_config(project)
    if not config.pex:
        raise UsageError(
            "no PEX is configured", hint="add a [tool.wh.pex.<name>] table to pyproject.toml"
        )
    unknown = [n for n in options.names if n not in config.pex]
    if unknown:
        raise UsageError(f"{unknown[0]}: no [tool.wh.pex.{unknown[0]}] table")
    wheelhouse = project / config.wheelhouse
    files, records = read_disk(wheelhouse)
    locks = {lf.path: lf for lf, _ in read_lockfiles(project, config)}
    run = PexRun()
    for name in options.names or list(config.pex):
        spec = config.pex[name]
        if spec.lockfile not in locks:
            raise UsageError(f"[tool.wh.pex.{name}] lockfile: {spec.lockfile} is not in lockfiles")
        targets = targets_for(config, spec, options)
        requirements = locks[spec.lockfile].requirements
        report = verify(targets, targets, requirements, files, records)
        report.findings = [f for f in report.findings if f.kind in BLOCKING]
        output = project / spec.output
        if report.findings:
            result = PexResult(name, output, [t.name for t in targets], refused=report)
        else:
            reporter.info(f"building {spec.output} for {len(targets)} targets")
            job = _Job(project, wheelhouse, spec, targets, requirements)
            result = _build(job, report, {f.filename: f.sha256 for f in files})
        run.results.append(result)
    return run


@dataclass(frozen=True, slots=True)
class _Job:
    """One PEX to build: its table, its targets and the lock lines it serves."""

    project: Path
    wheelhouse: Path
    spec: PexSpec
    targets: list[Target]
    requirements: Sequence[LockedRequirement]


def _build(job: _Job, report: Report, digests: dict[str, str]) -> PexResult:
    started = time.perf_counter()
    spec, targets, output = job.spec, job.targets, job.project / job.spec.output
    chosen = sorted({f for files in report.chosen.values() for f in files})
    needed = {id(r): r for t in targets for r in applicable(t, job.requirements)}
    lines = sorted(
        {f"{r.name}=={r.version}" + (f" ; {r.marker}" if r.marker else "") for r in needed.values()}
    )
    sources = [job.project / s for s in spec.sources]
    for source in sources:
        if not source.is_dir():
            raise UsageError(f"[tool.wh.pex.{spec.name}] sources: {source} is not a directory")
    dists = [job.wheelhouse / f for f in chosen]
    _check_entry_point(spec, dists, sources)
    inputs = pex_tool.PexInputs(
        output=output,
        dists=dists,
        requirements=lines,
        platforms=[t.complete_platform() for t in targets],
        sources=sources,
        entry_point=spec.entry_point,
        script=spec.script,
        shebang=spec.shebang,
    )
    with tempfile.TemporaryDirectory(prefix="wh-pex-") as work:
        pex_tool.build(inputs, Path(work))
    _check(output, targets, chosen, digests)
    data = output.read_bytes()
    return PexResult(
        spec.name,
        output,
        [t.name for t in targets],
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        distributions=len(chosen),
        seconds=time.perf_counter() - started,
    )


def _check_entry_point(spec: PexSpec, dists: list[Path], sources: list[Path]) -> None:
    """Refuse an entry point whose module no source root and no wheel holds: pex would build
    a PEX that fails only when it runs."""
    if spec.entry_point is None or provides(
        spec.entry_point, pex_tool.module_files(dists, sources)
    ):
        return
    module = spec.entry_point.partition(":")[0]
    roots = ", ".join(spec.sources) or "none"
    raise UsageError(
        f"[tool.wh.pex.{spec.name}] entry-point {spec.entry_point!r}: no module {module!r}"
        f" in the sources ({roots}) or in the PEX's wheels",
        hint=f"expected {' or '.join(module_paths(spec.entry_point)[:2])} under a source root",
    )


def _check(output: Path, targets: list[Target], chosen: list[str], digests: dict[str, str]) -> None:
    """Open the PEX: every requirement served on every target, every wheel the verified one."""
    info = parse_pex_info(pex_tool.read_pex_info(output))
    problems = [
        f"{name}: no distribution for {', '.join(reqs)}"
        for name, reqs in coverage(info, targets).missing.items()
    ]
    for filename, digest in sorted(info.distributions.items()):
        if filename in digests and digest != digests[filename]:
            problems.append(f"{filename}: the PEX holds other bytes than the wheelhouse file")
    missing = sorted(set(chosen) - set(info.distributions))
    problems += [f"{f}: chosen but not in the PEX" for f in missing]
    if problems:
        output.unlink(missing_ok=True)
        raise PexCheckError(
            f"{output.name} failed its check and was removed:\n" + "\n".join(problems),
            hint="report this: wh chose these files and pex left some out",
        )
