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
from wh.adapters.cache import HashCache
from wh.adapters.project import load_config, read_lockfiles
from wh.core.config import Config, make_targets, select_platforms
from wh.core.lockfile import LockedRequirement
from wh.core.pexinfo import coverage, parse_pex_info
from wh.core.pexspec import PexSpec, module_paths, provides
from wh.core.plan import applicable
from wh.core.targets import Target
from wh.core.verify import CLOSURE, HASH, METADATA, MISSING, Report, verify
from wh.errors import UsageError, WhError
from wh.services.report import Reporter, Silent
from wh.services.verify import wheelhouse_files, wheelhouse_records

BLOCKING = {MISSING, HASH, METADATA, CLOSURE}


class PexCheckError(WhError):
    """The built PEX does not hold what was asked: it is removed."""


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
    pythons = options.python or spec.python or config.python
    return make_targets(pythons, select_platforms(config, options.platforms or spec.platforms))


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
    hashes = HashCache()
    files = wheelhouse_files(wheelhouse, hashes)
    hashes.save()
    records = wheelhouse_records(wheelhouse)
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
        result = PexResult(name, project / spec.output, [t.name for t in targets])
        if report.findings:
            result.refused = report
        else:
            reporter.info(f"building {spec.output} for {len(targets)} targets")
            digests = {f.filename: f.sha256 for f in files}
            _build(project, wheelhouse, spec, targets, requirements, report, digests, result)
        run.results.append(result)
    return run


def _build(
    project: Path,
    wheelhouse: Path,
    spec: PexSpec,
    targets: list[Target],
    requirements: Sequence[LockedRequirement],
    report: Report,
    digests: dict[str, str],
    result: PexResult,
) -> None:
    started = time.perf_counter()
    chosen = sorted({f for files in report.chosen.values() for f in files})
    needed = {id(r): r for t in targets for r in applicable(t, requirements)}
    lines = sorted(
        {f"{r.name}=={r.version}" + (f" ; {r.marker}" if r.marker else "") for r in needed.values()}
    )
    sources = [project / s for s in spec.sources]
    for source in sources:
        if not source.is_dir():
            raise UsageError(f"[tool.wh.pex.{spec.name}] sources: {source} is not a directory")
    dists = [wheelhouse / f for f in chosen]
    _check_entry_point(spec, dists, sources)
    inputs = pex_tool.PexInputs(
        output=result.output,
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
    _check(result.output, targets, chosen, digests)
    data = result.output.read_bytes()
    result.size, result.sha256 = len(data), hashlib.sha256(data).hexdigest()
    result.distributions = len(chosen)
    result.seconds = time.perf_counter() - started


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
