"""What a new user and a fault campaign found, run through the real `wh` process: hostile
includes, a non-UTF-8 lockfile, a project without [tool.wh], a checkout without LFS content,
a stale lock."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.conftest import Project

SECRET = "machine 127.0.0.1 login me password hunter2-secret"


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    path = tmp_path / "netrc"
    path.write_text(SECRET + "\n")
    return path


def _bare(project: Project, lock: str) -> None:
    project.lines = [lock]
    project.write("http://127.0.0.1:9/simple")


@pytest.mark.parametrize("form", ["-r {secret}", "-c {secret}", "-r ../netrc"])
def test_an_include_outside_the_project_is_refused_and_never_quoted(
    project: Project, secret: Path, form: str
) -> None:
    _bare(project, form.format(secret=secret))
    run = project.wh("verify")
    assert run.code == 2, run.output
    assert "requirements.txt:2" in run.stderr  # the test's lock has a comment on line 1
    assert "outside the project" in run.stderr
    assert "hunter2" not in run.output


def test_a_symlink_leading_out_of_the_project_is_not_read(project: Project, secret: Path) -> None:
    (project.dir / "inc.txt").symlink_to(secret)
    _bare(project, "-r inc.txt")
    run = project.wh("verify")
    assert run.code == 2, run.output
    assert "inc.txt" in run.stderr and "outside the project" in run.stderr
    assert "hunter2" not in run.output


def test_a_configured_lockfile_outside_the_project_is_refused(
    project: Project, secret: Path
) -> None:
    _bare(project, "")
    pyproject = project.dir / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('["requirements.txt"]', f'["{secret}"]'))
    run = project.wh("verify")
    assert run.code == 2, run.output
    assert "outside the project" in run.stderr
    assert "hunter2" not in run.output


def test_a_lockfile_that_is_not_utf8_says_so(project: Project) -> None:
    _bare(project, "")
    (project.dir / "requirements.txt").write_bytes(b"caf\xe9==1.0\n")
    run = project.wh("verify")
    assert run.code == 2, run.output
    assert "requirements.txt: not UTF-8" in run.stderr
    assert "no such lockfile" not in run.stderr


def test_without_a_tool_wh_table_commands_point_at_wh_init(project: Project) -> None:
    (project.dir / "pyproject.toml").write_text('[project]\nname = "demo"\nversion = "0"\n')
    for command in ("sync", "verify", "lock", "pex"):
        run = project.wh(command)
        assert run.code == 2, (command, run.output)
        assert "no [tool.wh] table" in run.stderr and "wh init" in run.stderr, command
    assert project.wh("platforms").code == 0  # shows the documented defaults


def test_staged_findings_say_git_add(committed: Project) -> None:
    from tests.support.gitrepo import git

    wheel = next(p for p in committed.wheelhouse.iterdir() if p.name.startswith("pure-"))
    git(committed.dir, "rm", "-q", "--cached", f"wheelhouse/{wheel.name}")
    run = committed.wh("verify", "--staged", "--format", "json")
    assert run.code == 1, run.output
    assert all("git add -A wheelhouse" in f["hint"] for f in run.json["findings"])


def _pex_info_only(path: Path, info: dict[str, object]) -> Path:
    import json
    import zipfile

    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("PEX-INFO", json.dumps(info))
    return path


def test_inspect_judges_by_the_complete_platforms_a_pex_records(
    project: Project, tmp_path: Path
) -> None:
    from wh.core.targets import make_target

    mac = make_target("3.12", "macosx_15_6_arm64").complete_platform()
    info = {
        "requirements": ["native==2.0"],
        "distributions": {"native-2.0-cp312-cp312-macosx_11_0_arm64.whl": "0" * 64},
        "build_properties": {"pex_version": "2.0", "wh_complete_platforms": [mac]},
    }
    pex = _pex_info_only(tmp_path / "mac.pex", info)

    run = project.wh("inspect", str(pex), "--format", "json")  # no pyproject.toml: none needed

    assert run.code == 0, run.output
    assert run.json["targets"] == ["cp312-macosx_15_6_arm64"] and run.json["missing"] == {}


def test_inspect_of_a_pex_recording_no_targets_needs_them_named(
    project: Project, tmp_path: Path
) -> None:
    pex = _pex_info_only(tmp_path / "plain.pex", {"requirements": [], "distributions": {}})
    run = project.wh("inspect", str(pex))
    assert run.code == 2, run.output
    assert "records no targets" in run.stderr and "--platforms" in run.stderr
    named = project.wh("inspect", str(pex), "--platforms", "linux", "--python", "3.12")
    assert named.code == 0, named.output
