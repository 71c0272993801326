"""The project on disk (or as staged in git): ``pyproject.toml``'s ``[tool.wh]`` table and the
lockfiles it names. Reading goes through a ``read(path)`` callable so that verify --staged
reads exactly what the commit will contain."""

from __future__ import annotations

import errno
import tomllib
from collections.abc import Callable
from pathlib import Path

from wh.core.config import Config, parse_config
from wh.core.lockfile import Lockfile, parse_lockfile
from wh.errors import ConfigError, LockfileError, NotUtf8

Reader = Callable[[str], str]


class OutsideProject(OSError):
    """A path that resolves (through a symlink) to a file outside the project."""


def disk_reader(project: Path) -> Reader:
    """Read project files; a file that resolves outside the project is refused, never read."""
    root = project.resolve()

    def read(path: str) -> str:
        full = project / path
        if not full.resolve().is_relative_to(root):
            raise OutsideProject(errno.EACCES, "it resolves outside the project", path)
        data = full.read_bytes()
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise NotUtf8(
                f"{path}: not UTF-8 text (byte {exc.start} is {data[exc.start]:#04x})",
                hint=f"save {path} as UTF-8",
            ) from None

    return read


def read_pyproject(project: Path, read: Reader | None = None) -> dict[str, object]:
    read = read or disk_reader(project)
    try:
        return tomllib.loads(read("pyproject.toml"))
    except FileNotFoundError:
        raise ConfigError(
            f"{project / 'pyproject.toml'}: not found",
            hint="run wh in the project directory, or pass --project DIR",
        ) from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{project / 'pyproject.toml'}: {exc}") from None


def load_config(project: Path, read: Reader | None = None, *, required: bool = True) -> Config:
    """The validated ``[tool.wh]`` table. Without one, a ConfigError pointing at ``wh init``
    (no silent defaults: the targets and the index would be guesses), unless not
    ``required`` (``wh platforms`` shows the documented defaults)."""
    data = read_pyproject(project, read)
    tool = data.get("tool", {})
    if not isinstance(tool, dict) or "wh" not in tool:
        if required:
            raise ConfigError(
                f"{project / 'pyproject.toml'}: no [tool.wh] table (which targets, which index?)",
                hint="run wh init to add a starting [tool.wh] table, then edit its platforms",
            )
        return parse_config({})
    table = tool["wh"]
    if not isinstance(table, dict):
        raise ConfigError("[tool.wh]: expected a table")
    return parse_config(table)


def read_lockfiles(
    project: Path, config: Config, read: Reader | None = None
) -> list[tuple[Lockfile, str]]:
    """Each configured lockfile, parsed, with its raw text (includes appended) for cache keys."""
    read = read or disk_reader(project)
    result: list[tuple[Lockfile, str]] = []
    for name in config.lockfiles:
        texts: list[str] = []

        def recording(path: str, texts: list[str] = texts) -> str:
            text = read(path)
            texts.append(text)
            return text

        try:
            lockfile = parse_lockfile(name, recording)
        except LockfileError as exc:
            if not texts and isinstance(exc.__cause__, FileNotFoundError):
                raise LockfileError(
                    f"{name}: no such lockfile (named by [tool.wh] lockfiles)",
                    hint="compile it first (wh lock, or pip-compile --generate-hashes)",
                ) from None
            raise
        result.append((lockfile, "\0".join(texts)))
    return result


def inside_repository(project: Path, wheelhouse: str) -> Path:
    """The wheelhouse directory, refused (exit 2) when it lies outside the project's git
    repository: what wh verify checks, and every command that writes it keeps to."""
    from wh.adapters import git

    path = (project / wheelhouse).resolve()
    if path.is_relative_to(project.resolve()):
        return path  # inside the project, so inside any repository the project is in
    repo = git.toplevel(project)
    if repo is not None and not path.is_relative_to(repo.resolve()):
        raise ConfigError(
            f"[tool.wh] wheelhouse: {path} is outside the git repository {repo}",
            hint='keep the wheelhouse inside the repository (e.g. wheelhouse = "wheelhouse")',
        )
    return path
