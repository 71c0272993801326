"""wh index and wh export, consumed by the real tools, offline: pip (file:// and over a plain
static HTTP server) and uv install from the static index; packaging.pylock validates the
pylock.toml and selects, per target, what sync chose; uv installs it; pip installs the
exported requirements with --require-hashes, a wheel built from an sdist among them; pex
builds from the Pants complete platforms with -f wheelhouse --no-pypi for every target."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from packaging.pylock import Pylock

from tests.integration.conftest import LINUX, MAC, TARGETS_8, X86, Project, by_target
from tests.support.index import SimpleIndex
from tests.support.netenv import isolated_env
from tests.support.static import StaticFiles
from tests.support.wheels import make_wheel, sha256_of
from wh.core.lockfile import parse_lockfile
from wh.core.requirements import requirement_text
from wh.core.targets import make_target

ABI = f"cp{sys.version_info.major}{sys.version_info.minor}"
HOST_NATIVE = f"native-2.0-{ABI}-{ABI}-manylinux_2_28_x86_64.whl"
BUILT = "built-1.0-py3-none-any.whl"

House = tuple[Project, dict[str, set[str]]]


@pytest.fixture(scope="module")
def house(tmp_path_factory: pytest.TempPathFactory) -> Iterator[House]:
    """Eight targets synced from a loopback index that is gone before any test runs: native
    wheels per platform, markers, two versions of one project, and a wheel built from an
    sdist (its hash is not in the lock)."""
    tmp = tmp_path_factory.mktemp("export")
    project = Project(tmp / "proj", tmp / "dists", tmp / "cache")
    project.dir.mkdir()
    project.dists.mkdir()
    project.add("pure", "1.0")
    extra = ("cp311-cp311-manylinux_2_28_x86_64", "cp312-cp312-manylinux_2_28_x86_64")
    project.add("native", "2.0", *MAC, *X86, *LINUX, *extra)
    project.add("appnope", "0.1.4", marker='sys_platform == "darwin"')
    project.add("tomli", "2.0.1", marker='python_version < "3.12"')
    project.add("split", "1.0", marker='sys_platform == "darwin"')
    project.add("split", "2.0", marker='sys_platform == "linux"')
    project.add("built", "1.0", sdist_only=True)
    modern = make_wheel(
        project.dists, "modern", "1.0", requires_python=">=3.10", requires_dist=["pure>=1"]
    )
    project.lock("modern", "1.0", [modern])
    with SimpleIndex(project.dists) as index:
        project.write(index.url)
        synced = project.sync()
    assert synced.code == 0, synced.output
    assert BUILT in project.files() and HOST_NATIVE in project.files()
    yield project, by_target(synced)


def tool_env(tmp: Path, **extra: str) -> dict[str, str]:
    """pip and uv with this machine's configuration shut out, offline."""
    env = {k: v for k, v in isolated_env().items() if not k.startswith("UV_")}
    env.update(
        UV_NO_CONFIG="1",
        UV_PYTHON_DOWNLOADS="never",
        UV_OFFLINE="1",
        UV_CACHE_DIR=str(tmp / "uv-cache"),
        PIP_NO_CACHE_DIR="1",
    )
    env.update(extra)
    return env


def run(cmd: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300, check=False)


def pip(*args: str, tmp: Path) -> subprocess.CompletedProcess[str]:
    return run([sys.executable, "-m", "pip", *args], tool_env(tmp))


UV = str(Path(sys.executable).with_name("uv"))


def installed(target: Path) -> set[str]:
    return {p.name for p in target.glob("*.dist-info")}


@pytest.fixture(scope="module")
def index_dir(house: House, tmp_path_factory: pytest.TempPathFactory) -> Path:
    project, _ = house
    out = tmp_path_factory.mktemp("index") / "idx"
    made = project.wh("index", "--output", str(out))
    assert made.code == 0, made.output
    return out


# --- wh index --------------------------------------------------------------------------------


def test_index_links_every_wheel_with_its_metadata_and_hashes(
    house: House, index_dir: Path
) -> None:
    project, _ = house
    wheels = sorted(p for p in project.wheelhouse.iterdir() if p.suffix == ".whl")
    assert BUILT in {w.name for w in wheels}
    for wheel in wheels:
        name = wheel.name.split("-", 1)[0].replace("_", "-")
        served = index_dir / "simple" / name / wheel.name
        assert os.path.samefile(served, wheel)  # hard-linked: no second copy of the bytes
        with zipfile.ZipFile(wheel) as zf:
            (member,) = [n for n in zf.namelist() if n.endswith(".dist-info/METADATA")]
            metadata = zf.read(member)
        meta_file = served.with_name(wheel.name + ".metadata")
        assert meta_file.read_bytes() == metadata
        page = (served.parent / "index.html").read_text()
        digest = hashlib.sha256(metadata).hexdigest()
        link = re.search(rf'<a href="{re.escape(wheel.name)}#sha256=(\w+)"([^>]*)>', page)
        assert link is not None, wheel.name
        assert link[1] == sha256_of(wheel)
        assert f'data-core-metadata="sha256={digest}"' in link[2]
        assert f'data-dist-info-metadata="sha256={digest}"' in link[2]
    modern = (index_dir / "simple" / "modern" / "index.html").read_text()
    assert 'data-requires-python="&gt;=3.10"' in modern
    root = (index_dir / "simple" / "index.html").read_text()
    assert re.findall(r'href="([^"]+)/"', root) == sorted(
        ["appnope", "built", "modern", "native", "pure", "split", "tomli"]
    )


def test_index_rewrites_the_same_bytes_and_drops_stale_files(house: House, tmp_path: Path) -> None:
    project, _ = house
    out = tmp_path / "idx"
    assert project.wh("index", "--output", str(out)).code == 0
    first = {p: p.read_bytes() for p in out.rglob("*.html")}
    stale = out / "simple" / "pure" / "pure-0.1-py3-none-any.whl"
    stale.write_bytes(b"old")
    (out / "simple" / "gone").mkdir()
    (out / "simple" / "gone" / "index.html").write_text("old")

    again = project.wh("index", "--output", str(out))

    assert again.code == 0, again.output
    assert {p: p.read_bytes() for p in out.rglob("*.html")} == first
    assert not stale.exists() and not (out / "simple" / "gone").exists()


def test_index_refuses_a_directory_it_did_not_write(house: House, tmp_path: Path) -> None:
    project, _ = house
    mine = tmp_path / "site" / "simple" / "notes.txt"
    mine.parent.mkdir(parents=True)
    mine.write_text("keep me")

    refused = project.wh("index", "--output", str(tmp_path / "site"))

    assert refused.code == 2
    assert "is not an index wh wrote" in refused.stderr
    assert mine.read_text() == "keep me"


def test_pip_installs_from_the_file_index_alone(index_dir: Path, tmp_path: Path) -> None:
    url = (index_dir / "simple").as_uri() + "/"
    done = pip(
        "install", "--target", str(tmp_path / "t"), "--index-url", url, "native", "built",
        "modern", tmp=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert installed(tmp_path / "t") == {
        "native-2.0.dist-info",
        "built-1.0.dist-info",
        "modern-1.0.dist-info",
        "pure-1.0.dist-info",  # modern's dependency, found through the index too
    }


def test_pip_over_a_static_http_server_resolves_from_pep658_metadata(
    index_dir: Path, tmp_path: Path
) -> None:
    with StaticFiles(index_dir) as server:
        url = f"{server.base_url}/simple/"
        report = tmp_path / "report.json"
        dry = pip(
            "install", "--dry-run", "--ignore-installed", "--report", str(report),
            "--index-url", url, "native", "modern", tmp=tmp_path,
        )  # fmt: skip
        assert dry.returncode == 0, dry.stderr
        fetched = {p for p in server.hits if p.endswith((".whl", ".metadata"))}
        # the resolver read each wheel's METADATA from its .metadata file, no wheel
        assert fetched == {
            f"/simple/native/{HOST_NATIVE}.metadata",
            "/simple/modern/modern-1.0-py3-none-any.whl.metadata",
            "/simple/pure/pure-1.0-py3-none-any.whl.metadata",
        }
        resolved = {i["metadata"]["name"] for i in json.loads(report.read_text())["install"]}
        assert resolved == {"native", "modern", "pure"}
        done = pip(
            "install", "--target", str(tmp_path / "t"), "--index-url", url, "native", "modern",
            tmp=tmp_path,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert installed(tmp_path / "t") == {
        "native-2.0.dist-info",
        "modern-1.0.dist-info",
        "pure-1.0.dist-info",
    }


def test_uv_installs_from_the_file_index_offline(index_dir: Path, tmp_path: Path) -> None:
    url = (index_dir / "simple").as_uri() + "/"
    done = run(
        [UV, "pip", "install", "--target", str(tmp_path / "t"), "--index-url", url,
         "--python", sys.executable, "native", "built", "modern"],
        tool_env(tmp_path),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert {"native-2.0.dist-info", "built-1.0.dist-info", "pure-1.0.dist-info"} <= installed(
        tmp_path / "t"
    )


# --- wh export pylock ------------------------------------------------------------------------


def test_pylock_validates_and_selects_what_sync_chose_for_every_target(house: House) -> None:
    project, chosen = house
    exported = project.wh("export", "pylock")
    assert exported.code == 0, exported.output
    lock = Pylock.from_dict(tomllib.loads((project.dir / "pylock.toml").read_text()))
    lock.validate()
    assert sorted(chosen) == sorted(TARGETS_8)
    for name, files in chosen.items():
        abi, platform = name.split("-", 1)
        target = make_target(f"{abi[2]}.{abi[3:]}", platform)
        env: dict[str, str] = dict(target.environment)
        picked = {d.filename for _, d in lock.select(tags=target.tags, environment=env)}  # type: ignore[arg-type]
        assert picked == files, name
    paths = {w.path for p in lock.packages for w in p.wheels or ()}
    assert f"wheelhouse/{BUILT}" in paths
    assert all((project.dir / str(p)).is_file() for p in paths)


def test_uv_installs_the_pylock_offline(house: House, tmp_path: Path) -> None:
    project, _ = house
    out = tmp_path / "lock" / "pylock.toml"  # paths are relative to the lock, wherever it is
    assert project.wh("export", "pylock", "--output", str(out)).code == 0
    venv = tmp_path / "venv"
    env = tool_env(tmp_path)
    made = run([UV, "venv", "--python", sys.executable, str(venv)], env)
    assert made.returncode == 0, made.stderr
    done = run(
        [UV, "pip", "install", "--python", str(venv / "bin" / "python"), "-r", str(out)], env
    )
    assert done.returncode == 0, done.stderr
    check = run(
        [str(venv / "bin" / "python"), "-c",
         "import native, built, pure, split, modern; print(split.__version__)"],
        env,
    )  # fmt: skip
    assert check.returncode == 0, check.stderr
    assert check.stdout.strip() == "2.0"  # the linux line


def test_pylock_needs_a_pep751_name(house: House) -> None:
    project, _ = house
    refused = project.wh("export", "pylock", "--output", str(project.dir / "lock.toml"))
    assert refused.code == 2 and "pylock.toml or pylock.<name>.toml" in refused.stderr


# --- wh export requirements ------------------------------------------------------------------


def test_pip_require_hashes_installs_the_export_with_a_built_wheel(
    house: House, tmp_path: Path
) -> None:
    project, _ = house
    exported = tmp_path / "exported.txt"
    assert project.wh("export", "requirements", "--output", str(exported)).code == 0
    command = ["install", "--no-index", "--find-links", str(project.wheelhouse), "--require-hashes"]

    # the lock itself lists the sdist's hash, which the built wheel cannot have
    plain = pip(*command, "-r", str(project.dir / "requirements.txt"), "--target",
                str(tmp_path / "a"), tmp=tmp_path)  # fmt: skip
    assert plain.returncode != 0 and "hash" in plain.stderr.lower()

    done = pip(*command, "-r", str(exported), "--target", str(tmp_path / "t"), tmp=tmp_path)

    assert done.returncode == 0, done.stderr
    assert installed(tmp_path / "t") == {
        "pure-1.0.dist-info",
        "native-2.0.dist-info",
        "built-1.0.dist-info",
        "split-2.0.dist-info",
        "modern-1.0.dist-info",
        *({"tomli-2.0.1.dist-info"} if sys.version_info < (3, 12) else set()),
    }


def test_requirements_go_to_stdout_without_output(house: House) -> None:
    project, _ = house
    printed = project.wh("export", "requirements")
    assert printed.code == 0
    assert f"--hash=sha256:{sha256_of(project.wheelhouse / BUILT)}" in printed.stdout
    assert 'appnope==0.1.4 ; sys_platform == "darwin"' in printed.stdout


# --- wh export pants -------------------------------------------------------------------------


def test_pex_accepts_the_pants_complete_platforms_for_every_target(
    house: House, tmp_path: Path
) -> None:
    project, _ = house
    exported = project.wh("export", "pants")
    assert exported.code == 0, exported.output
    out = project.dir / "pants"
    platforms = sorted(out.glob("*.json"))
    assert sorted(p.stem for p in platforms) == sorted(TARGETS_8)
    for p in platforms:
        abi, platform = p.stem.split("-", 1)
        assert (
            json.loads(p.read_text())
            == make_target(f"{abi[2]}.{abi[3:]}", platform).complete_platform()
        )
    toml = tomllib.loads((out / "pants.toml").read_text())
    assert toml["python-repos"]["find_links"] == ["file://%(buildroot)s/wheelhouse"]
    assert all(
        f'file(name="{p.stem}", source="{p.name}")' in (out / "BUILD").read_text()
        for p in platforms
    )

    lock = parse_lockfile("requirements.txt", lambda p: (project.dir / p).read_text())
    reqs = tmp_path / "requirements.txt"
    reqs.write_text("".join(requirement_text(r) + "\n" for r in lock.requirements))
    pex_file = tmp_path / "all.pex"
    pex = str(Path(sys.executable).with_name("pex"))
    command = [pex, "--no-pypi", "-f", str(project.wheelhouse), "--no-build",
               "-r", str(reqs), "-o", str(pex_file)]  # fmt: skip
    for p in platforms:
        command += ["--complete-platform", str(p)]
    built = run(command, tool_env(tmp_path))
    assert built.returncode == 0, built.stderr

    inspected = project.wh("inspect", str(pex_file), "--format", "json")
    data = json.loads(inspected.stdout)
    assert inspected.code == 0 and data["missing"] == {}
    assert sorted(data["targets"]) == sorted(TARGETS_8)


# --- refusals --------------------------------------------------------------------------------


def test_lock_exports_refuse_an_incomplete_wheelhouse(project: Project, index: SimpleIndex) -> None:
    project.add("native", "2.0", *MAC, *X86, *LINUX)
    project.write(index.url)
    assert project.sync().code == 0
    mac = next(p for p in project.wheelhouse.iterdir() if "macosx_11_0_arm64" in p.name)
    mac.unlink()

    for kind in ("pylock", "requirements"):
        refused = project.wh("export", kind, "--output", str(project.dir / "pylock.toml"))
        assert refused.code == 1, refused.output
        assert "refused" in refused.stderr and "no file in the wheelhouse fits" in refused.stdout
    assert not (project.dir / "pylock.toml").exists()


def test_index_copies_where_a_hard_link_cannot_go(house: House) -> None:
    project, _ = house
    shm = Path("/dev/shm")
    if not shm.is_dir() or shm.stat().st_dev == project.wheelhouse.stat().st_dev:
        pytest.skip("needs a second file system (/dev/shm) to make hard links fail")
    out = shm / f"wh-test-index-{os.getpid()}"
    try:
        made = project.wh("index", "--output", str(out))
        assert made.code == 0, made.output
        assert "copied" in made.stdout and "0 hard-linked" in made.stdout
        served = out / "simple" / "built" / BUILT
        assert served.read_bytes() == (project.wheelhouse / BUILT).read_bytes()
        assert not os.path.samefile(served, project.wheelhouse / BUILT)
    finally:
        shutil.rmtree(out, ignore_errors=True)
