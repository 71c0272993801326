"""A PEP 751 ``pylock.toml`` of the wheelhouse, rendered as text. Pure.

One ``[[packages]]`` entry per pinned version, with the marker of its lock line(s), listing
the wheelhouse wheels that wh chose for some configured target (built and imported wheels
included) as paths relative to the lock file, each with its size and sha256. Wheels are
listed by filename: an installer that picks the best-ranked wheel for its tags, taking the
first on a tie (``packaging.pylock.Pylock.select``), picks exactly the file sync chose.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from packaging.version import Version

from wh.core.files import parse_dist
from wh.core.lockfile import LockedRequirement

LOCK_VERSION = "1.0"


@dataclass(frozen=True, slots=True)
class LockedFile:
    """A wheelhouse file as the lock lists it."""

    filename: str
    sha256: str
    size: int


@dataclass(frozen=True, slots=True)
class Package:
    name: str
    version: str
    marker: str | None
    wheels: tuple[LockedFile, ...]


def toml_string(value: str) -> str:
    """A TOML basic string (every control character escaped)."""
    out = ['"']
    for c in value:
        if c in '"\\':
            out.append("\\" + c)
        elif ord(c) < 0x20 or ord(c) == 0x7F:
            out.append(f"\\u{ord(c):04x}")
        else:
            out.append(c)
    out.append('"')
    return "".join(out)


def packages(
    requirements: Sequence[LockedRequirement],
    chosen: Iterable[str],
    files: Mapping[str, LockedFile],
) -> tuple[list[Package], list[str]]:
    """The lock's packages, and the lock lines left out because no configured target uses
    them (they would have no file to install)."""
    by_version: dict[tuple[str, Version], list[str]] = {}
    for filename in sorted(set(chosen)):
        dist = parse_dist(filename)
        if dist is not None and dist.is_wheel:
            by_version.setdefault((dist.name, dist.version), []).append(filename)
    lines: dict[tuple[str, str], list[LockedRequirement]] = {}
    for req in requirements:
        lines.setdefault((req.name, req.version), []).append(req)
    result: list[Package] = []
    unused: list[str] = []
    for (name, version), reqs in sorted(lines.items()):
        names = by_version.get((name, Version(version)), [])
        if not names:
            unused.append(f"{name}=={version}")
            continue
        wheels = tuple(files[n] for n in names)
        result.append(Package(name, version, _marker(reqs), wheels))
    return result, unused


def _marker(reqs: Sequence[LockedRequirement]) -> str | None:
    """The lines' markers joined: the version is installed where any of its lines applies."""
    if any(r.marker is None for r in reqs):
        return None
    markers = list(dict.fromkeys(str(r.marker) for r in reqs))
    return markers[0] if len(markers) == 1 else " or ".join(f"({m})" for m in markers)


def render_pylock(
    packages: Sequence[Package], wheel_dir: str, targets: Sequence[str], source: str
) -> str:
    """The ``pylock.toml`` text; ``wheel_dir`` is the wheelhouse relative to the lock file."""
    prefix = f"{wheel_dir.rstrip('/')}/" if wheel_dir not in ("", ".") else ""
    out = [
        f"# Exported by wh from {source} and the wheelhouse: every configured target.",
        f"lock-version = {toml_string(LOCK_VERSION)}",
        f"created-by = {toml_string('wh')}",
    ]
    for p in packages:
        out += ["", "[[packages]]", f"name = {toml_string(p.name)}"]
        out.append(f"version = {toml_string(p.version)}")
        if p.marker:
            out.append(f"marker = {toml_string(p.marker)}")
        out.append("wheels = [")
        for w in p.wheels:
            out.append(
                f"    {{ name = {toml_string(w.filename)},"
                f" path = {toml_string(prefix + w.filename)}, size = {w.size},"
                f" hashes = {{ sha256 = {toml_string(w.sha256)} }} }},"
            )
        out.append("]")
    out += ["", "[tool.wh]", "targets = ["]
    out += [f"    {toml_string(t)}," for t in targets]
    out.append("]")
    return "\n".join(out) + "\n"
