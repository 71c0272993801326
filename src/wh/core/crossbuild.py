"""What a cross build for one target needs to be told, and what its failure means. Pure.

From a :class:`~wh.core.targets.Target` this module derives the zig target triple (glibc
version from the manylinux tag, minimum macOS from the macOS tag), the platform string the
build backend is told it runs on (``_PYTHON_HOST_PLATFORM``), the extension suffix of the
target's interpreter (``SETUPTOOLS_EXT_SUFFIX``), and the wheel's final name. It also reads
a failed build's output for its first real error line and says what would close the gap.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from wh.core.targets import Target

# Compiler flags of every cross build: CPython's own release flags (setuptools replaces its
# CFLAGS with ours), no debug info and no build paths, so the same sdist gives the same bytes.
RELEASE_CFLAGS = ("-O3", "-DNDEBUG", "-fwrapv", "-Wall", "-Wno-unused-command-line-argument")
REPRODUCIBLE_CFLAGS = ("-g0",)

_ZIG_LINUX_ARCH = {
    "x86_64": ("x86_64", "gnu"),
    "aarch64": ("aarch64", "gnu"),
    "i686": ("x86", "gnu"),
    "armv7l": ("arm", "gnueabihf"),
    "ppc64le": ("powerpc64le", "gnu"),
    "s390x": ("s390x", "gnu"),
    "riscv64": ("riscv64", "gnu"),
}
# The triplet CPython puts in a Linux extension suffix, per wheel-tag arch.
_SUFFIX_ARCH = {
    "x86_64": "x86_64-linux-gnu",
    "aarch64": "aarch64-linux-gnu",
    "i686": "i386-linux-gnu",
    "armv7l": "arm-linux-gnueabihf",
    "ppc64le": "powerpc64le-linux-gnu",
    "s390x": "s390x-linux-gnu",
    "riscv64": "riscv64-linux-gnu",
}
_GLIBC = re.compile(r"manylinux_(\d+)_(\d+)_\w+")
_LEGACY_GLIBC = {"manylinux1": (2, 5), "manylinux2010": (2, 12), "manylinux2014": (2, 17)}
_MACOS = re.compile(r"macosx_(\d+)_(\d+)_(\w+)")
_ZIG_OLDEST_GLIBC = (2, 17)  # zig links against glibc 2.17 or newer


class CrossError(ValueError):
    """A target zig cannot build for."""


@dataclass(frozen=True, slots=True)
class CrossSpec:
    """Everything a build for ``target`` is told."""

    target: str  # cp312-manylinux_2_28_aarch64
    python: str  # 3.12
    zig_target: str  # aarch64-linux-gnu.2.28
    host_platform: str  # linux-aarch64 / macosx-11.0-arm64
    ext_suffix: str  # .cpython-312-aarch64-linux-gnu.so
    platform_tag: str  # the wheel's final platform tag
    macos: bool

    @property
    def ldflags(self) -> tuple[str, ...]:
        """Linking a Python extension: symbols resolve against the interpreter at load time."""
        return ("-Wl,-undefined,dynamic_lookup",) if self.macos else ()


def cross_spec(target: Target) -> CrossSpec:
    platform = target.platform
    tag = platform.tag
    arch = platform.machine
    py = target.python_short
    cp = f"{target.python.major}{target.python.minor}"
    if platform.family == "macosx":
        m = _MACOS.fullmatch(tag)
        assert m is not None
        version = max((int(m[1]), int(m[2])), (11, 0) if arch == "arm64" else (10, 9))
        zig_arch = "aarch64" if arch == "arm64" else arch
        return CrossSpec(
            target.name,
            py,
            f"{zig_arch}-macos.{version[0]}.{version[1]}",
            f"macosx-{version[0]}.{version[1]}-{arch}",
            f".cpython-{cp}-darwin.so",
            tag,
            macos=True,
        )
    if platform.family in ("linux", "musllinux") and arch in _ZIG_LINUX_ARCH:
        zig_arch, abi = _ZIG_LINUX_ARCH[arch]
        triplet = _SUFFIX_ARCH[arch]
        if platform.family == "musllinux":
            zig = f"{zig_arch}-linux-musl{'eabihf' if arch == 'armv7l' else ''}"
            triplet = triplet.replace("-gnu", "-musl")
        else:
            glibc = max(manylinux_glibc(tag), _ZIG_OLDEST_GLIBC)
            zig = f"{zig_arch}-linux-{abi}.{glibc[0]}.{glibc[1]}"
        return CrossSpec(
            target.name, py, zig, f"linux-{arch}", f".cpython-{cp}-{triplet}.so", tag, macos=False
        )
    raise CrossError(f"{target.name}: wh build cross-compiles for Linux and macOS targets only")


def manylinux_glibc(tag: str) -> tuple[int, int]:
    if m := _GLIBC.fullmatch(tag):
        return (int(m[1]), int(m[2]))
    legacy = tag.split("_", 1)[0]
    if legacy in _LEGACY_GLIBC:
        return _LEGACY_GLIBC[legacy]
    raise CrossError(f"{tag}: not a manylinux tag")


def retagged(wheel_filename: str, platform_tag: str) -> str:
    """``pkg-1.0-cp312-cp312-linux_aarch64.whl`` -> ``...-manylinux_2_28_aarch64.whl``."""
    stem = wheel_filename.removesuffix(".whl")
    head, _, _ = stem.rpartition("-")
    return f"{head}-{platform_tag}.whl"


# --- reading a failed build ---------------------------------------------------------------

_NOISE = (
    "subprocess-exited-with-error",
    "failed building wheel",
    "failed to build",
    "error: command",
    "legacy-install-failure",
    "metadata-generation-failed",
    "could not build wheels",
    "error: failed-wheel-build",
    "\u00d7 ",
    "╰─>",
)
_ERROR = re.compile(r"(?:^|[\s:])(?:fatal error|error)(?::|\[)|^ERROR:|Error: ", re.IGNORECASE)
_HEADER = re.compile(r"'?([\w./+-]+\.h(?:pp)?)'? file not found|([\w./+-]+\.h): No such file")
_NO_BACKEND = re.compile(r"No matching distribution found for ([^\s;]+)")
_RUST = re.compile(r"rust|cargo|maturin|setuptools[-_]rust", re.IGNORECASE)


def first_error(output: str) -> str:
    """The first line of a build's output that states a real error (not pip's wrapping)."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    for line in lines:
        low = line.lower()
        if any(noise in low for noise in _NOISE):
            continue
        if _ERROR.search(line):
            return line
    tail = [line for line in lines if not any(n in line.lower() for n in _NOISE)]
    return tail[-1] if tail else "the build failed without a message"


def failure_hint(output: str, target: str) -> str:
    """What would close a gap left by a failed cross build for ``target``."""
    error = first_error(output)
    if m := _NO_BACKEND.search(output):
        return (
            f"the index lacks {m[1]}, which the sdist needs to build: add it to the index"
            " (pip wheel fetches a build's requirements from it)"
        )
    if m := _HEADER.search(error):
        header = m[1] or m[2]
        return (
            f"the sdist needs a C library ({header}) that zig does not bring for {target}:"
            f" build on a {target} machine with that library installed, or use a version"
            " with a wheel"
        )
    if _RUST.search(error) or "can't find rust compiler" in output.lower():
        return (
            f"the sdist needs a Rust toolchain; wh build cross-compiles C and C++ only: build"
            f" on a {target} machine, or use a version with a wheel"
        )
    return f"fix the build (see the error), or build the wheel on a {target} machine"
