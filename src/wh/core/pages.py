"""Simple repository API pages (PEP 691 JSON, PEP 503 HTML) parsed into :class:`DistFile` s.

Pure: text in, files out. Links are resolved against the page URL. Names that are not plain
file names (``../x.whl``, ``a/b.whl``) are returned in ``refused`` so the caller can say so.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit, urlunsplit

from wh.core.files import DistFile, is_dist_filename, parse_dist, safe_filename

JSON_TYPE = "application/vnd.pypi.simple.v1+json"
ACCEPT = f"{JSON_TYPE}, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01"


class PageError(ValueError):
    """A page that is neither valid PEP 691 JSON nor HTML."""


@dataclass(slots=True)
class Page:
    files: list[DistFile] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


def parse_page(body: bytes, content_type: str, url: str) -> Page:
    if content_type.split(";")[0].strip().lower() == JSON_TYPE:
        return _parse_json(body, url)
    return _parse_html(body.decode("utf-8", "replace"), url)


def _add(page: Page, filename: str, url: str, **meta: Any) -> None:
    if not safe_filename(filename):
        page.refused.append(filename)
        return
    dist = parse_dist(filename, url=url, **meta)
    if dist is not None:
        page.files.append(dist)


def _parse_json(body: bytes, url: str) -> Page:
    try:
        data = json.loads(body)
        entries = data["files"]
    except (ValueError, KeyError, TypeError) as exc:
        raise PageError(f"not a PEP 691 page: {exc}") from None
    if not isinstance(entries, list):
        raise PageError("not a PEP 691 page: 'files' is not a list")
    page = Page()
    for entry in entries:
        if not isinstance(entry, dict):
            raise PageError(f"not a PEP 691 page: a file entry is {entry!r}")
        filename, href = entry.get("filename"), entry.get("url")
        if not isinstance(filename, str) or not is_dist_filename(filename):
            continue
        if not isinstance(href, str) or not href:
            raise PageError(f"not a PEP 691 page: {filename!r} has no url")
        hashes = entry.get("hashes")
        sha256 = hashes.get("sha256") if isinstance(hashes, dict) else None
        if sha256 is not None and not isinstance(sha256, str):
            raise PageError(f"not a PEP 691 page: {filename!r} has a sha256 of {sha256!r}")
        requires_python = entry.get("requires-python") or None
        size = entry.get("size")
        _add(
            page,
            filename,
            urljoin(url, href),
            sha256=sha256,
            requires_python=requires_python if isinstance(requires_python, str) else None,
            yanked=bool(entry.get("yanked", False)),
            size=size if isinstance(size, int) else None,
        )
    return page


class _Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.anchors: list[dict[str, str | None]] = []
        self.base: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.anchors.append(dict(attrs))
        elif tag == "base" and self.base is None:
            self.base = dict(attrs).get("href")


def _parse_html(text: str, url: str) -> Page:
    parser = _Anchors()
    parser.feed(text)
    base = urljoin(url, parser.base) if parser.base else url
    page = Page()
    for attrs in parser.anchors:
        href = attrs.get("href")
        if not href:
            continue
        parts = urlsplit(urljoin(base, href))
        filename = unquote(parts.path.rsplit("/", 1)[-1])
        if not is_dist_filename(filename):
            continue
        fragment = dict(p.split("=", 1) for p in parts.fragment.split("&") if "=" in p)
        _add(
            page,
            filename,
            urlunsplit(parts._replace(fragment="")),
            sha256=fragment.get("sha256"),
            requires_python=attrs.get("data-requires-python") or None,
            yanked="data-yanked" in attrs,
        )
    return page
