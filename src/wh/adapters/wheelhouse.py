"""The wheelhouse as a *source*, in the style of pypa/installer's ``WheelSource``: its files
with their sha256 (and METADATA when the content is at hand), its built-wheels record, and the
git facts the LFS findings need. Two sources, one protocol:

- :class:`DiskWheelhouse`: the working tree (content hashed, with the hash-by-stat cache;
  a git-lfs pointer left by a checkout without LFS content counts by its oid);
- :class:`IndexWheelhouse`: the git index (a pointer's oid is the sha256), with the content
  from the local LFS objects (``contents=True``, what ``--staged`` judges) or pointers alone.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Protocol

from wh.adapters import git
from wh.adapters.cache import HashCache, StatCache
from wh.adapters.housekeeping import read_records
from wh.core.built import RECORD_NAME, BuiltWheel, RecordError
from wh.core.files import is_dist_filename
from wh.core.lfs import POINTER_MAX, GitFacts, Pointer, parse_pointer, pointer_bytes
from wh.core.metadata import MetadataError, from_fields
from wh.core.verify import HouseFile
from wh.errors import UsageError


class WheelhouseSource(Protocol):
    def files(self) -> list[HouseFile]:
        """Every distribution file, sorted by name, with its sha256."""

    def records(self) -> list[BuiltWheel]:
        """The built-wheels record ([] when there is none); UsageError when damaged."""

    def git_facts(self) -> GitFacts | None:
        """What git says about the wheelhouse (None: not in a git repository)."""

    def notes(self) -> list[str]:
        """What this source could not show (said once, after the findings)."""


def _checked_records(read: Callable[[], str]) -> list[BuiltWheel]:
    """A source's record: a damaged one is a usage error (sync rewrites it)."""
    try:
        return read_records(read)
    except RecordError as exc:
        raise UsageError(f"{RECORD_NAME}: {exc}", hint="run wh sync to rewrite it") from None


class GitIndex:
    """The wheelhouse's entries in the git index; their blobs read once (one cat-file run),
    when first asked for."""

    def __init__(self, repo: Path, wheelhouse: Path) -> None:
        self.repo = repo
        self.rel = wheelhouse.resolve().relative_to(repo.resolve()).as_posix()
        self.staged = git.staged_files(repo, self.rel)
        self.blobs: dict[str, bytes] = {}
        self._pointers: dict[str, Pointer | None] | None = None

    def pointers(self, known: Mapping[str, Pointer] | None = None) -> dict[str, Pointer | None]:
        """Each staged path's LFS pointer (None: a raw blob, or not a distribution). A path
        whose blob id is the id of ``known[path]``'s pointer file (the one git-lfs stages for
        the working tree's file, from its sha256 and size) holds that pointer: its blob is
        not read, so a wheelhouse that matches its index starts no cat-file. Read once: the
        first call's ``known`` is the one that counts."""
        if self._pointers is None:
            known = known or {}
            same = {
                p: known[p]
                for p, b in self.staged.items()
                if p in known and b == git.blob_id(pointer_bytes(known[p]), b)
            }
            dists = [b for p, b in self.staged.items() if is_dist_filename(p) and p not in same]
            self.blobs = git.read_blobs(self.repo, dists)
            self._pointers = {
                p: same[p] if p in same else parse_pointer(self.blobs.get(b, b""))
                for p, b in self.staged.items()
            }
        return self._pointers

    def facts(self, known: Mapping[str, Pointer] | None = None) -> GitFacts:
        pointers = self.pointers(known)
        raw = tuple(
            p
            for p, b in self.staged.items()
            if p.endswith(".whl") and pointers.get(p) is None and b in self.blobs
        )
        wheels = [p for p in self.staged if p.endswith(".whl")] or [f"{self.rel}/probe.whl"]
        routed = git.lfs_routed(self.repo, wheels)
        return GitFacts(raw, {p: routed.get(p, False) for p in wheels})

    def record_text(self) -> str:
        blob = self.staged.get(f"{self.rel}/{RECORD_NAME}")
        if blob is None:
            raise FileNotFoundError(RECORD_NAME)
        return git.read_blobs(self.repo, [blob]).get(blob, b"").decode()


class DiskWheelhouse:
    """The wheelhouse directory in the working tree; the git facts from ``index`` if given."""

    def __init__(self, directory: Path, hashes: HashCache, index: GitIndex | None = None) -> None:
        self.directory = directory
        self.hashes = hashes
        self.index = index
        self._known: dict[str, Pointer] = {}  # staged path -> the pointer its file would be

    def files(self) -> list[HouseFile]:
        if not self.directory.is_dir():
            return []
        paths = [p for p in sorted(self.directory.iterdir()) if p.is_file()]
        paths = [p for p in paths if is_dist_filename(p.name)]
        pointers = _pointer_files(paths)
        digests = self.hashes.sha256_many([p for p in paths if p not in pointers])
        metadata = StatCache("metadata", enabled=self.hashes.enabled)
        files = [
            # a git-lfs pointer left by a checkout without LFS content: its oid is the sha256
            HouseFile(p.name, pointers[p].oid, pointer=True)
            if p in pointers
            else _cached_house_file(p, digests[p], metadata)
            for p in paths
        ]
        metadata.save()
        if self.index is not None:
            rel = self.index.rel
            self._known = {
                f"{rel}/{p.name}": Pointer(d, p.stat().st_size) for p, d in digests.items()
            }
            self._known |= {f"{rel}/{p.name}": pointer for p, pointer in pointers.items()}
        return files

    def records(self) -> list[BuiltWheel]:
        return _checked_records((self.directory / RECORD_NAME).read_text)

    def git_facts(self) -> GitFacts | None:
        return self.index.facts(self._known) if self.index else None

    def notes(self) -> list[str]:
        return []


def read_disk(directory: Path) -> tuple[list[HouseFile], list[BuiltWheel]]:
    """The working-tree wheelhouse's files and record (hashes by the stat cache, kept): what
    pex and the exports build from."""
    hashes = HashCache()
    source = DiskWheelhouse(directory, hashes)
    files = source.files()
    hashes.save()
    return files, source.records()


class IndexWheelhouse:
    """The wheelhouse as the git index holds it: what the next commit will contain."""

    def __init__(self, index: GitIndex, hashes: HashCache, *, contents: bool) -> None:
        self.index = index
        self.hashes = hashes
        self.contents = contents
        self._files: list[HouseFile] | None = None

    def files(self) -> list[HouseFile]:
        if self._files is None:
            self._files = self._list()
        return self._files

    def _list(self) -> list[HouseFile]:
        index = self.index
        objects = git.lfs_objects_dir(index.repo) if self.contents else None
        files: list[HouseFile] = []
        pointers = index.pointers(self._cached_pointers())
        for path, blob_id in sorted(index.staged.items()):
            name = path.rsplit("/", 1)[-1]
            if not is_dist_filename(name):
                continue
            pointer = pointers.get(path)
            if pointer is None:  # a raw blob: its bytes are the file
                from hashlib import sha256

                data = index.blobs.get(blob_id, b"")
                sha = sha256(data).hexdigest()
                files.append(_house_file(name, sha, io.BytesIO(data) if self.contents else None))
            else:
                source = self._content(objects, path, pointer.oid) if objects else None
                files.append(_house_file(name, pointer.oid, source))
        return files

    def _cached_pointers(self) -> dict[str, Pointer]:
        """The pointer git-lfs stages for each working-tree wheel whose sha256 the hash cache
        holds for its present stat (nothing is read or hashed here): a guess that
        ``GitIndex.pointers`` takes only where the staged blob id proves it, reading the
        other blobs. The oids stay git's: a stale guess is a blob read, never a finding."""
        known: dict[str, Pointer] = {}
        for path in self.index.staged:
            if is_dist_filename(path):
                file = self.index.repo / path
                with contextlib.suppress(OSError):
                    st = file.stat()
                    digest = self.hashes.get(file, st)
                    if isinstance(digest, str):
                        known[path] = Pointer(digest, st.st_size)
        return known

    def _content(self, objects: Path, path: str, oid: str) -> Path | None:
        """The local LFS object for ``oid``, else the working-tree file when it holds it."""
        found = git.lfs_object(objects, oid)
        worktree = self.index.repo / path
        if found is None and worktree.is_file() and self.hashes.sha256(worktree) == oid:
            found = worktree
        return found

    def records(self) -> list[BuiltWheel]:
        return _checked_records(self.index.record_text)

    def git_facts(self) -> GitFacts:
        return self.index.facts()

    def notes(self) -> list[str]:
        if not self.contents:
            return []
        absent = [f for f in self.files() if f.filename.endswith(".whl") and not f.metadata]
        absent = [f for f in absent if not f.metadata_error]
        if not absent:
            return []
        return [
            f"closure not checked for {len(absent)} wheel(s) whose content is not"
            " here (LFS objects not fetched): git lfs pull, then verify again"
        ]


def _pointer_files(paths: list[Path]) -> dict[Path, Pointer]:
    """The files that are git-lfs pointers (a few hundred bytes) instead of their content."""
    found: dict[Path, Pointer] = {}
    for path in paths:
        if path.stat().st_size <= POINTER_MAX:
            pointer = parse_pointer(path.read_bytes())
            if pointer is not None:
                found[path] = pointer
    return found


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
    from wh.adapters.wheelfile import read_metadata  # here: cached METADATA opens no wheel

    try:
        return HouseFile(name, sha256, read_metadata(source))
    except MetadataError as exc:
        return HouseFile(name, sha256, metadata_error=str(exc))
