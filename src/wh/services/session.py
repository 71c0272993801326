"""The network side of a service run: indexes, credentials, one HTTP client, progress."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import httpx

from wh.adapters.downloads import Downloader, Fetch, fetch_all
from wh.adapters.http import Credentials, make_client, redact
from wh.adapters.index import IndexClient
from wh.core.config import Config
from wh.core.files import DistFile
from wh.core.lockfile import Lockfile
from wh.errors import TransferError
from wh.services.indexes import index_urls
from wh.services.report import Reporter


@dataclass
class Session:
    index_urls: list[str]  # may carry user-info: never print them, use display_urls
    jobs: int
    reporter: Reporter
    _client: httpx.AsyncClient | None = None

    @classmethod
    def create(
        cls, config: Config, lockfiles: Sequence[Lockfile], jobs: int, reporter: Reporter
    ) -> Session:
        return cls(index_urls(config, lockfiles), jobs, reporter)

    @property
    def display_urls(self) -> list[str]:
        return [redact(u) for u in self.index_urls]

    async def __aenter__(self) -> Session:
        self._client = make_client(self.jobs)
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
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
        index = IndexClient(self.client, self.index_urls, self.credentials, self.reporter.warn)
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
        reporter.transfer_start(len(files), sum(f.size or 0 for f in files))

        downloader = Downloader(
            self.client,
            self.credentials,
            on_bytes=reporter.transfer_bytes,
            on_retry=reporter.warn,
            on_done=reporter.transfer_file,
        )
        items = [Fetch(f, expected.get(f.filename, frozenset())) for f in files]
        try:
            return await fetch_all(downloader, items, directory, self.jobs)
        finally:
            reporter.transfer_end()
