"""Downloads into the wheelhouse: streamed to a temp file beside the target while hashing,
checked against the expected sha256, fsynced, renamed into place. A mismatch, a truncated
body or an unsafe name leaves nothing behind; connection errors and 5xx are retried.

Each transfer is made by a worker thread of the session's pool, which reads the body
:data:`BATCH` bytes at a time into one buffer, hashes and writes it (``recv``, ``sha256``
and ``write`` release the GIL); the event loop only schedules the transfers and retries.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
from collections.abc import Callable, Collection
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path

from wh.adapters.fs import durable_replace, temp_beside
from wh.adapters.http import RETRY_STATUS, RequestFailed, RetryableStatus, retrying
from wh.adapters.transport import Stopped, Transport
from wh.core.config import READ_TIMEOUT
from wh.core.files import DistFile, safe_filename
from wh.core.urls import redact
from wh.errors import TransferError

BATCH = 1 << 20  # bytes read, hashed and written at a time: few GIL hand-offs, little memory
FILE_HEADERS = {"Accept-Encoding": "identity"}  # the bytes the lock's hash is of


@dataclass(frozen=True, slots=True)
class Stored:
    """A file fetched: where it is now, its sha256, and its stat after the rename (for the
    hash cache, taken by the thread that wrote it)."""

    path: Path
    sha256: str
    stat: os.stat_result


@dataclass(frozen=True, slots=True)
class Fetch:
    file: DistFile
    expected: frozenset[str]  # acceptable sha256 digests; empty: accept any (warned earlier)


class Downloader:
    """Files through ``transport``, each transfer made by a thread of ``pool``. The
    callbacks are called on the event loop's thread."""

    def __init__(
        self,
        transport: Transport,
        pool: Executor,
        *,
        on_bytes: Callable[[int], None] = lambda n: None,
        on_retry: Callable[[str, str], None] = lambda name, cause: None,
        on_done: Callable[[str], None] = lambda name: None,
        read_timeout: float = READ_TIMEOUT,
    ) -> None:
        self.transport = transport
        self.pool = pool
        self.read_timeout = read_timeout
        self.on_bytes = on_bytes
        self.on_retry = on_retry
        self.on_done = on_done

    async def fetch(self, item: Fetch, directory: Path) -> Stored:
        """Download ``item`` into ``directory``."""
        name = item.file.filename
        if not safe_filename(name):
            raise TransferError(f"{name!r}: refused, not a plain file name", files=(name,))
        dest = directory / name
        url = item.file.url
        loop = asyncio.get_running_loop()

        def progress(n: int) -> None:
            loop.call_soon_threadsafe(self.on_bytes, n)

        async def attempt() -> Stored:
            return await loop.run_in_executor(self.pool, self._transfer, item, dest, progress)

        try:
            stored = await retrying(attempt, name, self.on_retry, self.read_timeout)
        except RequestFailed as exc:
            raise TransferError(
                f"{name}: download failed{' after retries' if exc.retried else ''}"
                f" ({exc.cause}) from {redact(url)}",
                hint="run wh sync again; files already fetched are kept",
                files=(name,),
                cause=exc.cause,
            ) from None
        self.on_done(name)
        return stored

    def _transfer(self, item: Fetch, dest: Path, progress: Callable[[int], None]) -> Stored:
        """One attempt (blocking, in a worker thread): the body into a temp file beside
        ``dest``, hashed; renamed to ``dest`` only when the hash is one expected."""
        name, url = item.file.filename, item.file.url
        sent = 0
        fd, tmp = temp_beside(dest)
        try:
            with os.fdopen(fd, "wb") as out, self.transport.get(url, FILE_HEADERS) as response:
                if response.status in RETRY_STATUS:
                    raise RetryableStatus(response.status)
                if response.status != 200:
                    raise TransferError(
                        f"{name}: HTTP {response.status} from {redact(url)}",
                        files=(name,),
                        cause=f"HTTP {response.status}",
                    )
                digest = hashlib.sha256()
                buffer = bytearray(BATCH)
                view = memoryview(buffer)
                while n := response.readinto(buffer):
                    if self.transport.stopping.is_set():
                        raise Stopped(url)
                    digest.update(view[:n])
                    out.write(view[:n])
                    sent += n
                    progress(n)
                got = digest.hexdigest()
                if item.expected and got not in item.expected:
                    raise _mismatch(name, item.expected, got)
                durable_replace(out, tmp, dest)
            return Stored(dest, got, dest.stat())
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            progress(-sent)  # progress counts bytes kept: take back a failed body
            raise


def _mismatch(name: str, expected: frozenset[str], got: str) -> TransferError:
    return TransferError(
        f"{name}: sha256 mismatch: expected {' or '.join(sorted(expected))}, got {got};"
        " nothing written",
        hint="the index serves other bytes than the lock was made from: check the index,"
        " or re-lock",
        files=(name,),
    )


async def fetch_all(
    downloader: Downloader, items: Collection[Fetch], directory: Path, gate: asyncio.Semaphore
) -> tuple[dict[str, Stored], list[TransferError]]:
    """Fetch every item, as many at a time as ``gate`` lets through (it may be shared by
    calls that overlap); collect failures instead of stopping at one. The renames are made
    durable by the caller (:func:`wh.adapters.fs.fsync_dir`, once for many)."""
    done: dict[str, Stored] = {}
    errors: list[TransferError] = []

    async def one(item: Fetch) -> None:
        async with gate:
            try:
                done[item.file.filename] = await downloader.fetch(item, directory)
            except TransferError as exc:
                errors.append(exc)

    await asyncio.gather(*(one(i) for i in items))
    errors.sort(key=str)
    return done, errors
