"""wh verify with real git and git-lfs: a synced wheelhouse committed through LFS, pushed to a
bare file:// remote, cloned without LFS content, verified with the index server stopped; then
each kind of damage caught by its own finding kind."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.integration.conftest import NATIVE_WHEEL, Project, Run
from tests.support.gitrepo import bare_remote, clone_without_lfs, git, stage_raw_blob


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
