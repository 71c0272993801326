"""The lockfile for ``pip install --no-index --find-links WHEELHOUSE --require-hashes``. Pure.

A lock hashes the files of the index; a wheel wh built from a locked sdist (or imported) has
another hash, so pip refuses it under ``--require-hashes``. The exported file is the lock's
requirement lines, markers and extras kept, each with its locked hashes plus those of the
wheelhouse wheels chosen for that pinned version.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from packaging.version import Version

from wh.core.lockfile import LockedRequirement


def requirement_text(req: LockedRequirement) -> str:
    """``name[extras]==version ; marker``, as a lock line writes it."""
    extras = f"[{','.join(sorted(req.extras))}]" if req.extras else ""
    marker = f" ; {req.marker}" if req.marker is not None else ""
    return f"{req.name}{extras}=={req.version}{marker}"


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
        text = requirement_text(req)
        hashes = sorted(req.hashes | wheel_hashes.get((req.name, Version(req.version)), set()))
        entry = " \\\n".join([text, *(f"    --hash=sha256:{h}" for h in hashes)])
        if entry not in seen:
            seen.add(entry)
            out.append(entry)
    return "\n".join(out) + "\n"
