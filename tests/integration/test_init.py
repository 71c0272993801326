"""wh init: LFS routing, git-lfs hooks, a starting [tool.wh] table; idempotent."""

from __future__ import annotations

import subprocess
import tomllib
from pathlib import Path

from tests.integration.conftest import WH
from tests.support.netenv import isolated_env


def wh_init(directory: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [WH, "init", "--project", str(directory)],
        env=isolated_env(),
        capture_output=True,
        text=True,
        check=False,
    )


def snapshot(directory: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(directory)): p.read_bytes()
        for p in sorted(directory.rglob("*"))
        if (p.is_file() and ".git/" not in str(p)) or p.name == "config"
    }


def test_init_in_a_git_repository_twice(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "app"\nversion = "1"\n')

    first = wh_init(tmp_path)

    assert first.returncode == 0, first.stderr
    attributes = (tmp_path / ".gitattributes").read_text()
    assert "wheelhouse/*.whl filter=lfs diff=lfs merge=lfs -text" in attributes.splitlines()
    table = tomllib.loads((tmp_path / "pyproject.toml").read_text())
    assert table["project"]["name"] == "app"  # the user's table is kept
    assert table["tool"]["wh"]["lockfiles"] == ["lockfiles/requirements.txt"]
    assert (tmp_path / "wheelhouse").is_dir()
    hooks = subprocess.run(
        ["git", "config", "--local", "--get", "filter.lfs.process"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert "git-lfs filter-process" in hooks.stdout
    before = snapshot(tmp_path)

    second = wh_init(tmp_path)

    assert second.returncode == 0, second.stderr
    assert "nothing to change" in second.stdout
    assert snapshot(tmp_path) == before


def test_init_keeps_an_existing_table_and_attributes(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.wh]\nwheelhouse = "wheels"\n')
    (tmp_path / ".gitattributes").write_text("*.png binary")

    run = wh_init(tmp_path)

    assert run.returncode == 0, run.stderr
    assert (tmp_path / "pyproject.toml").read_text() == '[tool.wh]\nwheelhouse = "wheels"\n'
    assert (tmp_path / ".gitattributes").read_text() == (
        "*.png binary\nwheels/*.whl filter=lfs diff=lfs merge=lfs -text\n"
    )
    assert "not a git repository" in run.stderr


def test_init_after_git_init_says_it_installed_the_lfs_hooks(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "app"\nversion = "1"\n')
    first = wh_init(tmp_path)  # not a repository yet: files written, a note to come back
    assert first.returncode == 0, first.stderr
    assert "git init" in first.stderr
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)

    again = wh_init(tmp_path)  # the files are in place; the hooks are not

    assert again.returncode == 0, again.stderr
    assert "git lfs install --local" in again.stdout
    assert "nothing to change" not in again.stdout
    assert (tmp_path / ".git" / "hooks" / "pre-push").is_file()
    assert "nothing to change" in wh_init(tmp_path).stdout


def test_init_keeps_the_mode_of_pyproject(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[project]\nname = "app"\nversion = "1"\n')
    pyproject.chmod(0o644)

    assert wh_init(tmp_path).returncode == 0

    assert pyproject.stat().st_mode & 0o777 == 0o644
