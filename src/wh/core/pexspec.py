"""``[tool.wh.pex.<name>]``: the PEX files a project builds, described in one place."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from wh.errors import ConfigError

_KEYS = {
    "lockfile",
    "entry-point",
    "script",
    "sources",
    "output",
    "platforms",
    "python",
    "shebang",
}
# Every target's interpreter answers to it (a build interpreter's `python3.11` would not be
# there on a target served with 3.12 only).
DEFAULT_SHEBANG = "#!/usr/bin/env python3"


@dataclass(frozen=True, slots=True)
class PexSpec:
    name: str
    lockfile: str
    output: str
    entry_point: str | None = None  # module:function, or
    script: str | None = None  # a console script of a bundled distribution
    sources: tuple[str, ...] = ()
    platforms: tuple[str, ...] | None = None  # families or tags; None: every configured
    python: tuple[str, ...] | None = None  # None: every configured version
    shebang: str = DEFAULT_SHEBANG


def _list(key: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"[tool.wh.pex] {key}: expected a non-empty list of strings")
    return tuple(value)


def parse_pex_specs(table: Any, lockfiles: tuple[str, ...]) -> Mapping[str, PexSpec]:
    if not isinstance(table, dict):
        raise ConfigError("[tool.wh.pex]: expected tables [tool.wh.pex.<name>]")
    specs: dict[str, PexSpec] = {}
    for name, spec in table.items():
        key = f"pex.{name}"
        if not isinstance(spec, dict):
            raise ConfigError(f"[tool.wh.{key}]: expected a table")
        unknown = sorted(set(spec) - _KEYS)
        if unknown:
            raise ConfigError(
                f"[tool.wh.{key}] {unknown[0]}: unknown key",
                hint=f"known: {', '.join(sorted(_KEYS))}",
            )
        for required in ("output",):
            if not isinstance(spec.get(required), str) or not spec[required]:
                raise ConfigError(f"[tool.wh.{key}] {required}: a path is required")
        lockfile = spec.get("lockfile", lockfiles[0] if len(lockfiles) == 1 else None)
        if not isinstance(lockfile, str):
            raise ConfigError(f"[tool.wh.{key}] lockfile: name one of {', '.join(lockfiles)}")
        entry, script = spec.get("entry-point"), spec.get("script")
        if (entry is None) == (script is None):
            raise ConfigError(f"[tool.wh.{key}]: give exactly one of entry-point or script")
        if entry is not None and (not isinstance(entry, str) or ":" not in entry):
            raise ConfigError(f"[tool.wh.{key}] entry-point: expected module:function")
        if script is not None and not isinstance(script, str):
            raise ConfigError(f"[tool.wh.{key}] script: expected a console script name")
        shebang = spec.get("shebang", DEFAULT_SHEBANG)
        if not isinstance(shebang, str) or not shebang.strip() or "\n" in shebang:
            raise ConfigError(
                f"[tool.wh.{key}] shebang: expected one line, e.g. {DEFAULT_SHEBANG!r}"
            )
        specs[name] = PexSpec(
            name=name,
            lockfile=lockfile,
            output=spec["output"],
            entry_point=entry,
            script=script,
            sources=_list(f"{key}.sources", spec["sources"]) if "sources" in spec else (),
            platforms=_list(f"{key}.platforms", spec["platforms"]) if "platforms" in spec else None,
            python=_list(f"{key}.python", spec["python"]) if "python" in spec else None,
            shebang=shebang if shebang.startswith("#!") else f"#!{shebang}",
        )
    return specs


def module_paths(entry_point: str) -> tuple[str, ...]:
    """The files (posix paths, relative to a source root or a wheel's root) any of which
    provides the module of ``module:function``: ``a/b.py``, ``a/b/__init__.py``, or an
    extension module ``a/b.<suffix>.so`` / ``.pyd`` (matched by prefix, see
    :func:`provides`)."""
    base = entry_point.partition(":")[0].strip().replace(".", "/")
    return (f"{base}.py", f"{base}/__init__.py", f"{base}.")


def provides(entry_point: str, files: set[str] | frozenset[str]) -> bool:
    """Whether ``files`` hold the module of ``entry_point`` (see :func:`module_paths`)."""
    py, package, ext = module_paths(entry_point)
    if py in files or package in files:
        return True
    return any(f.startswith(ext) and f.endswith((".so", ".pyd")) for f in files)
