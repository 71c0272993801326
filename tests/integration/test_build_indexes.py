"""An sdist build hands each configured index to pip once: pip's isolated build runs a child
`pip install` that gets the parent's indexes as arguments AND inherits its environment, so
an extra index handed over as PIP_EXTRA_INDEX_URL reached the child twice."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.support.index import SimpleIndex
from tests.support.netenv import isolated_env
from tests.support.wheels import make_sdist, make_wheel
from wh.adapters.builds import build_wheel
from wh.adapters.pipindex import index_env


def looking_in(env: dict[str, str], pip: list[str], sdist: Path, out: Path) -> list[str]:
    """The "Looking in indexes" lines of the parent pip and of its build child (-vv)."""
    cmd = [*pip, "wheel", "-vv", "--no-deps", "-w", str(out), str(sdist)]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    output = proc.stdout + proc.stderr
    return [line for line in output.splitlines() if "Looking in indexes:" in line]


def test_extra_index_reaches_the_build_child_once(tmp_path: Path) -> None:
    primary, extra = tmp_path / "a", tmp_path / "b"
    sdist = make_sdist(primary, "app", "1.0", build_requires=["helper"])
    make_wheel(extra, "helper", "1.0")
    (tmp_path / "out1").mkdir()
    with SimpleIndex(primary) as a, SimpleIndex(extra) as b:
        wheel, isolated = build_wheel(sdist, tmp_path / "out1", [a.url, b.url])
        assert isolated and wheel.name == "app-1.0-py3-none-any.whl"

        # the way build_wheel runs pip, made verbose: the child lists the extra index once
        env = isolated_env(**index_env([a.url, b.url]))
        lines = looking_in(
            env, [sys.executable, "-m", "wh.adapters.pipindex"], sdist, tmp_path / "out2"
        )
        assert len(lines) >= 2, lines  # the parent's and the build child's
        assert all(line.count(b.url) == 1 for line in lines), lines

        # the old way: the child saw it twice
        old = isolated_env(PIP_INDEX_URL=a.url, PIP_EXTRA_INDEX_URL=b.url)
        lines = looking_in(old, [sys.executable, "-m", "pip"], sdist, tmp_path / "out3")
        assert any(line.count(b.url) == 2 for line in lines), lines


def test_build_environment_carries_no_pip_extra_index_variable() -> None:
    env = index_env(["http://127.0.0.1:1/a", "http://127.0.0.1:1/b"])
    assert "PIP_EXTRA_INDEX_URL" not in env
    assert env["PIP_INDEX_URL"] == "http://127.0.0.1:1/a"
    assert os.environ.get("WH_EXTRA_INDEX_URLS") is None
