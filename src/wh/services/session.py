"""The network side of a service run: indexes, credentials, one transport and the worker
threads that make its requests, progress."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from wh.adapters.downloads import Downloader, Fetch, Stored, fetch_all
from wh.adapters.fs import fsync_dir
from wh.adapters.http import Credentials, make_transport
from wh.adapters.index import IndexClient
from wh.adapters.transport import Transport
from wh.core.config import READ_TIMEOUT, Config
from wh.core.files import DistFile
from wh.core.lockfile import Lockfile
from wh.core.urls import redact
from wh.errors import TransferError
from wh.services.indexes import index_urls
from wh.services.report import Reporter

T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(coro)``, its result kept out of the main task: CPython 3.11's runner
    formats that task's repr, result included, when it puts the SIGINT handler back (a sync's
    plan took 44 ms to repr, twice)."""
    kept: list[T] = []

    async def main() -> None:
        kept.append(await coro)

    asyncio.run(main())
    return kept[0]


class Retries:
    """Retry notices grouped by cause: the first of each cause is shown at once, and when the
    session ends one line per cause names every file or page it hit (an index that is down
    gives two lines, not one per request)."""

    def __init__(self, reporter: Reporter) -> None:
        self.reporter = reporter
        self.by_cause: dict[str, list[str]] = {}

    def __call__(self, subject: str, cause: str) -> None:
        subjects = self.by_cause.setdefault(cause, [])
        if not subjects:
            self.reporter.warn(f"{subject}: {cause}; retrying (with backoff)")
        subjects.append(subject)

    def flush(self) -> None:
        for cause, subjects in self.by_cause.items():
            if len(subjects) > 1:
                names = list(dict.fromkeys(subjects))
                self.reporter.warn(
                    f"{cause}: {len(subjects)} retries, for {len(names)}: {_names(names)}"
                )
        self.by_cause.clear()


def _names(names: Sequence[str], most: int = 8) -> str:
    shown = ", ".join(names[:most])
    return shown if len(names) <= most else f"{shown} and {len(names) - most} more"


@dataclass
class Session:
    index_urls: list[str]  # may carry user-info: never print them, use display_urls
    jobs: int
    reporter: Reporter
    read_timeout: float = READ_TIMEOUT
    _transport: Transport | None = None
    _pool: ThreadPoolExecutor | None = None
    _gate: asyncio.Semaphore | None = None
    _retries: Retries | None = None
    _transfers: _Transfers = field(default_factory=lambda: _Transfers())
    _written: set[Path] = field(default_factory=set)  # directories files were renamed into

    @classmethod
    def create(
        cls,
        config: Config,
        lockfiles: Sequence[Lockfile],
        jobs: int,
        reporter: Reporter,
        read_timeout: float = READ_TIMEOUT,
    ) -> Session:
        return cls(index_urls(config, lockfiles), jobs, reporter, read_timeout)

    @property
    def retries(self) -> Retries:
        if self._retries is None:
            self._retries = Retries(self.reporter)
        return self._retries

    @property
    def display_urls(self) -> list[str]:
        return [redact(u) for u in self.index_urls]

    async def __aenter__(self) -> Session:
        self._transport = make_transport(Credentials(self.index_urls), self.read_timeout)
        self._pool = ThreadPoolExecutor(max_workers=self.jobs, thread_name_prefix="wh-http")
        self._gate = asyncio.Semaphore(self.jobs)  # transfers queued at once: pages go between
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Stop what is under way (a transfer ends at its next read, its temp file removed)
        and wait for the threads, so that nothing writes after the session."""
        self.retries.flush()
        if self._transfers.started:
            self.reporter.transfer_end()
            self._transfers = _Transfers()
        if self._transport is not None:
            self._transport.close()
            self._transport = None
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        for directory in sorted(self._written):
            fsync_dir(directory)
        self._written.clear()

    @property
    def transport(self) -> Transport:
        assert self._transport is not None, "use the session in `async with`"
        return self._transport

    @property
    def pool(self) -> ThreadPoolExecutor:
        assert self._pool is not None, "use the session in `async with`"
        return self._pool

    def index(self) -> IndexClient:
        return IndexClient(
            self.transport, self.pool, self.index_urls, self.retries, self.read_timeout
        )

    async def pages(self, names: Sequence[str]) -> dict[str, list[DistFile]]:
        pages = await self.index().projects(names, self.jobs)
        for name, page in pages.items():
            self._warn_refused(name, page.refused)
        return {name: page.files for name, page in pages.items()}

    async def page(self, index: IndexClient, name: str) -> list[DistFile]:
        """One project's files (from every index), ``index`` shared by concurrent calls."""
        page = await index.project(name)
        self._warn_refused(name, page.refused)
        return page.files

    def _warn_refused(self, name: str, refused: Sequence[str]) -> None:
        for filename in refused:
            self.reporter.warn(
                f"{name}: the index lists {filename!r}: refused, not a plain file name"
            )

    async def download(
        self, files: Sequence[DistFile], expected: Mapping[str, frozenset[str]], directory: Path
    ) -> tuple[dict[str, Stored], list[TransferError]]:
        """Fetch ``files`` into ``directory``; calls may overlap (one progress bar counts
        them all). The renames are made durable once, when the session ends."""
        if not files:
            return {}, []
        self._written.add(directory)
        self._transfers.add(self.reporter, files)
        downloader = Downloader(
            self.transport,
            self.pool,
            on_bytes=self.reporter.transfer_bytes,
            on_retry=self.retries,
            on_done=self.reporter.transfer_file,
            read_timeout=self.read_timeout,
        )
        items = [Fetch(f, expected.get(f.filename, frozenset())) for f in files]
        assert self._gate is not None
        return await fetch_all(downloader, items, directory, self._gate)


@dataclass
class _Transfers:
    """The files announced to the reporter so far, and their bytes (None: a size unknown)."""

    started: bool = False
    files: int = 0
    total: int | None = 0

    def add(self, reporter: Reporter, files: Sequence[DistFile]) -> None:
        self.files += len(files)
        sizes = [f.size for f in files]
        if self.total is not None:
            self.total = None if None in sizes else self.total + sum(s or 0 for s in sizes)
        if not self.started:
            self.started = True
            reporter.transfer_start(self.files, self.total or 0)
        else:
            reporter.transfer_more(self.files, self.total or 0)
