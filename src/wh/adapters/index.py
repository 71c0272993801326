"""The package index: one request per project per index, concurrent, PEP 691 JSON when the
server offers it, PEP 503 HTML otherwise. A project missing from an index (404) has no files
there; an index that cannot be reached after the retries raises :class:`IndexUnreachable`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from concurrent.futures import Executor

from wh.adapters import http as net
from wh.adapters.http import Credentials, RequestFailed, retrying
from wh.adapters.transport import Transport
from wh.core.config import READ_TIMEOUT
from wh.core.pages import ACCEPT, Page, PageError, parse_page
from wh.core.urls import redact
from wh.errors import IndexUnreachable

PAGE_HEADERS = {"Accept": ACCEPT, "Accept-Encoding": "gzip, deflate"}


class IndexClient:
    """Index pages through ``transport``, each request made by a thread of ``pool``."""

    def __init__(
        self,
        transport: Transport,
        pool: Executor,
        index_urls: Sequence[str],
        on_retry: Callable[[str, str], None] | None = None,
        read_timeout: float = READ_TIMEOUT,
    ) -> None:
        self.read_timeout = read_timeout
        self.transport = transport
        self.pool = pool
        self.index_urls = [redact(u).rstrip("/") for u in index_urls]
        self.on_retry = on_retry

    def _get(self, url: str) -> Page:
        """One request for one page (blocking: run in the pool)."""
        with self.transport.get(url, PAGE_HEADERS) as response:
            body = response.read()  # read even a refusal's: the connection is kept
        status = response.status
        if status == 404:
            return Page()
        if status in (401, 403):
            raise IndexUnreachable(
                f"{redact(url)}: the index refused access (HTTP {status})",
                hint="put credentials in the index URL or in ~/.netrc",
            )
        if status in net.RETRY_STATUS:
            raise net.RetryableStatus(status)
        if status != 200:
            raise IndexUnreachable(f"{redact(url)}: HTTP {status}")
        return parse_page(body, response.header("Content-Type"), response.url)

    async def _fetch(self, index: str, project: str) -> Page:
        url = f"{index}/{project}/"

        async def attempt() -> Page:
            return await asyncio.get_running_loop().run_in_executor(self.pool, self._get, url)

        try:
            subject = f"{project} (index page)"
            return await retrying(attempt, subject, self.on_retry, self.read_timeout)
        except RequestFailed as exc:
            raise IndexUnreachable(
                f"{redact(url)}: index unreachable ({exc.cause})",
                hint="check the index URL and your network; wh retried with backoff",
            ) from None
        except PageError as exc:
            raise IndexUnreachable(f"{redact(url)}: {exc}") from None

    async def project(self, name: str) -> Page:
        pages = await asyncio.gather(*(self._fetch(i, name) for i in self.index_urls))
        merged = Page()
        seen: set[str] = set()
        for page in pages:
            merged.refused.extend(page.refused)
            for f in page.files:
                if f.filename not in seen:
                    seen.add(f.filename)
                    merged.files.append(f)
        return merged

    async def projects(self, names: Sequence[str], jobs: int) -> dict[str, Page]:
        """Every project's page, ``jobs`` at a time (no more than the pool has threads: the
        rest would only wait in its queue, ahead of other requests that share it)."""
        gate = asyncio.Semaphore(jobs)

        async def one(name: str) -> Page:
            async with gate:
                return await self.project(name)

        pages = await asyncio.gather(*(one(n) for n in names))
        return dict(zip(names, pages, strict=True))


def check_reachable(index_urls: Sequence[str], project: str) -> None:
    """Ask every index for one project's page, with sync's retries: IndexUnreachable (exit 3)
    when one does not answer. A resolver meeting a dead index retries for half a minute and
    then blames the requirements."""
    from concurrent.futures import ThreadPoolExecutor

    async def ask() -> None:
        transport = net.make_transport(Credentials(index_urls))
        with ThreadPoolExecutor(max_workers=len(index_urls)) as pool:
            try:
                await IndexClient(transport, pool, index_urls).project(project)
            finally:
                transport.close()

    asyncio.run(ask())
