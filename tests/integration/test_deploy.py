"""wh deploy / rollback / releases against two real OpenSSH servers on loopback.

The servers start once per session (tests/support/sshd.py); the client side is a HOME with a
key and a known_hosts naming them (paramiko and Fabric read ``$HOME``). One project (a git
repository with a synced wheelhouse and a small app PEX) serves the module; each test has its
own ``[tool.wh.deploy.<name>]`` table with its own roots, and makes the commits it needs.
Both servers run on this machine, so the tests look at the roots directly.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.integration.conftest import Project, Run
from tests.support.gitrepo import commit_all, git, init_repo
from tests.support.index import SimpleIndex
from tests.support.netenv import isolated_env
from tests.support.sshd import ClientHome, SshServer, missing
from tests.support.wheels import sha256_of

WH = str(Path(sys.executable).with_name("wh"))
PY = f"{sys.version_info.major}.{sys.version_info.minor}"
ABI = f"cp{sys.version_info.major}{sys.version_info.minor}"
LINUX = f"{ABI}-{ABI}-manylinux_2_17_x86_64.manylinux2014_x86_64"
MAC = f"{ABI}-{ABI}-macosx_11_0_arm64"
APP = """
import sys
import pure, native

VERSION = "{version}"

def run():
    if "--version" in sys.argv:
        print("app", VERSION)
        return 0
    print("app ok", VERSION)
    return 0
"""
BROKEN = "raise SystemExit('this release is broken')\n"
TABLES = ("fleet", "roll", "checked", "downed", "race", "together", "pruned", "dirty", "cut")


@dataclass
class Fleet:
    home: ClientHome
    a: SshServer
    b: SshServer
    plain: SshServer  # no SFTP subsystem


@pytest.fixture(scope="session")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fleet]:
    why = missing()
    if why:
        pytest.skip(why)
    base = tmp_path_factory.mktemp("ssh")
    home = ClientHome(base / "home")
    key = home.key.with_suffix(".pub")
    servers = [SshServer(base / name, key) for name in ("a", "b")]
    servers.append(SshServer(base / "plain", key, sftp=False))
    for server in servers:
        server.start()
    home.trust(*servers)
    yield Fleet(home, *servers)
    for server in servers:
        server.stop()


@dataclass
class Ship:
    project: Project
    fleet: Fleet
    roots: Path

    def root(self, table: str, host: str) -> Path:
        return self.roots / table / host

    def latest(self, table: str, host: str) -> str | None:
        link = self.root(table, host) / "latest"
        return os.readlink(link) if link.is_symlink() else None

    def releases(self, table: str, host: str) -> set[str]:
        root = self.root(table, host)
        found = {p.name for p in root.iterdir()} if root.is_dir() else set()
        return {n for n in found if len(n) >= 40}

    def head(self) -> str:
        return git(self.project.dir, "rev-parse", "HEAD").strip()

    def commit_app(self, version: str, body: str | None = None) -> str:
        main = self.project.dir / "src" / "app" / "main.py"
        main.write_text(body if body is not None else APP.format(version=version))
        commit_all(self.project.dir, f"app {version}")
        return self.head()

    def env(self, home: Path | None = None) -> dict[str, str]:
        env = isolated_env(HOME=str(home or self.fleet.home.dir), NO_COLOR="1", COLUMNS="200")
        env.pop("SSH_AUTH_SOCK", None)
        return env

    def popen(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [WH, *args, "--project", str(self.project.dir)],
            env=self.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def wh(self, *args: str, home: Path | None = None) -> Run:
        proc = subprocess.run(
            [WH, *args, "--project", str(self.project.dir)],
            env=self.env(home),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        return Run(proc.returncode, proc.stdout, proc.stderr)

    def run_live(self, table: str, host: str) -> str:
        pex = self.root(table, host) / "latest" / "app.pex"
        proc = subprocess.run([str(pex)], capture_output=True, text=True, check=True)
        return proc.stdout.strip()


def _tables(a: SshServer, b: SshServer, plain: SshServer, roots: Path) -> str:
    text = ""
    for table in TABLES:
        keep = 2 if table == "pruned" else 5
        text += (
            f"[tool.wh.deploy.{table}]\n"
            'pex = "app"\n'
            f'hosts = ["{a.destination()}", {{ host = "{b.destination()}",'
            f' root = "{roots / table / "b"}" }}]\n'
            f'root = "{roots / table / "a"}"\n'
            f"keep = {keep}\n"
            'check = ["--version"]\n\n'
        )
    return text + (
        "[tool.wh.deploy.mac]\n"
        'pex = "macapp"\n'
        f'hosts = ["{a.destination()}"]\n'
        f'root = "{roots / "mac" / "a"}"\n\n'
        "[tool.wh.deploy.plain]\n"
        'pex = "app"\n'
        f'hosts = ["{plain.destination()}"]\n'
        f'root = "{roots / "plain" / "a"}"\n'
        'check = ["--version"]\n\n'
        "[tool.wh.deploy.alias]\n"
        'pex = "app"\n'
        'hosts = ["web-a"]\n'
        f'root = "{roots / "alias" / "a"}"\n\n'
        "[tool.wh.deploy.here]\n"
        'pex = "app"\n'
        f'hosts = ["local"]\n'
        f'root = "{roots / "here" / "local"}"\n'
        'check = ["--version"]\n'
    )


@pytest.fixture(scope="module")
def ship(fleet: Fleet, tmp_path_factory: pytest.TempPathFactory) -> Ship:
    base = tmp_path_factory.mktemp("deploy")
    for name in ("proj", "dists"):
        (base / name).mkdir()
    project = Project(base / "proj", base / "dists", base / "cache")
    roots = base / "roots"
    project.add("pure", "1.0")
    project.add("native", "2.0", LINUX, MAC)
    (project.dir / "src" / "app").mkdir(parents=True)
    (project.dir / "src" / "app" / "__init__.py").write_text("")
    (project.dir / "src" / "app" / "main.py").write_text(APP.format(version="1"))
    (project.dir / ".gitignore").write_text("dist/\n")
    pex_tables = "".join(
        f"[tool.wh.pex.{name}]\n"
        'entry-point = "app.main:run"\nsources = ["src"]\n'
        f'output = "dist/{name}.pex"\nplatforms = ["{platform}"]\n'
        f'shebang = "#!{sys.executable}"\n\n'  # the hosts are this machine: this very Python
        for name, platform in (("app", "manylinux_2_28_x86_64"), ("macapp", "macosx_14_0_arm64"))
    )
    with SimpleIndex(project.dists) as index:
        project.write(index.url, python=f'["{PY}"]', extra=pex_tables)
        with (project.dir / "pyproject.toml").open("a") as f:
            f.write("\n" + _tables(fleet.a, fleet.b, fleet.plain, roots))
        init_repo(project.dir)
        synced = project.sync("--platforms", "manylinux_2_28_x86_64,macosx_14_0_arm64")
        assert synced.code == 0, synced.output
    commit_all(project.dir, "app 1")
    return Ship(project, fleet, roots)


def test_first_deploy_goes_live_on_both_hosts_and_runs(ship: Ship) -> None:
    release = ship.head()

    done = ship.wh("deploy", "fleet")

    assert done.code == 0, done.output
    for host in ("a", "b"):
        assert ship.latest("fleet", host) == release
        assert ship.releases("fleet", host) == {release}
        assert ship.run_live("fleet", host) == "app ok 1"
        assert not [p for p in ship.root("fleet", host).iterdir() if ".wh-tmp-" in p.name]
    assert "2 of 2 host(s) live" in done.stdout
    listed = ship.wh("releases", "fleet", "--format", "json")
    assert listed.code == 0, listed.output
    hosts = listed.json["hosts"]
    assert [h["host"] for h in hosts] == [ship.fleet.a.destination(), ship.fleet.b.destination()]
    for h, host in zip(hosts, ("a", "b"), strict=True):
        assert set(h) == {"host", "root", "latest", "releases"}
        assert h["root"] == str(ship.root("fleet", host))
        assert h["latest"] == release
        assert [set(r) for r in h["releases"]] == [{"release", "deployed"}]
        assert h["releases"][0]["release"] == release

    again = ship.wh("deploy", "fleet", "--format", "json")  # same release: nothing to send
    assert again.code == 0, again.output
    assert [h["uploaded"] for h in again.json["hosts"]] == [0, 0]
    assert "up to date" in again.stderr


def test_second_deploy_then_rollback_brings_the_first_back(ship: Ship) -> None:
    first = ship.head()
    assert ship.wh("deploy", "roll").code == 0
    second = ship.commit_app("2")

    deployed = ship.wh("deploy", "roll")

    assert deployed.code == 0, deployed.output
    for host in ("a", "b"):
        assert ship.latest("roll", host) == second
        assert ship.releases("roll", host) == {first, second}
        assert ship.run_live("roll", host) == "app ok 2"
    listed = ship.wh("releases", "roll", "--format", "json").json["hosts"][0]
    assert [r["release"] for r in listed["releases"]] == [second, first]  # newest first

    rolled = ship.wh("rollback", "roll")

    assert rolled.code == 0, rolled.output
    for host in ("a", "b"):
        assert ship.latest("roll", host) == first
        assert ship.run_live("roll", host) == "app ok 1"
    forward = ship.wh("rollback", "roll", "--to", second[:10])
    assert forward.code == 0, forward.output
    assert {ship.latest("roll", h) for h in ("a", "b")} == {second}
    absent = ship.wh("rollback", "roll", "--to", "0" * 40)
    assert absent.code == 1 and "no release 0000000" in absent.stdout
    assert {ship.latest("roll", h) for h in ("a", "b")} == {second}


def test_a_release_whose_check_fails_never_goes_live(ship: Ship) -> None:
    good = ship.head()
    assert ship.wh("deploy", "checked").code == 0
    broken = ship.commit_app("broken", BROKEN)
    try:
        failed = ship.wh("deploy", "checked", "--format", "json")
    finally:
        ship.commit_app("3")

    assert failed.code == 1, failed.output
    for h, host in zip(failed.json["hosts"], ("a", "b"), strict=True):
        assert h["status"] == "failed" and h["stage"] == "check"
        assert "this release is broken" in h["message"]
        assert ship.latest("checked", host) == good
        assert ship.releases("checked", host) == {good}  # the broken one is gone
    assert broken not in ship.releases("checked", "a")


def test_with_one_server_stopped_the_other_goes_live_and_the_exit_is_1(ship: Ship) -> None:
    release = ship.head()
    ship.fleet.b.stop()
    try:
        run = ship.wh("deploy", "downed", "--format", "json")
        listed = ship.wh("releases", "downed", "--format", "json")
    finally:
        ship.fleet.b.start()

    assert run.code == 1, run.output
    a, b = run.json["hosts"]
    assert a["status"] == "live" and a["live"] == release
    assert b["status"] == "failed" and b["stage"] == "connect"
    assert "cannot connect" in b["message"]
    assert ship.latest("downed", "a") == release
    assert ship.latest("downed", "b") is None
    assert listed.code == 1 and "cannot connect" in listed.stderr
    assert [h["latest"] for h in listed.json["hosts"]] == [release, None]
    assert ship.wh("deploy", "downed").code == 0  # back up: it catches up
    assert ship.latest("downed", "b") == release


def test_an_upload_cut_short_leaves_no_release_and_latest_unchanged(
    ship: Ship, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wh.adapters.hostlink import HostError
    from wh.adapters.ssh import SshLink

    assert ship.wh("deploy", "cut").code == 0
    live = ship.head()
    root = ship.root("cut", "a")
    monkeypatch.setenv("HOME", str(ship.fleet.home.dir))  # paramiko reads known_hosts there
    fake = "f" * 40
    with SshLink(ship.fleet.a.destination(), [sys.executable], str(root)) as link:
        link.start()
        link.request("lock")
        header = json.dumps({"op": "put", "name": "app.pex", "size": 10_000_000})
        link.channel.sendall(header.encode() + b"\n" + b"x" * 3_000_000)
        link.conn.close()  # the connection drops mid-upload
    deadline = time.monotonic() + 10  # the host side notices the cut and exits
    while time.monotonic() < deadline and _lock_held(root):
        time.sleep(0.05)
    assert not _lock_held(root)  # the host side went with the connection, and its lock too

    with SshLink(ship.fleet.a.destination(), [sys.executable], str(root)) as link:
        link.start()
        link.request("lock")
        tmp = link.request("mktemp")["tmp"]
        with link.conn.sftp().open(f"{tmp}/app.pex", "wb") as partial:
            partial.write(b"x" * 3_000_000)  # an SFTP upload that stopped here
        received = link.request("received", tmp=tmp, name="app.pex")
        with pytest.raises(HostError, match="the bytes received are not the ones sent"):
            link.request("install", tmp=tmp, name="app.pex", release=fake, sha256="0" * 64)
        assert received["sha256"] != "0" * 64

    assert fake not in ship.releases("cut", "a")
    assert ship.releases("cut", "a") == {live}
    assert ship.latest("cut", "a") == live
    assert ship.run_live("cut", "a") == f"app ok {_version(ship)}"
    again = ship.wh("deploy", "cut")  # the next deploy clears what the cut left
    assert again.code == 0, again.output
    assert not [p for p in root.iterdir() if p.name.startswith(".wh-tmp-")]


def _lock_held(root: Path) -> bool:
    with (root / ".wh-deploy.lock").open("a") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return True
        fcntl.flock(f, fcntl.LOCK_UN)
        return False


def _version(ship: Ship) -> str:
    text = (ship.project.dir / "src" / "app" / "main.py").read_text()
    return text.split('VERSION = "')[1].split('"')[0]


def test_a_second_deploy_waits_for_the_host_lock(ship: Ship) -> None:
    root = ship.root("race", "a")
    root.mkdir(parents=True)
    release = ship.head()
    assert ship.wh("pex", "app").code == 0  # build outside the timed window
    with (root / ".wh-deploy.lock").open("a+") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        held.write("a deploy by the test\n")
        held.flush()
        proc = ship.popen("deploy", "race", "--hosts", ship.fleet.a.destination())
        assert proc.stderr is not None
        waited = ""
        while "waiting for the deploy lock" not in waited:
            line = proc.stderr.readline()
            assert line, f"wh ended without waiting: {waited}"
            waited += line
        assert "a deploy by the test" in waited
        time.sleep(0.5)
        assert proc.poll() is None and ship.latest("race", "a") is None  # still waiting
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, out + err
    assert ship.latest("race", "a") == release


def test_two_deploys_at_once_both_finish_and_leave_one_clean_release(ship: Ship) -> None:
    release = ship.head()
    assert ship.wh("deploy", "together", "--hosts", "local").code == 2  # not one of its hosts
    first, second = ship.popen("deploy", "together"), ship.popen("deploy", "together")
    outputs = [p.communicate(timeout=240) for p in (first, second)]

    assert first.returncode == 0 and second.returncode == 0, outputs
    for host in ("a", "b"):
        root = ship.root("together", host)
        assert ship.latest("together", host) == release
        assert ship.releases("together", host) == {release}
        assert not [p for p in root.iterdir() if p.name.startswith(".wh-tmp-")]


def test_a_host_the_pex_does_not_serve_is_refused_before_upload(ship: Ship) -> None:
    run = ship.wh("deploy", "mac", "--format", "json")

    assert run.code == 1, run.output
    (host,) = run.json["hosts"]
    assert host["status"] == "refused" and host["stage"] == "probe"
    assert "no distribution for native==2.0" in host["message"]
    assert f"{ABI}-manylinux_2_" in host["message"]  # the host, as a target
    assert not ship.root("mac", "a").exists()  # nothing was sent, not even the lock


def test_old_releases_are_pruned_to_keep(ship: Ship) -> None:
    made = [ship.head()]
    assert ship.wh("deploy", "pruned").code == 0
    for version in ("p2", "p3"):
        made.append(ship.commit_app(version))
        run = ship.wh("deploy", "pruned", "--format", "json")
        assert run.code == 0, run.output

    assert run.json["hosts"][0]["pruned"] == [made[0]]
    for host in ("a", "b"):
        assert ship.releases("pruned", host) == set(made[1:])  # keep = 2
        assert ship.latest("pruned", host) == made[2]
    assert ship.wh("rollback", "pruned").code == 0  # the one before the live one is kept
    assert {ship.latest("pruned", h) for h in ("a", "b")} == {made[1]}


def test_a_dirty_tree_is_refused_unless_allowed(ship: Ship) -> None:
    main = ship.project.dir / "src" / "app" / "main.py"
    clean = main.read_text()
    main.write_text(clean.replace("app ok", "app dirty"))
    try:
        refused = ship.wh("deploy", "dirty")
        untouched = not ship.root("dirty", "a").exists() and not ship.root("dirty", "b").exists()
        allowed = ship.wh("deploy", "dirty", "--allow-dirty", "--hosts", ship.fleet.a.destination())
    finally:
        main.write_text(clean)

    assert refused.code == 2, refused.output
    assert "uncommitted changes to tracked files (src/app/main.py)" in refused.stderr
    assert "--allow-dirty" in refused.stderr
    assert untouched
    assert allowed.code == 0, allowed.output
    digest = sha256_of(ship.project.dir / "dist" / "app.pex")  # the dirty build
    assert ship.latest("dirty", "a") == f"{ship.head()}-dirty-{digest[:12]}"
    assert ship.run_live("dirty", "a").startswith("app dirty")


def test_an_unknown_host_key_is_refused(ship: Ship, tmp_path: Path) -> None:
    stranger = ClientHome(tmp_path / "home")  # knows no host
    (stranger.ssh / "id_ed25519").write_bytes(ship.fleet.home.key.read_bytes())

    run = ship.wh("deploy", "fleet", "--format", "json", home=stranger.dir)

    assert run.code == 1
    assert {h["stage"] for h in run.json["hosts"]} == {"connect"}
    assert all("unknown host key" in h["message"] for h in run.json["hosts"])


def test_a_host_without_sftp_gets_the_bytes_over_the_host_channel(
    ship: Ship, monkeypatch: pytest.MonkeyPatch
) -> None:
    import paramiko

    from wh.adapters.ssh import SshLink

    monkeypatch.setenv("HOME", str(ship.fleet.home.dir))
    link = SshLink(ship.fleet.plain.destination(), ["true"], "/")
    with link, pytest.raises(paramiko.SSHException):
        link.conn.sftp()  # this server really has no SFTP

    run = ship.wh("deploy", "plain", "--format", "json")

    assert run.code == 0, run.output
    assert (
        run.json["hosts"][0]["uploaded"] == (ship.project.dir / "dist" / "app.pex").stat().st_size
    )
    assert ship.latest("plain", "a") == ship.head()
    assert ship.run_live("plain", "a").startswith("app ok")


def test_a_host_alias_from_the_users_ssh_config(ship: Ship, tmp_path: Path) -> None:
    home = tmp_path / "home"
    shutil.copytree(ship.fleet.home.dir, home)
    (home / ".ssh" / "config").write_text(
        f"Host web-a\n  HostName 127.0.0.1\n  Port {ship.fleet.a.port}\n  User root\n"
    )

    run = ship.wh("deploy", "alias", home=home)

    assert run.code == 0, run.output
    assert ship.latest("alias", "a") == ship.head()


def test_local_host_deploys_without_ssh(ship: Ship) -> None:
    run = ship.wh("deploy", "here")

    assert run.code == 0, run.output
    assert ship.latest("here", "local") == ship.head()
    assert ship.run_live("here", "local").startswith("app ok")


def test_a_host_without_the_pex_interpreter_is_named(tmp_path: Path) -> None:
    from wh.adapters.hostlink import HostError, LocalLink

    link = LocalLink(["/usr/bin/env", "python3.99"], str(tmp_path / "root"))
    with link, pytest.raises(HostError, match=r"/usr/bin/env python3\.99 did not start") as e:
        link.start()
    assert "python3.99" in str(e.value) and "No such file" in str(e.value)
    assert e.value.hint and "shebang" in e.value.hint
    assert not (tmp_path / "root").exists()


def test_the_live_release_is_never_replaced_by_other_bytes(tmp_path: Path) -> None:
    from wh.adapters.hostlink import HostError, LocalLink

    root, release = tmp_path / "root", "a" * 40
    first, other = tmp_path / "first.pex", tmp_path / "other.pex"
    first.write_bytes(b"#!/bin/sh\necho first\n")
    other.write_bytes(b"#!/bin/sh\necho other\n")
    with LocalLink([sys.executable], str(root)) as link:
        link.start()
        link.request("lock")
        sent = link.put(first, "app.pex")
        link.request("install", release=release, name="app.pex", **sent)
        link.request("flip", release=release)
        sent = link.put(other, "app.pex")
        with pytest.raises(HostError, match="is live here with other bytes"):
            link.request("install", release=release, name="app.pex", **sent)
    assert (root / "latest" / "app.pex").read_bytes() == first.read_bytes()
