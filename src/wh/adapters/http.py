"""HTTP plumbing shared by the index and download adapters: one async client, credentials,
retries with backoff, and URL redaction.

Credentials come from an index URL's user-info or from ``~/.netrc``; they are attached per
host and never appear in a message (:func:`redact`).
"""

from __future__ import annotations

import asyncio
import netrc
import os
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TypeVar
from urllib.parse import unquote, urlsplit, urlunsplit

import httpx

T = TypeVar("T")
ATTEMPTS = 4
BACKOFF = 0.25  # seconds; doubled after each failed attempt
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})


class RetryableStatus(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status


def redact(url: str) -> str:
    """``url`` without user-info, for messages."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))


class Credentials:
    """Basic-auth credentials by host, from URL user-info first, then ``~/.netrc``."""

    def __init__(self, urls: Sequence[str] = ()) -> None:
        self._by_host: dict[str, tuple[str, str] | None] = {}
        for url in urls:
            parts = urlsplit(url)
            if parts.username:
                host = parts.hostname or ""
                self._by_host[host] = (unquote(parts.username), unquote(parts.password or ""))

    def for_url(self, url: str) -> httpx.BasicAuth | None:
        host = urlsplit(url).hostname or ""
        if host not in self._by_host:
            self._by_host[host] = _netrc(host)
        found = self._by_host[host]
        return httpx.BasicAuth(*found) if found else None


def _netrc(host: str) -> tuple[str, str] | None:
    path = Path(os.environ.get("NETRC") or Path.home() / ".netrc")
    try:
        entry = netrc.netrc(path).authenticators(host)
    except (OSError, netrc.NetrcParseError):
        return None
    if not entry:
        return None
    login, _account, password = entry
    return (login or "", password or "")


def make_client(jobs: int) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=jobs, max_keepalive_connections=jobs)
    timeout = httpx.Timeout(30.0, connect=10.0)
    return httpx.AsyncClient(
        limits=limits, timeout=timeout, follow_redirects=True, headers={"User-Agent": _agent()}
    )


def _agent() -> str:
    from wh import __version__

    return f"wh/{__version__} httpx/{httpx.__version__}"


async def with_retries(
    attempt: Callable[[], Awaitable[T]],
    *,
    attempts: int = ATTEMPTS,
    backoff: float = BACKOFF,
    on_retry: Callable[[int, BaseException], None] | None = None,
) -> T:
    """Run ``attempt`` until it succeeds; retry connection errors and 5xx with backoff."""
    delay = backoff
    for n in range(1, attempts + 1):
        try:
            return await attempt()
        except (httpx.TransportError, RetryableStatus) as exc:
            if n == attempts:
                raise
            if on_retry:
                on_retry(n, exc)
            await asyncio.sleep(delay)
            delay *= 2
    raise AssertionError("unreachable")
