"""The whole job, as a user runs it: lock -> sync -> verify -> pex, from a loopback index,
for Linux and macOS targets, from this Linux machine."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.integration.conftest import Project
from tests.support.gitrepo import commit_all, init_repo
from tests.support.index import SimpleIndex
from tests.support.netenv import isolated_env
from tests.support.wheels import make_wheel

PY = f"{sys.version_info.major}.{sys.version_info.minor}"
ABI = f"cp{sys.version_info.major}{sys.version_info.minor}"


def test_lock_sync_verify_pex(project: Project) -> None:
    d = project.dists
    make_wheel(
        d,
        "app-deps",
        "1.0",
        requires_dist=['appnope; sys_platform == "darwin"', "native>=1"],
    )
    make_wheel(d, "appnope", "0.1.4")
    for plat in ("manylinux_2_17_x86_64", "macosx_11_0_arm64"):
        make_wheel(d, "native", "1.0", f"{ABI}-{ABI}-{plat}")
    make_wheel(d, "native", "2.0", f"{ABI}-{ABI}-manylinux_2_17_x86_64")  # no macOS wheel
    (project.dir / "lockfiles").mkdir()
    (project.dir / "lockfiles" / "requirements.in").write_text("app-deps\n")
    (project.dir / "src").mkdir()
    (project.dir / "src" / "main.py").write_text(
        "import native, app_deps\n\ndef run():\n    print('workflow ok')\n"
    )
    with SimpleIndex(d) as index:
        (project.dir / "pyproject.toml").write_text(
            f"""[tool.wh]
lockfiles = ["lockfiles/requirements.txt"]
python = ["{PY}"]
index-url = "{index.url}"
[tool.wh.platforms]
linux = ["manylinux_2_28_x86_64"]
macosx = ["macosx_14_0_arm64"]
[tool.wh.pex.app]
entry-point = "main:run"
sources = ["src"]
output = "dist/app.pex"
"""
        )
        init_repo(project.dir)
        assert project.wh("init").code == 0
        locked = project.wh("lock", "--only-wheels")
        assert locked.code == 0, locked.output
        lock = (project.dir / "lockfiles" / "requirements.txt").read_text()
        assert 'appnope==0.1.4 ; sys_platform == "darwin"' in lock
        assert 'native==1.0 ; sys_platform == "darwin"' in lock
        assert 'native==2.0 ; sys_platform == "linux"' in lock
        synced = project.wh("sync", "--format", "json")
        assert synced.code == 0, synced.output
        assert json.loads(synced.stdout)["ok"] is True
    commit_all(project.dir, "lock and wheelhouse")

    verified = project.wh("verify", "--staged", "--format", "json")
    assert verified.code == 0, verified.output
    built = project.wh("pex")
    assert built.code == 0, built.output
    run = subprocess.run(
        [sys.executable, str(project.dir / "dist" / "app.pex")],
        env=isolated_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert "workflow ok" in run.stdout
    inspected = json.loads(
        project.wh("inspect", str(project.dir / "dist" / "app.pex"), "--format", "json").stdout
    )
    assert inspected["missing"] == {}
    files = {d["file"] for d in inspected["distributions"]}
    assert f"native-1.0-{ABI}-{ABI}-macosx_11_0_arm64.whl" in files
    assert Path(project.dir / "dist" / "app.pex").stat().st_size == inspected["size"]
