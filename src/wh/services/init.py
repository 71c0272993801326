"""``wh init``: route the wheelhouse through git-lfs and give the project a [tool.wh] table.

Idempotent: a second run finds everything in place and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from wh.adapters import git
from wh.adapters.fs import atomic_write
from wh.adapters.project import load_config, read_pyproject
from wh.core.lfs import lfs_rule
from wh.errors import ConfigError

STARTER = """
[tool.wh]
lockfiles = ["lockfiles/requirements.txt"]   # pip-tools format: pins, markers, hashes
wheelhouse = "wheelhouse"
python = ["3.11", "3.12"]                    # CPython versions served
# index-url = "https://..."                  # default: your pip configuration

[tool.wh.platforms]   # family -> the newest platform tag each kind of target machine supports
linux = ["manylinux_2_28_x86_64", "manylinux_2_28_aarch64"]
macosx = ["macosx_14_0_arm64", "macosx_13_0_x86_64"]
"""


@dataclass(slots=True)
class InitResult:
    changed: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    lfs_missing: bool = False


def init(project: Path) -> InitResult:
    result = InitResult()
    _ensure_table(project, result)
    config = load_config(project)
    _ensure_line(project / ".gitattributes", lfs_rule(config.wheelhouse), result)
    wheelhouse = project / config.wheelhouse
    if not wheelhouse.is_dir():
        wheelhouse.mkdir(parents=True)
        result.changed.append(f"{config.wheelhouse}/")
    if not git.is_repository(project):
        result.notes.append("not a git repository: run `git init`, then `wh init` again for LFS")
    elif not git.lfs_available(project):
        result.lfs_missing = True
        result.notes.append(
            "git-lfs is not installed: install it (apt-get install git-lfs, brew install git-lfs)"
            " and run `wh init` again"
        )
    elif not git.lfs_installed_local(project):
        git.lfs_install_local(project)
        result.changed.append("git-lfs hooks and filters (git lfs install --local)")
    return result


def _ensure_table(project: Path, result: InitResult) -> None:
    path = project / "pyproject.toml"
    if path.exists():
        tool = read_pyproject(project).get("tool", {})
        if isinstance(tool, dict) and "wh" in tool:
            return
        text = path.read_text(encoding="utf-8")
        text = text if text.endswith("\n") or not text else text + "\n"
    else:
        text = ""
    atomic_write(path, (text + STARTER.lstrip("\n" if not text else "")).encode())
    result.changed.append("pyproject.toml")
    try:
        load_config(project)
    except ConfigError as exc:  # pragma: no cover - the starter table is valid
        raise AssertionError(f"starter [tool.wh] table is invalid: {exc}") from None


def _ensure_line(path: Path, line: str, result: InitResult) -> None:
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if line in text.splitlines():
        return
    sep = "" if not text or text.endswith("\n") else "\n"
    atomic_write(path, f"{text}{sep}{line}\n".encode())
    result.changed.append(path.name)
