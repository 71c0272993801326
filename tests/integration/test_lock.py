"""wh lock against a loopback index: one universal lock, right for every target, from this
Linux machine; the same pins as uv per target; installable with --require-hashes."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.conftest import Project
from tests.support.index import SimpleIndex
from tests.support.netenv import isolated_env
from tests.support.wheels import make_sdist, make_wheel, sha256_of
from wh.adapters.resolvers import uv_binary, uv_platform
from wh.core.lockfile import parse_lockfile
from wh.core.targets import make_target

PLATFORMS = ("manylinux_2_28_x86_64", "manylinux_2_28_aarch64", "macosx_14_0_arm64")
TARGETS = [make_target(py, p) for py in ("3.11", "3.12") for p in PLATFORMS]
LOCK = "lockfiles/requirements.txt"


def pyproject(url: str, extra: str = "") -> str:
    return f"""[tool.wh]
lockfiles = ["{LOCK}"]
python = ["3.11", "3.12"]
index-url = "{url}"
{extra}
[tool.wh.platforms]
linux = ["manylinux_2_28_x86_64", "manylinux_2_28_aarch64"]
macosx = ["macosx_14_0_arm64"]
"""


@pytest.fixture
def locking(project: Project) -> Iterator[tuple[Project, SimpleIndex]]:
    d = project.dists
    make_wheel(
        d,
        "app",
        "1.0",
        requires_dist=[
            'appnope; sys_platform == "darwin"',
            'secretstorage; sys_platform == "linux"',
            'tomli; python_version < "3.12"',
            "native>=1",
        ],
    )
    for name, version in (("appnope", "0.1.4"), ("secretstorage", "3.3.3"), ("tomli", "2.0.1")):
        make_wheel(d, name, version)
    linux = ("manylinux_2_17_x86_64.manylinux2014_x86_64", "manylinux_2_17_aarch64")
    for py in ("cp311", "cp312"):
        for plat in linux:
            make_wheel(d, "native", "2.0", f"{py}-{py}-{plat}")  # newest: no macOS wheel
        for plat in (*linux, "macosx_11_0_arm64"):
            make_wheel(d, "native", "1.0", f"{py}-{py}-{plat}")
    (project.dir / "lockfiles").mkdir()
    (project.dir / "lockfiles" / "requirements.in").write_text("app\n")
    with SimpleIndex(d) as index:
        (project.dir / "pyproject.toml").write_text(pyproject(index.url))
        yield project, index


def pins(lock_text: str, target_index: int) -> set[tuple[str, str]]:
    reqs = parse_lockfile("lock", lambda p: lock_text).requirements
    return {(r.name, r.version) for r in reqs if TARGETS[target_index].evaluates(r.marker)}


def uv_pins(project: Project, url: str, index: int) -> set[tuple[str, str]]:
    target = TARGETS[index]
    platform, extra = uv_platform(target)
    out = project.dir / f"uv-{target.name}.txt"
    subprocess.run(
        [
            *(uv_binary(), "pip", "compile", "lockfiles/requirements.in", "-o", str(out)),
            *("--python-platform", platform, "--python-version", target.python_short),
            *("--python", sys.executable, "--index-url", url, "--no-config", "--quiet"),
        ],
        cwd=project.dir,
        env=isolated_env(
            UV_PYTHON_DOWNLOADS="never", UV_CACHE_DIR=str(project.cache / "uvt"), **extra
        ),
        check=True,
        capture_output=True,
    )
    return pins(out.read_text(), index)


def test_lock_is_universal_and_matches_uv_per_target(locking: tuple[Project, SimpleIndex]) -> None:
    project, index = locking

    run = project.wh("lock")

    assert run.code == 0, run.output
    text = (project.dir / LOCK).read_text()
    lines = {line.split(" \\")[0] for line in text.splitlines() if "==" in line}
    assert 'appnope==0.1.4 ; sys_platform == "darwin"' in lines
    assert 'secretstorage==3.3.3 ; sys_platform == "linux"' in lines
    assert 'tomli==2.0.1 ; python_version < "3.12"' in lines
    assert 'native==1.0 ; sys_platform == "darwin"' in lines
    assert 'native==2.0 ; sys_platform == "linux"' in lines
    assert "app==1.0" in lines
    reqs = parse_lockfile(LOCK, lambda p: text).requirements
    assert all(r.hashes for r in reqs)
    native1 = next(r for r in reqs if r.name == "native" and r.version == "1.0")
    assert native1.hashes == {
        sha256_of(p) for p in project.dists.glob("native-1.0-*.whl")
    }  # every file of the version, macOS and Linux alike
    assert "# via app" in text
    for i, target in enumerate(TARGETS):
        assert pins(text, i) == uv_pins(project, index.url, i), target.name


def test_pip_tools_downloads_each_wheel_once_for_all_targets(
    locking: tuple[Project, SimpleIndex],
) -> None:
    """The six targets' resolutions share the wheels pip downloads to read METADATA and the
    index pages (each fetched once per run, though every target and pip-tools' pass for the
    hashes read it), and take the hashes from the index page (no request to a project's JSON
    API)."""
    project, index = locking

    run = project.wh("lock")

    assert run.code == 0, run.output
    pages = {path: n for path, n in index.hits.items() if path.startswith("/simple/")}
    assert pages["/simple/app/"] == 1 and pages["/simple/native/"] == 1  # read by all 6
    assert set(pages.values()) == {1}, pages
    assert index.downloads("app-1.0-py3-none-any.whl") == 1  # wanted by all 6 targets
    assert index.downloads("tomli-2.0.1-py3-none-any.whl") == 1  # by the 3 cp311 targets
    assert not [path for path in index.hits if path.endswith("/json")]
    text = (project.dir / LOCK).read_text()
    tomli = next(r for r in parse_lockfile(LOCK, lambda p: text).requirements if r.name == "tomli")
    assert tomli.hashes == {sha256_of(project.dists / "tomli-2.0.1-py3-none-any.whl")}


def _file_hits(index: SimpleIndex) -> dict[str, int]:
    return {path: n for path, n in index.hits.items() if path.startswith("/files/")}


def test_a_wheel_s_metadata_is_kept_by_sha256_across_runs(
    locking: tuple[Project, SimpleIndex],
) -> None:
    """pip reads only a wheel's METADATA to resolve: wh keeps it by the sha256 the index lists
    for the wheel, so a second lock downloads no wheel, and writes the same bytes."""
    project, index = locking
    assert project.wh("lock").code == 0
    first = (project.dir / LOCK).read_bytes()
    downloaded = _file_hits(index)
    assert downloaded
    (project.dir / LOCK).unlink()

    run = project.wh("lock")

    assert run.code == 0, run.output
    assert (project.dir / LOCK).read_bytes() == first
    assert _file_hits(index) == downloaded  # not one request more


def test_a_changed_wheel_is_read_again(locking: tuple[Project, SimpleIndex]) -> None:
    """The kept METADATA cannot hide a changed file: new bytes under the same name have
    another sha256 on the index page."""
    project, index = locking
    assert project.wh("lock").code == 0
    make_wheel(project.dists, "app", "1.0", requires_dist=["native>=1", "newdep"])
    make_wheel(project.dists, "newdep", "1.0")
    (project.dir / LOCK).unlink()

    run = project.wh("lock")

    assert run.code == 0, run.output
    reqs = parse_lockfile(LOCK, lambda p: (project.dir / LOCK).read_text()).requirements
    assert {r.name for r in reqs} == {"app", "native", "newdep"}
    app = next(r for r in reqs if r.name == "app")
    assert app.hashes == {sha256_of(project.dists / "app-1.0-py3-none-any.whl")}
    assert index.downloads("app-1.0-py3-none-any.whl") == 2


def test_an_index_s_metadata_files_are_read_once_and_no_wheel_is(
    locking: tuple[Project, SimpleIndex],
) -> None:
    """An index that serves each wheel's METADATA (PEP 658/714): each file is fetched once for
    the six targets, no wheel is downloaded, and the lock is the one the wheels give."""
    project, index = locking
    with SimpleIndex(project.dists, metadata=True) as served:
        (project.dir / "pyproject.toml").write_text(pyproject(served.url))
        run = project.wh("lock")
    assert run.code == 0, run.output
    fetched = _file_hits(served)
    assert fetched and all(path.endswith(".whl.metadata") for path in fetched), fetched
    assert set(fetched.values()) == {1}, fetched
    from_metadata = (project.dir / LOCK).read_bytes()
    shutil.rmtree(project.cache)
    (project.dir / LOCK).unlink()
    (project.dir / "pyproject.toml").write_text(pyproject(index.url))

    assert project.wh("lock").code == 0
    assert index.downloads("app-1.0-py3-none-any.whl") == 1
    assert (project.dir / LOCK).read_bytes() == from_metadata


def test_both_resolvers_write_the_same_bytes(locking: tuple[Project, SimpleIndex]) -> None:
    project, _ = locking
    assert project.wh("lock").code == 0
    first = (project.dir / LOCK).read_bytes()
    again = project.wh("lock")
    assert again.code == 0 and "unchanged" in again.stdout
    (project.dir / LOCK).unlink()
    uv = project.wh("lock", "--resolver", "uv")
    assert uv.code == 0, uv.output
    assert (project.dir / LOCK).read_bytes() == first


def test_lock_installs_with_require_hashes_and_syncs(
    locking: tuple[Project, SimpleIndex], tmp_path: Path
) -> None:
    project, index = locking
    assert project.wh("lock").code == 0
    env = isolated_env(PIP_INDEX_URL=index.url)
    install = subprocess.run(
        [
            *(sys.executable, "-m", "pip", "install", "--quiet", "--require-hashes"),
            *("-r", str(project.dir / LOCK), "--target", str(tmp_path / "site")),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert install.returncode == 0, install.stderr
    assert (tmp_path / "site" / "native").is_dir()
    assert (tmp_path / "site" / "secretstorage").is_dir()  # this host is Linux
    assert not (tmp_path / "site" / "appnope").exists()
    pip_sync = Path(sys.executable).with_name("pip-sync")
    dry = subprocess.run(
        [str(pip_sync), "--dry-run", "--index-url", index.url, str(project.dir / LOCK)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert "Would install" in dry.stdout, dry.stdout + dry.stderr
    assert "native==2.0" in dry.stdout and "appnope" not in dry.stdout


def test_minimal_relock_keeps_pins_and_moves_only_what_is_asked(
    locking: tuple[Project, SimpleIndex],
) -> None:
    project, _ = locking
    assert project.wh("lock").code == 0
    make_wheel(project.dists, "tomli", "2.2.1")
    make_wheel(project.dists, "appnope", "0.2.0")

    kept = project.wh("lock")
    assert kept.code == 0 and "unchanged" in kept.stdout

    moved = project.wh("lock", "--upgrade-package", "tomli")
    text = (project.dir / LOCK).read_text()
    assert moved.code == 0, moved.output
    assert 'tomli==2.2.1 ; python_version < "3.12"' in text
    assert "appnope==0.1.4" in text  # not asked: stays

    everything = project.wh("lock", "--upgrade")
    assert everything.code == 0
    assert "appnope==0.2.0" in (project.dir / LOCK).read_text()


def test_only_wheels_and_allow_sdist(locking: tuple[Project, SimpleIndex]) -> None:
    project, index = locking
    make_wheel(project.dists, "sdonly", "0.9")
    make_sdist(project.dists, "sdonly", "1.0")
    (project.dir / "lockfiles" / "requirements.in").write_text("app\nsdonly\n")

    assert project.wh("lock", "--only-wheels").code == 0
    assert "sdonly==0.9" in (project.dir / LOCK).read_text()

    (project.dir / "pyproject.toml").write_text(pyproject(index.url, 'allow-sdist = ["sdonly"]'))
    for resolver in ("pip-tools", "uv"):
        run = project.wh("lock", "--only-wheels", "--upgrade", "--resolver", resolver)
        assert run.code == 0, run.output
        assert "sdonly==1.0" in (project.dir / LOCK).read_text(), resolver


def test_errors_name_the_line_or_the_target(locking: tuple[Project, SimpleIndex]) -> None:
    project, _ = locking
    source = project.dir / "lockfiles" / "requirements.in"
    source.write_text("app\nnot a requirement!\n")
    bad = project.wh("lock")
    assert bad.code == 2
    assert "lockfiles/requirements.in:2:" in bad.stderr

    source.write_text("app\nnative>=3\n")
    (project.dir / LOCK).unlink(missing_ok=True)
    unsat = project.wh("lock")
    assert unsat.code == 1
    assert "pip-compile cannot resolve" in unsat.stderr
    assert "cp311-manylinux_2_28_x86_64" in unsat.stderr
    assert "native" in unsat.stderr
    assert not (project.dir / LOCK).exists()  # nothing half-written
    assert "Traceback" not in unsat.stderr


def test_credentials_reach_the_resolvers_but_no_file(locking: tuple[Project, SimpleIndex]) -> None:
    project, _ = locking
    with SimpleIndex(project.dists, auth=("carol", "pa55-w0rd")) as index:
        (project.dir / "pyproject.toml").write_text(pyproject(index.auth_url))
        for resolver in ("pip-tools", "uv"):
            (project.dir / LOCK).unlink(missing_ok=True)
            run = project.wh("lock", "--resolver", resolver)
            assert run.code == 0, run.output
            assert "pa55-w0rd" not in run.output
            assert "pa55-w0rd" not in (project.dir / LOCK).read_text()
    leaked = [
        p
        for p in [*project.dir.rglob("*"), *project.cache.rglob("*")]
        if p.is_file() and b"pa55-w0rd" in p.read_bytes()
    ]
    assert leaked == [project.dir / "pyproject.toml"]  # where the user wrote them, only
