"""Time `wh pex` against the raw `pex` command a user would run for the same PEX, in one run.

Builds a wheelhouse of ~70 projects (pure, and native ones with wheels for CPython 3.11 on
manylinux x86_64 and macOS arm64), about 60 MB that the PEX carries, and its hash-pinned
lock. Both sides build the same two-platform PEX (manylinux_2_28_x86_64 + macosx_14_0_arm64,
CPython 3.11) from the same files with the same sources and entry point:

- raw pex, default options: `pex -r requirements.txt -f wheelhouse --no-pypi
  --complete-platform A --complete-platform B -D src -e app:main -o raw.pex`;
- `wh pex` (which also verifies the wheelhouse first and checks the PEX after).

Each is timed cold (empty PEX_ROOT) and warm (PEX_ROOT from the previous run), `--repeat`
times; medians and ratios printed; nothing asserted about time.

    .venv/bin/python benchmarks/bench_pex.py [--packages 70] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
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
from tests.support.netenv import isolated_env  # noqa: E402
from tests.support.wheels import make_wheel, sha256_of  # noqa: E402

from wh.core.targets import make_target  # noqa: E402

BIN = Path(sys.executable).parent
NATIVE = (
    "cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64",
    "cp311-cp311-macosx_11_0_arm64",
)
PYPROJECT = """[tool.wh]
lockfiles = ["requirements.txt"]
python = ["3.11"]
[tool.wh.platforms]
linux = ["manylinux_2_28_x86_64"]
macosx = ["macosx_14_0_arm64"]
[tool.wh.pex.app]
entry-point = "app:main"
sources = ["src"]
output = "dist/app.pex"
"""


def build(project: Path, count: int) -> list[str]:
    rng = random.Random(20261130)
    house = project / "wheelhouse"
    house.mkdir(parents=True)
    lines = []
    for i in range(count):
        name = f"pkg{i:02d}"
        tags = NATIVE if i % 4 == 0 else ("py3-none-any",)
        size = rng.randint(1_000_000, 3_000_000) if i % 4 == 0 else rng.randint(20_000, 800_000)
        made = [make_wheel(house, name, "1.0", t, size=size) for t in tags]
        hashes = "".join(f" \\\n    --hash=sha256:{sha256_of(w)}" for w in made)
        lines.append(f"{name}==1.0{hashes}\n")
    (project / "requirements.txt").write_text("".join(lines))
    (project / "pyproject.toml").write_text(PYPROJECT)
    (project / "src").mkdir()
    imports = "".join(f"    import pkg{i:02d}\n" for i in range(count))
    (project / "src" / "app.py").write_text(f"def main():\n{imports}    print('ok')\n")
    return [line.split(" ")[0] for line in lines]


def timed(cmd: list[str], project: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=project, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}")
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packages", type=int, default=70)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="wh-bench-pex-"))
    project = work / "project"
    build(project, args.packages)
    platforms = []
    for tag in ("manylinux_2_28_x86_64", "macosx_14_0_arm64"):
        path = work / f"{tag}.json"
        path.write_text(json.dumps(make_target("3.11", tag).complete_platform()))
        platforms += ["--complete-platform", str(path)]
    raw = [str(BIN / "pex"), "-r", "requirements.txt", "-f", "wheelhouse", "--no-pypi"]
    raw += [*platforms, "-D", "src", "-e", "app:main", "-o", str(work / "raw.pex")]
    wh = [str(BIN / "wh"), "pex"]
    runs: dict[str, list[float]] = {}
    for label, cmd in (("raw pex (defaults)", raw), ("wh pex", wh)):
        for mode in ("cold", "warm"):
            runs[f"{label}, {mode}"] = []
        for _ in range(args.repeat):
            pex_root = work / "pex-root"
            shutil.rmtree(pex_root, ignore_errors=True)
            env = isolated_env(PEX_ROOT=str(pex_root), WH_CACHE_DIR=str(work / "cache"))
            runs[f"{label}, cold"].append(timed(cmd, project, env))
            runs[f"{label}, warm"].append(timed(cmd, project, env))
    median = {k: statistics.median(v) for k, v in runs.items()}
    size = (project / "dist" / "app.pex").stat().st_size
    raw_size = (work / "raw.pex").stat().st_size
    print(
        f"{args.packages} packages; PEX {size / 1e6:.1f} MB (raw pex: {raw_size / 1e6:.1f} MB);"
        f" 2 targets; {os.cpu_count()} cores; median of {args.repeat}"
    )
    for key, seconds in median.items():
        print(f"{key:<26} {seconds:6.2f} s")
    ratios = {}
    for mode in ("cold", "warm"):
        ratio = median[f"wh pex, {mode}"] / median[f"raw pex (defaults), {mode}"]
        ratios[f"wh / raw pex, {mode}"] = ratio
        print(
            f"wh pex / raw pex, {mode}: {ratio:.2f} (goal <= 1.0: {'yes' if ratio <= 1 else 'NO'})"
        )
    emit("pex", ratios, dict.fromkeys(ratios, 1.0))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
