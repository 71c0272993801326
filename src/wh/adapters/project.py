"""The project on disk: ``pyproject.toml``'s ``[tool.wh]`` table and the lockfiles it names."""

from __future__ import annotations

import tomllib
from pathlib import Path

from wh.core.config import Config, parse_config
from wh.core.lockfile import Lockfile, parse_lockfile
from wh.errors import ConfigError, LockfileError


def read_pyproject(project: Path) -> dict[str, object]:
    path = project / "pyproject.toml"
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: not found", hint="run wh in the project directory, or pass --project DIR"
        ) from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from None


def load_config(project: Path) -> Config:
    """The validated ``[tool.wh]`` table; documented defaults where it is absent."""
    data = read_pyproject(project)
    tool = data.get("tool", {})
    table = tool.get("wh", {}) if isinstance(tool, dict) else {}
    if not isinstance(table, dict):
        raise ConfigError("[tool.wh]: expected a table")
    return parse_config(table)


def read_lockfiles(project: Path, config: Config) -> list[tuple[Lockfile, str]]:
    """Each configured lockfile, parsed, with its raw text (includes appended) for cache keys."""
    result: list[tuple[Lockfile, str]] = []
    for name in config.lockfiles:
        texts: list[str] = []

        def read(path: str, texts: list[str] = texts) -> str:
            text = (project / path).read_text(encoding="utf-8")
            texts.append(text)
            return text

        try:
            lockfile = parse_lockfile(name, read)
        except LockfileError as exc:
            if not (project / name).exists():
                raise LockfileError(
                    f"{name}: no such lockfile (named by [tool.wh] lockfiles)",
                    hint="compile it first (pip-compile --generate-hashes, or wh lock)",
                ) from None
            raise exc
        result.append((lockfile, "\0".join(texts)))
    return result
