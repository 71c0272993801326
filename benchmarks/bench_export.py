"""Time `wh index` and the installs it serves, against what a user would do instead, in one run.

Builds the wheelhouse `bench_verify.py` builds (48 projects, 8 targets, ~`--megabytes` MB)
and times, each `--repeat` times (median reported):

- `cp -r wheelhouse` (the floor for publishing the files anywhere) against `wh index` into a
  new directory (pages, `.metadata` files, hard links) and `wh index` re-run over it;
- `wh export pylock` (verify's choice, rendering, and packaging.pylock's check per target);
- a pip resolve of every project this machine can install (`pip install --dry-run`) from
  `--find-links wheelhouse`, from the wh index over `file://`, and from the wh index behind a
  plain static HTTP server on loopback (PEP 658: pip reads `.metadata` files, no wheel),
  against the wheelhouse directory behind the same server (`-f http://…/`: pip downloads
  each wheel to read its metadata).

Prints medians and ratios; asserts nothing about time.

    .venv/bin/python benchmarks/bench_export.py [--megabytes 150] [--repeat 3] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_verify import build, timed  # noqa: E402
from tests.support.netenv import isolated_env  # noqa: E402
from tests.support.static import StaticFiles  # noqa: E402

WH = str(Path(sys.executable).with_name("wh"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=int, default=150)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="build in this directory and keep it")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="wh-bench-export-"))
    project = work / "project"
    if project.exists():
        shutil.rmtree(project)
    project.mkdir(parents=True)
    files = build(project, args.megabytes)
    env = isolated_env(WH_CACHE_DIR=str(work / "cache"), PIP_NO_CACHE_DIR="1")
    names = sorted({f.name.split("-", 1)[0] for f in files})
    house = project / "wheelhouse"
    index = work / "index"
    dry = [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "-q"]
    runs: dict[str, list[float]] = {}

    def add(key: str, seconds: float) -> None:
        runs.setdefault(key, []).append(seconds)

    timed([WH, "verify", "--project", str(project)], env, project)  # warm caches alike
    with StaticFiles(index) as server, StaticFiles(house) as listing:
        for _ in range(args.repeat):
            shutil.rmtree(work / "copy", ignore_errors=True)
            shutil.rmtree(index, ignore_errors=True)
            add("cp", timed(["cp", "-r", str(house), str(work / "copy")], env, work))
            index_cmd = [WH, "index", "--project", str(project), "--output", str(index)]
            add("index", timed(index_cmd, env, work))
            add("index-again", timed(index_cmd, env, work))
            pylock = [WH, "export", "pylock", "--project", str(project)]
            add("pylock", timed(pylock, env, work))
            add("find-links", timed([*dry, "--no-index", "-f", str(house), *names], env, work))
            file_url = (index / "simple").as_uri() + "/"
            add("file-index", timed([*dry, "--index-url", file_url, *names], env, work))
            http_url = f"{server.base_url}/simple/"
            add("http-index", timed([*dry, "--index-url", http_url, *names], env, work))
            listed = [*dry, "--no-index", "-f", f"{listing.base_url}/", *names]
            add("http-listing", timed(listed, env, work))
    median = {k: statistics.median(v) for k, v in runs.items()}
    total = sum(f.stat().st_size for f in files)
    print(
        f"wheelhouse: {len(files)} files, {total / 1e6:.0f} MB, 8 targets; {len(names)} projects"
        f" resolved; {os.cpu_count()} cores; python {sys.version.split()[0]};"
        f" median of {args.repeat}"
    )
    rows = [
        ("cp", "cp -r wheelhouse", "cp"),
        ("index", "wh index (new directory)", "cp"),
        ("index-again", "wh index (re-run, unchanged)", "cp"),
        ("pylock", "wh export pylock (checked)", "cp"),
        ("find-links", "pip --dry-run -f wheelhouse", "find-links"),
        ("file-index", "pip --dry-run, wh index file://", "find-links"),
        ("http-listing", "pip --dry-run -f http://(dir listing)", "http-listing"),
        ("http-index", "pip --dry-run, wh index over HTTP", "http-listing"),
    ]
    print(f"{'approach':<38} {'seconds':>8}  ratio")
    for key, label, base in rows:
        print(f"{label:<38} {median[key]:>8.3f}  {median[key] / median[base]:5.2f}x {base}")
    if not args.keep:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
