"""Reading a wheel's compiled members: ELF (pyelftools) and Mach-O (macholib) headers.

Pure-Python readers (auditwheel and delocate build on the same two), so checking a macOS
wheel needs no Mac. The rules that judge what is read live in ``wh.core.binaries``.
"""

from __future__ import annotations

import io
import re
import struct
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from elftools.common.exceptions import ELFError
from elftools.elf.dynamic import DynamicSection
from elftools.elf.elffile import ELFFile
from elftools.elf.gnuversions import GNUVerNeedSection
from macholib import mach_o
from macholib.MachO import MachO

from wh.core.binaries import Binary, is_extension

_ELF_MAGIC = b"\x7fELF"
_MACHO_MAGICS = {
    bytes.fromhex(h) for h in ("feedface", "feedfacf", "cefaedfe", "cffaedfe", "cafebabe")
}
_ELF_MACHINES = {
    "EM_X86_64": "x86_64",
    "EM_AARCH64": "aarch64",
    "EM_386": "i686",
    "EM_ARM": "armv7l",
    "EM_S390": "s390x",
    "EM_RISCV": "riscv64",
}
_MACHO_CPUS = {
    mach_o.CPU_TYPE_NAMES.get(16777223): "x86_64",
    mach_o.CPU_TYPE_NAMES.get(16777228): "arm64",
    mach_o.CPU_TYPE_NAMES.get(7): "i386",
    mach_o.CPU_TYPE_NAMES.get(18): "ppc",
    mach_o.CPU_TYPE_NAMES.get(16777234): "ppc64",
}
_GLIBC = re.compile(r"GLIBC_(\d+)\.(\d+)")
_DYLIB_LOADS = {
    mach_o.LC_LOAD_DYLIB,
    mach_o.LC_LOAD_WEAK_DYLIB,
    mach_o.LC_REEXPORT_DYLIB,
    mach_o.LC_LOAD_UPWARD_DYLIB,
}


class BinaryReadError(ValueError):
    """A wheel (or one of its members) that cannot be read as a zip of binaries."""


def read_binaries(wheel: Path) -> list[Binary]:
    """Every compiled member of ``wheel`` (by suffix, then by magic), in archive order."""
    try:
        with zipfile.ZipFile(wheel) as zf:
            return [
                read_binary(name, zf.read(name)) for name in zf.namelist() if is_extension(name)
            ]
    except (zipfile.BadZipFile, OSError, EOFError, KeyError) as exc:
        raise BinaryReadError(f"{wheel.name}: not a readable wheel: {exc}") from None


def read_binary(path: str, data: bytes) -> Binary:
    """One member's headers; ``kind="other"`` for bytes that are neither ELF nor Mach-O."""
    try:
        if data[:4] == _ELF_MAGIC:
            return _read_elf(path, data)
        if data[:4] in _MACHO_MAGICS:
            return _read_macho(path, data)
    except (ELFError, ValueError, KeyError, IndexError, AttributeError, struct.error) as exc:
        raise BinaryReadError(f"{path}: unreadable binary headers: {exc}") from None
    return Binary(path, "other", (), None, None, ())


def _read_elf(path: str, data: bytes) -> Binary:
    elf = ELFFile(io.BytesIO(data))
    machine = str(elf["e_machine"])
    arch = _ELF_MACHINES.get(machine, machine)
    if machine == "EM_PPC64":
        arch = "ppc64le" if elf.little_endian else "ppc64"
    needed: list[str] = []
    glibc: tuple[int, int] | None = None
    for section in elf.iter_sections():
        if isinstance(section, DynamicSection):
            needed += [
                str(getattr(t, "needed", ""))
                for t in section.iter_tags()
                if t.entry.d_tag == "DT_NEEDED"
            ]
        elif isinstance(section, GNUVerNeedSection):
            for _, auxes in section.iter_versions():
                for aux in auxes:
                    if m := _GLIBC.fullmatch(aux.name):
                        version = (int(m[1]), int(m[2]))
                        glibc = version if glibc is None else max(glibc, version)
    musl = any("musl" in lib for lib in needed) or (glibc is None and "libc.so" in needed)
    return Binary(path, "elf", (arch,), None, glibc, tuple(needed), musl=musl)


def _read_macho(path: str, data: bytes) -> Binary:
    with tempfile.NamedTemporaryFile(suffix=".bin") as f:
        f.write(data)
        f.flush()
        macho = MachO(f.name, allow_unknown_load_commands=True)
    arches: list[str] = []
    slices: list[tuple[str, tuple[int, int]]] = []
    needed: list[str] = []
    flags: set[str] = set()
    install_name = ""
    for header in macho.headers:
        cpu = mach_o.CPU_TYPE_NAMES.get(header.header.cputype, str(header.header.cputype))
        arch = _MACHO_CPUS.get(cpu, cpu)
        arches.append(arch)
        flags |= {name for bit, name in mach_o.MH_FLAGS_NAMES.items() if header.header.flags & bit}
        for load, command, extra in header.commands:
            minimum = _min_macos(load.cmd, command)
            if minimum is not None:
                slices.append((arch, minimum))
            elif load.cmd in _DYLIB_LOADS and (name := _dylib_name(extra)) not in needed:
                needed.append(name)
            elif load.cmd == mach_o.LC_ID_DYLIB:
                install_name = _dylib_name(extra)
    min_macos = max((m for _, m in slices), default=None)
    return Binary(
        path,
        "macho",
        tuple(sorted(set(arches))),
        min_macos,
        None,
        tuple(needed),
        flags=tuple(sorted(flags)),
        macos_slices=tuple(slices),
        install_name=install_name,
    )


def _min_macos(cmd: int, command: Any) -> tuple[int, int] | None:
    if cmd == mach_o.LC_VERSION_MIN_MACOSX:
        packed = int(command.version)
    elif cmd == mach_o.LC_BUILD_VERSION and int(command.platform) == 1:  # PLATFORM_MACOS
        packed = int(command.minos)
    else:
        return None
    return (packed >> 16, (packed >> 8) & 0xFF)


def _dylib_name(extra: Any) -> str:
    raw = extra if isinstance(extra, bytes) else bytes(extra)
    return raw.split(b"\0", 1)[0].decode("utf-8", "replace")
