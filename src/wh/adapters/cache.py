"""wh's caches, in the user cache dir (``WH_CACHE_DIR`` overrides): never committed state.

- :class:`StatCache`: values read from a file (its sha256: :class:`HashCache`; a wheel's
  METADATA) by (path, size, mtime, inode, ctime), so an unchanged wheelhouse is not read again.
- :class:`PlanCache`: the files a complete sync chose, keyed by everything that decides the
  choice (lock contents, targets, the prune flag, wh's version; not the indexes, which only
  say where the files are). The lock pins every file by hash, so a complete plan stays right
  until one of those inputs changes. Its format (each file's sha256, the record's, each
  target's files) lives here too.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wh.adapters.fs import TMP_PREFIX, atomic_write, sha256_file
from wh.core.built import RECORD_NAME
from wh.core.files import is_dist_filename


def cache_dir() -> Path:
    if env := os.environ.get("WH_CACHE_DIR"):
        return Path(env)
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "wh"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "wh"


def _load(path: Path) -> Any:
    try:
        return json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None


def _save(path: Path, data: Any) -> None:
    with contextlib.suppress(OSError):  # a cache that cannot be written is only slower
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, json.dumps(data, sort_keys=True).encode())


class StatCache:
    """Values derived from a file's content, remembered by (path, size, mtime, inode, ctime): an
    unchanged file is not read again. ``enabled=False`` reads nothing and keeps nothing."""

    def __init__(self, name: str, *, enabled: bool = True) -> None:
        self.path = cache_dir() / f"{name}.json"
        self.enabled = enabled
        loaded = _load(self.path) if enabled else None
        self._entries: dict[str, list[Any]] = loaded if isinstance(loaded, dict) else {}
        self._dirty = False
        self._dirs: dict[Path, str] = {}

    def _name(self, path: Path) -> str:
        """The entry's name: the real path of ``path``'s directory (resolved once per
        directory, not once per file) and its name. A file reached through a symlink is
        still checked by the stat of what it points to."""
        parent = path.parent
        real = self._dirs.get(parent)
        if real is None:
            real = self._dirs[parent] = str(parent.resolve())
        return os.path.join(real, path.name)

    @staticmethod
    def _key(st: os.stat_result) -> list[Any]:
        # ctime too: a user can set the mtime back after changing a byte, never the ctime
        return [st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns]

    def get(self, path: Path, st: os.stat_result) -> Any:
        entry = self._entries.get(self._name(path)) if self.enabled else None
        n = len(self._key(st))
        return entry[n] if entry and len(entry) == n + 1 and entry[:n] == self._key(st) else None

    def put(self, path: Path, st: os.stat_result, value: Any) -> None:
        """Record ``value`` as of ``st``: the stat taken BEFORE reading the file, so a file
        changed while it was read is read again next time."""
        self._entries[self._name(path)] = [*self._key(st), value]
        self._dirty = True

    def save(self) -> None:
        if self.enabled and self._dirty:
            _save(self.path, self._entries)
            self._dirty = False


class HashCache(StatCache):
    """sha256 of files, remembered by stat so that unchanged files are not hashed again."""

    def __init__(self, *, enabled: bool = True) -> None:
        super().__init__("hashes", enabled=enabled)

    def sha256(self, path: Path) -> str:
        st = path.stat()
        digest = self.get(path, st)
        if digest is None:
            digest = sha256_file(path)
            self.put(path, st, digest)
        return str(digest)

    def sha256_many(self, paths: list[Path], jobs: int = 4) -> dict[Path, str]:
        """Hashes of ``paths``; the uncached ones are read in parallel (hashlib frees the GIL)."""
        result: dict[Path, str] = {}
        todo: list[tuple[Path, os.stat_result]] = []
        for path in paths:
            st = path.stat()
            digest = self.get(path, st)
            if digest is None:
                todo.append((path, st))
            else:
                result[path] = str(digest)
        if todo:
            from concurrent.futures import ThreadPoolExecutor  # not on the paths that hash nothing

            with ThreadPoolExecutor(max_workers=jobs) as pool:
                digests = list(pool.map(lambda item: sha256_file(item[0]), todo))
            for (path, st), digest in zip(todo, digests, strict=True):
                self.put(path, st, digest)
                result[path] = digest
        return result

    def remember(self, path: Path, digest: str, st: os.stat_result | None = None) -> None:
        self.put(path, st or path.stat(), digest)


@dataclass(frozen=True, slots=True)
class PlannedTarget:
    """A target of a complete sync as the plan cache keeps it: enough to report it again."""

    name: str
    python: str
    platform: str
    files: tuple[str, ...]


class PlanCache:
    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or cache_dir() / "plans"

    @staticmethod
    def key(*parts: str) -> str:
        import hashlib

        digest = hashlib.sha256()
        for part in parts:
            digest.update(part.encode())
            digest.update(b"\0")
        return digest.hexdigest()

    def get(self, key: str) -> Any:
        return _load(self.directory / f"{key}.json")

    def put(self, key: str, data: Any) -> None:
        _save(self.directory / f"{key}.json", data)

    def store(
        self, key: str, wheelhouse: Path, targets: Sequence[PlannedTarget], hashes: HashCache
    ) -> None:
        """Keep what the fast path needs to prove nothing changed, and to report the targets."""
        names = sorted({f for t in targets for f in t.files})
        record = wheelhouse / RECORD_NAME
        snapshot = {
            "files": {n: hashes.sha256(wheelhouse / n) for n in names},
            "record": hashes.sha256(record) if record.exists() else None,
            "targets": [
                {"name": t.name, "python": t.python, "platform": t.platform, "files": list(t.files)}
                for t in targets
            ],
        }
        self.put(key, snapshot)

    def holds(
        self, key: str, wheelhouse: Path, hashes: HashCache, *, prune: bool
    ) -> list[PlannedTarget] | None:
        """The targets of the last complete sync of ``key``, when every file it chose is still
        in place with its hash (and, pruning, no other is there); else None."""
        snapshot = self.get(key)
        if not isinstance(snapshot, dict):
            return None
        try:
            files: dict[str, str] = snapshot["files"]
            for name, digest in files.items():
                if hashes.sha256(wheelhouse / name) != digest:
                    return None
            record = wheelhouse / RECORD_NAME
            if snapshot["record"] != (hashes.sha256(record) if record.exists() else None):
                return None
            on_disk = set(os.listdir(wheelhouse))
            if any(n.startswith(TMP_PREFIX) for n in on_disk):
                return None
            if prune and any(is_dist_filename(n) and n not in files for n in on_disk):
                return None
            return [
                PlannedTarget(t["name"], t["python"], t["platform"], tuple(t["files"]))
                for t in snapshot["targets"]
            ]
        except (OSError, KeyError, TypeError, ValueError):
            return None


class DigestCache:
    """Values derived from a file's content alone, remembered by its sha256 (and a key of the
    rules that derived them): a wheel already judged is not opened again."""

    def __init__(self, name: str, *, enabled: bool = True) -> None:
        self.path = cache_dir() / f"{name}.json"
        self.enabled = enabled
        loaded = _load(self.path) if enabled else None
        self._entries: dict[str, Any] = loaded if isinstance(loaded, dict) else {}
        self._dirty = False

    def get(self, key: str) -> Any:
        return self._entries.get(key) if self.enabled else None

    def put(self, key: str, value: Any) -> None:
        self._entries[key] = value
        self._dirty = True

    def save(self) -> None:
        if self.enabled and self._dirty:
            _save(self.path, self._entries)
            self._dirty = False
