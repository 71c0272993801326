"""The network side of a service run: indexes, credentials, one HTTP client, progress."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import httpx

from wh.adapters.downloads import Downloader, Fetch, fetch_all
from wh.adapters.http import Credentials, make_client
from wh.adapters.index import IndexClient
from wh.core.config import READ_TIMEOUT, Config
from wh.core.files import DistFile
from wh.core.lockfile import Lockfile
from wh.core.urls import redact
from wh.errors import TransferError
from wh.services.indexes import index_urls
from wh.services.report import Reporter


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
    _client: httpx.AsyncClient | None = None
    _retries: Retries | None = None

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
        self._client = make_client(self.jobs, self.read_timeout)
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.retries.flush()
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    @property
    def client(self) -> httpx.AsyncClient:
        assert self._client is not None, "use the session in `async with`"
        return self._client

    @property
    def credentials(self) -> Credentials:
        return Credentials(self.index_urls)

    async def pages(self, names: Sequence[str]) -> dict[str, list[DistFile]]:
        index = IndexClient(
            self.client, self.index_urls, self.credentials, self.retries, self.read_timeout
        )
        pages = await index.projects(names, self.jobs)
        for name, page in pages.items():
            for refused in page.refused:
                self.reporter.warn(
                    f"{name}: the index lists {refused!r}: refused, not a plain file name"
                )
        return {name: page.files for name, page in pages.items()}

    async def download(
        self, files: Sequence[DistFile], expected: Mapping[str, frozenset[str]], directory: Path
    ) -> tuple[dict[str, tuple[Path, str]], list[TransferError]]:
        if not files:
            return {}, []
        reporter = self.reporter
        sizes = [f.size for f in files]
        known = None not in sizes  # a partial sum would make a bar that overflows
        reporter.transfer_start(len(files), sum(s or 0 for s in sizes) if known else 0)

        downloader = Downloader(
            self.client,
            self.credentials,
            on_bytes=reporter.transfer_bytes,
            on_retry=self.retries,
            on_done=reporter.transfer_file,
            read_timeout=self.read_timeout,
        )
        items = [Fetch(f, expected.get(f.filename, frozenset())) for f in files]
        try:
            return await fetch_all(downloader, items, directory, self.jobs)
        finally:
            reporter.transfer_end()
