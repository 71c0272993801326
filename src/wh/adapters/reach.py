"""Is an index there at all? One TCP connection per index, with two retries: a dead index is
named (exit 3) in about two seconds, before a resolver retries it for half a minute and then
blames the requirements. Costs a millisecond, not an HTTP stack's import and a TLS context.

Through a proxy only a request tells: then one index page is asked for with sync's client.
An index that answers but refuses or errs is the resolver's to report, with its own words.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Sequence
from urllib.parse import urlsplit

from wh.core.urls import redact
from wh.errors import IndexUnreachable

_PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy")
_DELAYS = (0.0, 0.5, 1.0)  # before each attempt
_TIMEOUT = 5.0


def check_reachable(index_urls: Sequence[str], project: str) -> None:
    """IndexUnreachable (exit 3) naming the first index that takes no connection."""
    if any(os.environ.get(v) or os.environ.get(v.upper()) for v in _PROXY_VARIABLES):
        from wh.adapters.index import check_reachable as by_request

        by_request(index_urls, project)
        return
    for url in index_urls:
        _connect(url)


def _connect(url: str) -> None:
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise IndexUnreachable(f"{redact(url)}: not a valid index URL (its port)") from None
    cause = ""
    for delay in _DELAYS:
        time.sleep(delay)
        try:
            with socket.create_connection((host, port), timeout=_TIMEOUT):
                return
        except OSError as exc:
            cause = exc.strerror or str(exc) or type(exc).__name__
    raise IndexUnreachable(
        f"{redact(url)}: index unreachable ({cause})",
        hint="check the index URL and your network; wh tried three times",
    )
