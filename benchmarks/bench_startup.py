"""Time `wh --version` (interpreter start + wh's CLI imports) against `python -c pass`.

The floor of every wh command is the interpreter's own start; this prints both medians and
the difference, which is what wh's imports cost. Asserts nothing about time.

    .venv/bin/python benchmarks/bench_startup.py [--repeat 15]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from results import emit  # noqa: E402

WH = Path(sys.executable).with_name("wh")


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="wh-bench-startup-") as tmp:
        # byte-code cached, as for an installed wh (this sandbox turns it off)
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = tmp
        commands = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "wh --version": [str(WH), "--version"],
        }
        for cmd in commands.values():
            timed(cmd, env)  # warm-up: byte-code and page cache
        runs: dict[str, list[tuple[float, float]]] = {k: [] for k in commands}
        for _ in range(args.repeat):  # alternated, so that a burst of load hits both
            for key, cmd in commands.items():
                runs[key].append(timed(cmd, env))
    median = {k: statistics.median(w for w, _ in v) for k, v in runs.items()}
    cpu = {k: statistics.median(c for _, c in v) for k, v in runs.items()}
    print(f"{'':<16} {'wall':>7} {'CPU':>7}   (medians of {args.repeat}; CPU = user + system)")
    for key, seconds in median.items():
        print(f"{key:<16} {seconds * 1000:4.0f} ms {cpu[key] * 1000:4.0f} ms")
    own = median["wh --version"] - median["python -c pass"]
    print(f"wh's own start-up (imports): {own * 1000:.0f} ms")
    ok = "yes" if median["wh --version"] < 0.1 else "NO"
    print(f"goal: wh --version under 100 ms: {ok}")
    figures = {"wh --version s": median["wh --version"], "wh --version CPU s": cpu["wh --version"]}
    emit("startup", figures, {"wh --version s": 0.1})


if __name__ == "__main__":
    main()
