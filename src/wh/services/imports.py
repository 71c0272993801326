"""``wh import PATH …``: take in wheels built elsewhere (CI runners) that close the
wheelhouse's gaps, after checking each one; refuse everything else and write nothing of it.

A wheel is accepted when: its filename is a wheel's; its name and version are a lock pin;
it is whole (RECORD hashes and sizes match every member, WHEEL's tags are the filename's,
METADATA names the same project and version); its compiled members fit its tags (verify's
binary rules); it fits a target that has no file for that pin; and the lock lists the
sha256 of an sdist of that version on the index (the record names it, so verify accepts the
wheel as it accepts one wh built). Accepted wheels are written atomically, then the record.
"""

from __future__ import annotations

import tempfile
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from wh.adapters.binfile import BinaryReadError, read_binaries
from wh.adapters.fs import atomic_file, atomic_write, sha256_file
from wh.adapters.wheelfile import read_contents
from wh.core.binaries import binary_problems
from wh.core.built import RECORD_NAME, BuiltWheel, render_record
from wh.core.files import DistFile, parse_dist, safe_filename
from wh.core.lockfile import LockedRequirement
from wh.core.matrix import locked_sdist
from wh.core.metadata import MetadataError, parse_metadata
from wh.core.selection import fits
from wh.core.targets import Target
from wh.core.wheelcheck import wheel_problems
from wh.errors import UsageError
from wh.services.house import House, index_pages, load_house
from wh.services.report import Reporter, Silent

BUILDER = "imported"


@dataclass(frozen=True, slots=True)
class ImportOptions:
    paths: tuple[Path, ...]
    project: Path = Path()


class Candidate(NamedTuple):
    """A wheel offered for import: where it is now, and the name the record keeps for it."""

    path: Path
    source: str


@dataclass(frozen=True, slots=True)
class Accepted:
    wheel: str
    source: str
    targets: tuple[str, ...]
    sdist: str
    sdist_sha256: str
    wheel_sha256: str


class Refused(NamedTuple):
    wheel: str
    source: str
    reasons: tuple[str, ...]


@dataclass(slots=True)
class ImportResult:
    wheelhouse: Path
    accepted: list[Accepted] = field(default_factory=list)
    refused: list[Refused] = field(default_factory=list)
    present: list[str] = field(default_factory=list)  # already imported, same bytes
    gaps_left: int = 0

    @property
    def ok(self) -> bool:
        return not self.refused


def import_wheels(options: ImportOptions, reporter: Reporter | None = None) -> ImportResult:
    reporter = reporter or Silent()
    house = load_house(options.project, None, None)
    result = ImportResult(house.wheelhouse)
    with ExitStack() as stack:
        candidates = collect(options.paths, stack)
        if not candidates:
            shown = ", ".join(str(p) for p in options.paths)
            raise UsageError(
                f"{shown}: no wheel (*.whl) there",
                hint="pass wheels, a directory of them, or an artifact zip",
            )
        gaps = house.gaps()
        names = sorted({d.name for c in candidates if (d := _locked_dist(house, c))})
        pages = index_pages(house, names, reporter)
        taken: list[tuple[Candidate, Accepted]] = []
        for n, candidate in enumerate(candidates, 1):
            reporter.info(f"[{n}/{len(candidates)}] checking {candidate.source}")
            outcome = _judge(house, candidate, gaps, pages)
            if isinstance(outcome, Refused):
                result.refused.append(outcome)
            elif isinstance(outcome, str):
                result.present.append(outcome)
            else:
                taken.append((candidate, outcome))
                gaps = _close(gaps, outcome)
        _write(house, taken)
        result.accepted = [a for _, a in taken]
        result.gaps_left = len(gaps)
    return result


def _close(
    gaps: list[tuple[Target, LockedRequirement]], accepted: Accepted
) -> list[tuple[Target, LockedRequirement]]:
    """The gaps left once ``accepted`` is in: a later wheel for the same ones is refused."""
    dist = parse_dist(accepted.wheel)
    assert dist is not None
    return [
        (t, r)
        for t, r in gaps
        if t.name not in accepted.targets
        or canonicalize_name(r.name) != dist.name
        or not _is_version(r.version, dist)
    ]


def _lines(house: House, dist: DistFile) -> list[LockedRequirement]:
    """The lock lines pinning ``dist``'s project at its version."""
    return [r for r in _pins(house, dist) if _is_version(r.version, dist)]


def _is_version(text: str, dist: DistFile) -> bool:
    try:
        return Version(text) == dist.version
    except InvalidVersion:
        return False


def collect(paths: Sequence[Path], stack: ExitStack) -> list[Candidate]:
    """The wheels in ``paths``: wheel files, directories (searched below), artifact zips
    (their wheels extracted to a temp directory that ``stack`` removes)."""
    found: list[Candidate] = []
    for path in paths:
        if not path.exists():
            raise UsageError(f"{path}: no such file or directory")
        if path.is_dir():
            for inner in sorted(path.rglob("*")):
                if inner.is_file():
                    label = f"{path.name}/{inner.relative_to(path).as_posix()}"
                    found += _from_file(inner, label, stack)
        else:
            found += _from_file(path, str(path), stack)
    return found


def _from_file(path: Path, label: str, stack: ExitStack) -> list[Candidate]:
    if path.name.endswith(".whl"):
        return [Candidate(path, label)]
    if path.name.endswith(".zip"):
        return list(_artifact(path, label, stack))
    return []


def _artifact(path: Path, label: str, stack: ExitStack) -> Iterator[Candidate]:
    try:
        with zipfile.ZipFile(path) as zf:
            members = [n for n in zf.namelist() if n.endswith(".whl")]
            if not members:
                return
            tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="wh-import-")))
            for i, member in enumerate(sorted(members)):
                name = member.rsplit("/", 1)[-1]
                if not safe_filename(name):
                    continue
                target = tmp / str(i) / name
                target.parent.mkdir()
                target.write_bytes(zf.read(member))
                yield Candidate(target, f"{label}:{member}")
    except (zipfile.BadZipFile, EOFError) as exc:
        raise UsageError(f"{path}: not a readable artifact zip: {exc}") from None


def _locked_dist(house: House, candidate: Candidate) -> DistFile | None:
    dist = parse_dist(candidate.path.name)
    if dist is None or not dist.is_wheel:
        return None
    return dist if _pins(house, dist) else None


def _pins(house: House, dist: DistFile) -> list[LockedRequirement]:
    return [r for r in house.requirements if canonicalize_name(r.name) == dist.name]


def _judge(
    house: House,
    candidate: Candidate,
    gaps: Sequence[tuple[Target, LockedRequirement]],
    pages: dict[str, list[DistFile]],
) -> Accepted | Refused | str:
    """Accepted, refused with every reason, or (a filename) the very wheel already
    imported."""
    path, name = candidate.path, candidate.path.name
    dist = parse_dist(name)
    if dist is None or not dist.is_wheel:
        return Refused(name, candidate.source, ("not a wheel filename",))
    pins = _pins(house, dist)
    lines = _lines(house, dist)
    reasons: list[str] = []
    if not pins:
        reasons.append(f"{dist.name} is not in the lock")
    elif not lines:
        pinned = ", ".join(sorted({r.version for r in pins}))
        reasons.append(f"the lock pins {dist.name} {pinned}, not {dist.version}")
    reasons += _content_problems(path)
    sha = sha256_file(path)
    if _already(house, name, sha):
        return name
    closes = sorted({t.name for t, r in gaps if r in lines and fits(t, dist)})
    if lines and not closes:
        reasons.append(_no_gap(house, lines[0], dist))
    sdist = locked_sdist(lines[0], pages.get(dist.name, ())) if lines else None
    if isinstance(sdist, str):
        reasons.append(f"{sdist}: wh records an imported wheel against its locked sdist")
    if reasons or not isinstance(sdist, DistFile):
        return Refused(name, candidate.source, tuple(reasons))
    return Accepted(name, candidate.source, tuple(closes), sdist.filename, str(sdist.sha256), sha)


def _content_problems(path: Path) -> list[str]:
    try:
        contents = read_contents(path)
    except MetadataError as exc:
        return [str(exc)]
    problems = wheel_problems(path.name, contents)
    dist = parse_dist(path.name)
    if contents.metadata is None:
        problems.append("its .dist-info/METADATA is missing")
    elif dist is not None:
        try:
            meta = parse_metadata(contents.metadata)
            if canonicalize_name(meta.name) != dist.name or not _is_version(meta.version, dist):
                problems.append(f"METADATA says {meta.name} {meta.version}")
        except MetadataError as exc:
            problems.append(str(exc))
    try:
        problems += binary_problems(path.name, read_binaries(path))
    except BinaryReadError as exc:
        problems.append(str(exc))
    return problems


def _already(house: House, name: str, sha: str) -> bool:
    """The same bytes are in the wheelhouse and recorded: importing again changes nothing."""
    on_disk = {f.filename: f.sha256 for f in house.files}
    recorded = any(r.wheel == name and r.wheel_sha256 == sha for r in house.records)
    return on_disk.get(name) == sha and recorded


def _no_gap(house: House, req: LockedRequirement, dist: DistFile) -> str:
    fitting = [t.name for t in house.targets if fits(t, dist)]
    if not fitting:
        return f"its tags fit no configured target ({', '.join(t.name for t in house.targets)})"
    return (
        f"it closes no gap: {', '.join(fitting)} already have a file for {req.name} {req.version}"
    )


def _write(house: House, taken: list[tuple[Candidate, Accepted]]) -> None:
    """The wheels (each atomically), then the record that names them."""
    if not taken:
        return
    house.wheelhouse.mkdir(parents=True, exist_ok=True)
    for candidate, accepted in taken:
        target = house.wheelhouse / accepted.wheel
        with atomic_file(target) as out, candidate.path.open("rb") as src:
            while chunk := src.read(1 << 20):
                out.write(chunk)
    new = {a.wheel: a for _, a in taken}
    records = [r for r in house.records if r.wheel not in new]
    records += [
        BuiltWheel(
            a.sdist,
            a.sdist_sha256,
            a.wheel,
            a.wheel_sha256,
            targets=a.targets,
            builder=BUILDER,
            source=a.source,
        )
        for a in new.values()
    ]
    atomic_write(house.wheelhouse / RECORD_NAME, render_record(records).encode())
