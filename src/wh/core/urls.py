"""URLs in messages and files: never with their credentials."""

from __future__ import annotations

import re
from urllib.parse import SplitResult, urlsplit, urlunsplit

_LEADING_USERINFO = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*://)[^@]*@")


def redact(url: str) -> str:
    """``url`` without user-info, for messages."""
    parts = urlsplit(url)
    if "@" in parts.netloc:
        return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))
    if "@" in url and not _valid_port(parts):
        # a password holding an unescaped '#', '?' or '/': urlsplit ends the netloc there
        # ("alice:s3" with port "s3"); everything up to the '@' is user-info
        return _LEADING_USERINFO.sub(r"\1", url, count=1)
    return url


def _valid_port(parts: SplitResult) -> bool:
    try:
        parts.port  # noqa: B018 - parsing the port is the check
    except ValueError:
        return False
    return True
