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
from wh.core.selection import applicable, best, fits, missing_hint, pinned
from wh.core.targets import Target

# Finding kinds, each a distinct failure a user fixes differently.
MISSING = "missing"  # a target lacks a file for a lock line
HASH = "hash-mismatch"  # a file's sha256 is not the one the lock (or built record) names
METADATA = "metadata"  # METADATA name/version disagree with the filename, or unreadable
CLOSURE = "closure"  # a wheel requires something the lock lacks on that target
UNUSED = "unused"  # no configured target uses the file
ATTRIBUTES = "gitattributes"  # wheels not routed through git-lfs
NOT_LFS = "not-lfs"  # a wheel committed or staged as a raw blob
UNHASHED = "unhashed"  # a lock line without hashes: its file cannot be verified
POINTERS = "lfs-pointers"  # files that are git-lfs pointers, their content not fetched
STALE = "stale-lock"  # the lock's inputs or targets changed since it was compiled
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
    pointer: bool = False  # a git-lfs pointer in the working tree: the content is not here


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
    report.findings += _unhashed(requirements)
    used: set[str] = set()
    wanted: set[str] = set()  # files some configured target would take, were they intact
    integrity_at = len(report.findings)
    of_project = _by_project(dists)
    for target in dict.fromkeys([*selected, *configured]):
        chosen, findings, bad = _complete(target, requirements, of_project, records, wanted)
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
    judged = [f for f in files if f.filename in wanted]  # the rest is unused, whatever it holds
    report.findings[integrity_at:integrity_at] = _integrity(judged, dists, requirements, records)
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
    report.findings += _pointers(files)
    if not closure:
        report.notes.append("dependency closure not checked: it needs wheel contents")
    return report


def _pointers(files: Sequence[HouseFile]) -> list[Finding]:
    """Said once: the working tree holds git-lfs pointers, not the files (checked by oid)."""
    pointers = [f.filename for f in files if f.pointer]
    if not pointers:
        return []
    more = f" and {len(pointers) - 1} more" if len(pointers) > 1 else ""
    return [
        Finding(
            POINTERS,
            "",
            "",
            pointers[0],
            f"{len(pointers)} file(s) in the wheelhouse are git-lfs pointers, not their content"
            f" ({pointers[0]}{more}): checked by their oid; METADATA and closure need the content",
            "run git lfs pull to fetch the content, or verify the pointers alone with"
            " wh verify --pointers",
        )
    ]


def _unhashed(requirements: Sequence[LockedRequirement]) -> list[Finding]:
    """A line without hashes accepts any file: nothing it brings can be verified."""
    return [
        Finding(
            UNHASHED,
            "",
            r.name,
            r.source,
            f"{r.source}: {r.name}=={r.version} has no --hash: its file cannot be verified",
            "re-lock with hashes (wh lock, or pip-compile --generate-hashes)",
        )
        for r in requirements
        if not r.hashes
    ]


def _integrity(
    files: Sequence[HouseFile],
    dists: Mapping[str, DistFile],
    requirements: Sequence[LockedRequirement],
    records: Sequence[BuiltWheel],
) -> list[Finding]:
    findings: list[Finding] = []
    recorded = {r.wheel: r for r in records}
    by_release = _by_release(requirements)
    for f in files:
        d = dists.get(f.filename)
        if d is None:
            continue
        lines = by_release.get((d.name, d.version), [])
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


def _by_release(
    requirements: Sequence[LockedRequirement],
) -> dict[tuple[str, Version], list[LockedRequirement]]:
    """Lock lines by (name, version): each version parsed once, not once per file."""
    lines: dict[tuple[str, Version], list[LockedRequirement]] = {}
    for r in requirements:
        try:
            lines.setdefault((r.name, Version(r.version)), []).append(r)
        except InvalidVersion:
            continue  # an arbitrary (===) version names no file
    return lines


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
    of_project: Mapping[str, Sequence[DistFile]],
    records: Sequence[BuiltWheel],
    wanted: set[str],
) -> tuple[dict[str, DistFile], list[Finding], int]:
    """The file each applicable line gets on ``target``; a finding for each line without.
    Adds to ``wanted`` every file that fits a line here."""
    chosen: dict[str, DistFile] = {}
    findings: list[Finding] = []
    bad = 0
    for req in applicable(target, requirements):
        found, fitting = _settle(target, req, of_project.get(req.name, ()), records)
        wanted.update(d.filename for d in fitting)
        if found is not None:
            chosen[req.name] = found
        elif fitting:
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
                    missing_hint(target, req),
                )
            )
    return chosen, findings, bad


def _by_project(dists: Mapping[str, DistFile]) -> dict[str, list[DistFile]]:
    """The files by project name, once: not a scan of every file per lock line."""
    of_project: dict[str, list[DistFile]] = {}
    for d in dists.values():
        of_project.setdefault(d.name, []).append(d)
    return of_project


def _settle(
    target: Target,
    req: LockedRequirement,
    of_project: Sequence[DistFile],
    records: Sequence[BuiltWheel],
) -> tuple[DistFile | None, list[DistFile]]:
    """The wheelhouse file ``req`` gets on ``target`` (None when none is the locked one),
    and every file of the pinned version that fits there."""
    fitting = [d for d in pinned(req, of_project) if fits(target, d)]
    accepted = accepted_hashes(req, records)
    good = [d for d in fitting if not req.hashes or d.sha256 in accepted]
    return (best(target, good) if good else None), fitting


def lacking(
    targets: Sequence[Target],
    requirements: Sequence[LockedRequirement],
    files: Sequence[HouseFile],
    records: Sequence[BuiltWheel],
) -> list[tuple[Target, LockedRequirement]]:
    """Each target's lock lines that no file of the wheelhouse fits: verify's missing
    findings, as the (target, line) pairs a build or an import would close."""
    dists = {f.filename: d for f in files if (d := parse_dist(f.filename, sha256=f.sha256))}
    of_project = _by_project(dists)
    return [
        (target, req)
        for target in targets
        for req in applicable(target, requirements)
        if not _settle(target, req, of_project.get(req.name, ()), records)[1]
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
            if dep_name == name or not target.evaluates(dep.marker, extras.get(name, ())):
                continue
            have = locked.get(dep_name, [])
            if any(dep.specifier.contains(r.version, prereleases=True) for r in have):
                continue
            locked_here = ", ".join(f"{r.name}=={r.version}" for r in have) or "no line"
            findings.append(
                Finding(
                    CLOSURE,
                    target.name,
                    name,
                    chosen[name].filename,
                    f"{name} {meta.version} requires {dep} on {target.name};"
                    f" the lock has {locked_here} there",
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
                if not dep.extras or not target.evaluates(dep.marker, extras.get(name, ())):
                    continue
                wanted = extras.setdefault(canonicalize_name(dep.name), set())
                new = {canonicalize_name(e) for e in dep.extras} - wanted
                if new:
                    wanted |= new
                    changed = True
    return extras


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
