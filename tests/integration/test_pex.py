"""wh pex and wh inspect with real pex: a multi-platform PEX built offline from a synced
wheelhouse runs here, holds the macOS wheels byte for byte, rebuilds to the same bytes, and
is refused (before pex starts) when a target lacks a file."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from collections.abc import Iterator

import pytest

from tests.integration.conftest import Project
from tests.support.index import SimpleIndex
from tests.support.netenv import isolated_env
from tests.support.wheels import sha256_of

PY = f"{sys.version_info.major}.{sys.version_info.minor}"
ABI = f"cp{sys.version_info.major}{sys.version_info.minor}"
LINUX = f"{ABI}-{ABI}-manylinux_2_17_x86_64.manylinux2014_x86_64"
MAC = f"{ABI}-{ABI}-macosx_11_0_arm64"
MAC_WHEEL = f"native-2.0-{MAC}.whl"
APP = """
import importlib, sys

def run():
    names = ["pure", "native"] + (["appnope"] if sys.platform == "darwin" else [])
    for name in names:
        importlib.import_module(name)
    print("app ok:", ", ".join(names))
"""


@pytest.fixture
def app(project: Project) -> Iterator[Project]:
    project.add("pure", "1.0")
    project.add("native", "2.0", LINUX, MAC, f"{ABI}-{ABI}-win_amd64")
    project.add("appnope", "0.1.4", marker='sys_platform == "darwin"')
    (project.dir / "src" / "app").mkdir(parents=True)
    (project.dir / "src" / "app" / "__init__.py").write_text("")
    (project.dir / "src" / "app" / "main.py").write_text(APP)
    with SimpleIndex(project.dists) as index:
        project.write(
            index.url,
            python=f'["{PY}"]',
            extra=(
                "[tool.wh.pex.app]\n"
                'entry-point = "app.main:run"\n'
                'sources = ["src"]\n'
                'output = "dist/app.pex"\n'
                'platforms = ["manylinux_2_28_x86_64", "macosx_14_0_arm64"]\n'
            ),
        )
        synced = project.sync("--platforms", "manylinux_2_28_x86_64,macosx_14_0_arm64")
        assert synced.code == 0, synced.output
    yield project  # the index is gone: everything below is offline


def test_pex_runs_here_and_carries_every_target(app: Project) -> None:
    built = app.wh("pex")

    assert built.code == 0, built.output
    pex = app.dir / "dist" / "app.pex"
    run = subprocess.run(
        [sys.executable, str(pex)], env=isolated_env(), capture_output=True, text=True, check=False
    )
    assert run.returncode == 0, run.stderr
    assert "app ok: pure, native" in run.stdout
    with zipfile.ZipFile(pex) as zf:
        info = json.loads(zf.read("PEX-INFO"))
        deps = {n.removeprefix(".deps/") for n in zf.namelist() if n.startswith(".deps/")}
        assert zf.read(f".deps/{MAC_WHEEL}") == (app.wheelhouse / MAC_WHEEL).read_bytes()
    assert MAC_WHEEL in deps and "appnope-0.1.4-py3-none-any.whl" in deps
    assert not any("win_amd64" in d for d in deps)  # no target uses it
    for name, digest in info["distributions"].items():
        assert digest == sha256_of(app.wheelhouse / name)

    inspected = app.wh("inspect", str(pex), "--format", "json", "--platforms", "linux,macosx")
    data = json.loads(inspected.stdout)
    serves = {d["file"]: d["targets"] for d in data["distributions"]}
    assert serves[MAC_WHEEL] == [f"{ABI}-macosx_14_0_arm64"]
    assert serves["appnope-0.1.4-py3-none-any.whl"] == data["targets"]  # pure: fits all
    assert data["entry_point"] == "app.main:run"
    # the PEX was built for linux x86_64 and macOS arm64 only: inspect names the rest
    assert set(data["missing"]) == {f"{ABI}-manylinux_2_28_aarch64", f"{ABI}-macosx_13_0_x86_64"}
    assert inspected.code == 1
    text = app.wh("inspect", str(pex), "--platforms", "linux,macosx")
    assert "no distribution for native==2.0" in text.stdout


def test_inspect_judges_a_pex_against_its_own_targets(app: Project) -> None:
    assert app.wh("pex").code == 0
    pex = str(app.dir / "dist" / "app.pex")

    own = app.wh("inspect", pex, "--format", "json")  # built for 2 of the project's 4 targets

    assert own.code == 0, own.output
    data = json.loads(own.stdout)
    assert data["targets"] == [f"{ABI}-manylinux_2_28_x86_64", f"{ABI}-macosx_14_0_arm64"]
    assert data["targets_from"] == "the PEX" and data["missing"] == {}
    text = app.wh("inspect", pex)
    assert text.code == 0 and "targets (from the PEX)" in text.stdout
    elsewhere = app.wh("inspect", pex, at=app.dir / "src")  # no project there: needs none
    assert elsewhere.code == 0, elsewhere.output


def test_rebuild_is_byte_identical(app: Project) -> None:
    assert app.wh("pex").code == 0
    first = sha256_of(app.dir / "dist" / "app.pex")
    (app.dir / "dist" / "app.pex").unlink()
    assert app.wh("pex", "app").code == 0
    assert sha256_of(app.dir / "dist" / "app.pex") == first


def test_incomplete_wheelhouse_is_refused_before_pex_starts(app: Project) -> None:
    (app.wheelhouse / MAC_WHEEL).unlink()

    refused = app.wh("pex")

    assert refused.code == 1
    assert "refused" in refused.stderr
    assert f"native 2.0: no file in the wheelhouse fits macosx_14_0_arm64 {ABI}" in refused.stdout
    assert not (app.dir / "dist").exists()  # pex never ran: nothing written


def test_unknown_pex_name_is_a_usage_error(app: Project) -> None:
    run = app.wh("pex", "nope")
    assert run.code == 2 and "no [tool.wh.pex.nope] table" in run.stderr


def test_two_concurrent_builds_both_succeed_with_the_same_bytes(app: Project) -> None:
    from tests.integration.conftest import WH

    env = isolated_env(WH_CACHE_DIR=str(app.cache))
    cmd = [WH, "pex", "--project", str(app.dir)]
    procs = [
        subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=300) for p in procs]

    assert [p.returncode for p in procs] == [0, 0], outputs
    pex = app.dir / "dist" / "app.pex"
    assert pex.is_file()
    assert sorted(p.name for p in pex.parent.iterdir()) == ["app.pex"]  # no temp file left
    first = sha256_of(pex)
    pex.unlink()
    assert app.wh("pex").code == 0
    assert sha256_of(pex) == first


def test_shebang_serves_every_target_and_is_configurable(app: Project) -> None:
    assert app.wh("pex").code == 0
    pex = app.dir / "dist" / "app.pex"
    assert pex.read_bytes().split(b"\n", 1)[0] == b"#!/usr/bin/env python3"

    pyproject = app.dir / "pyproject.toml"
    text = pyproject.read_text().replace(
        'output = "dist/app.pex"', 'output = "dist/app.pex"\nshebang = "/usr/bin/python3"'
    )
    pyproject.write_text(text)
    assert app.wh("pex").code == 0
    assert pex.read_bytes().split(b"\n", 1)[0] == b"#!/usr/bin/python3"


def test_entry_point_without_a_module_is_refused_at_build_time(app: Project) -> None:
    pyproject = app.dir / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace("app.main:run", "app.mian:run"))

    run = app.wh("pex")

    assert run.code == 2, run.output
    assert "entry-point 'app.mian:run': no module 'app.mian'" in run.stderr
    assert not (app.dir / "dist" / "app.pex").exists()


def test_entry_point_from_a_wheel_is_accepted(app: Project) -> None:
    pyproject = app.dir / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace("app.main:run", "pure:main"))

    run = app.wh("pex")

    assert run.code == 0, run.output
