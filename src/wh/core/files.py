"""Distribution files as an index lists them: name, version, tags, hash, metadata.

Pure. Filenames come from untrusted index pages, so :func:`safe_filename` is the one gate
every name passes before it may become a path in the wheelhouse.
"""

from __future__ import annotations

from dataclasses import dataclass

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.tags import Tag
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    NormalizedName,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import Version

SDIST_SUFFIXES = (".tar.gz", ".zip")


def safe_filename(name: str) -> bool:
    """A plain file name: no directory part, no traversal, no control characters."""
    return (
        bool(name)
        and name not in (".", "..")
        and not name.startswith(".")
        and "/" not in name
        and "\\" not in name
        and min(name) >= " "  # no character below 32 (one pass in C, not a generator)
    )


def is_dist_filename(name: str) -> bool:
    return name.endswith((".whl", *SDIST_SUFFIXES))


@dataclass(frozen=True, slots=True)
class DistFile:
    """One file of a project on an index (or in the wheelhouse, with url empty)."""

    filename: str
    name: NormalizedName
    version: Version
    tags: frozenset[Tag]  # empty for an sdist
    url: str = ""
    sha256: str | None = None
    requires_python: str | None = None
    yanked: bool = False
    size: int | None = None

    @property
    def is_wheel(self) -> bool:
        return bool(self.tags)

    @property
    def is_pure(self) -> bool:
        return all(t.abi == "none" and t.platform == "any" for t in self.tags)

    def allows_python(self, python_full_version: str) -> bool:
        if not self.requires_python:
            return True
        try:
            spec = SpecifierSet(self.requires_python)
        except InvalidSpecifier:
            return True  # pip ignores a broken requires-python too
        return spec.contains(python_full_version, prereleases=True)


def parse_dist(
    filename: str,
    *,
    url: str = "",
    sha256: str | None = None,
    requires_python: str | None = None,
    yanked: bool = False,
    size: int | None = None,
) -> DistFile | None:
    """A :class:`DistFile` for a wheel or sdist filename; None for anything else."""
    if not safe_filename(filename):
        return None
    try:
        if filename.endswith(".whl"):
            name, version, _build, tags = parse_wheel_filename(filename)
        elif filename.endswith(SDIST_SUFFIXES):
            name, version = parse_sdist_filename(filename)
            tags = frozenset()
        else:
            return None
    except (InvalidWheelFilename, InvalidSdistFilename):
        return None
    return DistFile(
        filename=filename,
        name=name,
        version=version,
        tags=tags,
        url=url,
        sha256=sha256.lower() if sha256 else None,
        requires_python=requires_python,
        yanked=yanked,
        size=size,
    )
