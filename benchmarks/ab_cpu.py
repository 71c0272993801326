"""Compare two versions of wh on one command by CPU time, alternating runs.

On a shared machine wall time follows the load; the CPU time a command uses (user + system,
its child processes included) barely does. This runs `python -m wh ARGS` with wh imported
from `--base` and from `--new` (two source trees, e.g. a `git worktree` of main and this
checkout), one after the other, `--repeat` times, with `--prep` (a shell command) before
each run, and prints each side's CPU and wall times and the means.

    .venv/bin/python benchmarks/ab_cpu.py --base ../perf-base/src --new src --repeat 5 \\
        [--prep 'rm -rf /tmp/p/wheelhouse /tmp/p/cache'] -- sync --project /tmp/p --quiet
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path


def run(src: Path, args: list[str], prep: str) -> tuple[float, float]:
    """CPU seconds (children included) and wall seconds of one `python -m wh ARGS`."""
    if prep:
        subprocess.run(prep, shell=True, check=True)
    os.sync()  # no write-back of an earlier run during this one
    env = dict(os.environ, PYTHONPATH=str(src.resolve()))
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # byte-code cached, as for an installed wh
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "wh", *args], env=env, capture_output=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 1):
        sys.exit(f"{src}: wh {' '.join(args)} exited {proc.returncode}:\n{proc.stderr.decode()}")
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return cpu, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=Path, required=True, help="the old tree's src directory")
    parser.add_argument("--new", type=Path, required=True, help="the new tree's src directory")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--prep", default="", help="shell command run before every run")
    parser.add_argument("args", nargs=argparse.REMAINDER, help="-- then wh's arguments")
    opts = parser.parse_args()
    args = opts.args[1:] if opts.args[:1] == ["--"] else opts.args
    sides = {"base": opts.base, "new": opts.new}
    for src in sides.values():  # warm-up: byte-code and page cache
        run(src, args, opts.prep)
    runs: dict[str, list[tuple[float, float]]] = {k: [] for k in sides}
    for _ in range(opts.repeat):
        for key, src in sides.items():
            runs[key].append(run(src, args, opts.prep))
    print(f"wh {' '.join(args)}; {opts.repeat} alternated runs; load {os.getloadavg()[0]:.1f}")
    for key, values in runs.items():
        cpu = " ".join(f"{c:.3f}" for c, _ in values)
        mean_cpu = statistics.mean(c for c, _ in values)
        mean_wall = statistics.mean(w for _, w in values)
        print(f"{key:<5} CPU mean {mean_cpu:.3f} s  wall mean {mean_wall:.2f} s  CPU runs {cpu}")


if __name__ == "__main__":
    main()
