"""Downloads into the wheelhouse: streamed to a temp file beside the target while hashing,
checked against the expected sha256, fsynced, renamed into place. A mismatch, a truncated
body or an unsafe name leaves nothing behind; connection errors and 5xx are retried.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path

import httpx

from wh.adapters.fs import durable_replace, fsync_dir, temp_beside
from wh.adapters.http import (
    RETRY_STATUS,
    Credentials,
    RequestFailed,
    RetryableStatus,
    redact,
    retrying,
)
from wh.core.config import READ_TIMEOUT
from wh.core.files import DistFile, safe_filename
from wh.errors import TransferError


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
                with os.fdopen(fd, "wb") as out:
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
                        digest = hashlib.sha256()
                        async for chunk in response.aiter_bytes(1 << 16):
                            digest.update(chunk)
                            out.write(chunk)
                            sent += len(chunk)
                            self.on_bytes(len(chunk))
                    got = digest.hexdigest()
                    if item.expected and got not in item.expected:
                        raise _mismatch(name, item.expected, got)
                    # fsync off the event loop: other transfers go on meanwhile
                    await asyncio.to_thread(durable_replace, out, tmp, dest)
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

    await asyncio.gather(*(one(i) for i in items))
    if done:
        fsync_dir(directory)  # once per batch: the renames above are durable from here
    errors.sort(key=str)
    return done, errors
