"""Time `wh sync` (cold and no-op) against the `pip download` loop it replaces, in one run.

Generates a deterministic index of ~70 projects (pure, native per-CPython, abi3, plus files no
target should pick), serves it on loopback as PEP 691 JSON, and times, each `--repeat` times:
a cold `wh sync` (fresh wheelhouse and cache), a no-op `wh sync` right after, the floor
(the very files wh synced, fetched from the same server by 8 parallel `curl`s, then one
`sha256sum` of them), and one `pip download` per target (cold into a fresh dest, then again
with the files present).
Prints medians, ratios and the goals; asserts nothing about time.

    PIP_CONFIG_FILE=/dev/null .venv/bin/python benchmarks/bench_sync.py [--packages 70]
        [--repeat 3] [--keep DIR] [--server simple|pypiserver]

`--server pypiserver` serves the same files with the real pypiserver (PEP 503 HTML, no
keep-alive, every page hashing its project's files) instead of our PEP 691 JSON server.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from packaging.markers import Marker  # noqa: E402
from results import emit  # noqa: E402
from tests.support.index import PypiServer, SimpleIndex  # noqa: E402
from tests.support.netenv import isolated_env  # noqa: E402
from tests.support.wheels import make_wheel, sha256_of  # noqa: E402

from wh import __version__ as wh_version  # noqa: E402
from wh.core.targets import Target, make_target  # noqa: E402

WH = Path(sys.executable).with_name("wh")
PYTHONS = ("3.11", "3.12")
PLATFORMS = {
    "linux": ("manylinux_2_28_x86_64", "manylinux_2_28_aarch64"),
    "macosx": ("macosx_14_0_arm64", "macosx_13_0_x86_64"),
}
LINUX_17 = (
    "manylinux_2_17_x86_64.manylinux2014_x86_64",
    "manylinux_2_17_aarch64.manylinux2014_aarch64",
)
LINUX_28 = ("manylinux_2_28_x86_64", "manylinux_2_28_aarch64")
MACOS = ("macosx_11_0_arm64", "macosx_10_12_x86_64")
NOT_PICKED = ("win_amd64", "musllinux_1_1_x86_64")  # in the lock, fit no target
PIP = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--quiet"]
LABELS = {
    "wh_cold": "wh sync, cold",
    "wh_noop": "wh sync, no-op",
    "pip_cold": "pip download loop, cold",
    "pip_noop": "pip download loop, no-op",
    "floor": "floor: 8 curls + sha256sum",
}
MARKERS = ('sys_platform == "darwin"', 'python_version < "3.12"', 'sys_platform == "linux"')


@dataclass(frozen=True)
class Pin:
    name: str
    version: str
    marker: str | None
    hashes: tuple[str, ...]

    def block(self, *, with_marker: bool = True) -> str:
        marker = f" ; {self.marker}" if self.marker and with_marker else ""
        hashes = " \\\n".join(f"    --hash=sha256:{h}" for h in self.hashes)
        return f"{self.name}=={self.version}{marker} \\\n{hashes}\n"

    def applies(self, target: Target) -> bool:
        return self.marker is None or Marker(self.marker).evaluate(dict(target.environment))


def generate(dists: Path, count: int) -> list[Pin]:
    """Write every file of the index into `dists`; return the lock's pins (seeded, fixed)."""
    rng = random.Random(20240601)
    n_native, n_abi3 = round(count * 16 / 70), round(count * 5 / 70)
    pins: list[Pin] = []
    for i in range(count):
        kind = "native" if i < n_native else "abi3" if i < n_native + n_abi3 else "pure"
        name, version, old = f"{kind}-pkg-{i:02d}", f"2.{i % 9}.{rng.randint(0, 9)}", f"1.{i}.0"
        marker = {n_native + n_abi3 + k: m for k, m in enumerate(MARKERS)}.get(i)
        marker = 'sys_platform == "linux"' if i == 0 else marker
        base = int(420_000 * 6 ** (rng.random() ** 4))  # 0.5-3 MB per native file, mostly small
        sized: list[tuple[str, int]] = []
        if kind == "pure":
            tags = "py2.py3-none-any" if i % 4 == 0 else "py3-none-any"
            sized = [(tags, int(20_000 * 15 ** rng.random()))]
        elif kind == "abi3":
            plats = (*LINUX_17, *MACOS, *NOT_PICKED)
            sized = [(f"cp38-abi3-{p}", base) for p in plats]
        else:
            plats = (*LINUX_17, *(LINUX_28 if i % 5 == 1 else ()), *MACOS, *NOT_PICKED)
            pythons = ("cp310", "cp311", "cp312") if i % 4 == 2 else ("cp311", "cp312")
            sized = [(f"{py}-{py}-{p}", base) for py in pythons for p in plats]
        files = []
        for tags, size in sized:
            size = max(size, 500_000) if kind != "pure" else size
            files.append(
                make_wheel(dists, name, version, tags, size=int(size * rng.uniform(0.9, 1.1)))
            )
        if i % 3 == 0:  # an older release in the index, not in the lock
            make_wheel(dists, name, old, sized[0][0], size=20_000)
        pins.append(Pin(name, version, marker, tuple(sorted(sha256_of(f) for f in files))))
    return pins


def run(cmd: Sequence[str | Path], env: dict[str, str]) -> float:
    """Run `cmd`; fail loudly on a non-zero exit; return its wall time in seconds."""
    start = time.perf_counter()
    proc = subprocess.run([str(c) for c in cmd], env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        output = proc.stdout + proc.stderr
        sys.exit(f"FAILED (exit {proc.returncode}): {shlex.join(map(str, cmd))}\n{output}")
    return elapsed


def pip_loop(url: str, dest: Path, reqs: dict[Target, Path], env: dict[str, str]) -> float:
    """One `pip download` per target, every platform tag the target accepts spelled out."""
    total = 0.0
    for t, req in reqs.items():
        cmd: list[str | Path] = [*PIP, "--dest", dest, "--index-url", url, "--require-hashes"]
        cmd += ["--python-version", t.python_short, "--implementation", "cp", "--abi", t.abi]
        cmd += ["-r", req]
        total += run(cmd + [a for tag in t.platform.accepted for a in ("--platform", tag)], env)
    return total


def floor(urls: list[str], dest: Path, env: dict[str, str]) -> float:
    """The physical floor for the same files: 8 parallel `curl`s from the same server, then
    `sha256sum` of what they wrote (no atomic rename, no fsync, no hash check against a lock)."""
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    out = shlex.quote(str(dest))
    fetch = f"xargs -P 8 -n 8 curl -sS --fail --remote-name-all --output-dir {out}"
    start = time.perf_counter()
    subprocess.run(fetch, shell=True, input="\n".join(urls), text=True, env=env, check=True)
    files = sorted(str(p) for p in dest.iterdir())
    subprocess.run(["sha256sum", *files], env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def subprocess_env(work: Path, **extra: str) -> dict[str, str]:
    """No pip config, and byte-code caching on (as on a user's machine) but kept in `work`."""
    env = isolated_env(PYTHONPYCACHEPREFIX=str(work / "pycache"), **extra)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def wheels(directory: Path) -> set[str]:
    return {p.name for p in directory.iterdir() if p.suffix == ".whl"}


def file_url(index: SimpleIndex | PypiServer, filename: str) -> str:
    if isinstance(index, SimpleIndex):
        return index.file_url(filename)
    return f"{index.base_url}/packages/{quote(filename, safe='')}"


def bench(work: Path, count: int, repeat: int, server: str = "simple") -> None:
    dists, project, dest = work / "dists", work / "project", work / "pip-dest"
    for d in (dists, project, work / "pip-reqs"):
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir(parents=True)
    t0 = time.perf_counter()
    pins = generate(dists, count)
    print(f"generated {len(list(dists.iterdir()))} files in {time.perf_counter() - t0:.1f} s")
    pins.sort(key=lambda p: p.name)
    lock = "".join(p.block() for p in pins)
    (project / "requirements.txt").write_text(f"# pip-tools format, universal\n{lock}")
    targets = [make_target(py, tag) for py in PYTHONS for t in PLATFORMS.values() for tag in t]
    reqs = {t: work / "pip-reqs" / f"{t.name}.txt" for t in targets}
    for t, req in reqs.items():  # markers evaluated here: pip would evaluate them for the host
        req.write_text("".join(p.block(with_marker=False) for p in pins if p.applies(t)))
    times: dict[str, list[float]] = {k: [] for k in LABELS}
    hits: dict[str, int] = {}
    with SimpleIndex(dists) if server == "simple" else PypiServer(dists) as index:
        if isinstance(index, SimpleIndex):
            for name in index.projects():  # hash every file now, not during the first timed run
                index.listing(name)
        families = "".join(f"{k} = {json.dumps(v)}\n" for k, v in PLATFORMS.items())
        (project / "pyproject.toml").write_text(
            f'[tool.wh]\nlockfiles = ["requirements.txt"]\nwheelhouse = "wheelhouse"\n'
            f"python = {json.dumps(PYTHONS)}\nindex-url = {json.dumps(index.url)}\n"
            f"[tool.wh.platforms]\n{families}"
        )
        sync: list[str | Path] = [WH, "sync", "--project", project, "--quiet"]

        def timed(key: str, action: Callable[..., float], *args: Any) -> None:
            os.sync()  # no dirty pages of the previous step written back during this one
            before = index.hits.total()
            times[key].append(action(*args))
            hits[key] = index.hits.total() - before

        # Warm-up, untimed: byte-code caches and the OS page cache, for wh and for pip alike.
        run(sync, subprocess_env(work, WH_CACHE_DIR=str(work / "wh-cache-warmup")))
        first = dict(list(reqs.items())[:1])
        pip_loop(index.url, work / "pip-warmup", first, subprocess_env(work))
        for r in range(repeat):
            shutil.rmtree(project / "wheelhouse", ignore_errors=True)
            env = subprocess_env(work, WH_CACHE_DIR=str(work / f"wh-cache-{r}"))
            timed("wh_cold", run, sync, env)
            timed("wh_noop", run, sync, env)
            urls = [file_url(index, name) for name in sorted(wheels(project / "wheelhouse"))]
            timed("floor", floor, urls, work / "floor", subprocess_env(work))
            shutil.rmtree(dest, ignore_errors=True)
            env = subprocess_env(work, PIP_CACHE_DIR=str(work / f"pip-cache-{r}"))
            timed("pip_cold", pip_loop, index.url, dest, reqs, env)
            timed("pip_noop", pip_loop, index.url, dest, reqs, env)
            done = ", ".join(f"{k} {v[-1]:.2f} s" for k, v in times.items())
            print(f"run {r + 1}/{repeat}: {done}", flush=True)
    report(work, pins, len(targets), times, hits)


def report(
    work: Path, pins: list[Pin], targets: int, times: dict[str, list[float]], hits: dict[str, int]
) -> None:
    dists, house = work / "dists", work / "project" / "wheelhouse"
    ours, theirs = wheels(house), wheels(work / "pip-dest")
    mb = sum((house / f).stat().st_size for f in ours) / 1e6
    pip = subprocess.run([*PIP[:3], "--version"], capture_output=True, text=True).stdout.split()
    print("\n== environment")
    print(
        f"cores: {os.cpu_count()}; {platform.system()} {platform.machine()}; "
        f"CPython {platform.python_version()}; wh {wh_version}; {' '.join(pip[:2])}"
    )
    print(
        f"index: {len(pins)} projects, {len(list(dists.iterdir()))} files, "
        f"{sum(p.stat().st_size for p in dists.iterdir()) / 1e6:.0f} MB; lock: "
        f"{sum(bool(p.marker) for p in pins)} marker lines, {sum(len(p.hashes) for p in pins)} "
        f"hashes; {targets} targets; wheelhouse: {len(ours)} files, {mb:.1f} MB"
    )
    print(f"\n== results (median of {len(times['wh_cold'])})")
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"{'approach':<27}{'median s':>9}{'requests':>10}   runs")
    for key, label in LABELS.items():
        runs = " ".join(f"{t:.2f}" for t in times[key])
        print(f"{label:<27}{med[key]:>9.2f}{hits[key]:>10}   {runs}")
    cold, noop = med["pip_cold"] / med["wh_cold"], med["pip_noop"] / med["wh_noop"]
    to_floor = med["wh_cold"] / med["floor"]
    print(f"\npip loop / wh cold = {cold:.1f}x")
    print(f"wh cold / floor = {to_floor:.2f}x (goal <= 1.2x: {'yes' if to_floor <= 1.2 else 'no'})")
    print(f"pip no-op loop / wh no-op = {noop:.1f}x")
    print(f"goal cold >= 5x faster than the pip loop: {'yes' if cold >= 5 else 'no'} ({cold:.1f}x)")
    noop_ok = "yes" if med["wh_noop"] < 0.2 else "no"
    print(f"goal no-op < 0.2 s: {noop_ok} ({med['wh_noop']:.2f} s)")
    emit(
        "sync",
        {"cold / floor": to_floor, "pip loop / cold": cold, "no-op s": med["wh_noop"]},
        {"cold / floor": 1.2, "no-op s": 0.2},
    )
    if ours == theirs:
        print(f"same files: wh and the pip loop both fetched these {len(ours)} files")
    else:
        print(f"DIFFERENT FILES: only wh {sorted(ours - theirs)}; only pip {sorted(theirs - ours)}")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packages", type=int, default=70, help="projects in the lock")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; medians shown")
    parser.add_argument("--keep", type=Path, help="work in DIR and keep it (default: a temp dir)")
    parser.add_argument(
        "--server", choices=("simple", "pypiserver"), default="simple", help="the loopback index"
    )
    args = parser.parse_args(argv)
    if not WH.exists():
        sys.exit(f"{WH} not found: run with the project's venv python (make bench)")
    if args.keep:
        bench(args.keep.resolve(), args.packages, args.repeat, args.server)
        return
    with tempfile.TemporaryDirectory(prefix="wh-bench-") as tmp:
        bench(Path(tmp), args.packages, args.repeat, args.server)


if __name__ == "__main__":
    main()
