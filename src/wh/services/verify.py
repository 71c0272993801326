"""``wh verify``: the gate. Checks the wheelhouse against the lockfiles for every target,
changes nothing, needs no network.

Where the files come from (a source of ``adapters.wheelhouse``, then core decides):
- default: the working tree (content hashed, with the hash-by-stat cache unless --no-cache);
- ``--pointers``: the git-lfs pointers in the git index (a pointer's oid is the sha256), so a
  checkout that never downloaded LFS content verifies completeness and integrity;
- ``--staged``: the git index, config and lockfiles included: what the commit will contain.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from wh.adapters import git
from wh.adapters.cache import DigestCache, HashCache
from wh.adapters.project import (
    Reader,
    disk_reader,
    inside_repository,
    load_config,
    read_lockfiles,
)
from wh.adapters.wheelhouse import DiskWheelhouse, GitIndex, IndexWheelhouse, WheelhouseSource
from wh.core.files import parse_dist
from wh.core.lfs import lfs_findings
from wh.core.lockfile import Lockfile
from wh.core.selection import fits
from wh.core.staleness import changes, parse_digests
from wh.core.targets import Target
from wh.core.verify import (
    HASH,
    METADATA,
    MISSING,
    STALE,
    UNUSED,
    Finding,
    HouseFile,
    Report,
    binary_findings,
    verify,
)
from wh.errors import UsageError, WhError


@dataclass(frozen=True, slots=True)
class VerifyOptions:
    project: Path = Path()
    platforms: list[str] | None = None
    python: list[str] | None = None
    pointers: bool = False
    staged: bool = False
    cache: bool = True


def run_verify(options: VerifyOptions) -> Report:
    project = options.project.resolve()
    repo = git.toplevel(project)
    if (options.pointers or options.staged) and repo is None:
        raise UsageError(f"{project}: --pointers and --staged need a git repository")
    read: Reader | None = None
    if options.staged and repo is not None:
        prefix = project.relative_to(repo).as_posix()
        read = _staged_reader(repo, "" if prefix == "." else prefix + "/")
    config = load_config(project, read)
    targets = config.targets(options.platforms, options.python)
    selected, configured = targets.selected, targets.configured
    lockfiles = read_lockfiles(project, config, read)
    requirements = [r for lockfile, _ in lockfiles for r in lockfile.requirements]
    if repo is not None:
        inside_repository(project, config.wheelhouse)  # exit 2 outside, as sync refuses it
    hashes = HashCache(enabled=options.cache)
    wheelhouse = project / config.wheelhouse
    source = _source(wheelhouse, repo, hashes, options)
    files = source.files()
    report = verify(
        selected,
        configured,
        requirements,
        files,
        source.records(),
        closure=not options.pointers,
    )
    lfs, notes = lfs_findings(source.git_facts(), config.wheelhouse)
    stale, unchecked = _staleness(project, lockfiles, read, configured)
    report.findings = (
        stale + lfs + report.findings + _binaries(wheelhouse, files, hashes, configured)
    )
    if options.staged:  # what sync or lock change reaches the commit only once staged
        report.findings = [_stage_hint(f, config.wheelhouse) for f in report.findings]
    report.notes += unchecked + notes + source.notes()
    hashes.save()
    return report


_BINARY_RULES = "2"  # bump when wh.core.binaries judges differently: cached verdicts expire


def _binaries(
    wheelhouse: Path, files: list[HouseFile], hashes: HashCache, targets: Sequence[Target]
) -> list[Finding]:
    """Each platform wheel's compiled members against its tags and the oldest configured
    machine that takes it; judged once per content (cached by sha256 and that machine). A
    wheel whose content is not at hand (LFS not fetched) is skipped. The verdicts are kept
    even under --no-cache: keyed by the content's sha256 (just computed) and the rules'
    version, they cannot hide a changed file."""
    cache = DigestCache("binaries")
    findings: list[Finding] = []
    for f in files:
        if not f.filename.endswith(".whl") or f.filename.endswith("-any.whl"):
            continue
        oldest = _oldest_taker(f.filename, targets)
        key = f"{_BINARY_RULES}:{f.sha256}:{f.filename}:{oldest}"
        problems = cache.get(key)
        if not isinstance(problems, list):
            path = wheelhouse / f.filename
            if not path.is_file() or hashes.sha256(path) != f.sha256:
                continue
            # here, not at the top: pyelftools and macholib cost ~45 ms to import (the rules
            # ~2 ms), and a run whose verdicts are all cached never opens a binary
            from wh.adapters.binfile import BinaryReadError, read_binaries
            from wh.core.binaries import binary_problems

            try:
                problems = binary_problems(f.filename, read_binaries(path), oldest)
            except BinaryReadError as exc:
                problems = [str(exc)]
            cache.put(key, problems)
        findings += binary_findings(f.filename, [str(p) for p in problems])
    cache.save()
    return findings


def _oldest_taker(filename: str, targets: Sequence[Target]) -> tuple[int, int] | None:
    """The oldest OS version (glibc or macOS) among ``targets`` whose tags take the wheel."""
    dist = parse_dist(filename)
    versions = [
        t.platform.version
        for t in targets
        if dist is not None and fits(t, dist) and t.platform.version != (0, 0)
    ]
    return min(versions) if versions else None


def _source(
    wheelhouse: Path, repo: Path | None, hashes: HashCache, options: VerifyOptions
) -> WheelhouseSource:
    """The working tree by default; the git index for --pointers (oids alone) and --staged."""
    index = GitIndex(repo, wheelhouse) if repo is not None else None
    if index is not None and (options.pointers or options.staged):
        return IndexWheelhouse(index, hashes, contents=not options.pointers)
    return DiskWheelhouse(wheelhouse, hashes, index)


_WHEELHOUSE_KINDS = {MISSING, HASH, METADATA, UNUSED}


def _stage_hint(finding: Finding, wheelhouse: str) -> Finding:
    """--staged judges the git index: a fix in the working tree counts once it is staged."""
    if finding.kind in _WHEELHOUSE_KINDS:
        return replace(finding, hint=f"{finding.hint}; then stage it: git add -A {wheelhouse}")
    if finding.kind == STALE:
        return replace(finding, hint=f"{finding.hint}; then git add the lockfile and its inputs")
    return finding


def _staleness(
    project: Path, lockfiles: list[tuple[Lockfile, str]], read: Reader | None, targets: list[Target]
) -> tuple[list[Finding], list[str]]:
    """A finding per lock whose recorded inputs or targets changed; notes for what could not
    be checked (a lock another tool wrote records nothing to compare)."""
    read = read or disk_reader(project)
    findings: list[Finding] = []
    notes: list[str] = []

    def text(path: str) -> str | None:
        try:
            return read(path)
        except (OSError, WhError):
            return None

    for lockfile, raw in lockfiles:
        recorded = parse_digests(raw.split("\0", 1)[0])
        if recorded is None:
            notes.append(
                f"{lockfile.path} records no input digests (not written by wh lock):"
                " whether it is stale was not checked"
            )
            continue
        changed, gone, retargeted = changes(recorded, text, [t.name for t in targets])
        if gone:
            notes.append(f"{lockfile.path}: cannot read {', '.join(gone)} to check it is current")
        causes = [f"{path} changed" for path in changed]
        causes += ["the configured targets changed"] if retargeted else []
        if causes:
            findings.append(
                Finding(
                    STALE,
                    "",
                    "",
                    changed[0] if changed else lockfile.path,
                    f"{lockfile.path} is stale: {' and '.join(causes)} since it was locked",
                    f"run wh lock to compile {lockfile.path} again, then wh sync",
                )
            )
    return findings, notes


def _staged_reader(repo: Path, prefix: str) -> Reader:
    def read(path: str) -> str:
        return git.show_staged(repo, prefix + path)

    return read
