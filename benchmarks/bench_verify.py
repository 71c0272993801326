"""Time `wh verify` against `sha256sum` over the same files, in one run.

Builds a ~150 MB wheelhouse for 8 targets (3.11/3.12 x manylinux x86_64/aarch64 x macOS
arm64/x86_64), its hash-pinned lock, and a git repository that stores the wheels through
git-lfs. Then times, each `--repeat` times (median reported):

- `sha256sum` over every file (what a user would script instead; integrity only);
- `wh verify --no-cache` (hashes everything, plus completeness, metadata, closure, LFS);
- `wh verify` re-run with the hash-by-stat cache warm;
- `wh verify --pointers` (hashes from the git-lfs pointers, no content read);
- then a wheelhouse of `--many` (2,000) small pure wheels: `wh verify --no-cache` and
  `wh verify` with the cache warm, each with its peak RSS (per-file overhead).

Prints medians, ratios and the goals; asserts nothing about time.

    .venv/bin/python benchmarks/bench_verify.py [--megabytes 150] [--repeat 3] [--many 2000]
        [--keep DIR]
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
from tests.support.gitrepo import commit_all, git_env, init_repo  # noqa: E402
from tests.support.wheels import make_wheel, sha256_of  # noqa: E402

WH = str(Path(sys.executable).with_name("wh"))
NATIVE = [
    f"cp{v}-cp{v}-{plat}"
    for v in ("311", "312")
    for plat in (
        "manylinux_2_17_x86_64.manylinux2014_x86_64",
        "manylinux_2_17_aarch64.manylinux2014_aarch64",
        "macosx_11_0_arm64",
        "macosx_10_12_x86_64",
    )
]
PYPROJECT = """[tool.wh]
lockfiles = ["requirements.txt"]
python = ["3.11", "3.12"]
[tool.wh.platforms]
linux = ["manylinux_2_28_x86_64", "manylinux_2_28_aarch64"]
macosx = ["macosx_14_0_arm64", "macosx_13_0_x86_64"]
"""


def build(project: Path, megabytes: int) -> list[Path]:
    """Wheels (8 native projects x 8 tag sets, 40 pure ones) summing to about ``megabytes``."""
    rng = random.Random(20261130)
    house = project / "wheelhouse"
    house.mkdir(parents=True)
    native_each = megabytes * 1_000_000 * 0.9 / (8 * len(NATIVE))
    lines, files = [], []
    for i in range(8):
        made = [
            make_wheel(
                house, f"native{i}", "1.0", tags, size=int(native_each * rng.uniform(0.5, 1.5))
            )
            for tags in NATIVE
        ]
        files += made
        lines.append((f"native{i}", made))
    for i in range(40):
        made = [make_wheel(house, f"pure{i}", "2.0", size=rng.randint(20_000, 600_000))]
        files += made
        lines.append((f"pure{i}", made))
    text = "".join(
        f"{name}=="
        + made[0].name.split("-")[1]
        + "".join(f" \\\n    --hash=sha256:{sha256_of(f)}" for f in made)
        + "\n"
        for name, made in lines
    )
    (project / "requirements.txt").write_text(text)
    (project / "pyproject.toml").write_text(PYPROJECT)
    return files


def timed(cmd: list[str], env: dict[str, str], cwd: Path, ok: tuple[int, ...] = (0,)) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode not in ok:
        sys.exit(f"{' '.join(cmd)} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}")
    return elapsed


def bench_env(work: Path) -> dict[str, str]:
    """git's test identity, wh's cache in ``work``, and byte-code caching on as for an
    installed wh (this sandbox sets PYTHONDONTWRITEBYTECODE: wh would compile itself on
    every start, +60-80 ms a run), the byte-code kept in ``work``."""
    env = git_env(WH_CACHE_DIR=str(work / "cache"), PYTHONPYCACHEPREFIX=str(work / "pycache"))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def run_measured(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """One run of ``cmd``: wall seconds and its peak RSS in MB (it must exit 0)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{' '.join(cmd)} failed: {proc.stderr.read().decode() if proc.stderr else ''}")
    return seconds, usage.ru_maxrss / 1024


def many_wheels(project: Path, count: int, repeat: int) -> dict[str, float]:
    """`wh verify` of `count` small pure wheels, with --no-cache and with the cache warm:
    median seconds and the highest peak RSS in MB."""
    shutil.rmtree(project, ignore_errors=True)
    house = project / "wheelhouse"
    house.mkdir(parents=True)
    made = [make_wheel(house, f"many{i:04d}", "1.0", size=2_000) for i in range(count)]
    (project / "requirements.txt").write_text(
        "".join(
            f"many{i:04d}==1.0 \\\n    --hash=sha256:{sha256_of(f)}\n" for i, f in enumerate(made)
        )
    )
    (project / "pyproject.toml").write_text(PYPROJECT)
    init_repo(project)
    env = bench_env(project)
    subprocess.run(
        [WH, "init", "--project", str(project)], env=env, check=True, capture_output=True
    )
    cmd = [str(WH), "verify", "--project", str(project)]
    run_measured(cmd, env)  # warm the page cache and byte-code; fills the hash cache
    runs: dict[str, list[tuple[float, float]]] = {"no-cache": [], "cached": []}
    for _ in range(repeat):
        runs["no-cache"].append(run_measured([*cmd, "--no-cache"], env))
        runs["cached"].append(run_measured(cmd, env))
    figures = {}
    for key, values in runs.items():
        figures[f"{count} wheels {key} s"] = statistics.median(s for s, _ in values)
        figures[f"{count} wheels {key} MB"] = max(mb for _, mb in values)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=int, default=150)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="build in this directory and keep it")
    parser.add_argument("--many", type=int, default=2000, help="wheels in the many-small run")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="wh-bench-verify-"))
    project = work / "project"
    if project.exists():
        shutil.rmtree(project)
    project.mkdir(parents=True)
    files = build(project, args.megabytes)
    init_repo(project)
    env = bench_env(work)
    subprocess.run(
        [WH, "init", "--project", str(project)], env=env, check=True, capture_output=True
    )
    commit_all(project, "wheelhouse")
    total = sum(f.stat().st_size for f in files)

    sha256sum = ["sha256sum", *(str(f) for f in files)]
    verify = [WH, "verify", "--project", str(project)]
    timed(sha256sum, env, project)  # warm the page cache for both sides alike
    runs: dict[str, list[float]] = {k: [] for k in ("sha256sum", "full", "cached", "pointers")}
    for _ in range(args.repeat):
        runs["sha256sum"].append(timed(sha256sum, env, project))
        runs["full"].append(timed([*verify, "--no-cache"], env, project))
        timed(verify, env, project)  # fill the cache
        runs["cached"].append(timed(verify, env, project))
        runs["pointers"].append(timed([*verify, "--pointers"], env, project))
    median = {k: statistics.median(v) for k, v in runs.items()}

    print(
        f"wheelhouse: {len(files)} files, {total / 1e6:.0f} MB, 8 targets;"
        f" {os.cpu_count()} cores; python {sys.version.split()[0]}; median of {args.repeat}"
    )
    print(f"{'approach':<34} {'seconds':>8}  ratio")
    base = median["sha256sum"]
    for key, label in (
        ("sha256sum", "sha256sum (integrity only)"),
        ("full", "wh verify --no-cache"),
        ("cached", "wh verify (cache warm)"),
        ("pointers", "wh verify --pointers"),
    ):
        print(f"{label:<34} {median[key]:>8.3f}  {median[key] / base:5.2f}x sha256sum")
    within = median["full"] <= 0.8 * base
    print(f"goal: full verify within 0.8x sha256sum: {'yes' if within else 'NO'}")
    print(f"goal: cached re-run under 0.2 s: {'yes' if median['cached'] < 0.2 else 'NO'}")
    print(f"goal: --pointers under 0.2 s: {'yes' if median['pointers'] < 0.2 else 'NO'}")
    figures = {"full / sha256sum": median["full"] / base, "cached s": median["cached"]}
    figures["pointers s"] = median["pointers"]
    goals = {"full / sha256sum": 0.8, "cached s": 0.2, "pointers s": 0.2}
    if args.many:
        many = many_wheels(work / "many", args.many, args.repeat)
        for key, value in many.items():
            goal = 50.0 if key.endswith("MB") else 1.0
            met = "yes" if value < goal else "NO"
            print(f"{key}: {value:.2f} (goal < {goal:g}: {met})")
            goals[key] = goal
        figures |= many
    emit("verify", figures, goals)
    if not args.keep:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
