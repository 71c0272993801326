"""Time `wh deploy` of a real-size PEX to two loopback SSH hosts against the same job done by
hand, in one run.

Needs root and openssh-server (two real sshd servers start on loopback ports, as in the
tests). Builds a project (a git repository) whose PEX carries ~40 MB of wheels (incompressible
payloads), then, for each side, a FIRST deploy (empty roots) and a second one (a new release
beside the first):

- by hand, host after host: `scp app.pex host:<root>/.tmp-<release>.pex`, then one
  `ssh host 'mkdir -p <root>/<release> && mv … && ln -sfn <release> <root>/latest'`
  (OpenSSH's client, key and known_hosts given explicitly; no check, no lock, no sha256);
- `wh deploy fleet` (probe, lock, upload, sha256 compare, rename, `check = ["--version"]`,
  atomic flip, prune), the PEX already built by `wh pex` (deploy finds it up to date; the
  build time is printed apart, bench_pex.py measures it); and `wh deploy bare`, the same
  without a check (the first run of a 40 MB PEX installs its wheels on the host: seconds).

One run each; ratios printed; nothing asserted about time.

    .venv/bin/python benchmarks/bench_deploy.py [--megabytes 40]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from results import emit  # noqa: E402
from tests.support.gitrepo import commit_all, git  # noqa: E402
from tests.support.netenv import isolated_env  # noqa: E402
from tests.support.sshd import ClientHome, SshServer, missing  # noqa: E402
from tests.support.wheels import make_wheel, sha256_of  # noqa: E402

BIN = Path(sys.executable).parent
PY = f"{sys.version_info.major}.{sys.version_info.minor}"
APP = "import sys\n\ndef main():\n    print('app', {n})\n"


def project(work: Path, megabytes: int, servers: list[SshServer]) -> Path:
    proj = work / "project"
    house = proj / "wheelhouse"
    house.mkdir(parents=True)
    rng = random.Random(20261130)
    lines = []
    for i in range(8):
        size = megabytes * 1_000_000 // 8 + rng.randint(0, 1000)
        wheel = make_wheel(house, f"big{i}", "1.0", size=size)
        lines.append(f"big{i}==1.0 \\\n    --hash=sha256:{sha256_of(wheel)}\n")
    (proj / "requirements.txt").write_text("".join(lines))
    (proj / "src").mkdir()
    (proj / "src" / "app.py").write_text(APP.format(n=1))
    (proj / ".gitignore").write_text("dist/\n")
    tables = ""
    for table, check in (("fleet", 'check = ["--version"]\n'), ("bare", "")):
        hosts = ", ".join(  # one root per host: both hosts are this machine
            f'{{ host = "{s.destination()}", root = "{work / table / str(s.port)}" }}'
            for s in servers
        )
        tables += f'[tool.wh.deploy.{table}]\npex = "app"\nhosts = [{hosts}]\n{check}'
    (proj / "pyproject.toml").write_text(
        f'[tool.wh]\nlockfiles = ["requirements.txt"]\npython = ["{PY}"]\n'
        '[tool.wh.platforms]\nlinux = ["manylinux_2_28_x86_64"]\n'
        '[tool.wh.pex.app]\nentry-point = "app:main"\nsources = ["src"]\n'
        f'output = "dist/app.pex"\nshebang = "#!{sys.executable}"\n' + tables
    )
    git(proj, "init", "-q", "-b", "main")
    commit_all(proj, "one")
    return proj


def run(cmd: list[str], env: dict[str, str], cwd: Path | None = None) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}")
    return time.perf_counter() - start


def by_hand(
    pex: Path, release: str, servers: list[SshServer], home: ClientHome, root: Path
) -> float:
    """scp to each host, then ssh to move it in place and flip the link: host after host."""
    options = home.ssh_options()
    start = time.perf_counter()
    for server in servers:
        host_root = root / str(server.port)
        tmp = f"{host_root}/.tmp-{release}.pex"
        subprocess.run(["ssh", *options, "-p", str(server.port), "root@127.0.0.1",
                        f"mkdir -p {host_root}"], check=True)  # fmt: skip
        scp = ["scp", *options, "-P", str(server.port), str(pex), f"root@127.0.0.1:{tmp}"]
        subprocess.run(scp, check=True)
        flip = (
            f"mkdir -p {host_root}/{release} && mv {tmp} {host_root}/{release}/app.pex"
            f" && ln -sfn {release} {host_root}/latest"
        )
        subprocess.run(
            ["ssh", *options, "-p", str(server.port), "root@127.0.0.1", flip], check=True
        )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=int, default=40)
    args = parser.parse_args()
    why = missing()
    if why:
        sys.exit(f"cannot run: {why}")
    work = Path(tempfile.mkdtemp(prefix="wh-bench-deploy-"))
    home = ClientHome(work / "home")
    servers = [SshServer(work / f"sshd-{i}", home.key.with_suffix(".pub")) for i in (1, 2)]
    try:
        for server in servers:
            server.start()
        home.trust(*servers)
        proj = project(work, args.megabytes, servers)
        env = isolated_env(HOME=str(home.dir), WH_CACHE_DIR=str(work / "cache"), NO_COLOR="1")
        env.pop("SSH_AUTH_SOCK", None)
        wh = [str(BIN / "wh"), "deploy", "fleet", "--project", str(proj)]
        pex = proj / "dist" / "app.pex"
        built = run([str(BIN / "wh"), "pex", "--project", str(proj)], env)
        rows = []
        for label in ("first deploy", "second deploy"):
            if label == "second deploy":
                (proj / "src" / "app.py").write_text(APP.format(n=2))
                commit_all(proj, "two")
                run([str(BIN / "wh"), "pex", "--project", str(proj)], env)
            release = git(proj, "rev-parse", "HEAD").strip()
            manual = by_hand(pex, release, servers, home, work / "manual-root")
            bare = run([*wh[:2], "bare", *wh[3:]], env)
            seconds = run(wh, env)
            rows.append((label, manual, seconds, bare))
        size = pex.stat().st_size
        print(f"PEX {size / 1e6:.1f} MB; 2 loopback SSH hosts; {os.cpu_count()} cores; one run")
        print(f"wh pex (build, not in the deploy times): {built:.2f} s")
        for label, manual, seconds, bare in rows:
            ratio = seconds / manual
            print(f"{label}: by hand (scp + ssh mv + ln, host after host) {manual:.2f} s;"
                  f" wh deploy {seconds:.2f} s, ratio {ratio:.2f}"
                  f" (goal <= 1.0: {'yes' if ratio <= 1 else 'NO'});"
                  f" without a check {bare:.2f} s, ratio {bare / manual:.2f}")  # fmt: skip
        first = rows[0]
        emit(
            "deploy",
            {
                "first / by hand": first[2] / first[1],
                "first, no check / by hand": first[3] / first[1],
            },
            {"first / by hand": 2.0, "first, no check / by hand": 1.0},
        )
    finally:
        for server in servers:
            server.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
