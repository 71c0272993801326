"""Verify findings: is every target complete, every file the locked one, every dependency
locked? Pure: the caller lists the wheelhouse (from disk or from git) as :class:`HouseFile` s.

It chooses files for each target with the very rules sync uses (:mod:`wh.core.selection`),
so verify and sync cannot disagree on what a target needs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from wh.core.built import BuiltWheel
from wh.core.files import DistFile, parse_dist
from wh.core.lockfile import LockedRequirement
from wh.core.metadata import WheelMetadata
from wh.core.plan import applicable
from wh.core.selection import best, fits, pinned
from wh.core.targets import Target

# Finding kinds, each a distinct failure a user fixes differently.
MISSING = "missing"  # a target lacks a file for a lock line
HASH = "hash-mismatch"  # a file's sha256 is not the one the lock (or built record) names
METADATA = "metadata"  # METADATA name/version disagree with the filename, or unreadable
CLOSURE = "closure"  # a wheel requires something the lock lacks on that target
UNUSED = "unused"  # no configured target uses the file
ATTRIBUTES = "gitattributes"  # wheels not routed through git-lfs
NOT_LFS = "not-lfs"  # a wheel committed or staged as a raw blob
BINARY = "binary"  # a compiled member does not fit the wheel's platform or Python tag


@dataclass(frozen=True, slots=True)
class Finding:
    kind: str
    target: str
    package: str
    file: str
    message: str
    hint: str


@dataclass(frozen=True, slots=True)
class HouseFile:
    """A file of the wheelhouse: its sha256 from content or from an LFS pointer."""

    filename: str
    sha256: str
    metadata: WheelMetadata | None = None  # None: contents not at hand (pointers)
    metadata_error: str | None = None


@dataclass(frozen=True, slots=True)
class TargetStatus:
    name: str
    ok: int
    gaps: int
    bad: int


@dataclass(slots=True)
class Report:
    targets: list[TargetStatus] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    chosen: dict[str, list[str]] = field(default_factory=dict)  # target -> files it uses

    @property
    def ok(self) -> bool:
        return not self.findings


def accepted_hashes(req: LockedRequirement, records: Sequence[BuiltWheel]) -> frozenset[str]:
    """The lock's hashes for a line, plus wheels wh built from an sdist the line lists."""
    built = {r.wheel_sha256 for r in records if r.sdist_sha256 in req.hashes}
    return req.hashes | built


def verify(
    selected: Sequence[Target],
    configured: Sequence[Target],
    requirements: Sequence[LockedRequirement],
    files: Sequence[HouseFile],
    records: Sequence[BuiltWheel],
    *,
    closure: bool = True,
) -> Report:
    report = Report()
    dists = {f.filename: d for f in files if (d := parse_dist(f.filename, sha256=f.sha256))}
    by_name = {f.filename: f for f in files}
    report.findings += _integrity(files, dists, requirements, records)
    used: set[str] = set()
    for target in dict.fromkeys([*selected, *configured]):
        chosen, findings, bad = _complete(target, requirements, dists, records)
        used.update(d.filename for d in chosen.values())
        if target not in selected:
            continue
        report.chosen[target.name] = sorted(d.filename for d in chosen.values())
        if closure:
            metadata = {n: by_name[d.filename].metadata for n, d in chosen.items()}
            closure_findings = _closure(target, requirements, metadata, chosen)
            findings += closure_findings
            bad += len(closure_findings)
        report.findings += findings
        gaps = sum(1 for f in findings if f.kind == MISSING)
        ok = len(chosen)
        report.targets.append(TargetStatus(target.name, ok, gaps, bad))
    damaged = {f.file for f in report.findings if f.kind in (HASH, METADATA)}
    for f in sorted(set(dists) - used - damaged):
        report.findings.append(
            Finding(
                UNUSED,
                "",
                dists[f].name,
                f,
                f"{f}: no configured target uses it",
                "run wh sync to prune it, or git rm it",
            )
        )
    if not closure:
        report.notes.append("dependency closure not checked: it needs wheel contents")
    return report


def _integrity(
    files: Sequence[HouseFile],
    dists: Mapping[str, DistFile],
    requirements: Sequence[LockedRequirement],
    records: Sequence[BuiltWheel],
) -> list[Finding]:
    findings: list[Finding] = []
    recorded = {r.wheel: r for r in records}
    for f in files:
        d = dists.get(f.filename)
        if d is None:
            continue
        lines = [r for r in requirements if r.name == d.name and Version(r.version) == d.version]
        record = recorded.get(f.filename)
        if record is not None and record.wheel_sha256 != f.sha256:
            findings.append(_hash_finding(f, d, record.wheel_sha256, "the built-wheels record"))
        elif (
            lines
            and all(r.hashes for r in lines)
            and not any(f.sha256 in accepted_hashes(r, records) for r in lines)
        ):
            findings.append(_hash_finding(f, d, None, "the lock"))
        problem, hint = None, ""
        if f.metadata_error:
            problem, hint = f.metadata_error, "the file is damaged: run wh sync to fetch it again"
        elif f.metadata and (f.metadata.name != d.name or not _same(f.metadata.version, d)):
            problem = f"METADATA says {f.metadata.name} {f.metadata.version}"
            hint = "the file is not what its name says: remove it and run wh sync"
        if problem:
            findings.append(
                Finding(METADATA, "", d.name, f.filename, f"{f.filename}: {problem}", hint)
            )
    return findings


def _same(version: str, d: DistFile) -> bool:
    try:
        return Version(version) == d.version
    except InvalidVersion:
        return False


def _hash_finding(f: HouseFile, d: DistFile, expected: str | None, source: str) -> Finding:
    want = f"{source} names {expected}" if expected else f"{source} lists other hashes"
    return Finding(
        HASH,
        "",
        d.name,
        f.filename,
        f"{f.filename}: sha256 {f.sha256} is not in {source} ({want})",
        "the file changed after locking: run wh sync to fetch the locked file,"
        " or re-lock if the new file is intended",
    )


def _complete(
    target: Target,
    requirements: Sequence[LockedRequirement],
    dists: Mapping[str, DistFile],
    records: Sequence[BuiltWheel],
) -> tuple[dict[str, DistFile], list[Finding], int]:
    """The file each applicable line gets on ``target``; a finding for each line without."""
    chosen: dict[str, DistFile] = {}
    findings: list[Finding] = []
    bad = 0
    for req in applicable(target, requirements):
        found = _settle(target, req, dists, records)
        if isinstance(found, DistFile):
            chosen[req.name] = found
        elif found:
            bad += 1  # a file is there but is not the locked one: an integrity finding says so
        else:
            findings.append(
                Finding(
                    MISSING,
                    target.name,
                    req.name,
                    req.source,  # the lock line wanting the file
                    f"{req.name} {req.version}: no file in the wheelhouse fits"
                    f" {target.platform.tag} {target.abi}",
                    f"run wh sync --platforms {target.platform.tag} --python {target.python_short}",
                )
            )
    return chosen, findings, bad


def _settle(
    target: Target,
    req: LockedRequirement,
    dists: Mapping[str, DistFile],
    records: Sequence[BuiltWheel],
) -> DistFile | bool:
    """The wheelhouse file ``req`` gets on ``target``; else whether a fitting file is there
    that is not the locked one (True) or none fits at all (False)."""
    of_version = pinned(req, [d for d in dists.values() if d.name == req.name])
    fitting = [d for d in of_version if fits(target, d)]
    accepted = accepted_hashes(req, records)
    good = [d for d in fitting if not req.hashes or d.sha256 in accepted]
    return best(target, good) if good else bool(fitting)


def lacking(
    targets: Sequence[Target],
    requirements: Sequence[LockedRequirement],
    files: Sequence[HouseFile],
    records: Sequence[BuiltWheel],
) -> list[tuple[Target, LockedRequirement]]:
    """Each target's lock lines that no file of the wheelhouse fits: verify's missing
    findings, as the (target, line) pairs a build or an import would close."""
    dists = {f.filename: d for f in files if (d := parse_dist(f.filename, sha256=f.sha256))}
    return [
        (target, req)
        for target in targets
        for req in applicable(target, requirements)
        if _settle(target, req, dists, records) is False
    ]


def _closure(
    target: Target,
    requirements: Sequence[LockedRequirement],
    metadata: Mapping[str, WheelMetadata | None],
    chosen: Mapping[str, DistFile],
) -> list[Finding]:
    """Each chosen wheel's Requires-Dist, evaluated for ``target``, met by a line there."""
    lines = applicable(target, requirements)
    locked: dict[str, list[LockedRequirement]] = {}
    for r in lines:
        locked.setdefault(r.name, []).append(r)
    extras = _requested_extras(target, lines, metadata)
    findings: list[Finding] = []
    for name in sorted(metadata):
        meta = metadata[name]
        if meta is None:
            continue
        for dep in meta.requires_dist:
            dep_name = canonicalize_name(dep.name)
            if dep_name == name or not _holds(target, dep.marker, extras.get(name, set())):
                continue
            have = locked.get(dep_name, [])
            if any(dep.specifier.contains(r.version, prereleases=True) for r in have):
                continue
            pinned = ", ".join(f"{r.name}=={r.version}" for r in have) or "no line"
            findings.append(
                Finding(
                    CLOSURE,
                    target.name,
                    name,
                    chosen[name].filename,
                    f"{name} {meta.version} requires {dep} on {target.name};"
                    f" the lock has {pinned} there",
                    "re-lock for every target (wh lock), so that this dependency is pinned"
                    " for this platform too",
                )
            )
    return findings


def _requested_extras(
    target: Target,
    lines: Iterable[LockedRequirement],
    metadata: Mapping[str, WheelMetadata | None],
) -> dict[str, set[str]]:
    """Extras asked of each package, by lock lines and by other wheels (to a fixed point)."""
    extras: dict[str, set[str]] = {}
    for r in lines:
        extras.setdefault(r.name, set()).update(r.extras)
    changed = True
    while changed:
        changed = False
        for name, meta in metadata.items():
            if meta is None:
                continue
            for dep in meta.requires_dist:
                if not dep.extras or not _holds(target, dep.marker, extras.get(name, set())):
                    continue
                wanted = extras.setdefault(canonicalize_name(dep.name), set())
                new = {canonicalize_name(e) for e in dep.extras} - wanted
                if new:
                    wanted |= new
                    changed = True
    return extras


def _holds(target: Target, marker: object, extras: set[str]) -> bool:
    if marker is None:
        return True
    from packaging.markers import Marker

    assert isinstance(marker, Marker)
    env = dict(target.environment)
    return any(marker.evaluate({**env, "extra": e}) for e in ("", *sorted(extras)))


def binary_findings(filename: str, problems: Sequence[str]) -> list[Finding]:
    """One finding per way a wheel's compiled members do not fit its tags."""
    dist = parse_dist(filename)
    name = dist.name if dist is not None else filename.split("-", 1)[0]
    return [
        Finding(
            BINARY,
            "",
            name,
            filename,
            f"{filename}: {problem}",
            "the wheel would fail to import where its tag says it fits: remove it and rebuild"
            " it for that target (wh build), or fetch the right file (wh sync)",
        )
        for problem in problems
    ]
