"""HTTP plumbing shared by the index and download adapters: the transport, credentials,
retries with backoff, and failures in words.

Credentials come from an index URL's user-info or from ``~/.netrc``; they are attached per
host and never appear in a message (:func:`wh.core.urls.redact`).
"""

from __future__ import annotations

import asyncio
import netrc
import os
import re
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TypeVar
from urllib.parse import unquote, urlsplit

from wh.adapters.transport import (
    InvalidURL,
    ReadTimeout,
    Stopped,
    TooManyRedirects,
    Transport,
    TransportError,
    basic_auth,
)
from wh.core.config import READ_TIMEOUT

T = TypeVar("T")
ATTEMPTS = 4
BACKOFF = 0.25  # seconds; doubled after each failed attempt
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
# What a request can raise besides HTTP statuses (wh.adapters.transport's errors).
NETWORK_ERRORS: tuple[type[Exception], ...] = (
    TransportError,
    TooManyRedirects,
    InvalidURL,
    Stopped,
)
_USERINFO = re.compile(r"(//)[^/@\s]*@")


class RetryableStatus(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status


# every way a request fails that is the network's doing (not a bad hash, not a refusal)
REQUEST_FAILURES: tuple[type[Exception], ...] = (*NETWORK_ERRORS, RetryableStatus)


def describe(exc: BaseException, read_timeout: float = READ_TIMEOUT) -> str:
    """The cause of a failed request, in words, never empty, credentials stripped."""
    if isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        return describe(exc.exceptions[0], read_timeout)
    if isinstance(exc, ReadTimeout):
        text = f"timed out: no data for {read_timeout:g} s (--read-timeout)"
    elif isinstance(exc, TooManyRedirects):
        text = "too many redirects (a redirect loop)"
    elif isinstance(exc, InvalidURL | OverflowError):
        text = f"invalid URL: {str(exc) or type(exc).__name__}"
    elif isinstance(exc, Stopped):
        text = "stopped: the run was ending"
    else:
        text = str(exc) or _root_cause(exc) or type(exc).__name__
    return _USERINFO.sub(r"\1", text)


def _root_cause(exc: BaseException) -> str:
    """The message of the first exception in ``exc``'s chain that has one (an error raised
    without words of its own often has a socket error under it that has them)."""
    seen: set[int] = set()
    cause = exc.__cause__ or exc.__context__
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        text = cause.strerror if isinstance(cause, OSError) and cause.strerror else str(cause)
        if text:
            return text
        cause = cause.__cause__ or cause.__context__
    return ""


class Credentials:
    """Basic-auth credentials by host, from URL user-info first, then ``~/.netrc``."""

    def __init__(self, urls: Sequence[str] = ()) -> None:
        self._by_host: dict[str, tuple[str, str] | None] = {}
        for url in urls:
            parts = urlsplit(url)
            if parts.username:
                host = parts.hostname or ""
                self._by_host[host] = (unquote(parts.username), unquote(parts.password or ""))

    def for_url(self, url: str) -> str | None:
        """The Authorization header for ``url``'s host, or None."""
        host = urlsplit(url).hostname or ""
        if host not in self._by_host:
            self._by_host[host] = _netrc(host)
        found = self._by_host[host]
        return basic_auth(*found) if found else None


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


def make_transport(credentials: Credentials, read_timeout: float = READ_TIMEOUT) -> Transport:
    from wh import __version__

    return Transport(
        user_agent=f"wh/{__version__}", auth=credentials.for_url, read_timeout=read_timeout
    )


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
        except (TransportError, RetryableStatus) as exc:
            if n == attempts:
                raise
            if on_retry:
                on_retry(n, exc)
            await asyncio.sleep(delay)
            delay *= 2
    raise AssertionError("unreachable")


class RequestFailed(Exception):
    """A request that failed for good: ``cause`` in words; ``retried`` when it was tried
    again before giving up (a redirect loop or a bad URL is not)."""

    def __init__(self, cause: str, *, retried: bool) -> None:
        super().__init__(cause)
        self.cause = cause
        self.retried = retried


async def retrying(
    attempt: Callable[[], Awaitable[T]],
    subject: str,
    on_retry: Callable[[str, str], None] | None,
    read_timeout: float = READ_TIMEOUT,
) -> T:
    """:func:`with_retries`, telling ``on_retry(subject, cause)`` of each retry, and raising
    :class:`RequestFailed` for whatever the network did in the end."""

    def retried(n: int, exc: BaseException) -> None:
        if on_retry is not None:
            on_retry(subject, describe(exc, read_timeout))

    try:
        return await with_retries(attempt, on_retry=retried)
    except REQUEST_FAILURES as exc:
        again = isinstance(exc, TransportError | RetryableStatus)
        raise RequestFailed(describe(exc, read_timeout), retried=again) from None
