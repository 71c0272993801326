"""`wh build` / `wh sync --build`: real C and C++ sdists cross-built by real zig under real
local CPythons, from a loopback index; the results imported by real interpreters (this
machine's CPython in a fresh venv; Debian's aarch64 CPython under qemu-user) and the macOS
ones read with macholib."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from macholib import mach_o
from macholib.MachO import MachO

from tests.integration.conftest import Project, Run
from tests.support.arm64 import arm64_root, run_arm64
from tests.support.csdist import make_c_sdist, setuptools_wheel
from tests.support.index import SimpleIndex
from tests.support.netenv import isolated_env
from tests.support.wheels import sha256_of
from wh.adapters.binfile import read_binaries
from wh.adapters.toolchain import find_interpreter
from wh.core.binaries import MANYLINUX_ALLOWED, binary_problems

pytestmark = pytest.mark.timeout(1800)  # the first run fills zig's cache for each target

PLATFORMS = {
    "linux": ["manylinux_2_17_x86_64", "manylinux_2_28_aarch64"],
    "macosx": ["macosx_11_0_arm64", "macosx_10_13_x86_64"],
}
PYTHONS = ["3.11", "3.12"]
SLOW = os.environ.get("WH_SLOW_TESTS") == "1"


def fnv(text: str) -> int:
    h = 1469598103934665603
    for byte in text.encode():
        h = ((h ^ byte) * 1099511628211) % 2**64
    return h


PROBE = "import cfast; print(cfast.add(2, 3), cfast.hypot2(3.0, 4.0), cfast.fnv('wheelhouse'))"
EXPECTED = f"5 5.0 {fnv('wheelhouse')}"


@dataclass
class Built:
    project: Project
    index: SimpleIndex
    run: Run

    def wheel(self, tag: str) -> Path:
        (path,) = self.project.wheelhouse.glob(f"*-{tag}.whl")
        return path


def interpreters(*versions: str) -> dict[str, Path]:
    found = {v: find_interpreter(v, {}) for v in versions}
    missing = [v for v, i in found.items() if i is None]
    if missing:
        pytest.skip(f"no local CPython {', '.join(missing)} with headers and pip to build under")
    return {v: i.path for v, i in found.items() if i is not None}


def write_project(
    project: Project, index: SimpleIndex, pythons: list[str], extra: str = ""
) -> None:
    project.write_lock()
    platforms = "\n".join(f"{k} = {json.dumps(v)}" for k, v in PLATFORMS.items())
    (project.dir / "pyproject.toml").write_text(
        f"""[project]
name = "demo"
version = "0"

[tool.wh]
lockfiles = ["requirements.txt"]
wheelhouse = "wheelhouse"
python = {json.dumps(pythons)}
index-url = "{index.url}"

[tool.wh.platforms]
{platforms}
{extra}"""
    )


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleIndex]:
    """One loopback index for the session: setuptools, and C, C++ and libxml-needing sdists."""
    dists = tmp_path_factory.mktemp("served")
    setuptools_wheel(dists)
    make_c_sdist(dists, "cfast", "1.0", "c")
    make_c_sdist(dists, "cppwords", "2.0", "c++")
    make_c_sdist(dists, "xmlish", "0.1", "libxml")
    make_c_sdist(dists, "sleepy", "0.1", "hang")
    with SimpleIndex(dists) as index:
        yield index


def new_project(base: Path, index: SimpleIndex, *names: str) -> Project:
    base.mkdir()
    (base / "proj").mkdir()
    project = Project(base / "proj", index.root, base / "cache")
    for name in names:
        (sdist,) = index.root.glob(f"{name}-*.tar.gz")
        project.lock(name, sdist.name.removesuffix(".tar.gz").split("-")[1], [sdist])
    return project


@pytest.fixture(scope="session")
def c_built(tmp_path_factory: pytest.TempPathFactory, served: SimpleIndex) -> Built:
    """`wh sync --build` of a C sdist for 4 platforms x CPython 3.11 and 3.12, built once."""
    interpreters(*PYTHONS)
    project = new_project(tmp_path_factory.mktemp("c") / "c", served, "cfast")
    write_project(project, served, PYTHONS)
    run = project.wh("sync", "--build", "--format", "json", timeout=1700)
    return Built(project, served, run)


def test_sync_build_fills_every_target(c_built: Built) -> None:
    run = c_built.run
    assert run.code == 0, run.output
    data = run.json
    assert data["gaps"] == [] and data["build_failures"] == []
    wheels = {b["wheel"] for b in data["cross_built"]}
    expected = {
        f"cfast-1.0-cp{v}-cp{v}-{tag}.whl"
        for v in ("311", "312")
        for tags in PLATFORMS.values()
        for tag in tags
    }
    assert wheels == expected
    assert {f for t in data["targets"] for f in t["files"]} == expected
    record = json.loads((c_built.project.wheelhouse / "wh-built.json").read_text())
    sdist_sha = sha256_of(next(c_built.index.root.glob("cfast-*.tar.gz")))
    for entry in record["built"]:
        assert entry["sdist_sha256"] == sdist_sha
        assert entry["builder"] == "zig" and entry["toolchain"].startswith("zig ")
        assert entry["targets"] == [
            entry["wheel"].split("-")[2] + "-" + entry["wheel"][:-4].split("-")[-1]
        ]
        assert entry["wheel_sha256"] == sha256_of(c_built.project.wheelhouse / entry["wheel"])


@pytest.mark.parametrize("python", PYTHONS)
def test_x86_64_wheel_imports_in_a_fresh_venv(c_built: Built, python: str, tmp_path: Path) -> None:
    assert c_built.run.code == 0, c_built.run.output
    interpreter = interpreters(python)[python]
    cp = python.replace(".", "")
    wheel = c_built.wheel(f"cp{cp}-cp{cp}-manylinux_2_17_x86_64")
    assert run_in_venv(interpreter, tmp_path / "venv", wheel, PROBE) == EXPECTED


def run_in_venv(interpreter: Path, venv: Path, wheel: Path, code: str) -> str:
    env = isolated_env()
    subprocess.run([str(interpreter), "-m", "venv", str(venv)], check=True, env=env)
    python = venv / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--no-index", "--no-deps", str(wheel)],
        check=True,
        env=env,
    )
    # Run from elsewhere, so the import finds the installed package, not a source tree.
    proc = subprocess.run(
        [str(python), "-c", code], capture_output=True, text=True, cwd=venv, env=env, check=False
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def test_aarch64_wheel_imports_in_a_real_aarch64_cpython(c_built: Built, tmp_path: Path) -> None:
    assert c_built.run.code == 0, c_built.run.output
    root, why = arm64_root()
    if root is None:
        pytest.skip(why)
    version = run_arm64(root, "-c", "import sys; print('%d%d' % sys.version_info[:2])")
    cp = version.stdout.strip()
    candidates = list(
        c_built.project.wheelhouse.glob(f"*-cp{cp}-cp{cp}-manylinux_2_28_aarch64.whl")
    )
    if not candidates:
        pytest.skip(f"the arm64 root's CPython is {cp}; this test builds for 3.11 and 3.12")
    with zipfile.ZipFile(candidates[0]) as zf:
        zf.extractall(tmp_path / "site")
    machine = run_arm64(root, "-c", "import platform; print(platform.machine())")
    assert machine.stdout.strip() == "aarch64"
    proc = run_arm64(root, "-c", PROBE, pythonpath=tmp_path / "site")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == EXPECTED


@pytest.mark.parametrize("tag", PLATFORMS["macosx"])
@pytest.mark.parametrize("python", PYTHONS)
def test_macos_wheels_are_mach_o_for_their_cpu_and_tag(
    c_built: Built, tag: str, python: str, tmp_path: Path
) -> None:
    assert c_built.run.code == 0, c_built.run.output
    cp = python.replace(".", "")
    wheel = c_built.wheel(f"cp{cp}-cp{cp}-{tag}")
    with zipfile.ZipFile(wheel) as zf:
        (member,) = [n for n in zf.namelist() if n.endswith(".so")]
        assert member == f"cfast/_native.cpython-{cp}-darwin.so"
        (tmp_path / "ext.so").write_bytes(zf.read(member))
    macho = MachO(str(tmp_path / "ext.so"))
    (header,) = macho.headers
    cpu = mach_o.CPU_TYPE_NAMES[header.header.cputype]
    arch = tag.split("_", 3)[3]
    assert cpu == {"arm64": "ARM64", "x86_64": "x86_64"}[arch]
    assert header.header.filetype == mach_o.MH_DYLIB
    flags = header.header.flags
    assert flags & mach_o.MH_DYLDLINK and flags & mach_o.MH_TWOLEVEL
    loads = [
        extra.rstrip(b"\0").decode()
        for load, _, extra in header.commands
        if load.cmd == mach_o.LC_LOAD_DYLIB
    ]
    assert loads == ["/usr/lib/libSystem.B.dylib"]
    (binary,) = read_binaries(wheel)
    assert binary.min_macos == tuple(int(p) for p in tag.split("_")[1:3])
    assert binary.install_name == f"@rpath/_native.cpython-{cp}-darwin.so"  # no build path
    assert binary_problems(wheel.name, [binary]) == []


@pytest.mark.parametrize("tag", PLATFORMS["linux"])
def test_manylinux_wheels_fit_the_policy(c_built: Built, tag: str) -> None:
    assert c_built.run.code == 0, c_built.run.output
    for python in PYTHONS:
        cp = python.replace(".", "")
        wheel = c_built.wheel(f"cp{cp}-cp{cp}-{tag}")
        (binary,) = read_binaries(wheel)
        assert binary.kind == "elf" and binary.arches == (tag.split("_", 3)[3],)
        glibc = tuple(int(p) for p in tag.split("_")[1:3])
        assert binary.glibc is None or binary.glibc <= glibc
        assert set(binary.needed) <= MANYLINUX_ALLOWED
        assert binary.path.endswith(f".cpython-{cp}-{tag.split('_', 3)[3]}-linux-gnu.so")
        with zipfile.ZipFile(wheel) as zf:
            wheel_file = zf.read("cfast-1.0.dist-info/WHEEL").decode()
            assert f"Tag: cp{cp}-cp{cp}-{tag}" in wheel_file
            infos = zf.infolist()
            assert [i.filename for i in infos][-1] == "cfast-1.0.dist-info/RECORD"
            assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}


def test_a_rebuild_gives_identical_bytes(c_built: Built) -> None:
    assert c_built.run.code == 0, c_built.run.output
    tags = ["cp312-cp312-manylinux_2_28_aarch64", "cp312-cp312-macosx_10_13_x86_64"]
    before = {c_built.wheel(t).name: sha256_of(c_built.wheel(t)) for t in tags}
    record = (c_built.project.wheelhouse / "wh-built.json").read_bytes()
    for name in before:
        (c_built.project.wheelhouse / name).unlink()
    run = c_built.project.wh(
        "build",
        "--python",
        "3.12",
        "--platforms",
        "manylinux_2_28_aarch64,macosx_10_13_x86_64",
        "--format",
        "json",
        timeout=1700,
    )
    assert run.code == 0, run.output
    assert sorted(b["wheel"] for b in run.json["cross_built"]) == sorted(before)
    after = {name: sha256_of(c_built.project.wheelhouse / name) for name in before}
    assert after == before
    assert (c_built.project.wheelhouse / "wh-built.json").read_bytes() == record


def test_plain_sync_keeps_the_cross_built_wheels(c_built: Built) -> None:
    assert c_built.run.code == 0, c_built.run.output
    before = c_built.project.files()
    run = c_built.project.sync()
    assert run.code == 0, run.output
    assert run.json["removed"] == [] and run.json["gaps"] == []
    assert c_built.project.files() == before


def test_verify_passes_and_names_a_binary_that_does_not_fit_its_tag(
    c_built: Built, tmp_path: Path
) -> None:
    assert c_built.run.code == 0, c_built.run.output
    ok = c_built.project.wh("verify", "--format", "json")
    assert ok.code == 0, ok.output
    copy = Project(tmp_path / "proj", c_built.project.dists, tmp_path / "cache")
    shutil.copytree(c_built.project.dir, copy.dir)
    mac = copy.wheelhouse / c_built.wheel("cp312-cp312-macosx_11_0_arm64").name
    linux = copy.wheelhouse / c_built.wheel("cp312-cp312-manylinux_2_17_x86_64").name
    craft_with_member_of(mac, linux)
    bad = copy.wh("verify", "--format", "json")
    assert bad.code == 1
    binary = [f for f in bad.json["findings"] if f["kind"] == "binary"]
    assert binary and all(f["file"] == mac.name for f in binary)
    assert any("is not a Mach-O binary" in f["message"] for f in binary)
    assert any("extension suffix of another OS" in f["message"] for f in binary)


def craft_with_member_of(target: Path, donor: Path) -> None:
    """Rewrite ``target`` (same name) so it holds ``donor``'s Linux extension module."""
    with zipfile.ZipFile(donor) as zf:
        (so,) = [n for n in zf.namelist() if n.endswith(".so")]
        data = zf.read(so)
    with zipfile.ZipFile(target) as zf:
        members = {n: zf.read(n) for n in zf.namelist() if not n.endswith(".so")}
    members[so] = data
    with zipfile.ZipFile(target, "w") as zf:
        for name, content in members.items():
            zf.writestr(name, content)


def test_cpp_sdist_cross_builds_and_imports(
    served: SimpleIndex, tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    """C++ (zig c++, its libc++ linked in). Each new target first compiles zig's libc++
    (minutes of CPU), so by default one target; WH_SLOW_TESTS=1 builds all four."""
    interpreter = interpreters("3.12")["3.12"]
    project = new_project(tmp_path_factory.mktemp("cpp") / "cpp", served, "cppwords")
    write_project(project, served, ["3.12"])
    platforms = [t for tags in PLATFORMS.values() for t in tags] if SLOW else PLATFORMS["linux"][:1]
    run = project.wh(
        "build", "cppwords", "--platforms", ",".join(platforms), "--format", "json", timeout=1700
    )
    assert run.code == 0, run.output
    assert len(run.json["cross_built"]) == len(platforms)
    for wheel in project.wheelhouse.glob("*.whl"):
        assert binary_problems(wheel.name, read_binaries(wheel)) == []
    wheel = next(project.wheelhouse.glob("*-manylinux_2_17_x86_64.whl"))
    probe = "import cppwords; print(cppwords.sorted_words('pear apple fig'))"
    assert run_in_venv(interpreter, tmp_path / "venv", wheel, probe) == "apple,fig,pear"


def test_a_missing_c_library_is_a_gap_naming_it(
    served: SimpleIndex, tmp_path_factory: pytest.TempPathFactory
) -> None:
    interpreters("3.12")
    project = new_project(tmp_path_factory.mktemp("xml") / "xml", served, "xmlish")
    write_project(project, served, ["3.12"])
    run = project.wh("build", "--platforms", "manylinux_2_17_x86_64", "--format", "json")
    assert run.code == 1, run.output
    (gap,) = run.json["gaps"]
    assert gap["target"] == "cp312-manylinux_2_17_x86_64" and gap["package"] == "xmlish"
    assert "libxml/xmlversion.h" in gap["reason"] and "file not found" in gap["reason"]
    assert "C library (libxml/xmlversion.h)" in gap["hint"]
    assert "Traceback" not in run.output


def test_without_zig_build_is_a_usage_error_naming_the_install_line(tmp_path: Path) -> None:
    code = (
        "import sys; sys.modules['ziglang'] = None;"
        "from wh.cli.app import main; sys.exit(main(['build', '--project', sys.argv[1]]))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)],
        capture_output=True,
        text=True,
        env=isolated_env(WH_CACHE_DIR=str(tmp_path / "cache"), NO_COLOR="1"),
        check=False,
    )
    assert proc.returncode == 2, proc.stderr
    assert "zig" in proc.stderr and "pip install 'wh[build]'" in proc.stderr


def test_a_build_past_its_time_limit_is_stopped_and_named(
    served: SimpleIndex, tmp_path_factory: pytest.TempPathFactory
) -> None:
    interpreters("3.12")
    project = new_project(tmp_path_factory.mktemp("hang") / "hang", served, "sleepy")
    write_project(project, served, ["3.12"], extra="\n[tool.wh.build]\ntimeout = 20\n")
    run = project.wh("build", "--platforms", "macosx_11_0_arm64", "--format", "json")
    assert run.code == 1, run.output
    (gap,) = run.json["gaps"]
    assert gap["package"] == "sleepy" and gap["target"] == "cp312-macosx_11_0_arm64"
    assert "ran longer than 20 s and was stopped" in gap["reason"]
