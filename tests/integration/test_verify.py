"""wh verify with real git and git-lfs: a synced wheelhouse committed through LFS, pushed to a
bare file:// remote, cloned without LFS content, verified with the index server stopped; then
each kind of damage caught by its own finding kind."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.integration.conftest import NATIVE_WHEEL, WH, Project, Run
from tests.support.gitrepo import bare_remote, clone_without_lfs, git, stage_raw_blob
from tests.support.netenv import isolated_env
from tests.support.wheels import sha256_of
from wh.adapters.git import blob_id, staged_files
from wh.core.lfs import Pointer, pointer_bytes


@dataclass
class Checkouts:
    project: Project
    clone: Path  # GIT_LFS_SKIP_SMUDGE clone: wheels are pointers

    def verify(self, *args: str, at: Path | None = None) -> Run:
        return self.project.wh("verify", "--format", "json", *args, at=at)


def kinds(run: Run) -> set[tuple[str, str]]:
    return {(f["kind"], f["package"]) for f in run.json["findings"]}


@pytest.fixture
def checkouts(committed: Project, tmp_path: Path) -> Checkouts:
    url = bare_remote(committed.dir, tmp_path / "remote.git")
    clone = tmp_path / "clone"
    clone_without_lfs(url, clone)
    assert (clone / "wheelhouse" / NATIVE_WHEEL).read_bytes().startswith(b"version https://")
    return Checkouts(committed, clone)


def test_clean_wheelhouse_verifies_in_every_mode(checkouts: Checkouts) -> None:
    full = checkouts.verify()
    assert full.code == 0, full.output
    assert full.json["ok"] is True
    assert len(full.json["targets"]) == 8
    assert all(t["gaps"] == 0 and t["bad"] == 0 for t in full.json["targets"])

    pointers = checkouts.verify("--pointers", at=checkouts.clone)  # index server is stopped
    assert pointers.code == 0, pointers.output
    assert any("closure not checked" in n for n in pointers.json["notes"])

    staged = checkouts.verify("--staged")
    assert staged.code == 0, staged.output

    plain = checkouts.verify(at=checkouts.clone)  # pointers as files: said once, not per file
    assert plain.code == 1
    (finding,) = plain.json["findings"]
    assert finding["kind"] == "lfs-pointers"
    assert "git lfs pull" in finding["hint"] and "wh verify --pointers" in finding["hint"]
    assert all(t["gaps"] == 0 and t["bad"] == 0 for t in plain.json["targets"])


def test_deleted_wheel_is_missing(checkouts: Checkouts) -> None:
    clone = checkouts.clone
    git(clone, "rm", "-q", f"wheelhouse/{NATIVE_WHEEL}")

    run = checkouts.verify("--pointers", at=clone)

    assert run.code == 1
    assert kinds(run) == {("missing", "native")}
    (finding,) = run.json["findings"]
    assert finding["target"] == "cp311-manylinux_2_28_x86_64"
    assert finding["file"].startswith("requirements.txt:")
    statuses = {t["name"]: t for t in run.json["targets"]}
    assert statuses["cp311-manylinux_2_28_x86_64"]["gaps"] == 1
    assert statuses["cp312-manylinux_2_28_x86_64"]["gaps"] == 0


def test_flipped_byte_is_a_hash_mismatch(checkouts: Checkouts) -> None:
    wheel = checkouts.project.wheelhouse / NATIVE_WHEEL
    data = bytearray(wheel.read_bytes())
    data[len(data) // 2] ^= 0x01
    wheel.write_bytes(bytes(data))

    run = checkouts.verify()

    assert run.code == 1
    assert ("hash-mismatch", "native") in kinds(run)
    statuses = {t["name"]: t for t in run.json["targets"]}
    assert statuses["cp311-manylinux_2_28_x86_64"]["bad"] == 1


def test_pointer_with_an_unlocked_oid(checkouts: Checkouts) -> None:
    clone = checkouts.clone
    pointer = clone / "wheelhouse" / NATIVE_WHEEL
    text = pointer.read_text()
    oid = text.split("oid sha256:")[1].split()[0]
    pointer.write_text(text.replace(oid, "0" * 64))
    git(clone, "add", f"wheelhouse/{NATIVE_WHEEL}")

    run = checkouts.verify("--pointers", at=clone)

    assert run.code == 1
    assert ("hash-mismatch", "native") in kinds(run)
    assert "0" * 64 in run.output


def test_wheel_staged_as_raw_blob(checkouts: Checkouts) -> None:
    repo = checkouts.project.dir
    stage_raw_blob(repo, f"wheelhouse/{NATIVE_WHEEL}")

    run = checkouts.verify("--staged")

    assert run.code == 1
    assert ("not-lfs", "native") in kinds(run)
    (finding,) = [f for f in run.json["findings"] if f["kind"] == "not-lfs"]
    assert "git rm --cached" in finding["hint"]
    for args in ((), ("--no-cache",)):  # the working tree's file is fine; its blob is not
        plain = checkouts.verify(*args)
        assert plain.code == 1 and kinds(plain) == {("not-lfs", "native")}, plain.output


def test_lock_line_added_without_its_wheels(checkouts: Checkouts) -> None:
    project = checkouts.project
    lock = project.dir / "requirements.txt"
    lock.write_text(lock.read_text() + "newdep==1.0 \\\n    --hash=sha256:" + "a" * 64 + "\n")

    run = checkouts.verify()

    assert run.code == 1
    assert kinds(run) == {("missing", "newdep")}
    assert len(run.json["findings"]) == 8  # every target lacks it

    git(project.dir, "add", "requirements.txt")
    staged = checkouts.verify("--staged")
    assert kinds(staged) == {("missing", "newdep")}


def test_dependency_missing_on_one_platform_only(checkouts: Checkouts) -> None:
    project = checkouts.project
    project.lines = [line for line in project.lines if not line.startswith("secretstorage")]
    project.write_lock()

    run = checkouts.verify("--no-cache")

    assert run.code == 1
    closure = [f for f in run.json["findings"] if f["kind"] == "closure"]
    assert {f["target"] for f in closure} == {
        "cp311-manylinux_2_28_x86_64",
        "cp311-manylinux_2_28_aarch64",
        "cp312-manylinux_2_28_x86_64",
        "cp312-manylinux_2_28_aarch64",
    }
    assert all(f["package"] == "keyring" for f in closure)
    assert "requires secretstorage>=3.2" in closure[0]["message"]
    # the secretstorage wheel is now unused: hygiene says so too
    assert ("unused", "secretstorage") in kinds(run)


def test_gitattributes_not_routing_wheels(checkouts: Checkouts) -> None:
    repo = checkouts.project.dir
    (repo / ".gitattributes").write_text("")

    run = checkouts.verify()

    assert ("gitattributes", "") in kinds(run)


def test_github_annotations(checkouts: Checkouts) -> None:
    git(checkouts.clone, "rm", "-q", f"wheelhouse/{NATIVE_WHEEL}")

    run = checkouts.project.wh("verify", "--pointers", "--format", "github", at=checkouts.clone)

    assert run.code == 1
    line = next(x for x in run.stdout.splitlines() if x.startswith("::error"))
    assert line.startswith("::error file=requirements.txt,line=")
    assert "title=wh verify: missing on cp311-manylinux_2_28_x86_64::" in line


def test_git_lfs_stages_the_pointer_file_wh_predicts(committed: Project) -> None:
    """A cached verify takes a staged wheel for the pointer of the working tree's file when
    the blob ids agree (no blob read): the pointer file must be git-lfs's, byte for byte."""
    staged = staged_files(committed.dir, "wheelhouse")
    wheels = [p for p in staged if p.endswith(".whl")]
    assert len(wheels) > 3
    for path in wheels:
        file = committed.dir / path
        pointer = Pointer(sha256_of(file), file.stat().st_size)
        assert blob_id(pointer_bytes(pointer), like=staged[path]) == staged[path]


def test_git_processes_a_verify_starts(committed: Project, tmp_path: Path) -> None:
    """A cached verify of a wheelhouse that matches its index reads no blob (3 git runs); a
    --pointers verify reads every pointer in one cat-file (4)."""
    bin_dir, log = tmp_path / "bin", tmp_path / "git.log"
    bin_dir.mkdir()
    real = next(
        d / "git" for d in map(Path, os.environ["PATH"].split(os.pathsep)) if (d / "git").is_file()
    )
    wrapper = bin_dir / "git"
    wrapper.write_text(f'#!/bin/sh\necho "$1" >> {log}\nexec {real} "$@"\n')
    wrapper.chmod(0o755)
    path = f"{bin_dir}{os.pathsep}{os.environ['PATH']}"
    env = isolated_env(WH_CACHE_DIR=str(committed.cache), PATH=path)

    def started(*args: str) -> list[str]:
        log.unlink(missing_ok=True)
        proc = subprocess.run(
            [WH, "verify", *args, "--project", str(committed.dir)], env=env, capture_output=True
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
        return sorted(log.read_text().split())

    assert started("--no-cache") == ["check-attr", "ls-files", "rev-parse"]
    assert started() == ["check-attr", "ls-files", "rev-parse"]  # fills the hash cache
    # the cached sha256 of each working-tree wheel names the pointer its blob id proves
    assert started("--pointers") == ["check-attr", "ls-files", "rev-parse"]
    assert started("--pointers", "--no-cache") == [
        "cat-file",
        "check-attr",
        "ls-files",
        "rev-parse",
    ]


def test_a_cached_hash_cannot_stand_in_for_a_staged_pointer(committed: Project) -> None:
    """--pointers takes the cache's sha256 of a working-tree wheel only where the staged blob
    id proves the pointer: a pointer staged with another oid is read, and is a mismatch."""
    assert committed.wh("verify").code == 0  # the hash cache now holds every wheel
    path = f"wheelhouse/{NATIVE_WHEEL}"
    size = (committed.dir / path).stat().st_size
    wrong = pointer_bytes(Pointer("0" * 64, size))
    blob = (
        subprocess.run(
            ["git", "hash-object", "-w", "--stdin"],
            cwd=committed.dir,
            input=wrong,
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .strip()
    )
    git(committed.dir, "update-index", "--cacheinfo", f"100644,{blob},{path}")

    run = committed.wh("verify", "--pointers", "--format", "json")

    assert run.code == 1
    assert ("hash-mismatch", "native") in kinds(run)
    assert "0" * 64 in run.output


def test_an_unchanged_verify_rewrites_no_cache_file(committed: Project) -> None:
    """Once the caches hold the wheelhouse (hashes, METADATA, binary verdicts), a verify in
    any mode reads them and writes nothing."""
    assert committed.wh("verify").code == 0
    caches = sorted(committed.cache.rglob("*.json"))
    assert {p.name for p in caches} >= {"hashes.json", "metadata.json", "binaries.json"}

    def state() -> list[tuple[str, int, int]]:
        return [(str(p), p.stat().st_ino, p.stat().st_mtime_ns) for p in caches]

    before = state()
    for args in ((), ("--pointers",), ("--staged",)):
        run = committed.wh("verify", *args)
        assert run.code == 0, run.output
        assert state() == before, args
        assert sorted(committed.cache.rglob("*.json")) == caches
