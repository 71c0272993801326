"""Filesystem: atomic writes (temp file in the same directory, fsync, rename) and hashing.

hashlib (OpenSSL, ~2.5 ms) and tempfile (~1.3 ms) are imported where a file is hashed or
written: a verify whose hashes are all cached does neither."""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

TMP_PREFIX = ".wh-tmp-"


def sha256_file(path: Path) -> str:
    import hashlib

    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _umask() -> int:
    """The process umask. Linux shows it in /proc (a read changes nothing); elsewhere it is
    read by setting it and back, a moment in which another thread's new file could get 022."""
    with contextlib.suppress(OSError, ValueError), open("/proc/self/status", "rb") as f:
        for line in f:
            if line.startswith(b"Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def final_mode(path: Path) -> int:
    """The mode ``path`` gets when written: the mode it has now when it exists (a replaced
    file keeps it), else ``0666 & ~umask`` as for any new file."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        return 0o666 & ~_umask()


def temp_beside(path: Path) -> tuple[int, str]:
    """A new temp file in ``path``'s directory, already carrying the mode ``path`` will have
    (mkstemp makes 0600 files, and the rename would keep that)."""
    import tempfile

    fd, tmp = tempfile.mkstemp(prefix=TMP_PREFIX, dir=path.parent)
    try:
        os.fchmod(fd, final_mode(path))
    except BaseException:
        os.close(fd)
        os.unlink(tmp)
        raise
    return fd, tmp


@contextlib.contextmanager
def atomic_file(path: Path) -> Iterator[BinaryIO]:
    """Write ``path`` through a temp file beside it; it appears whole on success, never partly.

    On any exception the temp file is removed and ``path`` is untouched. The file gets the
    mode of the one it replaces, or ``0666 & ~umask`` when new.
    """
    fd, tmp = temp_beside(path)
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    fsync_dir(path.parent)


def durable_replace(f: BinaryIO, tmp: str, path: Path) -> None:
    """Flush and fsync the open temp file ``f``, then rename it to ``path`` (the directory is
    fsynced by the caller, once per batch)."""
    f.flush()
    os.fsync(f.fileno())
    os.replace(tmp, path)


def atomic_write(path: Path, data: bytes) -> None:
    with atomic_file(path) as f:
        f.write(data)


def fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def leftover_temp_files(directory: Path) -> list[Path]:
    """Temp files a killed run left behind (they never carry a final name)."""
    return sorted(p for p in directory.glob(f"{TMP_PREFIX}*") if p.is_file())


def atomic_write_many(files: dict[Path, bytes], jobs: int = 8) -> None:
    """:func:`atomic_write` for many files at once: each through its own temp file, fsynced
    and renamed, several at a time (fsync waits on the disk, not the CPU); each directory is
    fsynced once at the end."""
    import tempfile
    from concurrent.futures import ThreadPoolExecutor

    def write(item: tuple[Path, bytes]) -> None:
        path, data = item
        fd, tmp = tempfile.mkstemp(prefix=TMP_PREFIX, dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                durable_replace(f, tmp, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        list(pool.map(write, files.items()))
    for directory in sorted({p.parent for p in files}):
        fsync_dir(directory)
