"""wh sync against a misbehaving index: every fault ends in a clear error or a retry, and the
wheelhouse never holds a partial or unverified file."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.integration.conftest import WH, Project
from tests.support.index import SimpleIndex
from tests.support.netenv import isolated_env
from tests.support.wheels import sha256_of

PURE = "pure-1.0-py3-none-any.whl"
OTHER = "other-2.0-py3-none-any.whl"


@pytest.fixture
def two(project: Project, index: SimpleIndex) -> Project:
    project.add("pure", "1.0", size=200_000)
    project.add("other", "2.0")
    project.write(index.url)
    return project


def assert_clean(project: Project) -> None:
    """Only whole, verified files; no temp file left behind."""
    lock = (project.dir / "requirements.txt").read_text()
    for path in project.wheelhouse.iterdir():
        assert not path.name.startswith(".wh-tmp-"), path
        if path.suffix == ".whl":
            assert sha256_of(path) in lock, path


def test_wrong_bytes_are_refused_and_nothing_written(two: Project, index: SimpleIndex) -> None:
    index.faults.wrong_bytes.add(PURE)

    run = two.sync()

    assert run.code == 1
    (error,) = run.json["errors"]
    assert error["message"].startswith(f"{PURE}: sha256 mismatch: expected ")
    assert sha256_of(two.dists / PURE) in error["message"]  # the expected hash
    assert ", got " in error["message"]
    assert PURE not in two.files()
    assert OTHER in two.files()  # the rest of the sync went on
    assert_clean(two)


def test_truncated_body_is_retried_then_fails_clearly(two: Project, index: SimpleIndex) -> None:
    index.faults.truncate.add(PURE)

    run = two.sync()

    assert run.code == 1
    assert index.downloads(PURE) == 4  # the first try and three retries
    assert "download failed after retries" in run.json["errors"][0]["message"]
    assert PURE not in two.files()
    assert_clean(two)
    index.faults.truncate.clear()
    assert two.sync().code == 0
    assert PURE in two.files()


def test_server_error_then_success_is_retried(two: Project, index: SimpleIndex) -> None:
    index.faults.fail_times[PURE] = 2
    index.faults.fail_times["other"] = 1  # the project page fails once too

    run = two.sync()

    assert run.code == 0, run.output
    assert index.downloads(PURE) == 3
    assert PURE in two.files()
    assert_clean(two)


def test_connection_reset_is_retried_then_fails_clearly(two: Project, index: SimpleIndex) -> None:
    index.faults.reset.add(PURE)

    run = two.sync()

    assert run.code == 1
    assert PURE in run.json["errors"][0]["message"]
    assert PURE not in two.files()
    assert_clean(two)


def test_unsafe_filename_is_refused(project: Project, index: SimpleIndex) -> None:
    files = project.add("evil", "1.0")
    index.faults.listed_as[files[0].name] = "../evil-1.0-py3-none-any.whl"
    project.write(index.url)

    run = project.sync()

    assert run.code == 1
    assert "'../evil-1.0-py3-none-any.whl': refused, not a plain file name" in run.stderr
    assert not (project.dir / "evil-1.0-py3-none-any.whl").exists()
    assert {g["package"] for g in run.json["gaps"]} == {"evil"}
    assert_clean(project)


def test_unreachable_index_exits_3(project: Project) -> None:
    project.add("pure", "1.0")
    with SimpleIndex(project.dists) as server:
        url = server.url
    project.write(url)  # the server is gone: connection refused

    run = project.wh("sync")

    assert run.code == 3
    assert "index unreachable" in run.stderr
    assert "Traceback" not in run.output


def test_index_page_failing_for_good_exits_3(two: Project, index: SimpleIndex) -> None:
    index.faults.page_status["other"] = 503

    run = two.wh("sync")

    assert run.code == 3
    assert "/other/: index unreachable (HTTP 503)" in run.stderr


def test_killed_sync_leaves_no_partial_file(project: Project, index: SimpleIndex) -> None:
    big = project.add("big", "1.0", size=4_000_000)[0].name
    project.add("pure", "1.0")
    project.write(index.url)
    index.faults.stall[big] = 30.0  # half the body, then a long pause

    proc = subprocess.Popen(
        [WH, "sync", "--project", str(project.dir), "--quiet"],
        env=isolated_env(WH_CACHE_DIR=str(project.cache)),
    )
    deadline = time.monotonic() + 20
    while not list(project.wheelhouse.glob(".wh-tmp-*")) and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()

    assert big not in project.files()  # never under its final name while incomplete
    leftovers = list(project.wheelhouse.glob(".wh-tmp-*"))
    assert leftovers, "the kill was meant to land mid-download"
    index.faults.stall.clear()
    assert project.sync().code == 0
    assert big in project.files()
    assert_clean(project)  # the next sync removed the killed run's temp file


def test_interrupted_sync_stops_at_once_and_leaves_no_partial_file(
    project: Project, index: SimpleIndex
) -> None:
    """Ctrl-C while a transfer waits on a stalled server: the worker thread blocked in recv is
    woken (its socket shut down), its temp file removed, and wh exits 130 long before the
    stall or the 30 s read timeout would have ended the read."""
    big = project.add("big", "1.0", size=4_000_000)[0].name
    project.add("pure", "1.0")
    project.write(index.url)
    index.faults.stall[big] = 60.0

    proc = subprocess.Popen(
        [WH, "sync", "--project", str(project.dir), "--quiet"],
        env=isolated_env(WH_CACHE_DIR=str(project.cache)),
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 20
    while not list(project.wheelhouse.glob(".wh-tmp-*")) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert list(project.wheelhouse.glob(".wh-tmp-*")), "the signal was meant to land mid-download"
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=20)  # raises if wh waited for the stalled read

    assert proc.returncode == 130, stderr
    assert "interrupted" in stderr
    assert big not in project.files()
    assert not list(project.wheelhouse.glob(".wh-tmp-*"))


def test_bad_config_and_lockfile_exit_2_naming_the_place(
    project: Project, index: SimpleIndex
) -> None:
    project.add("pure", "1.0")
    project.write(index.url, extra='colour = "blue"\n')
    run = project.wh("sync")
    assert run.code == 2
    assert "[tool.wh] colour: unknown key" in run.stderr

    project.write(index.url)
    lock = project.dir / "requirements.txt"
    lock.write_text(lock.read_text() + "requests>=2\n")
    run = project.wh("sync")
    assert run.code == 2
    assert "requirements.txt:4: 'requests' is not pinned" in run.stderr
    assert "Traceback" not in run.output


def test_missing_lockfile_is_a_usage_error(project: Project, index: SimpleIndex) -> None:
    project.add("pure", "1.0")
    project.write(index.url)
    (project.dir / "requirements.txt").unlink()
    run = project.wh("sync")
    assert run.code == 2
    # names the file, where it is named, and what to do
    assert "requirements.txt: no such lockfile (named by [tool.wh] lockfiles)" in run.stderr
    assert "hint: compile it first (wh lock" in run.stderr
    assert "Traceback" not in run.output
    assert not index.hits and project.files() == set()  # stopped before any network or write


def test_wheelhouse_path_is_reported(tmp_path: Path) -> None:
    run = subprocess.run(
        [WH, "sync", "--project", str(tmp_path)],
        env=isolated_env(WH_CACHE_DIR=str(tmp_path / "c")),
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 2
    assert "pyproject.toml: not found" in run.stderr


BIG = "big-1.0-py3-none-any.whl"


@pytest.fixture
def big(project: Project, index: SimpleIndex) -> Project:
    """A file of several 1 MiB batches: its body is hashed and written by worker threads."""
    project.add("big", "1.0", size=3_500_000)
    project.write(index.url)
    return project


def test_a_body_of_many_batches_is_stored_whole_and_in_order(big: Project) -> None:
    run = big.sync()

    assert run.code == 0, run.output
    assert (big.dists / BIG).stat().st_size > 3 << 20
    assert (big.wheelhouse / BIG).read_bytes() == (big.dists / BIG).read_bytes()
    assert_clean(big)


def test_wrong_bytes_in_a_body_of_many_batches_leave_nothing(
    big: Project, index: SimpleIndex
) -> None:
    index.faults.wrong_bytes.add(BIG)

    run = big.sync()

    assert run.code == 1
    (error,) = run.json["errors"]
    assert error["message"].startswith(f"{BIG}: sha256 mismatch: expected ")
    assert BIG not in big.files()
    assert_clean(big)
