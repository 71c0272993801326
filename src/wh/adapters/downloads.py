"""Downloads into the wheelhouse: streamed to a temp file beside the target while hashing,
checked against the expected sha256, fsynced, renamed into place. A mismatch, a truncated
body or an unsafe name leaves nothing behind; connection errors and 5xx are retried.

The event loop only reads: each body is hashed and written by worker threads in batches of
:data:`BATCH` bytes, in order (hashlib and file writes release the GIL), so the loop serves
every transfer's socket while the bytes already received are hashed and stored.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
from collections.abc import Callable, Collection
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_for
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import httpx

from wh.adapters.fs import durable_replace, fsync_dir, temp_beside
from wh.adapters.http import (
    RETRY_STATUS,
    Credentials,
    RequestFailed,
    RetryableStatus,
    retrying,
)
from wh.core.config import READ_TIMEOUT
from wh.core.files import DistFile, safe_filename
from wh.core.urls import redact
from wh.errors import TransferError

BATCH = 1 << 20  # bytes handed to a worker thread at once: few GIL hand-offs, little memory


class _Sink:
    """One body, hashed and written off the event loop: batches go to ``pool`` one after
    the other (the next is handed over once the previous is done, so they stay in order)."""

    def __init__(self, out: BinaryIO, pool: ThreadPoolExecutor) -> None:
        self.out = out
        self.pool = pool
        self.digest = hashlib.sha256()
        self.batch: list[bytes] = []
        self.size = 0
        self.pending: Future[None] | None = None

    def _store(self, chunks: list[bytes]) -> None:
        data = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        self.digest.update(data)
        self.out.write(data)

    async def add(self, chunk: bytes) -> None:
        self.batch.append(chunk)
        self.size += len(chunk)
        if self.size >= BATCH:
            await self.flush()

    async def flush(self) -> None:
        await self.drain()
        if self.batch:
            batch, self.batch, self.size = self.batch, [], 0
            self.pending = self.pool.submit(self._store, batch)

    async def drain(self) -> None:
        if self.pending is not None:
            pending, self.pending = self.pending, None
            await asyncio.wrap_future(pending)

    async def hexdigest(self) -> str:
        await self.flush()
        await self.drain()
        return self.digest.hexdigest()

    async def commit(self, tmp: str, dest: Path) -> None:
        """fsync the temp file, then give it its final name (in a thread: transfers go on)."""
        await self.drain()
        self.pending = self.pool.submit(durable_replace, self.out, tmp, dest)
        await self.drain()

    def __enter__(self) -> _Sink:
        return self

    def __exit__(self, *exc: object) -> None:
        """Wait (blocking, at most one batch) until no thread touches the file any more,
        before it is closed: a failed or cancelled transfer leaves a thread's write behind."""
        if self.pending is not None:
            wait_for([self.pending])


@dataclass(frozen=True, slots=True)
class Fetch:
    file: DistFile
    expected: frozenset[str]  # acceptable sha256 digests; empty: accept any (warned earlier)


class Downloader:
    def __init__(
        self,
        client: httpx.AsyncClient,
        credentials: Credentials,
        *,
        on_bytes: Callable[[int], None] = lambda n: None,
        on_retry: Callable[[str, str], None] = lambda name, cause: None,
        on_done: Callable[[str], None] = lambda name: None,
        read_timeout: float = READ_TIMEOUT,
    ) -> None:
        self.client = client
        self.credentials = credentials
        self.read_timeout = read_timeout
        self.on_bytes = on_bytes
        self.on_retry = on_retry
        self.on_done = on_done
        self._pool: ThreadPoolExecutor | None = None

    @property
    def pool(self) -> ThreadPoolExecutor:
        """Threads that hash, write and fsync the bodies (made on first use)."""
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="wh-store")
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    async def fetch(self, item: Fetch, directory: Path) -> tuple[Path, str]:
        """Download ``item`` into ``directory``; return its path and sha256."""
        name = item.file.filename
        if not safe_filename(name):
            raise TransferError(f"{name!r}: refused, not a plain file name", files=(name,))
        dest = directory / name
        url = item.file.url

        async def attempt() -> str:
            sent = 0
            fd, tmp = temp_beside(dest)
            try:
                with os.fdopen(fd, "wb") as out, _Sink(out, self.pool) as sink:
                    async with self.client.stream(
                        "GET", url, auth=self.credentials.for_url(url) or None
                    ) as response:
                        if response.status_code in RETRY_STATUS:
                            raise RetryableStatus(response.status_code)
                        if response.status_code != 200:
                            raise TransferError(
                                f"{name}: HTTP {response.status_code} from {redact(url)}",
                                files=(name,),
                                cause=f"HTTP {response.status_code}",
                            )
                        async for chunk in response.aiter_bytes():
                            await sink.add(chunk)
                            sent += len(chunk)
                            self.on_bytes(len(chunk))
                    got = await sink.hexdigest()
                    if item.expected and got not in item.expected:
                        raise _mismatch(name, item.expected, got)
                    await sink.commit(tmp, dest)
                return got
            except BaseException:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(tmp)
                self.on_bytes(-sent)  # progress counts bytes kept: take back a failed body
                raise

        try:
            digest = await retrying(attempt, name, self.on_retry, self.read_timeout)
        except RequestFailed as exc:
            raise TransferError(
                f"{name}: download failed{' after retries' if exc.retried else ''}"
                f" ({exc.cause}) from {redact(url)}",
                hint="run wh sync again; files already fetched are kept",
                files=(name,),
                cause=exc.cause,
            ) from None
        self.on_done(name)
        return dest, digest


def _mismatch(name: str, expected: frozenset[str], got: str) -> TransferError:
    return TransferError(
        f"{name}: sha256 mismatch: expected {' or '.join(sorted(expected))}, got {got};"
        " nothing written",
        hint="the index serves other bytes than the lock was made from: check the index,"
        " or re-lock",
        files=(name,),
    )


async def fetch_all(
    downloader: Downloader, items: Collection[Fetch], directory: Path, jobs: int
) -> tuple[dict[str, tuple[Path, str]], list[TransferError]]:
    """Fetch every item, ``jobs`` at a time; collect failures instead of stopping at one."""
    gate = asyncio.Semaphore(jobs)
    done: dict[str, tuple[Path, str]] = {}
    errors: list[TransferError] = []

    async def one(item: Fetch) -> None:
        async with gate:
            try:
                done[item.file.filename] = await downloader.fetch(item, directory)
            except TransferError as exc:
                errors.append(exc)

    try:
        await asyncio.gather(*(one(i) for i in items))
    finally:
        downloader.close()
    if done:
        fsync_dir(directory)  # once per batch: the renames above are durable from here
    errors.sort(key=str)
    return done, errors
