"""git's index read back: staged paths with their blob ids, and blob contents by id from one
`git cat-file --batch` (whose output is parsed by size, so any bytes survive)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.support.gitrepo import git, git_env
from wh.adapters.git import GitError, blob_id, read_blobs, staged_files

CONTENTS = {
    "empty": b"",
    "text": b"one line\n",
    "no newline at the end": b"abc",
    "lines that look like headers": b"0123 blob 5\n\n\nmissing\n",
    "binary": bytes(range(256)) * 3,
}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    git(tmp_path, "init", "-q", "-b", "main")
    return tmp_path


def store(repo: Path, data: bytes) -> str:
    proc = subprocess.run(
        ["git", "hash-object", "-w", "--stdin"],
        cwd=repo,
        env=git_env(),
        input=data,
        capture_output=True,
        check=True,
    )
    return proc.stdout.decode().strip()


def test_every_blob_comes_back_byte_for_byte(repo: Path) -> None:
    ids = {name: store(repo, data) for name, data in CONTENTS.items()}
    blobs = read_blobs(repo, list(ids.values()))
    assert {name: blobs[blob] for name, blob in ids.items()} == CONTENTS


def test_a_missing_blob_is_left_out_and_the_rest_still_read(repo: Path) -> None:
    text = store(repo, b"kept\n")
    absent = "0" * 40
    assert read_blobs(repo, [absent, text, absent]) == {text: b"kept\n"}


def test_no_ids_no_blobs(tmp_path: Path) -> None:
    assert read_blobs(tmp_path / "not a repository", []) == {}


def test_outside_a_repository_is_a_git_error(tmp_path: Path) -> None:
    with pytest.raises(GitError, match="git cat-file failed"):
        read_blobs(tmp_path, ["0" * 40])


def test_staged_files_give_the_ids_read_blobs_reads(repo: Path) -> None:
    house = repo / "wheelhouse"
    house.mkdir()
    (house / "a b.whl").write_bytes(b"PK\x03\x04 wheel a")
    (house / "c.whl").write_bytes(b"a pointer, say\n")
    (repo / "outside.txt").write_text("not listed")
    git(repo, "add", "-A")
    staged = staged_files(repo, "wheelhouse")
    assert sorted(staged) == ["wheelhouse/a b.whl", "wheelhouse/c.whl"]
    blobs = read_blobs(repo, list(staged.values()))
    assert blobs[staged["wheelhouse/a b.whl"]] == b"PK\x03\x04 wheel a"
    assert blobs[staged["wheelhouse/c.whl"]] == b"a pointer, say\n"


@pytest.mark.parametrize("object_format", ["sha1", "sha256"])
def test_blob_id_is_the_id_git_gives(tmp_path: Path, object_format: str) -> None:
    git(tmp_path, "init", "-q", f"--object-format={object_format}")
    for data in CONTENTS.values():
        stored = store(tmp_path, data)
        assert blob_id(data, like=stored) == stored
