"""Real git and git-lfs for tests: repositories, bare `file://` remotes, skip-smudge clones."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.support.netenv import isolated_env

IDENTITY = {
    "GIT_AUTHOR_NAME": "wh tests",
    "GIT_AUTHOR_EMAIL": "tests@wh.invalid",
    "GIT_COMMITTER_NAME": "wh tests",
    "GIT_COMMITTER_EMAIL": "tests@wh.invalid",
}


def git_env(**extra: str) -> dict[str, str]:
    return isolated_env(**IDENTITY, **extra)


def git(cwd: Path, *args: str, **env: str) -> str:
    proc = subprocess.run(
        ["git", *args], cwd=cwd, env=git_env(**env), capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout


def init_repo(path: Path) -> None:
    git(path, "init", "-q", "-b", "main")
    git(path, "lfs", "install", "--local")


def commit_all(path: Path, message: str) -> None:
    git(path, "add", "-A")
    git(path, "commit", "-q", "-m", message)


def bare_remote(repo: Path, remote: Path) -> str:
    """A bare repository at ``remote``, pushed to from ``repo`` (LFS objects included)."""
    git(remote.parent, "init", "-q", "--bare", "-b", "main", remote.name)
    url = remote.resolve().as_uri()
    git(repo, "remote", "add", "origin", url)
    git(repo, "push", "-q", "origin", "main")
    return url


def clone_without_lfs(url: str, dest: Path) -> None:
    """A clone whose LFS files stay pointers, as a CI checkout with LFS off has them."""
    git(dest.parent, "clone", "-q", url, dest.name, GIT_LFS_SKIP_SMUDGE="1")


def stage_raw_blob(repo: Path, path: str) -> None:
    """Stage ``path`` as a raw blob, bypassing the LFS clean filter (the mistake verify catches)."""
    blob = git(repo, "hash-object", "-w", "--no-filters", path).strip()
    git(repo, "update-index", "--add", "--cacheinfo", f"100644,{blob},{path}")
