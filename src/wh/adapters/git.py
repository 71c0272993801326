"""git and git-lfs, by subprocess."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from wh.errors import WhError


class GitError(WhError):
    pass


def _git(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)


def is_repository(path: Path) -> bool:
    if shutil.which("git") is None:
        return False
    return _git(path, "rev-parse", "--is-inside-work-tree").stdout.strip() == "true"


def lfs_available(path: Path) -> bool:
    return shutil.which("git") is not None and _git(path, "lfs", "version").returncode == 0


def lfs_install_local(path: Path) -> None:
    proc = _git(path, "lfs", "install", "--local")
    if proc.returncode != 0:
        raise GitError(f"git lfs install --local failed in {path}: {proc.stderr.strip()}")
