"""wh lock and the lock it writes, as a new user meets them: a dead index, a typo, a lock
that no longer matches its inputs, an include leading out of the project."""

from __future__ import annotations

import socket

import pytest

from tests.integration.conftest import Project
from tests.integration.test_lock import LOCK, pyproject
from tests.integration.test_lock import locking as locking
from tests.support.index import SimpleIndex

IN = "lockfiles/requirements.in"


def _dead_url() -> str:
    with socket.socket() as s:  # a port nothing listens on once closed
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/simple"


@pytest.mark.parametrize("resolver", ["pip-tools", "uv"])
def test_lock_with_the_index_down_exits_3_naming_it(
    locking: tuple[Project, SimpleIndex], resolver: str
) -> None:
    project, _ = locking
    (project.dir / "pyproject.toml").write_text(pyproject(_dead_url()))

    run = project.wh("lock", "--resolver", resolver, timeout=60)

    assert run.code == 3, run.output
    assert "index unreachable" in run.stderr
    assert "conflicting dependencies" not in run.output
    assert not (project.dir / LOCK).exists()


def test_a_typo_is_said_once_for_every_target_it_fails(
    locking: tuple[Project, SimpleIndex],
) -> None:
    project, _ = locking
    (project.dir / IN).write_text("app\nnaitve-typo\n")

    run = project.wh("lock")

    assert run.code == 1, run.output
    assert run.stderr.count("No matching distribution found for naitve-typo") == 1
    assert "6 target(s)" in run.stderr
    assert "DistributionNotFound" not in run.stderr, run.stderr
    hint = run.stderr.split("hint:", 1)[1]
    assert "spelling" in hint and "naitve-typo" in hint
    assert "[tool.wh.platforms]" not in hint  # dropping a target does not fix a typo


def test_verify_reports_a_lock_its_inputs_moved_away_from(
    locking: tuple[Project, SimpleIndex],
) -> None:
    project, _ = locking
    assert project.wh("lock").code == 0
    header = (project.dir / LOCK).read_text().split("\n\n", 1)[0]
    assert "# wh-input: sha256=" in header and IN in header
    synced = project.wh("sync")
    assert synced.code == 0, synced.output
    assert project.wh("verify").code == 0

    (project.dir / IN).write_text("app\ntomli\n")
    stale = project.wh("verify", "--format", "json")

    assert stale.code == 1, stale.output
    (finding,) = [f for f in stale.json["findings"] if f["kind"] == "stale-lock"]
    assert finding["file"] == IN
    assert IN in finding["message"] and "wh lock" in finding["hint"]


def test_an_input_including_a_file_outside_the_project_is_refused(
    locking: tuple[Project, SimpleIndex],
) -> None:
    project, _ = locking
    (project.dir / IN).write_text("app\n-r /etc/passwd\n")
    run = project.wh("lock")
    assert run.code == 2, run.output
    assert f"{IN}:2" in run.stderr and "outside the project" in run.stderr
    assert "root:" not in run.output
