"""The lockfile for ``pip install --no-index --find-links WHEELHOUSE --require-hashes``. Pure.

A lock hashes the files of the index; a wheel wh built from a locked sdist (or imported) has
another hash, so pip refuses it under ``--require-hashes``. The exported file is the lock's
requirement lines, markers and extras kept, each with its locked hashes plus those of the
wheelhouse wheels chosen for that pinned version.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from packaging.version import Version

from wh.core.lockfile import LockedRequirement, marker_text, render_line


def render_requirements(
    requirements: Sequence[LockedRequirement],
    wheel_hashes: Mapping[tuple[str, Version], set[str]],
    header: Sequence[str],
) -> str:
    """Each line with its locked hashes and ``wheel_hashes[(name, version)]``, in lock order
    (a line repeated by an include is written once)."""
    out = [f"# {line}".rstrip() for line in header]
    seen: set[str] = set()
    for req in requirements:
        hashes = req.hashes | wheel_hashes.get((req.name, Version(req.version)), set())
        line = replace(req, hashes=frozenset(hashes), via=frozenset())
        entry = render_line(line, marker_text(req)).removesuffix("\n")
        if entry not in seen:
            seen.add(entry)
            out.append(entry)
    return "\n".join(out) + "\n"
