"""wh sync against a hostile or failing index, and the wheelhouse it leaves: every network
failure is one line naming its cause, the file and the URL; failed files count against the
targets that need them; one cause is one message; file modes are the user's."""

# ruff: noqa: F811  -- `two` is the fixture of test_sync_faults, imported, then requested

from __future__ import annotations

import fcntl
import os
import stat
import subprocess
from pathlib import Path

from tests.integration.conftest import TARGETS_8, WH, Project
from tests.integration.test_sync_faults import OTHER, PURE, two  # noqa: F401 - the fixture
from tests.support.index import SimpleIndex
from tests.support.netenv import isolated_env


def no_traceback(output: str) -> None:
    assert "Traceback" not in output and "ExceptionGroup" not in output, output


def test_redirect_loop_is_one_line_naming_file_and_url(two: Project, index: SimpleIndex) -> None:
    index.faults.redirect_loop.add(PURE)

    run = two.sync()

    no_traceback(run.output)
    assert run.code == 1
    (error,) = run.json["errors"]
    assert error["message"].startswith(f"{PURE}: download failed (too many redirects")
    assert index.file_url(PURE) in error["message"]
    assert OTHER in two.files()  # the files fetched are kept


def test_link_to_an_impossible_port_is_one_line_and_keeps_the_rest(
    two: Project, index: SimpleIndex
) -> None:
    index.faults.url_of[PURE] = f"http://user:secret@127.0.0.1:99999/files/{PURE}"

    run = two.sync()

    no_traceback(run.output)
    assert run.code == 1
    (error,) = run.json["errors"]
    assert error["message"].startswith(f"{PURE}: download failed (invalid URL")
    assert f"from http://127.0.0.1:99999/files/{PURE}" in error["message"]
    assert "secret" not in run.output
    assert OTHER in two.files()


def test_reset_names_its_cause(two: Project, index: SimpleIndex) -> None:
    index.faults.reset.add(PURE)

    run = two.wh("sync")

    assert run.code == 1
    assert ": ;" not in run.stderr and "()" not in run.stderr, run.stderr
    retry = next(line for line in run.stderr.splitlines() if "retrying" in line)
    assert retry.startswith(f"warning: {PURE}: ") and len(retry) > len(f"warning: {PURE}: ; ")
    assert f"error: {PURE}: download failed after retries (" in run.stderr


def test_stalled_body_times_out_saying_so(two: Project, index: SimpleIndex) -> None:
    index.faults.stall[PURE] = 20.0

    run = two.wh("sync", "--format", "json", "--read-timeout", "0.5", timeout=60)

    assert run.code == 1
    (error,) = run.json["errors"]
    assert "timed out: no data for 0.5 s" in error["message"], error
    assert PURE in error["message"]


def test_read_timeout_is_settable_from_the_environment(two: Project, index: SimpleIndex) -> None:
    index.faults.stall[PURE] = 20.0
    env = isolated_env(WH_CACHE_DIR=str(two.cache), WH_READ_TIMEOUT="0.5")
    proc = subprocess.run(
        [WH, "sync", "--project", str(two.dir)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 1
    assert "timed out: no data for 0.5 s" in proc.stderr


def test_failed_file_counts_against_every_target_needing_it(
    two: Project, index: SimpleIndex
) -> None:
    index.faults.wrong_bytes.add(PURE)

    run = two.sync()

    assert run.code == 1
    rows = {t["name"]: t for t in run.json["targets"]}
    assert set(rows) == set(TARGETS_8)
    assert all(t["failed"] == 1 for t in rows.values())
    (error,) = run.json["errors"]
    assert error["files"] == [PURE] and sorted(error["targets"]) == sorted(TARGETS_8)
    text = two.wh("sync")
    assert " ok" not in text.stdout  # no target row says ok
    assert text.stdout.count("incomplete") == len(TARGETS_8)


def test_one_cause_is_one_message(project: Project, index: SimpleIndex) -> None:
    names = []
    for i in range(6):
        (wheel,) = project.add(f"pkg{i}", "1.0")
        names.append(wheel.name)
        index.faults.reset.add(wheel.name)
    project.write(index.url)

    run = project.wh("sync", "--format", "json")

    assert run.code == 1
    warnings = [line for line in run.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) <= 2, warnings  # the first retry, then one line naming them all
    (error,) = run.json["errors"]
    assert error["files"] == sorted(names)
    assert error["message"].startswith("6 files failed (")
    assert "needed by 8 target(s)" in error["message"]


def test_index_down_is_not_a_warning_per_request(project: Project, index: SimpleIndex) -> None:
    for i in range(8):
        project.add(f"pkg{i}", "1.0")
        index.faults.page_status[f"pkg{i}"] = 503
    project.write(index.url)

    run = project.wh("sync")

    assert run.code == 3
    no_traceback(run.output)
    warnings = [line for line in run.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) <= 2, warnings


def test_written_files_get_the_umask_mode(two: Project) -> None:
    os.umask(old := os.umask(0o022))
    assert two.sync().code == 0
    mode = stat.S_IMODE((two.wheelhouse / PURE).stat().st_mode)
    assert mode == 0o666 & ~old, oct(mode)


def test_lock_is_the_wheelhouse_whatever_the_cache(two: Project) -> None:
    """A second sync with another cache dir waits for the one holding the wheelhouse."""
    two.wheelhouse.mkdir()
    fd = os.open(two.wheelhouse, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # as a running sync holds it
        env = isolated_env(WH_CACHE_DIR=str(two.cache / "other"))
        proc = subprocess.Popen(
            [WH, "sync", "--project", str(two.dir)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        line = proc.stderr.readline() if proc.stderr else ""
        assert "waiting for another wh sync" in line, line
        assert not two.files()  # it waited: nothing written meanwhile
    finally:
        os.close(fd)
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert PURE in two.files()
    assert not any(name.startswith(".") for name in two.files())  # no lock file to ignore


def test_wheelhouse_outside_the_repository_is_refused(two: Project) -> None:
    subprocess.run(["git", "init", "-q", str(two.dir)], check=True)
    pyproject = two.dir / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('"wheelhouse"', '"../../elsewhere"'))

    run = two.wh("sync")

    assert run.code == 2
    assert "wheelhouse" in run.stderr and "outside the git repository" in run.stderr
    assert not (two.dir.parent.parent / "elsewhere").exists()
    assert two.wh("verify").code == 2


def test_flipped_byte_with_mtime_restored_is_caught(two: Project) -> None:
    assert two.sync().code == 0
    assert two.wh("verify").code == 0  # the hash cache now knows the file
    path = two.wheelhouse / PURE
    before = path.stat()
    with path.open("r+b") as f:
        f.seek(100)
        byte = f.read(1)
        f.seek(100)
        f.write(bytes([byte[0] ^ 0xFF]))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_mtime_ns == before.st_mtime_ns

    verified = two.wh("verify")
    assert verified.code == 1
    assert PURE in verified.stdout

    synced = two.sync()
    assert synced.code == 0
    assert PURE in synced.json["downloaded"]  # not a no-op: the file was fetched again


def test_platforms_into_a_closed_pipe_exits_quietly(two: Project) -> None:
    env = isolated_env(WH_CACHE_DIR=str(two.cache))
    script = f'set -o pipefail; "{WH}" platforms --format json --project "{two.dir}" | head -1'
    proc = subprocess.run(
        ["bash", "-c", script], env=env, capture_output=True, text=True, check=False
    )
    assert proc.stdout == "[\n"
    assert proc.stderr == ""
    assert proc.returncode in (0, 141)


def test_files_written_keep_or_take_modes(tmp_path: Path) -> None:
    from wh.adapters.fs import atomic_write

    old = os.umask(0o027)
    try:
        new = tmp_path / "new.txt"
        atomic_write(new, b"x")
        assert stat.S_IMODE(new.stat().st_mode) == 0o666 & ~0o027
    finally:
        os.umask(old)
    kept = tmp_path / "kept.txt"
    kept.write_bytes(b"old")
    kept.chmod(0o644)
    atomic_write(kept, b"new")
    assert stat.S_IMODE(kept.stat().st_mode) == 0o644
