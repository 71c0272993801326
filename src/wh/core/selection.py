"""Wheel selection: the best file of a locked version for one target, or why there is none.

Pure. A file is a candidate for a lock line when it is of the pinned version, its sha256 is
among the line's hashes (a line without hashes accepts any), it is not yanked and its
requires-python admits the target's Python. Among candidate wheels the one whose best tag
ranks highest for the target wins (ties: by filename, for determinism). With no wheel, an
sdist is chosen for building — unless other wheels of that version are platform-specific,
which means the sdist builds native code and building it here would not fit the target.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from packaging.version import Version

from wh.core.files import DistFile
from wh.core.lockfile import LockedRequirement
from wh.core.targets import Target


@dataclass(frozen=True, slots=True)
class Choice:
    file: DistFile  # a wheel for the target, or an sdist to build

    @property
    def needs_build(self) -> bool:
        return not self.file.is_wheel


@dataclass(frozen=True, slots=True)
class Gap:
    reason: str
    hint: str


def applicable(
    target: Target, requirements: Sequence[LockedRequirement]
) -> list[LockedRequirement]:
    """The lock lines whose markers hold on ``target``, each (name, version) once."""
    seen: dict[tuple[str, str], LockedRequirement] = {}
    for req in requirements:
        if target.evaluates(req.marker):
            seen.setdefault((req.name, req.version), req)
    return list(seen.values())


@lru_cache(maxsize=4096)
def _version(text: str) -> Version:
    """A lock line's version, parsed once (a check runs per line per target)."""
    return Version(text)


def pinned(req: LockedRequirement, files: Sequence[DistFile]) -> list[DistFile]:
    version = _version(req.version)
    return [f for f in files if f.version == version]


def hash_ok(req: LockedRequirement, file: DistFile) -> bool:
    return not req.hashes or file.sha256 is None or file.sha256 in req.hashes


def fits(target: Target, file: DistFile) -> bool:
    return (
        file.is_wheel
        and not file.yanked
        and target.rank(file.tags) is not None
        and file.allows_python(target.environment["python_full_version"])
    )


def best(target: Target, wheels: Sequence[DistFile]) -> DistFile:
    """The wheel whose best tag ranks highest for ``target`` (ties: by filename). Sync and
    verify both choose with this one rule."""
    return min(wheels, key=lambda f: (target.rank(f.tags), f.filename))


def choose(target: Target, req: LockedRequirement, files: Sequence[DistFile]) -> Choice | Gap:
    """The best file for ``req`` on ``target`` among a project's ``files`` (all versions)."""
    label = f"{req.name} {req.version}"
    where = f"{target.platform.tag} {target.abi}"
    of_version = pinned(req, files)
    if not of_version:
        return Gap(f"{label}: not on the index", "check the index URL, or re-lock (wh lock)")
    locked = [f for f in of_version if hash_ok(req, f)]
    if not locked:
        return Gap(
            f"{label}: no file on the index has a hash the lock lists",
            "re-lock against this index (wh lock), or point index-url at the one the lock used",
        )
    wheels = [f for f in locked if fits(target, f)]
    if wheels:
        return Choice(best(target, wheels))
    sdists = [f for f in locked if not f.is_wheel and not f.yanked]
    native = any(f.is_wheel and not f.is_pure for f in of_version)
    if sdists and not native and _python_ok(target, sdists[0]):
        return Choice(min(sdists, key=lambda f: f.filename))
    return Gap(
        _reason(target, label, where, locked, sdists, native), wheel_hint(target, req, files)
    )


def _python_ok(target: Target, file: DistFile) -> bool:
    return file.allows_python(target.environment["python_full_version"])


def _reason(
    target: Target,
    label: str,
    where: str,
    locked: Sequence[DistFile],
    sdists: Sequence[DistFile],
    native: bool,
) -> str:
    tagged = [f for f in locked if f.is_wheel and target.rank(f.tags) is not None]
    if tagged and all(f.yanked for f in tagged):
        return f"{label}: the wheel for {where} is yanked"
    if tagged:
        return f"{label}: no wheel for {where} admits Python {target.python_short}"
    if sdists and native:
        return f"{label}: no wheel for {where}, only an sdist that builds native code"
    if sdists:
        return f"{label}: no wheel for {where}, and its sdist excludes Python {target.python_short}"
    return f"{label}: no wheel for {where}"


def wheel_hint(target: Target, req: LockedRequirement, files: Sequence[DistFile]) -> str:
    """Where a wheel for ``target`` can come from: a newer version, or a build on such a machine."""
    current = Version(req.version)
    versions = sorted(
        {f.version for f in files if fits(target, f) and not f.version.is_prerelease},
        reverse=True,
    )
    build = build_hint(target)
    if versions and versions[0] > current:
        newest = versions[0]
        return (
            f"{req.name} {newest} has a wheel for {target.platform.tag} {target.abi}: move the pin"
            f" (wh lock --upgrade-package {req.name}), or {build}"
        )
    return build[0].upper() + build[1:]


def served_by_built(target: Target, sdist: DistFile, wheel: DistFile) -> Choice | Gap:
    """After building ``sdist`` here: does the resulting ``wheel`` serve ``target``?"""
    if fits(target, wheel):
        return Choice(wheel)
    where = f"{target.platform.tag} {target.abi}"
    return Gap(
        f"{sdist.name} {sdist.version}: no wheel for {where}, only an sdist that builds native"
        f" code (built here: {wheel.filename})",
        build_hint(target),
    )


def build_hint(target: Target) -> str:
    """Where a wheel no index has for ``target`` can come from: a machine of its kind."""
    return (
        f"build a wheel on a {target.platform.tag} machine with CPython {target.python_short}"
        " (wh build --matrix github writes a CI workflow that does), then wh import it"
    )


def missing_hint(target: Target, req: LockedRequirement) -> str:
    """For a file verify misses: the sync that fetches it, and what fills the gap when sync
    cannot (no file of the version on the index fits the target)."""
    return (
        f"run wh sync --platforms {target.platform.tag} --python {target.python_short};"
        f" if sync reports it as a gap, no file of {req.name} {req.version} fits this target:"
        f" move the pin to a version with a wheel for {target.platform.tag} {target.abi}"
        f" (wh lock --upgrade-package {req.name}), or {build_hint(target)}"
    )
