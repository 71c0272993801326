"""``wh verify``: the gate. Checks the wheelhouse against the lockfiles for every target,
changes nothing, needs no network.

Where the files come from:
- default: the working tree (content hashed, with the hash-by-stat cache unless --no-cache);
- ``--pointers``: the git-lfs pointers in the git index (a pointer's oid is the sha256), so a
  checkout that never downloaded LFS content verifies completeness and integrity;
- ``--staged``: the git index, config and lockfiles included: what the commit will contain.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from wh.adapters import git
from wh.adapters.binfile import BinaryReadError, read_binaries
from wh.adapters.cache import DigestCache, HashCache, StatCache
from wh.adapters.project import Reader, load_config, read_lockfiles
from wh.adapters.wheelfile import read_metadata
from wh.core.binaries import binary_problems
from wh.core.built import RECORD_NAME, BuiltWheel, RecordError, parse_record
from wh.core.config import Config, make_targets, select_platforms
from wh.core.files import is_dist_filename
from wh.core.lfs import Pointer, parse_pointer
from wh.core.metadata import MetadataError, from_fields
from wh.core.verify import (
    ATTRIBUTES,
    NOT_LFS,
    Finding,
    HouseFile,
    Report,
    binary_findings,
    verify,
)
from wh.errors import UsageError


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
    repo = git.toplevel(project) if git.is_repository(project) else None
    if (options.pointers or options.staged) and repo is None:
        raise UsageError(f"{project}: --pointers and --staged need a git repository")
    read: Reader | None = None
    if options.staged and repo is not None:
        prefix = project.relative_to(repo).as_posix()
        read = _staged_reader(repo, "" if prefix == "." else prefix + "/")
    config = load_config(project, read)
    selected = make_targets(
        options.python or config.python, select_platforms(config, options.platforms)
    )
    configured = make_targets(config.python, select_platforms(config, None))
    lockfiles = read_lockfiles(project, config, read)
    requirements = [r for lockfile, _ in lockfiles for r in lockfile.requirements]
    wheelhouse = project / config.wheelhouse
    hashes = HashCache(enabled=options.cache)
    extra: list[Finding] = []
    if repo is None:
        files = wheelhouse_files(wheelhouse, hashes)
        records = wheelhouse_records(wheelhouse)
        notes = ["not a git repository: the LFS checks were skipped"]
    else:
        if not wheelhouse.resolve().is_relative_to(repo.resolve()):
            raise UsageError(f"{wheelhouse}: the wheelhouse is outside the git repository {repo}")
        rel = wheelhouse.resolve().relative_to(repo.resolve()).as_posix()
        staged = git.staged_files(repo, rel)
        blobs = git.read_blobs(repo, [b for p, b in staged.items() if is_dist_filename(p)])
        pointers = {p: parse_pointer(blobs.get(b, b"")) for p, b in staged.items()}
        extra += _raw_blobs(staged, blobs, pointers)
        extra += _attributes(repo, config, rel, list(staged) or [f"{rel}/probe.whl"])
        notes = []
        if options.pointers or options.staged:
            files = _from_index(
                repo, staged, blobs, pointers, hashes, contents=not options.pointers
            )
            record_blob = staged.get(f"{rel}/{RECORD_NAME}")
            records = _records(lambda: _blob_text(repo, record_blob), RECORD_NAME)
            absent = [f for f in files if f.filename.endswith(".whl") and not f.metadata]
            absent = [f for f in absent if not f.metadata_error]
            if absent and not options.pointers:
                notes.append(
                    f"closure not checked for {len(absent)} wheel(s) whose content is not"
                    " here (LFS objects not fetched): git lfs pull, then verify again"
                )
        else:
            files = wheelhouse_files(wheelhouse, hashes)
            records = wheelhouse_records(wheelhouse)
    report = verify(
        selected, configured, requirements, files, records, closure=not options.pointers
    )
    report.findings = extra + report.findings + _binaries(wheelhouse, files, hashes)
    report.notes += notes
    hashes.save()
    return report


_BINARY_RULES = "1"  # bump when wh.core.binaries judges differently: cached verdicts expire


def _binaries(wheelhouse: Path, files: list[HouseFile], hashes: HashCache) -> list[Finding]:
    """Each platform wheel's compiled members against its tags; judged once per content
    (cached by sha256). A wheel whose content is not at hand (LFS not fetched) is skipped."""
    cache = DigestCache("binaries", enabled=hashes.enabled)
    findings: list[Finding] = []
    for f in files:
        if not f.filename.endswith(".whl") or f.filename.endswith("-any.whl"):
            continue
        key = f"{_BINARY_RULES}:{f.sha256}:{f.filename}"
        problems = cache.get(key)
        if not isinstance(problems, list):
            path = wheelhouse / f.filename
            if not path.is_file() or hashes.sha256(path) != f.sha256:
                continue
            try:
                problems = binary_problems(f.filename, read_binaries(path))
            except BinaryReadError as exc:
                problems = [str(exc)]
            cache.put(key, problems)
        findings += binary_findings(f.filename, [str(p) for p in problems])
    cache.save()
    return findings


def _blob_text(repo: Path, blob: str | None) -> str:
    if blob is None:
        raise FileNotFoundError(RECORD_NAME)
    return git.read_blobs(repo, [blob]).get(blob, b"").decode()


def _staged_reader(repo: Path, prefix: str) -> Reader:
    def read(path: str) -> str:
        return git.show_staged(repo, prefix + path)

    return read


def _records(read: Callable[[], str], name: str) -> list[BuiltWheel]:
    try:
        text = read()
    except FileNotFoundError:
        return []
    try:
        return parse_record(text)
    except RecordError as exc:
        raise UsageError(f"{name}: {exc}", hint="run wh sync to rewrite it") from None


def wheelhouse_records(wheelhouse: Path) -> list[BuiltWheel]:
    return _records((wheelhouse / RECORD_NAME).read_text, RECORD_NAME)


def wheelhouse_files(wheelhouse: Path, hashes: HashCache) -> list[HouseFile]:
    """The wheelhouse as verify sees it: every distribution file with its sha256 and METADATA."""
    if not wheelhouse.is_dir():
        return []
    paths = [p for p in sorted(wheelhouse.iterdir()) if p.is_file() and is_dist_filename(p.name)]
    digests = hashes.sha256_many(paths)
    metadata = StatCache("metadata", enabled=hashes.enabled)
    files = [_cached_house_file(p, digests[p], metadata) for p in paths]
    metadata.save()
    return files


def _cached_house_file(path: Path, sha256: str, cache: StatCache) -> HouseFile:
    """A wheel's METADATA read once per content (the cache is keyed by stat, like hashes)."""
    st = path.stat()
    fields = cache.get(path, st)
    if fields is not None:
        try:
            return HouseFile(path.name, sha256, from_fields(fields))
        except (ValueError, TypeError):
            pass  # a damaged cache entry: read the file
    found = _house_file(path.name, sha256, path)
    if found.metadata is not None:
        cache.put(path, st, found.metadata.fields())
    return found


def _house_file(name: str, sha256: str, source: Path | io.BytesIO | None) -> HouseFile:
    if source is None or not name.endswith(".whl"):
        return HouseFile(name, sha256)
    try:
        return HouseFile(name, sha256, read_metadata(source))
    except MetadataError as exc:
        return HouseFile(name, sha256, metadata_error=str(exc))


def _from_index(
    repo: Path,
    staged: dict[str, str],
    blobs: dict[str, bytes],
    pointers: dict[str, Pointer | None],
    hashes: HashCache,
    *,
    contents: bool,
) -> list[HouseFile]:
    files: list[HouseFile] = []
    objects = git.lfs_objects_dir(repo) if contents else repo
    for path, blob_id in sorted(staged.items()):
        name = path.rsplit("/", 1)[-1]
        if not is_dist_filename(name):
            continue
        pointer = pointers.get(path)
        data = blobs.get(blob_id, b"")
        if pointer is None:  # a raw blob: its bytes are the file
            sha = hashlib.sha256(data).hexdigest()
            files.append(_house_file(name, sha, io.BytesIO(data) if contents else None))
            continue
        oid = pointer.oid
        source: Path | None = None
        if contents:
            source = git.lfs_object(objects, oid)
            worktree = repo / path
            if source is None and worktree.is_file() and hashes.sha256(worktree) == oid:
                source = worktree
        files.append(_house_file(name, oid, source))
    return files


def _raw_blobs(
    staged: dict[str, str], blobs: dict[str, bytes], pointers: dict[str, Pointer | None]
) -> list[Finding]:
    findings = []
    for path, blob_id in sorted(staged.items()):
        name = path.rsplit("/", 1)[-1]
        if name.endswith(".whl") and pointers.get(path) is None and blob_id in blobs:
            findings.append(
                Finding(
                    NOT_LFS,
                    "",
                    name.split("-", 1)[0],
                    name,
                    f"{path}: staged as a raw git blob, not an LFS pointer",
                    f"git rm --cached {path} && git add {path} (with .gitattributes routing"
                    " wheels through LFS: wh init)",
                )
            )
    return findings


def _attributes(repo: Path, config: Config, rel: str, paths: list[str]) -> list[Finding]:
    wheels = [p for p in paths if p.endswith(".whl")] or [f"{rel}/probe.whl"]
    routed = git.lfs_routed(repo, wheels)
    missing = [p for p in wheels if not routed.get(p, False)]
    if not missing:
        return []
    return [
        Finding(
            ATTRIBUTES,
            "",
            "",
            ".gitattributes",
            f".gitattributes does not route {missing[0]} through git-lfs"
            + (f" (nor {len(missing) - 1} more)" if len(missing) > 1 else ""),
            f"add '{config.wheelhouse}/*.whl filter=lfs diff=lfs merge=lfs -text'"
            " to .gitattributes (wh init does)",
        )
    ]
