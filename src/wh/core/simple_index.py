"""A static PEP 503 "simple" index of the wheelhouse: the pages, as bytes. Pure.

Layout (every path relative to the output directory)::

    simple/index.html                      every project, linked by its normalized name
    simple/<name>/index.html               the project's files, with #sha256= fragments,
                                           data-requires-python and PEP 658/714 metadata
    simple/<name>/<file>                   the distribution itself (hard link or copy)
    simple/<name>/<file>.metadata          the wheel's METADATA, byte for byte (PEP 658)

Links are relative, so the same bytes serve over ``file://`` and from any static file server
at any path. Projects and files are sorted: the same wheelhouse gives the same bytes.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import quote

from packaging.metadata import parse_email
from packaging.utils import NormalizedName

INDEX_DIR = "simple"
GENERATOR = '<meta name="generator" content="wh index">'
METADATA_SUFFIX = ".metadata"


@dataclass(frozen=True, slots=True)
class IndexedFile:
    """One distribution of the wheelhouse, as the index lists it."""

    project: NormalizedName
    filename: str
    sha256: str
    requires_python: str | None = None
    metadata_sha256: str | None = None  # a wheel's METADATA (served as <file>.metadata)


def requires_python(metadata: bytes) -> str | None:
    """The ``Requires-Python`` of a METADATA file, or None."""
    raw, _unparsed = parse_email(metadata)
    value = raw.get("requires_python")
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip()


def file_path(f: IndexedFile) -> str:
    """Where the distribution lives in the index (relative to its root)."""
    return f"{INDEX_DIR}/{f.project}/{f.filename}"


def _page(title: str, body: list[str]) -> bytes:
    head = [
        "<!DOCTYPE html>",
        "<html>",
        "<head>",
        '<meta name="pypi:repository-version" content="1.0">',
        GENERATOR,
        f"<title>{html.escape(title)}</title>",
        "</head>",
        "<body>",
        f"<h1>{html.escape(title)}</h1>",
    ]
    return ("\n".join([*head, *body, "</body>", "</html>"]) + "\n").encode()


def _link(f: IndexedFile) -> str:
    attrs = [f'href="{html.escape(quote(f.filename))}#sha256={f.sha256}"']
    if f.requires_python:
        attrs.append(f'data-requires-python="{html.escape(f.requires_python, quote=True)}"')
    if f.metadata_sha256:
        digest = f"sha256={f.metadata_sha256}"
        attrs.append(f'data-dist-info-metadata="{digest}"')  # PEP 658's name, for old pips
        attrs.append(f'data-core-metadata="{digest}"')  # PEP 714
    return f"<a {' '.join(attrs)}>{html.escape(f.filename)}</a><br>"


def render_pages(files: Sequence[IndexedFile]) -> dict[str, bytes]:
    """Every page of the index: relative path -> bytes (the root page and one per project)."""
    projects: dict[str, list[IndexedFile]] = {}
    for f in files:
        projects.setdefault(f.project, []).append(f)
    pages: dict[str, bytes] = {}
    root = [f'<a href="{quote(name)}/">{html.escape(name)}</a><br>' for name in sorted(projects)]
    pages[f"{INDEX_DIR}/index.html"] = _page("Simple index", root)
    for name, listed in projects.items():
        links = [_link(f) for f in sorted(listed, key=lambda f: f.filename)]
        pages[f"{INDEX_DIR}/{name}/index.html"] = _page(f"Links for {name}", links)
    return pages


def is_wh_index(root_page: bytes) -> bool:
    """Whether an existing ``simple/index.html`` was written by wh (safe to update in place)."""
    return GENERATOR.encode() in root_page
