"""git and git-lfs, by subprocess."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from wh.errors import GitError


def _git(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)


def is_repository(path: Path) -> bool:
    if shutil.which("git") is None:
        return False
    return _git(path, "rev-parse", "--is-inside-work-tree").stdout.strip() == "true"


def lfs_available(path: Path) -> bool:
    return shutil.which("git") is not None and _git(path, "lfs", "version").returncode == 0


def lfs_installed_local(path: Path) -> bool:
    """Whether ``git lfs install --local`` has run here (its filter is in the repository's own
    config; a system-wide filter does not install the hooks)."""
    return _git(path, "config", "--local", "--get", "filter.lfs.process").returncode == 0


def lfs_install_local(path: Path) -> None:
    proc = _git(path, "lfs", "install", "--local")
    if proc.returncode != 0:
        raise GitError(f"git lfs install --local failed in {path}: {proc.stderr.strip()}")


def toplevel(path: Path) -> Path | None:
    """The root of the work tree holding ``path``; None outside one (or without git)."""
    if shutil.which("git") is None:
        return None
    proc = _git(path, "rev-parse", "--show-toplevel")
    root = proc.stdout.strip()
    return Path(root) if proc.returncode == 0 and root else None


def staged_files(repo: Path, under: str) -> dict[str, str]:
    """Paths (relative to ``repo``) below ``under`` in the git index -> their blob ids."""
    proc = subprocess.run(
        ["git", "ls-files", "-s", "-z", "--", under],
        cwd=repo,
        capture_output=True,
        check=False,
    )
    if proc.returncode != 0:
        raise GitError(f"git ls-files failed in {repo}: {proc.stderr.decode(errors='replace')}")
    entries: dict[str, str] = {}
    for record in proc.stdout.split(b"\0"):
        if record:
            meta, path = record.split(b"\t", 1)
            entries[path.decode()] = meta.split()[1].decode()
    return entries


def read_blobs(repo: Path, blob_ids: list[str]) -> dict[str, bytes]:
    """Contents of blobs by id, in one `git cat-file --batch` process."""
    if not blob_ids:
        return {}
    proc = subprocess.run(
        ["git", "cat-file", "--batch"],
        cwd=repo,
        input="".join(f"{b}\n" for b in blob_ids).encode(),
        capture_output=True,
        check=False,
    )
    if proc.returncode != 0:
        raise GitError(f"git cat-file failed in {repo}: {proc.stderr.decode(errors='replace')}")
    out, blobs, pos = proc.stdout, {}, 0
    while pos < len(out):
        end = out.index(b"\n", pos)
        header = out[pos:end].split()
        if len(header) < 3:  # "<id> missing"
            pos = end + 1
            continue
        size = int(header[2])
        blobs[header[0].decode()] = out[end + 1 : end + 1 + size]
        pos = end + 1 + size + 1
    return blobs


def blob_id(data: bytes, like: str) -> str:
    """The id git gives a blob holding ``data``, hashed as the id ``like`` is (a repository's
    ids are SHA-1, 40 hex digits, or SHA-256, 64)."""
    import hashlib

    digest = hashlib.sha256 if len(like) == 64 else hashlib.sha1
    return digest(b"blob %d\0%b" % (len(data), data)).hexdigest()


def show_staged(repo: Path, path: str) -> str:
    """A file as staged in the git index (``git show :path``)."""
    proc = _git(repo, "show", f":{path}")
    if proc.returncode != 0:
        raise FileNotFoundError(f"{path}: not in the git index")
    return proc.stdout


def lfs_routed(repo: Path, paths: list[str]) -> dict[str, bool]:
    """Whether git routes each path through the lfs filter (git check-attr)."""
    if not paths:
        return {}
    proc = subprocess.run(
        ["git", "check-attr", "-z", "filter", "--stdin"],
        cwd=repo,
        input=b"".join(p.encode() + b"\0" for p in paths),
        capture_output=True,
        check=False,
    )
    fields = proc.stdout.split(b"\0")
    routed: dict[str, bool] = {}
    for i in range(0, len(fields) - 2, 3):
        routed[fields[i].decode()] = fields[i + 2] == b"lfs"
    return routed


def lfs_objects_dir(repo: Path) -> Path:
    """Where git-lfs keeps this repository's local objects."""
    git_dir = _git(repo, "rev-parse", "--git-common-dir").stdout.strip()
    return (repo / git_dir / "lfs" / "objects").resolve()


def lfs_object(objects: Path, oid: str) -> Path | None:
    """The local LFS object for ``oid`` under ``objects``, if git-lfs has it."""
    path = objects / oid[:2] / oid[2:4] / oid
    return path if path.is_file() else None


def head_commit(repo: Path) -> str | None:
    """The full hash of the checked-out commit (None: not a repository, or no commit yet)."""
    proc = _git(repo, "rev-parse", "--verify", "--quiet", "HEAD")
    return proc.stdout.strip() if proc.returncode == 0 else None


def changed_tracked(repo: Path) -> list[str]:
    """Tracked files with uncommitted changes (staged or not); untracked files don't count."""
    proc = _git(repo, "status", "--porcelain=v1", "--untracked-files=no")
    if proc.returncode != 0:
        raise GitError(f"git status failed in {repo}: {proc.stderr.strip()}")
    return [line[3:] for line in proc.stdout.splitlines() if line.strip()]
