"""Time `wh lock` for 6 targets, with each resolver, against ONE host-only pip-compile and
ONE host-only `uv pip compile` on the same inputs and index, in one run.

The index (loopback, PEP 691 JSON) holds a generated dependency graph of `--packages`
projects: 10 top-level requirements, 2-4 dependencies each, some behind `sys_platform` and
`python_version` markers, a few native projects whose newest release lacks a macOS wheel.
Targets: CPython 3.11/3.12 x manylinux_2_28 x86_64 / aarch64 / macOS 14 arm64.
Prints medians and ratios; asserts nothing about time.

    .venv/bin/python benchmarks/bench_lock.py [--packages 70] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from results import emit  # noqa: E402
from tests.support.index import SimpleIndex  # noqa: E402
from tests.support.netenv import isolated_env  # noqa: E402
from tests.support.wheels import make_wheel  # noqa: E402

BIN = Path(sys.executable).parent
MARKERS = ('sys_platform == "darwin"', 'sys_platform == "linux"', 'python_version < "3.12"')
NATIVE = [
    f"{py}-{py}-{plat}"
    for py in ("cp311", "cp312")
    for plat in ("manylinux_2_17_x86_64.manylinux2014_x86_64", "manylinux_2_17_aarch64")
]


def generate(dists: Path, count: int) -> list[str]:
    """A seeded dependency graph; returns the top-level requirement names (a third of them)."""
    rng = random.Random(20261130)
    names = [f"pkg{i:02d}" for i in range(count)]
    for i, name in enumerate(names):
        later = names[i + 1 :]
        deps = rng.sample(later, min(len(later), rng.randint(2, 4))) if i < count - 8 else []
        requires = [
            f"{d}>=1.0" + (f"; {MARKERS[j % 3]}" if (i + j) % 5 == 0 else "")
            for j, d in enumerate(deps)
        ]
        for version in ("1.0", "1.1", "2.0"):
            if i % 7 == 3:  # native: 2.0 ships only Linux wheels, 1.1 also macOS
                macos = [f"{py}-{py}-macosx_11_0_arm64" for py in ("cp311", "cp312")]
                tags = NATIVE if version == "2.0" else [*NATIVE, *macos]
                for tag in tags:
                    make_wheel(dists, name, version, tag, requires_dist=requires)
            else:
                make_wheel(dists, name, version, requires_dist=requires)
    return names[: max(10, count // 3)]


def timed(cmd: list[str], cwd: Path, env: dict[str, str]) -> float:
    """Run ``cmd`` from scratch: no earlier output to take pins from, as a first lock."""
    for old in (cwd / "lockfiles" / "requirements.txt", cwd.parent / "host.txt"):
        old.unlink(missing_ok=True)
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}")
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packages", type=int, default=70)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="wh-bench-lock-"))
    (work / "dists").mkdir()
    top = generate(work / "dists", args.packages)
    project = work / "project"
    (project / "lockfiles").mkdir(parents=True)
    (project / "lockfiles" / "requirements.in").write_text("".join(f"{n}\n" for n in top))
    with SimpleIndex(work / "dists") as index:
        (project / "pyproject.toml").write_text(
            f'[tool.wh]\npython = ["3.11", "3.12"]\nindex-url = "{index.url}"\n'
            "[tool.wh.platforms]\n"
            'linux = ["manylinux_2_28_x86_64", "manylinux_2_28_aarch64"]\n'
            'macosx = ["macosx_14_0_arm64"]\n'
        )
        env = isolated_env(
            WH_CACHE_DIR=str(work / "cache"),
            UV_PYTHON_DOWNLOADS="never",
            PYTHONPYCACHEPREFIX=str(work / "pycache"),  # byte-code cached, as on a user's machine
        )
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        out = str(work / "host.txt")
        inputs = "lockfiles/requirements.in"
        commands = {
            "pip-compile (host only)": [
                str(BIN / "pip-compile"), inputs, "-o", out, "--generate-hashes", "--quiet",
                "--no-config", "--index-url", index.url, "--allow-unsafe", "--strip-extras",
            ],
            "uv pip compile (host only)": [
                str(BIN / "uv"), "pip", "compile", inputs, "-o", out, "--generate-hashes",
                "--quiet", "--no-config", "--index-url", index.url,
                "--cache-dir", str(work / "uvcache"),
            ],
            "wh lock (pip-tools, 6 targets)": [str(BIN / "wh"), "lock"],
            "wh lock --resolver uv (6 targets)": [str(BIN / "wh"), "lock", "--resolver", "uv"],
        }  # fmt: skip
        for cmd in commands.values():  # warm caches (pip's HTTP cache, uv's) and byte-code
            timed(cmd, project, env)
        runs: dict[str, list[float]] = {k: [] for k in commands}
        for _ in range(args.repeat):
            for key, cmd in commands.items():
                runs[key].append(timed(cmd, project, env))
    median = {k: statistics.median(v) for k, v in runs.items()}
    lock = (project / "lockfiles" / "requirements.txt").read_text()  # the last (uv) run's
    pinned = sum(1 for line in lock.splitlines() if "==" in line)
    marked = sum(1 for line in lock.splitlines() if "==" in line and ";" in line)
    print(
        f"index: {args.packages} projects; lock: {pinned} lines ({marked} with markers);"
        f" {os.cpu_count()} cores; median of {args.repeat}, warm caches"
    )
    for key, seconds in median.items():
        print(f"{key:<36} {seconds:7.2f} s")
    pt = median["wh lock (pip-tools, 6 targets)"] / median["pip-compile (host only)"]
    uv = median["wh lock --resolver uv (6 targets)"] / median["uv pip compile (host only)"]
    print(f"wh lock (pip-tools) / one host pip-compile = {pt:.2f}x (goal <= 3x: {_yes(pt <= 3)})")
    print(f"wh lock (uv) / one host uv run = {uv:.2f}x (goal <= 1.5x: {_yes(uv <= 1.5)})")
    emit(
        "lock",
        {"pip-tools / pip-compile": pt, "uv / uv": uv},
        {"pip-tools / pip-compile": 3, "uv / uv": 1.5},
    )
    shutil.rmtree(work, ignore_errors=True)


def _yes(ok: bool) -> str:
    return "yes" if ok else "NO"


if __name__ == "__main__":
    main()
