"""Time `wh build` (zig cross builds for several targets) against what a user does instead: a
native `pip wheel` of the same sdists on this machine, in one run.

Generates C-extension sdists (setuptools) and serves them, with setuptools, on loopback.
Times: a native `pip wheel --no-deps` of every sdist under the target CPython (isolated
builds, as pip does by default); `wh build` of the same sdists for every target, with
`--jobs 1` (per target: total / targets, the like-for-like figure) and with the default jobs;
and once, zig's first-run cost (an empty zig cache, one sdist, one target). A warm-up run
fills zig's cache first. Prints medians and ratios; asserts nothing about time.

    PIP_CONFIG_FILE=/dev/null .venv/bin/python benchmarks/bench_build.py [--sdists 3]
        [--repeat 1] [--python 3.12]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.csdist import make_c_sdist, setuptools_wheel  # noqa: E402
from tests.support.index import SimpleIndex  # noqa: E402
from tests.support.netenv import isolated_env  # noqa: E402
from tests.support.wheels import sha256_of  # noqa: E402

from wh.adapters.toolchain import find_interpreter, find_zig  # noqa: E402

WH = Path(sys.executable).with_name("wh")
PLATFORMS = ["manylinux_2_17_x86_64", "manylinux_2_28_aarch64"]
MACOS = ["macosx_11_0_arm64", "macosx_10_13_x86_64"]


def run(cmd: Sequence[str | Path], env: dict[str, str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run([str(c) for c in cmd], env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(
            f"failed ({proc.returncode}): {' '.join(map(str, cmd))}\n"
            f"{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"
        )
    return elapsed


def project(base: Path, index_url: str, sdists: list[Path], python: str) -> Path:
    base.mkdir(parents=True)
    lock = []
    for sdist in sdists:
        name, version = sdist.name.removesuffix(".tar.gz").split("-")
        lock.append(f"{name}=={version} \\\n    --hash=sha256:{sha256_of(sdist)}")
    (base / "requirements.txt").write_text("\n".join(lock) + "\n")
    (base / "pyproject.toml").write_text(
        f"""[tool.wh]
lockfiles = ["requirements.txt"]
python = ["{python}"]
index-url = "{index_url}"

[tool.wh.platforms]
linux = {json.dumps(PLATFORMS)}
macosx = {json.dumps(MACOS)}
"""
    )
    return base


def wh_build(base: Path, env: dict[str, str], *args: str) -> float:
    return run([WH, "build", "--project", base, *args], env)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sdists", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--python", default="3.12")
    args = parser.parse_args()
    interpreter = find_interpreter(args.python, {})
    if interpreter is None:
        sys.exit(f"no local CPython {args.python} with headers and pip")
    zig = find_zig()
    targets = len(PLATFORMS) + len(MACOS)
    with tempfile.TemporaryDirectory(prefix="wh-bench-build-") as tmp:
        work = Path(tmp)
        dists = work / "dists"
        dists.mkdir()
        setuptools_wheel(dists)
        sdists = [make_c_sdist(dists, f"cbench{i}", "1.0") for i in range(args.sdists)]
        with SimpleIndex(dists) as index:
            env = isolated_env(WH_CACHE_DIR=str(work / "whcache"))
            pip = [interpreter.path, "-m", "pip", "wheel", "--no-deps", "--quiet"]
            pip += ["--index-url", index.url]

            def native(n: int) -> float:
                out = work / f"native-{n}"
                return sum(run([*pip, "-w", out, s], env) for s in sdists)

            def cross(n: int, *extra: str) -> float:
                base = project(work / f"p-{n}-{len(extra)}", index.url, sdists, args.python)
                return wh_build(base, dict(env, WH_CACHE_DIR=str(base / "cache")), *extra)

            cross(0)  # warm-up: zig's cache for every target, pip's for setuptools
            native(0)
            native_t = [native(n) for n in range(1, args.repeat + 1)]
            serial_t = [cross(n, "--jobs", "1") for n in range(1, args.repeat + 1)]
            parallel_t = [cross(n) for n in range(1, args.repeat + 1)]
            one = project(work / "cold", index.url, sdists[:1], args.python)
            cold_env = dict(env, ZIG_GLOBAL_CACHE_DIR=str(work / "zig-empty"))
            cold_env["WH_CACHE_DIR"] = str(one / "cache")
            cold = wh_build(one, cold_env, "--platforms", "macosx_11_0_arm64")
            warm_one = project(work / "warm", index.url, sdists[:1], args.python)
            warm = wh_build(
                warm_one,
                dict(env, WH_CACHE_DIR=str(warm_one / "cache")),
                "--platforms",
                "macosx_11_0_arm64",
            )
    nat, ser, par = (statistics.median(x) for x in (native_t, serial_t, parallel_t))
    print(f"wh build benchmark: {args.sdists} C sdists x {targets} targets, CPython {args.python}")
    print(f"  {zig.label}; {os.cpu_count()} CPUs; {platform.platform()}")
    print(f"  native pip wheel of the {args.sdists} sdists (one target: this machine) {nat:7.1f} s")
    print(f"  wh build, --jobs 1, {targets} targets                       {ser:7.1f} s")
    print(
        f"    per target                                            {ser / targets:7.1f} s"
        f"   {ser / targets / nat:4.2f}x native   (goal <= 1.5x)"
    )
    print(
        f"  wh build, --jobs {os.cpu_count()}, {targets} targets                       {par:7.1f} s"
        f"   {par / targets / nat:4.2f}x native per target"
    )
    print(
        f"  zig's first run, empty cache, 1 sdist x 1 target        {cold:7.1f} s"
        f"   (warm: {warm:.1f} s; first-run cost {cold - warm:.1f} s, once per target)"
    )


if __name__ == "__main__":
    main()
