"""The target model: one machine kind we ship to, and everything that decides what fits it.

A :class:`Target` is a CPython version on a platform tag (``manylinux_2_28_x86_64``,
``macosx_14_0_arm64``, ...). From those two facts it derives, with no look at the host:

- ``tags``: the ordered compatible tags exactly as a real CPython on such a machine reports
  them (``packaging.tags.sys_tags()`` there), minus the host-only ``linux_<arch>`` tag;
- ``environment``: the complete PEP 508 marker environment (every key, so that nothing
  silently falls back to the host's values);
- ``complete_platform()``: the JSON pex accepts for ``--complete-platform``.

sync, verify and pex all read this one model.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from packaging.markers import Marker
from packaging.tags import Tag, compatible_tags, cpython_tags, mac_platforms, parse_tag
from packaging.version import InvalidVersion, Version

from wh.errors import TargetError as TargetError  # re-exported: raised here

# glibc 2.x minor -> the legacy manylinux name for that baseline (PEP 600).
_LEGACY_MANYLINUX = {17: "manylinux2014", 12: "manylinux2010", 5: "manylinux1"}
_LEGACY_ALIASES = {"manylinux2014": (2, 17), "manylinux2010": (2, 12), "manylinux1": (2, 5)}
# The oldest glibc any manylinux tag exists for: 2.5 on x86, 2.17 elsewhere (packaging).
_X86 = {"x86_64", "i686"}
_WINDOWS = {"win_amd64": "AMD64", "win_arm64": "ARM64", "win32": "x86"}

_MANYLINUX_RE = re.compile(r"manylinux_(\d+)_(\d+)_(\w+)")
_LEGACY_RE = re.compile(r"(manylinux2014|manylinux2010|manylinux1)_(\w+)")
_MUSLLINUX_RE = re.compile(r"musllinux_(\d+)_(\d+)_(\w+)")
_MACOS_RE = re.compile(r"macosx_(\d+)_(\d+)_(\w+)")
_MACOS_ARCHES = {"arm64", "x86_64"}  # machines; universal2 is a wheel's tag, not a machine


def manylinux_platforms(glibc: tuple[int, int], arch: str) -> list[str]:
    """Platform tags a glibc ``glibc`` machine accepts, newest first (legacy names in place)."""
    major, minor = glibc
    oldest = 5 if arch in _X86 else 17
    tags: list[str] = []
    for m in range(minor, oldest - 1, -1):
        tags.append(f"manylinux_{major}_{m}_{arch}")
        if major == 2 and m in _LEGACY_MANYLINUX:
            tags.append(f"{_LEGACY_MANYLINUX[m]}_{arch}")
    return tags


def musllinux_platforms(musl: tuple[int, int], arch: str) -> list[str]:
    major, minor = musl
    return [f"musllinux_{major}_{m}_{arch}" for m in range(minor, -1, -1)]


@dataclass(frozen=True, slots=True)
class Platform:
    """A parsed platform tag: its family, OS facts and the platform tags it accepts."""

    tag: str
    family: str  # linux | musllinux | macosx | windows
    sys_platform: str
    platform_system: str
    os_name: str
    machine: str
    release: str
    accepted: tuple[str, ...]
    version: tuple[int, int] = (0, 0)  # glibc, musl or macOS (major, minor); (0, 0): none


def parse_platform(tag: str) -> Platform:
    """Parse a platform tag naming the newest a kind of machine supports."""
    if m := _LEGACY_RE.fullmatch(tag):
        glibc, arch = _LEGACY_ALIASES[m[1]], m[2]
        return _linux(tag, glibc, arch)
    if m := _MANYLINUX_RE.fullmatch(tag):
        return _linux(tag, (int(m[1]), int(m[2])), m[3])
    if m := _MUSLLINUX_RE.fullmatch(tag):
        arch = m[3]
        musl = (int(m[1]), int(m[2]))
        accepted = musllinux_platforms(musl, arch)
        return Platform(tag, "musllinux", "linux", "Linux", "posix", arch, "", (*accepted,), musl)
    if m := _MACOS_RE.fullmatch(tag):
        major, minor, arch = int(m[1]), int(m[2]), m[3]
        if arch not in _MACOS_ARCHES or major < 10 or (arch == "arm64" and major < 11):
            raise TargetError(
                f"{tag}: not a macOS machine",
                hint="use macosx_<major>_<minor>_arm64 (macOS 11+) or macosx_<X>_<Y>_x86_64",
            )
        if 15 < major < 26:
            raise TargetError(
                f"{tag}: there is no macOS {major} (after macOS 15 came macOS 26)",
                hint="use macosx_15_0_<arch> or macosx_26_0_<arch>",
            )
        machine = arch
        accepted = list(mac_platforms((major, minor), machine))
        return Platform(
            tag,
            "macosx",
            "darwin",
            "Darwin",
            "posix",
            machine,
            darwin_release(major, minor),
            tuple(accepted),
            (major, minor),
        )
    if tag in _WINDOWS:
        return Platform(tag, "windows", "win32", "Windows", "nt", _WINDOWS[tag], "10", (tag,))
    if tag.startswith("linux_"):
        raise TargetError(
            f"{tag}: a host-only tag that no index serves",
            hint="name the glibc the machines have, e.g. manylinux_2_28_x86_64",
        )
    raise TargetError(
        f"{tag}: not a platform tag wh knows",
        hint="use manylinux_X_Y_<arch>, musllinux_X_Y_<arch>, macosx_X_Y_<arch> or win_amd64",
    )


def darwin_release(major: int, minor: int) -> str:
    """The Darwin kernel release (``platform.release()``) of macOS ``major.minor``: macOS 11
    to 15 are Darwin 20 to 24, macOS 26 (the year-numbered releases) is Darwin 25, and 10.x is
    Darwin x + 4; the minor release carries over (macOS 15.6 is Darwin 24.6.0)."""
    if major >= 26:
        return f"{major - 1}.{minor}.0"
    if major >= 11:
        return f"{major + 9}.{minor}.0"
    return f"{minor + 4}.0.0"


def _linux(tag: str, glibc: tuple[int, int], arch: str) -> Platform:
    if glibc[0] != 2 or glibc < ((2, 5) if arch in _X86 else (2, 17)):
        raise TargetError(
            f"{tag}: no manylinux tag exists for glibc {glibc[0]}.{glibc[1]} on {arch}"
        )
    tag = f"manylinux_{glibc[0]}_{glibc[1]}_{arch}"
    accepted = manylinux_platforms(glibc, arch)
    return Platform(tag, "linux", "linux", "Linux", "posix", arch, "", tuple(accepted), glibc)


def parse_python(text: str) -> Version:
    """``3.11`` or ``3.11.4``: a CPython 3 release. ``3.11`` means ``3.11.0`` where a full one
    is needed (the oldest patch release: a wheel that needs a newer one is not chosen)."""
    try:
        version = Version(text)
    except InvalidVersion:
        raise TargetError(f"{text!r}: not a Python version (expected e.g. 3.12)") from None
    if (
        version.major != 3
        or version.minor < 6
        or len(version.release) not in (2, 3)
        or version.epoch
        or version.pre
        or version.dev is not None
        or version.post is not None
        or version.local
    ):
        raise TargetError(f"{text!r}: not a CPython release wh serves (3.6 or newer, e.g. 3.12)")
    return version


@dataclass(frozen=True, slots=True)
class Target:
    """CPython ``python`` on ``platform``; build with :func:`make_target`."""

    python: Version
    platform: Platform
    order: TagOrder = field(repr=False, compare=False)
    environment: Mapping[str, str] = field(repr=False, compare=False)

    @property
    def tags(self) -> tuple[Tag, ...]:
        """The compatible tags, best first."""
        return self.order.tags

    @property
    def name(self) -> str:
        return f"{self.interpreter}-{self.platform.tag}"

    @property
    def interpreter(self) -> str:
        return f"cp{self.python.major}{self.python.minor}"

    @property
    def abi(self) -> str:
        return cpython_abi(self.python)

    @property
    def python_short(self) -> str:
        return f"{self.python.major}.{self.python.minor}"

    def rank(self, tags: Iterable[Tag]) -> int | None:
        """The best priority among ``tags`` (lower is better; comparable between the tags of
        one target only); None when none fits."""
        return self.order.rank(tags)

    def evaluates(self, marker: Marker | None, extras: Iterable[str] = ()) -> bool:
        """Whether ``marker`` holds on this target (no marker: it does), for the base
        requirement or any of ``extras`` (as installers evaluate a dependency's ``extra``)."""
        if marker is None:
            return True
        if not extras:  # the hot path (every lock line, every target): no further call
            return marker.evaluate(dict(self.environment))
        return marker_holds(marker, self.environment, extras)

    def complete_platform(self) -> dict[str, Any]:
        """The ``--complete-platform`` JSON document pex accepts."""
        return {
            "marker_environment": dict(self.environment),
            "compatible_tags": [str(t) for t in self.tags],
        }


def marker_holds(
    marker: Marker | None, environment: Mapping[str, str], extras: Iterable[str] = ()
) -> bool:
    """The one marker evaluation: ``environment`` is complete (every PEP 508 key), so no host
    value leaks in; ``extra`` is "" and then each of ``extras``."""
    if marker is None:
        return True
    if not extras:  # the common case (packaging sets "extra" to "" itself)
        return marker.evaluate(dict(environment))
    return any(marker.evaluate({**environment, "extra": e}) for e in ("", *sorted(extras)))


def cpython_abi(python: Version) -> str:
    """The ABI tag a release build of CPython reports: before 3.8 it carries pymalloc's ``m``
    (``cp37m``); from 3.8 on there is no flag (``cp38``)."""
    flag = "m" if (python.major, python.minor) < (3, 8) else ""
    return f"cp{python.major}{python.minor}{flag}"


def _tags(python: Version, platforms: Sequence[str]) -> Iterator[Tag]:
    version = (python.major, python.minor)
    abi = cpython_abi(python)
    yield from cpython_tags(version, [abi], platforms)
    yield from compatible_tags(version, abi, platforms)


class TagOrder:
    """A target's compatible tags, best first, and the rank of a wheel's tags among them."""

    __slots__ = ("_index", "_tags")

    def __init__(self, tags: Iterable[Tag]) -> None:
        self._tags = tuple(dict.fromkeys(tags))
        self._index = {t: i for i, t in enumerate(self._tags)}

    @property
    def tags(self) -> tuple[Tag, ...]:
        return self._tags

    def rank(self, tags: Iterable[Tag]) -> int | None:
        ranks = [self._index[t] for t in tags if t in self._index]
        return min(ranks) if ranks else None


_STAND_INS = ("wh-stand-in-1", "wh-stand-in-2")  # platforms no tag names


class _RunOrder(TagOrder):
    """The tags packaging generates for a CPython, ranked without making each one (a macOS
    x86_64 target has ~2,500; verify's 8 targets took ~10 ms to make). packaging yields runs
    of one (interpreter, abi) over every accepted platform in their order, and single ``any``
    tags; a tag's rank is its run's start plus its platform's place (the first of each, where
    the list has it first). The tags themselves are made when asked for."""

    __slots__ = ("_places", "_platforms", "_python", "_ranks", "_singles", "_starts")

    def __init__(self, python: Version, platforms: tuple[str, ...], runs: list[Tag]) -> None:
        self._python, self._platforms = python, platforms
        self._starts: dict[tuple[str, str], int] = {}
        self._singles: dict[tuple[str, str], int] = {}
        self._places: dict[str, int] = {}
        self._ranks: dict[frozenset[Tag], int | None] = {}
        for i, name in enumerate(platforms):
            self._places.setdefault(name.lower(), i)
        position = 0
        for run in runs:
            single = run.platform == "any"
            (self._singles if single else self._starts).setdefault(
                (run.interpreter, run.abi), position
            )
            position += 1 if single else len(platforms)

    @property
    def tags(self) -> tuple[Tag, ...]:
        if not hasattr(self, "_tags"):
            TagOrder.__init__(self, _tags(self._python, self._platforms))
        return self._tags

    def rank(self, tags: Iterable[Tag]) -> int | None:
        if isinstance(tags, frozenset):  # a file's tags: asked again and again
            if tags not in self._ranks:
                self._ranks[tags] = self._rank(tags)
            return self._ranks[tags]
        return self._rank(tags)

    def _rank(self, tags: Iterable[Tag]) -> int | None:
        best: int | None = None
        for t in tags:
            platform = t.platform
            if platform == "any":
                found = self._singles.get((t.interpreter, t.abi))
            else:  # most tags miss on the platform, the cheaper look-up
                place = self._places.get(platform)
                start = None if place is None else self._starts.get((t.interpreter, t.abi))
                found = None if place is None or start is None else start + place
            if found is not None and (best is None or found < best):
                best = found
        return best


def _generated_order(python: Version, platforms: tuple[str, ...]) -> TagOrder:
    """The runs, read from packaging's own generators given two stand-in platforms; when the
    tags are not such runs (a packaging that interleaves platforms), every tag is made."""
    one, two = _STAND_INS
    probe = list(_tags(python, _STAND_INS))
    runs = [t for t in probe if t.platform in ("any", one)]
    expanded = [
        u
        for t in runs
        for u in ([t] if t.platform == "any" else [t, Tag(t.interpreter, t.abi, two)])
    ]
    if probe != expanded or "any" in platforms:
        return TagOrder(_tags(python, platforms))
    return _RunOrder(python, platforms, runs)


# The complete PEP 508 marker environment: a target states every key (none from the host).
MARKER_KEYS = (
    "implementation_name",
    "implementation_version",
    "os_name",
    "platform_machine",
    "platform_python_implementation",
    "platform_release",
    "platform_system",
    "platform_version",
    "python_full_version",
    "python_version",
    "sys_platform",
)


def _environment(python: Version, platform: Platform) -> dict[str, str]:
    full = ".".join(str(p) for p in (*python.release, 0)[:3])
    return {
        "implementation_name": "cpython",
        "implementation_version": full,
        "os_name": platform.os_name,
        "platform_machine": platform.machine,
        "platform_python_implementation": "CPython",
        "platform_release": platform.release,
        "platform_system": platform.platform_system,
        "platform_version": "",
        "python_full_version": full,
        "python_version": f"{python.major}.{python.minor}",
        "sys_platform": platform.sys_platform,
    }


@lru_cache(maxsize=256)
def make_target(python: str, platform_tag: str) -> Target:
    version = parse_python(python)
    platform = parse_platform(platform_tag)
    return Target(
        python=version,
        platform=platform,
        order=_generated_order(version, platform.accepted),
        environment=MappingProxyType(_environment(version, platform)),
    )


def from_complete_platform(document: Mapping[str, Any]) -> Target:
    """The target a ``--complete-platform`` document describes (one wh wrote, or one pex
    generated on a real machine): its own marker environment and tag list, taken as they are."""
    try:
        env = {str(k): str(v) for k, v in document["marker_environment"].items()}
        tags = tuple(
            dict.fromkeys(t for text in document["compatible_tags"] for t in parse_tag(str(text)))
        )
        python = Version(env["python_full_version"])
        best = tags[0]
    except (KeyError, TypeError, AttributeError, IndexError, InvalidVersion) as exc:
        raise TargetError(f"not a complete platform document ({exc!r} missing or wrong)") from None
    accepted = tuple(dict.fromkeys(t.platform for t in tags if t.platform != "any"))
    system = env.get("sys_platform", "")
    family = {"darwin": "macosx", "win32": "windows"}.get(system, "linux")
    if best.platform.startswith("musllinux"):
        family = "musllinux"
    tag = _macos_tag(best.platform, env.get("platform_release", "")) or best.platform
    platform = Platform(
        tag,
        family,
        system,
        env.get("platform_system", ""),
        env.get("os_name", ""),
        env.get("platform_machine", ""),
        env.get("platform_release", ""),
        accepted,
        _tag_version(tag),
    )
    return Target(
        python=python, platform=platform, order=TagOrder(tags), environment=MappingProxyType(env)
    )


def _tag_version(tag: str) -> tuple[int, int]:
    for pattern in (_MANYLINUX_RE, _MUSLLINUX_RE, _MACOS_RE):
        if m := pattern.fullmatch(tag):
            return int(m[1]), int(m[2])
    return (0, 0)


def _macos_tag(best: str, release: str) -> str | None:
    """macOS 11+ tags carry no minor (a 15.6 machine's best tag is macosx_15_0_arm64): the
    machine's own ``macosx_15_6_arm64`` comes back from the Darwin release (24.6.0)."""
    m, r = _MACOS_RE.fullmatch(best), re.fullmatch(r"(\d+)\.(\d+)\.\d+", release)
    if not m or not r or int(m[1]) < 11:
        return None
    darwin, minor = int(r[1]), int(r[2])
    major = darwin - 9 if darwin < 25 else darwin + 1
    return f"macosx_{major}_{minor}_{m[3]}" if major == int(m[1]) else None
