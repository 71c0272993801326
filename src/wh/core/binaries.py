"""Do a wheel's compiled files fit the tags its name claims? Pure rules, no IO.

An adapter (``wh.adapters.binfile``) reads each binary member of a wheel into a
:class:`Binary`; :func:`binary_problems` then says, one plain sentence per problem, where a
binary does not fit the wheel's platform or interpreter tags:

- format: ELF for ``manylinux``/``musllinux``/``linux``, Mach-O for ``macosx``;
- CPU: the ELF machine or every Mach-O slice the tag needs (``universal2`` = arm64 + x86_64);
- minimum macOS (per slice; arm64 starts at 11.0) no newer than the tag's;
- the highest ``GLIBC_x.y`` symbol version no newer than a ``manylinux_x_y`` tag's;
- shared libraries needed: only those the manylinux policy allows, the system's on macOS,
  or ones the wheel itself carries;
- the extension suffix (``.cpython-312-darwin.so``) names the tag's interpreter and OS.

A wheel whose binary does not fit its tag is a problem whoever built or uploaded it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from packaging.tags import Tag
from packaging.utils import InvalidWheelFilename, parse_wheel_filename


@dataclass(frozen=True, slots=True)
class Binary:
    """One compiled member of a wheel, as its headers describe it."""

    path: str  # member path inside the wheel
    kind: str  # "elf" | "macho" | "other"
    arches: tuple[str, ...]  # wheel-tag arch names: ("x86_64",), ("arm64", "x86_64") for fat
    min_macos: tuple[int, int] | None  # the highest minimum macOS over the slices
    glibc: tuple[int, int] | None  # highest GLIBC_x.y symbol version needed (ELF)
    needed: tuple[str, ...]  # DT_NEEDED / LC_LOAD_DYLIB
    musl: bool = False  # ELF linked against musl libc
    flags: tuple[str, ...] = ()  # Mach-O header flags (NOUNDEFS, DYLDLINK, TWOLEVEL, ...)
    macos_slices: tuple[tuple[str, tuple[int, int]], ...] = ()  # (arch, minimum macOS)
    install_name: str = ""  # Mach-O LC_ID_DYLIB


# What a manylinux wheel may link against without carrying it (PEP 599 / PEP 600 policy;
# the same list auditwheel enforces). The dynamic loader itself is always present.
MANYLINUX_ALLOWED = frozenset(
    {
        "libgcc_s.so.1",
        "libstdc++.so.6",
        "libm.so.6",
        "libdl.so.2",
        "librt.so.1",
        "libc.so.6",
        "libnsl.so.1",
        "libutil.so.1",
        "libpthread.so.0",
        "libresolv.so.2",
        "libX11.so.6",
        "libXext.so.6",
        "libXrender.so.1",
        "libICE.so.6",
        "libSM.so.6",
        "libGL.so.1",
        "libgobject-2.0.so.0",
        "libgthread-2.0.so.0",
        "libglib-2.0.so.0",
        "libcrypt.so.1",
        "libexpat.so.1",
        "libz.so.1",
    }
)
_LINUX_LOADERS = re.compile(r"ld-linux[-.\w]*\.so\.\d|ld64\.so\.\d|ld-musl-\w+\.so\.1")
_MUSL_ALLOWED = re.compile(r"libc\.so|libc\.musl-\w+\.so\.1|ld-musl-\w+\.so\.1")
_MACOS_SYSTEM = ("/usr/lib/", "/System/Library/")
_MACOS_BUNDLED = ("@loader_path/", "@rpath/", "@executable_path/")

_MANYLINUX = re.compile(r"manylinux_(\d+)_(\d+)_(\w+)")
_LEGACY = {"manylinux1": (2, 5), "manylinux2010": (2, 12), "manylinux2014": (2, 17)}
_LEGACY_RE = re.compile(r"(manylinux1|manylinux2010|manylinux2014)_(\w+)")
_MUSLLINUX = re.compile(r"musllinux_(\d+)_(\d+)_(\w+)")
_LINUX = re.compile(r"linux_(\w+)")
_MACOS = re.compile(r"macosx_(\d+)_(\d+)_(\w+)")
_MACOS_TAG_ARCHES = {
    "universal2": ("arm64", "x86_64"),
    "intel": ("i386", "x86_64"),
    "fat64": ("ppc64", "x86_64"),
    "universal": ("i386", "x86_64"),
}
# Extension suffixes: name.cpython-312-x86_64-linux-gnu.so, name.cpython-312-darwin.so,
# name.abi3.so, name.so, name.cp312-win_amd64.pyd.
_SUFFIX = re.compile(
    r"\.(?:cpython-(?P<ver>\d+)(?P<t>t?)(?:-(?P<plat>[\w-]+))?|(?P<abi3>abi3))\.so$"
)
_LINUX_TRIPLET_ARCH = {
    "x86_64": "x86_64",
    "aarch64": "aarch64",
    "i386": "i686",
    "arm": "armv7l",
    "powerpc64le": "ppc64le",
    "s390x": "s390x",
    "riscv64": "riscv64",
}
EXTENSION_SUFFIXES = (".so", ".pyd", ".dylib")


@dataclass(frozen=True, slots=True)
class _Platform:
    """What a wheel's platform tag asks of each binary."""

    tag: str
    kind: str  # elf | macho | any | other
    arches: tuple[str, ...]
    glibc: tuple[int, int] | None = None
    musl: bool = False
    macos: tuple[int, int] | None = None


def parse_tag_platform(tag: str) -> _Platform:
    if m := _MANYLINUX.fullmatch(tag):
        return _Platform(tag, "elf", (m[3],), glibc=(int(m[1]), int(m[2])))
    if m := _LEGACY_RE.fullmatch(tag):
        return _Platform(tag, "elf", (m[2],), glibc=_LEGACY[m[1]])
    if m := _MUSLLINUX.fullmatch(tag):
        return _Platform(tag, "elf", (m[3],), musl=True)
    if m := _LINUX.fullmatch(tag):
        return _Platform(tag, "elf", (m[1],))
    if m := _MACOS.fullmatch(tag):
        arches = _MACOS_TAG_ARCHES.get(m[3], (m[3],))
        return _Platform(tag, "macho", arches, macos=(int(m[1]), int(m[2])))
    if tag == "any":
        return _Platform(tag, "any", ())
    return _Platform(tag, "other", ())


def _raised(platform: _Platform, oldest: tuple[int, int] | None) -> _Platform:
    """``platform`` with its OS version raised to ``oldest`` (never lowered)."""
    if oldest is None:
        return platform
    if platform.glibc is not None and oldest > platform.glibc:
        return replace(platform, glibc=oldest)
    if platform.macos is not None and oldest > platform.macos:
        return replace(platform, macos=oldest)
    return platform


def is_extension(path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    return name.endswith(EXTENSION_SUFFIXES) or ".so." in name


def binary_problems(
    wheel_filename: str, binaries: Sequence[Binary], oldest: tuple[int, int] | None = None
) -> list[str]:
    """Empty when every binary fits the wheel's tags; else one plain sentence per problem.

    ``oldest``: the oldest glibc or macOS among the machines that take this wheel (verify
    passes its configured targets'). A binary needing more than the tag promises but no more
    than that fits every machine the wheel serves, and is then not a problem: real wheels
    under-declare (a universal2 tagged 10.9 whose x86_64 slice needs 10.13). Builds and
    imports pass None: what wh writes must keep its tag's promise exactly."""
    try:
        _, _, _, tags = parse_wheel_filename(wheel_filename)
    except InvalidWheelFilename as exc:
        return [f"{wheel_filename}: not a wheel filename ({exc})"]
    platforms = [_raised(parse_tag_platform(p), oldest) for p in sorted({t.platform for t in tags})]
    carried = {b.path.rsplit("/", 1)[-1] for b in binaries}
    problems: list[str] = []
    for binary in binaries:
        for platform in platforms:
            problems.extend(_platform_problems(binary, platform, carried))
        problems.extend(_suffix_problems(binary, tags, platforms))
    return list(dict.fromkeys(problems))


def _platform_problems(binary: Binary, platform: _Platform, carried: set[str]) -> list[str]:
    where = f"{binary.path} ({_describe(binary)})"
    if platform.kind == "any":
        if binary.kind in ("elf", "macho"):
            return [f"{where} is compiled code in a wheel tagged for any platform"]
        return []
    if platform.kind == "other":
        if binary.kind in ("elf", "macho"):
            return [f"{where} cannot load on {platform.tag}"]
        return []
    if binary.kind != platform.kind:
        want = "an ELF shared object" if platform.kind == "elf" else "a Mach-O binary"
        return [f"{where} is not {want}, so it cannot load on {platform.tag}"]
    missing = [a for a in platform.arches if a not in binary.arches]
    if missing:
        return [f"{where} has no {'/'.join(missing)} code for {platform.tag}"]
    if platform.kind == "elf":
        return _elf_problems(binary, platform, carried, where)
    return _macho_problems(binary, platform, carried, where)


def _elf_problems(binary: Binary, platform: _Platform, carried: set[str], where: str) -> list[str]:
    problems: list[str] = []
    if platform.musl and binary.glibc is not None:
        problems.append(
            f"{where} needs glibc {_v(binary.glibc)} symbols; {platform.tag} machines run musl"
        )
    if platform.glibc is not None and binary.glibc is not None and binary.glibc > platform.glibc:
        problems.append(
            f"{where} needs glibc {_v(binary.glibc)} symbols; {platform.tag} promises only "
            f"glibc {_v(platform.glibc)}"
        )
    if platform.glibc is not None or platform.musl:
        for lib in binary.needed:
            if not _linux_lib_allowed(lib, platform.musl) and lib not in carried:
                problems.append(
                    f"{where} links {lib}, which {platform.tag} machines need not have "
                    "and the wheel does not carry"
                )
    return problems


def _linux_lib_allowed(lib: str, musl: bool) -> bool:
    if _LINUX_LOADERS.fullmatch(lib):
        return True
    if musl:
        return bool(_MUSL_ALLOWED.fullmatch(lib)) or lib in MANYLINUX_ALLOWED
    return lib in MANYLINUX_ALLOWED


def _macho_problems(
    binary: Binary, platform: _Platform, carried: set[str], where: str
) -> list[str]:
    problems: list[str] = []
    assert platform.macos is not None
    slices = binary.macos_slices or tuple(
        (arch, binary.min_macos) for arch in binary.arches if binary.min_macos is not None
    )
    for arch, minimum in slices:
        if arch not in platform.arches:
            continue
        # An arm64 Mac runs macOS 11 or newer: a 10.x tag means 11.0 for that slice.
        allowed = max(platform.macos, (11, 0)) if arch == "arm64" else platform.macos
        if minimum > allowed:
            problems.append(
                f"{where} needs macOS {_v(minimum)} on {arch}; {platform.tag} promises "
                f"macOS {_v(allowed)}"
            )
    for lib in binary.needed:
        name = lib.rsplit("/", 1)[-1]
        if lib.startswith(_MACOS_SYSTEM) or name in carried:
            continue
        if lib.startswith(_MACOS_BUNDLED):
            problems.append(f"{where} loads {lib}, which the wheel does not carry")
        else:
            problems.append(f"{where} loads {lib}, which {platform.tag} machines need not have")
    return problems


def _suffix_problems(binary: Binary, tags: Iterable[Tag], platforms: list[_Platform]) -> list[str]:
    m = _SUFFIX.search(binary.path)
    if m is None:
        return []
    tags = list(tags)
    if m["abi3"]:
        if not any(t.abi == "abi3" for t in tags):
            abis = ", ".join(sorted({t.abi for t in tags}))
            return [f"{binary.path} is a stable-ABI (abi3) module in a wheel tagged {abis}"]
        return []
    problems: list[str] = []
    interpreter = f"cp{m['ver']}"
    if not all(t.interpreter == interpreter for t in tags):
        pythons = ", ".join(sorted({t.interpreter for t in tags}))
        problems.append(f"{binary.path} is built for {interpreter}; the wheel is tagged {pythons}")
    plat = m["plat"] or ""
    for platform in platforms:
        if not _suffix_fits(plat, platform):
            problems.append(
                f"{binary.path} has the extension suffix of another OS or CPU "
                f"({plat or 'none'}); {platform.tag} interpreters will not import it"
            )
    return problems


def _suffix_fits(plat: str, platform: _Platform) -> bool:
    if platform.kind == "macho":
        return plat in ("", "darwin")
    if platform.kind == "elf":
        if plat == "":
            return True
        arch, _, rest = plat.partition("-linux-")
        if not rest:
            return False
        wanted = _LINUX_TRIPLET_ARCH.get(arch, arch)
        libc_ok = rest.startswith("musl") if platform.musl else rest.startswith("gnu")
        return wanted in platform.arches and libc_ok
    return True


def _describe(binary: Binary) -> str:
    kind = {"elf": "ELF", "macho": "Mach-O"}.get(binary.kind, "unknown format")
    return f"{kind} {'+'.join(binary.arches) or 'unknown CPU'}"


def _v(version: tuple[int, int]) -> str:
    return f"{version[0]}.{version[1]}"
