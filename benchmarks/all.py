"""Run every benchmark in one go and print one table of their ratios (`make bench`).

Each benchmark runs as its own process (its output streams through) and ends with a
`WH-BENCH` line (benchmarks/results.py); the table at the end collects those lines.

    .venv/bin/python benchmarks/all.py [--only sync,verify] [--quick]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from results import parse, table  # noqa: E402

BENCHES = {
    "startup": ["bench_startup.py"],
    "sync": ["bench_sync.py"],
    "verify": ["bench_verify.py"],
    "lock": ["bench_lock.py", "--packages", "70"],
    "pex": ["bench_pex.py"],
    "deploy": ["bench_deploy.py"],
    "export": ["bench_export.py"],
    "build": ["bench_build.py"],
}
QUICK = {
    "startup": ["--repeat", "3"],
    "sync": ["--repeat", "1"],
    "verify": ["--repeat", "1"],
    "lock": ["--repeat", "1"],
    "pex": ["--repeat", "1"],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="comma-separated names: " + ",".join(BENCHES))
    parser.add_argument("--quick", action="store_true", help="one repeat each")
    args = parser.parse_args()
    names = [n for n in args.only.split(",") if n] or list(BENCHES)
    rows: list[dict[str, Any]] = []
    for name in names:
        cmd = [sys.executable, str(HERE / BENCHES[name][0]), *BENCHES[name][1:]]
        cmd += QUICK.get(name, []) if args.quick else []
        print(f"\n##### {name}: {' '.join(cmd[1:])}", flush=True)
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)
        sys.stdout.write(proc.stdout)
        if proc.returncode:
            rows.append({"bench": name, "figures": {"FAILED: exit status": proc.returncode}})
        rows.extend(parse(proc.stdout))
    load = os.getloadavg()
    print(f"\n== all benchmarks ({os.cpu_count()} cores; load average at the end {load[0]:.1f})")
    print("\n".join(table(rows)))


if __name__ == "__main__":
    main()
