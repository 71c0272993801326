"""One sync at a time per wheelhouse, whatever each one's cache dir.

The lock is the wheelhouse directory itself: an exclusive ``flock`` on it, held for the
sync, released by the kernel when the process ends (even killed). No lock file appears in
the wheelhouse, so git, verify and prune have nothing to ignore. Where ``fcntl`` is missing
(Windows), a lock file ``.wh-sync.lock`` in the wheelhouse serves instead.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path

LOCK_FILE = ".wh-sync.lock"  # only where flock is missing


@contextlib.contextmanager
def wheelhouse_lock(directory: Path, on_wait: Callable[[], None]) -> Iterator[None]:
    """Hold the wheelhouse for this run; call ``on_wait`` once if another run holds it."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not on POSIX
        with _file_lock(directory, on_wait):
            yield
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            on_wait()
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


@contextlib.contextmanager
def _file_lock(directory: Path, on_wait: Callable[[], None]) -> Iterator[None]:  # pragma: no cover
    from filelock import FileLock, Timeout

    lock = FileLock(directory / LOCK_FILE)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        on_wait()
        lock.acquire()
    try:
        yield
    finally:
        lock.release()
