"""A deploy host as a target: what its interpreter reported, read through the one target model.

Pure. The host's interpreter reports plain facts (implementation, version, machine, libc,
macOS version) and its full PEP 508 marker environment; this module names the platform tag
such a machine accepts best and builds the :class:`~wh.core.targets.Target` for it with
:func:`~wh.core.targets.make_target` (so the compatible tags are the ones sync, verify and
pex use), carrying the host's own marker environment.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from wh.core.targets import Target, TargetError, make_target
from wh.errors import WhError


class ProbeError(WhError):
    """The host's interpreter is not one a PEX built by wh can serve."""


def _version(text: str) -> tuple[int, int]:
    parts = [*text.split("."), "0", "0"][:2]
    try:
        return int(parts[0]), int(parts[1])
    except ValueError:
        raise ProbeError(f"unreadable version {text!r}") from None


def platform_tag(facts: Mapping[str, Any]) -> str:
    """The newest platform tag the probed machine accepts."""
    system, machine = facts.get("system"), str(facts.get("machine", ""))
    if not facts.get("is64bit", True) and machine in {"x86_64", "aarch64"}:
        machine = {"x86_64": "i686", "aarch64": "armv7l"}[machine]  # 32-bit userland
    if system == "Linux":
        libc, version = facts.get("libc") or ("", "")
        if libc == "glibc":
            major, minor = _version(version)
            return f"manylinux_{major}_{minor}_{machine}"
        if facts.get("musl"):
            major, minor = _version(str(facts["musl"]))
            return f"musllinux_{major}_{minor}_{machine}"
        raise ProbeError("a Linux host with neither glibc nor musl")
    if system == "Darwin":
        major, minor = _version(str(facts.get("mac") or "0"))
        return f"macosx_{major}_{0 if major >= 11 else minor}_{machine}"
    raise ProbeError(f"a {system} host: wh deploys to Linux and macOS hosts")


def probed_target(facts: Mapping[str, Any]) -> Target:
    """The target a host's interpreter is, from what it reported (raises ProbeError)."""
    implementation = facts.get("implementation")
    if implementation != "cpython":
        raise ProbeError(f"the interpreter is {implementation}: wh builds PEX files for CPython")
    if facts.get("gil_disabled"):
        raise ProbeError("the interpreter is a free-threaded CPython: wh targets its GIL build")
    version = facts.get("version") or []
    tag = platform_tag(facts)
    try:
        target = make_target(f"{version[0]}.{version[1]}", tag)
    except (TargetError, IndexError) as exc:
        raise ProbeError(f"no target for this interpreter ({tag}): {exc}") from None
    reported = facts.get("environment") or {}
    environment = {k: str(reported.get(k, v)) for k, v in target.environment.items()}
    return dataclasses.replace(target, environment=MappingProxyType(environment))
