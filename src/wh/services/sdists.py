"""Sync's sdists: each one the plan needs built once (``pip wheel``), or an earlier build
reused when its wheel is still in place and the lock still allows its sdist. Returns what
was built and what failed; the built-wheels record is written by the caller."""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from wh.adapters.builds import build_wheel
from wh.adapters.cache import HashCache
from wh.core.built import BuiltWheel
from wh.core.files import DistFile, parse_dist
from wh.errors import WhError

if TYPE_CHECKING:
    from wh.services.session import Session


@dataclass(slots=True)
class Builds:
    records: list[BuiltWheel] = field(default_factory=list)  # wheels built now
    failures: dict[str, str] = field(default_factory=dict)  # sdist -> why it has no wheel
    errors: list[WhError] = field(default_factory=list)  # sdists that could not be fetched

    def settled(self) -> dict[str, DistFile | str]:
        """sdist -> its built wheel, or why there is none (for ``core.plan.with_builds``)."""
        settled: dict[str, DistFile | str] = {
            r.sdist: parse_dist(r.wheel, sha256=r.wheel_sha256) or "not a wheel"
            for r in self.records
        }
        settled.update(self.failures)
        return settled


def matches(digest: str, expected: frozenset[str]) -> bool:
    """``digest`` is acceptable where ``expected`` digests are (empty: any)."""
    return not expected or digest in expected


def reuse_built(
    wheelhouse: Path,
    records: list[BuiltWheel],
    hashes: HashCache,
    expected: Mapping[str, frozenset[str]],
) -> dict[str, DistFile | str]:
    """Wheels built by an earlier sync, still in place, from an sdist the lock still allows."""
    reused: dict[str, DistFile | str] = {}
    for r, wheel in in_place(wheelhouse, records, hashes):
        allowed = expected.get(r.sdist)
        if allowed is None or matches(r.sdist_sha256, allowed):
            reused[r.sdist] = wheel
    return reused


def in_place(
    wheelhouse: Path, records: list[BuiltWheel], hashes: HashCache
) -> list[tuple[BuiltWheel, DistFile]]:
    """Recorded wheels still in the wheelhouse with the recorded bytes."""
    found: list[tuple[BuiltWheel, DistFile]] = []
    for r in records:
        path = wheelhouse / r.wheel
        if path.is_file() and hashes.sha256(path) == r.wheel_sha256:
            wheel = parse_dist(r.wheel, sha256=r.wheel_sha256)
            if wheel is not None:
                found.append((r, wheel))
    return found


async def build_sdists(
    session: Session,
    wheelhouse: Path,
    sdists: list[DistFile],
    expected: Mapping[str, frozenset[str]],
    hashes: HashCache,
) -> Builds:
    """Fetch and build each sdist once, its wheel into ``wheelhouse``."""
    builds = Builds()
    if not sdists:
        return builds
    with tempfile.TemporaryDirectory(prefix="wh-sdists-") as tmp:
        fetched, errors = await session.download(sdists, expected, Path(tmp))
        builds.errors.extend(errors)
        for sdist in sdists:
            if sdist.filename not in fetched:
                builds.failures[sdist.filename] = "the sdist could not be downloaded"
                continue
            path, sdist_sha = fetched[sdist.filename].path, fetched[sdist.filename].sha256
            try:
                wheel = await _build(session, path, wheelhouse)
            except WhError as exc:
                builds.failures[sdist.filename] = exc.message
                continue
            wheel_sha = hashes.sha256(wheel)
            builds.records.append(BuiltWheel(sdist.filename, sdist_sha, wheel.name, wheel_sha))
    return builds


async def _build(session: Session, sdist: Path, wheelhouse: Path) -> Path:
    import asyncio

    session.reporter.info(f"building {sdist.name} (once, for every target it fits)")
    wheel, isolated = await asyncio.to_thread(build_wheel, sdist, wheelhouse, session.index_urls)
    if not isolated:
        session.reporter.warn(
            f"{sdist.name}: the index lacks its build backend;"
            " built without isolation, with the backends installed beside wh"
        )
    return wheel
