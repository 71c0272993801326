"""``wh deploy``, ``wh rollback``, ``wh releases``: one PEX to a fleet, ``latest`` flipped
atomically, rolled back by flipping it back.

Per host, in parallel, through one link (SSH with Fabric, or a local child process for
``local``) to wh's host side running under the interpreter the PEX's shebang names:

1. probe: that interpreter reports its facts and marker environment; the host becomes a
   target (``core.hostprobe``) and ``core.pexinfo.coverage`` says whether the PEX carries a
   distribution for every requirement there; if not, the host is refused before upload;
2. lock: ``<root>/.wh-deploy.lock`` serializes deploys to one host;
3. upload to ``<root>/.wh-tmp-*``; the sha256 of the bytes the host received must be the
   local one; one rename makes it ``<root>/<release>/`` (skipped when the release is
   already there with those bytes);
4. check: the new PEX runs with the ``check`` arguments; a failure removes it, never live;
5. flip: a new symlink renamed over ``<root>/latest``;
6. prune to ``keep`` (``core.releases.to_prune``: never the live one or the one before it).
A failed host keeps its previous ``latest``; the others proceed.
"""

from __future__ import annotations

import os
import shlex
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple, TypeVar

from wh.adapters import git
from wh.adapters.fs import sha256_file
from wh.adapters.hostlink import HostError, HostLink, LocalLink
from wh.adapters.pex import read_pex_info
from wh.adapters.project import load_config
from wh.core.config import Config
from wh.core.deployspec import DeploySpec, HostSpec
from wh.core.hostprobe import ProbeError, probed_target
from wh.core.pexinfo import PexInfo, coverage, parse_pex_info
from wh.core.releases import Release, newest_first, release_name, rollback_to, to_prune
from wh.errors import UsageError, WhError
from wh.services.pex import PexOptions, build_pexes
from wh.services.report import Reporter, Silent

DEFAULT_INTERPRETER = ("/usr/bin/env", "python3")
CHECK_TIMEOUT = 300
T = TypeVar("T")


class DeployError(WhError):
    """Nothing was shipped: the PEX could not be built or read."""


@dataclass(frozen=True, slots=True)
class DeployOptions:
    project: Path = Path()
    name: str = ""
    hosts: Sequence[str] | None = None  # destinations as configured; None: all
    jobs: int | None = None
    allow_dirty: bool = False
    to: str | None = None  # rollback: the release to flip to


@dataclass(slots=True)
class HostResult:
    host: str
    root: str
    status: str = "failed"  # live | failed | refused
    live: str | None = None  # what latest points at when done (None: unknown, or nothing)
    previous: str | None = None  # what it pointed at before
    stage: str = "connect"  # the step that failed
    message: str = ""
    uploaded: int = 0  # bytes sent (0: the release was already there)
    pruned: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status == "live"


@dataclass(slots=True)
class FleetRun:
    name: str
    release: str | None
    pex: str | None = None
    results: list[HostResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)


@dataclass(slots=True)
class HostReleases:
    host: str
    root: str
    latest: str | None = None
    releases: list[Release] = field(default_factory=list)
    error: str | None = None


class Shipment(NamedTuple):
    """What every host receives."""

    pex: Path
    sha256: str
    info: PexInfo
    interpreter: tuple[str, ...]
    release: str
    spec: DeploySpec


class _Serial:
    """The reporter, called from one host's thread at a time."""

    def __init__(self, reporter: Reporter) -> None:
        self.reporter, self.lock = reporter, threading.Lock()

    def info(self, message: str) -> None:
        with self.lock:
            self.reporter.info(message)


# --- configuration, release, PEX -----------------------------------------------------------


def _spec(config: Config, name: str) -> DeploySpec:
    if name not in config.deploy:
        known = ", ".join(config.deploy) or "none configured"
        raise UsageError(
            f"{name}: no [tool.wh.deploy.{name}] table ({known})",
            hint="add [tool.wh.deploy.<name>] with pex, hosts and root to pyproject.toml",
        )
    return config.deploy[name]


def _fleet(options: DeployOptions) -> tuple[Path, Config, DeploySpec, list[HostSpec]]:
    """The project, its configuration, the deploy table and the hosts chosen."""
    project = options.project.resolve()
    config = load_config(project)
    spec = _spec(config, options.name)
    return project, config, spec, select_hosts(spec, options.hosts)


def select_hosts(spec: DeploySpec, wanted: Sequence[str] | None) -> list[HostSpec]:
    if wanted is None:
        return list(spec.hosts)
    by_name = {h.destination: h for h in spec.hosts}
    unknown = [w for w in wanted if w not in by_name]
    if unknown:
        raise UsageError(
            f"--hosts: {unknown[0]} is not a host of [tool.wh.deploy.{spec.name}]",
            hint=f"its hosts: {', '.join(by_name)}",
        )
    return [by_name[w] for w in dict.fromkeys(wanted)]


def current_commit(project: Path, allow_dirty: bool) -> tuple[str, bool]:
    """The checked-out commit, and whether tracked files have uncommitted changes (refused
    unless ``allow_dirty``)."""
    commit = git.head_commit(project)
    if commit is None:
        raise UsageError(
            f"{project}: not a git repository with a commit; a release is named for its commit",
            hint="commit the project first (git init, git add, git commit)",
        )
    changed = git.changed_tracked(project)
    if changed and not allow_dirty:
        shown = ", ".join(changed[:5]) + (
            f" and {len(changed) - 5} more" if len(changed) > 5 else ""
        )
        raise UsageError(
            f"{project}: uncommitted changes to tracked files ({shown});"
            " a release must be a commit",
            hint="commit or stash them, or pass --allow-dirty (the release is then named"
            f" {commit}-dirty-<12 hex digits of the PEX's sha256>)",
        )
    return commit, bool(changed)


def _newest_input(project: Path, config: Config, spec: DeploySpec) -> float:
    """The newest mtime among what a PEX is built from: pyproject.toml, the lockfiles, the
    wheelhouse and the sources (files and directories, so a deletion counts too)."""
    pex_spec = config.pex[spec.pex]
    paths = [project / "pyproject.toml", *(project / f for f in config.lockfiles)]
    trees = [project / config.wheelhouse, *(project / s for s in pex_spec.sources)]
    newest = max((p.stat().st_mtime for p in paths if p.exists()), default=0.0)
    for tree in trees:
        for folder, dirs, files in os.walk(tree):
            dirs[:] = [d for d in dirs if d != "__pycache__"]
            for name in [".", *files]:
                newest = max(newest, os.stat(os.path.join(folder, name)).st_mtime)
    return newest


def ensure_pex(project: Path, config: Config, spec: DeploySpec, say: Reporter) -> Path:
    """Build the PEX, unless it is newer than everything it is built from (as make decides)."""
    output = project / config.pex[spec.pex].output
    if output.is_file() and output.stat().st_mtime > _newest_input(project, config, spec):
        say.info(f"{config.pex[spec.pex].output}: up to date")
        return output
    run = build_pexes(PexOptions(project=project, names=[spec.pex]), say)
    result = run.results[0]
    if result.refused is not None:
        problems = "; ".join(f.message for f in result.refused.findings[:5])
        raise DeployError(
            f"{output}: not built, the wheelhouse is incomplete for its targets: {problems}",
            hint=f"run `wh pex {spec.pex}` to see every finding, then `wh sync`",
        )
    return output


def shebang(pex: Path) -> tuple[str, ...]:
    """The interpreter a PEX names in its first line (``#!/usr/bin/env python3.12``)."""
    with pex.open("rb") as f:
        first = f.readline(4096).decode(errors="replace").strip()
    if not first.startswith("#!") or not shlex.split(first[2:]):
        raise DeployError(f"{pex}: no #! line naming its interpreter", hint="rebuild it: wh pex")
    return tuple(shlex.split(first[2:]))


def _interpreter(project: Path, config: Config, spec: DeploySpec) -> tuple[str, ...]:
    """For rollback and releases: the local PEX's interpreter, else python3."""
    pex = project / config.pex[spec.pex].output
    try:
        return shebang(pex)
    except (OSError, DeployError):
        return DEFAULT_INTERPRETER


# --- per host ------------------------------------------------------------------------------


@contextmanager
def open_link(host: HostSpec, interpreter: Sequence[str]) -> Iterator[HostLink]:
    """Connected, the host side started (call ``start()`` to read its probe)."""
    link: HostLink
    if host.local:
        link = LocalLink(interpreter, host.root)
    else:
        from wh.adapters.ssh import SshLink

        link = SshLink(host.destination, interpreter, host.root)
    with link:
        yield link


def _lock(link: HostLink, say: _Serial) -> None:
    link.request(
        "lock",
        on_wait=lambda holder: say.info(f"{link.where}: waiting for the deploy lock ({holder})"),
        who="wh deploy",
    )


def _probe(link: HostLink, ship: Shipment) -> None:
    try:
        target = probed_target(link.probe)
    except ProbeError as exc:
        raise HostError(f"{shlex.join(ship.interpreter)}: {exc}") from None
    missing = coverage(ship.info, [target]).missing.get(target.name)
    if missing:
        raise HostError(
            f"the PEX carries no distribution for {', '.join(missing)} on this host"
            f" ({target.name}, {link.probe.get('executable')})",
            hint="add the host's platform to the PEX's platforms, wh sync, then deploy again",
        )


def _upload(link: HostLink, ship: Shipment, result: HostResult, say: _Serial) -> bool:
    """Put the release in place; False when it is already live there with these bytes."""
    name, release = ship.pex.name, ship.release
    present = link.request("has", release=release, name=name, sha256=ship.sha256)
    if present["has"] and present["live"] == release:
        return False  # checked and flipped before: nothing to do but prune
    if present["has"]:
        link.request("install", release=release, name=name, sha256=ship.sha256)
        return True
    say.info(f"{link.where}: uploading {ship.pex.stat().st_size / 1e6:.1f} MB")
    received = link.put(ship.pex, name)
    if received["sha256"] != ship.sha256:
        raise HostError(f"the host received other bytes (sha256 {received['sha256'][:16]}…)")
    link.request("install", release=release, name=name, sha256=ship.sha256, tmp=received["tmp"])
    result.uploaded = ship.pex.stat().st_size
    return True


def _check(link: HostLink, ship: Shipment) -> None:
    if not ship.spec.check:
        return
    args = list(ship.spec.check)
    ran = link.request(
        "check", release=ship.release, name=ship.pex.name, args=args, timeout=CHECK_TIMEOUT
    )
    if ran["code"] != 0:
        link.request("remove", releases=[ship.release])  # the live one is never removed
        tail = " | ".join(str(ran["output"]).strip().splitlines()[-3:])
        raise HostError(f"`{ship.pex.name} {shlex.join(args)}` exited {ran['code']}: {tail}")


def _prune(link: HostLink, keep: int) -> list[str]:
    listed = link.request("list")
    releases = [Release(name, when) for name, when in listed["releases"]]
    doomed = to_prune(releases, listed["latest"], keep)
    return list(link.request("remove", releases=doomed)["removed"]) if doomed else []


def deploy_host(ship: Shipment, host: HostSpec, say: _Serial) -> HostResult:
    result = HostResult(host.destination, host.root)
    started = time.perf_counter()
    try:
        with open_link(host, ship.interpreter) as link:
            result.stage = "probe"
            link.start()
            _probe(link, ship)
            result.stage = "lock"
            _lock(link, say)
            result.stage = "upload"
            if _upload(link, ship, result, say):
                result.stage = "check"
                _check(link, ship)
                result.stage = "flip"
                result.previous = link.request("flip", release=ship.release)["previous"]
            else:
                result.previous = ship.release
            result.status, result.live = "live", ship.release
            result.stage = "prune"
            result.pruned = _prune(link, ship.spec.keep)
            result.stage = ""
    except Exception as exc:  # one host failing must not stop the others
        result.message = _why(exc)
        if result.status != "live":
            result.status = "refused" if result.stage == "probe" else "failed"
    result.seconds = time.perf_counter() - started
    say.info(_line(result))
    return result


def _why(exc: Exception) -> str:
    if isinstance(exc, WhError):
        return exc.message + (f" (hint: {exc.hint})" if exc.hint else "")
    return f"{type(exc).__name__}: {exc}"


def _line(result: HostResult) -> str:
    if result.ok:
        sent = f", sent {result.uploaded / 1e6:.1f} MB" if result.uploaded else ""
        note = f"; {result.stage} failed: {result.message}" if result.message else ""
        return (
            f"{result.host}: live {(result.live or '')[:12]} ({result.seconds:.1f} s{sent}){note}"
        )
    return f"{result.host}: {result.status.upper()} at {result.stage}: {result.message}"


def _parallel(
    hosts: Sequence[HostSpec], jobs: int | None, work: Callable[[HostSpec], T]
) -> list[T]:
    workers = max(1, min(jobs or len(hosts), len(hosts), 32))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="wh-host") as pool:
        return list(pool.map(work, hosts))


# --- the commands --------------------------------------------------------------------------


def deploy(options: DeployOptions, reporter: Reporter | None = None) -> FleetRun:
    reporter = reporter or Silent()
    project, config, spec, hosts = _fleet(options)
    commit, dirty = current_commit(project, options.allow_dirty)
    pex = ensure_pex(project, config, spec, reporter)
    digest = sha256_file(pex)
    release = release_name(commit, dirty=dirty, sha256=digest)
    info = parse_pex_info(read_pex_info(pex))
    ship = Shipment(pex, digest, info, shebang(pex), release, spec)
    size = pex.stat().st_size
    reporter.info(
        f"deploying {release[:12]} ({pex.name}, {size / 1e6:.1f} MB) to {len(hosts)} host(s)"
    )
    say = _Serial(reporter)
    results = _parallel(hosts, options.jobs, lambda h: deploy_host(ship, h, say))
    return FleetRun(spec.name, release, str(pex), results)


def _rollback_host(
    host: HostSpec, interpreter: Sequence[str], to: str | None, say: _Serial
) -> HostResult:
    result = HostResult(host.destination, host.root)
    started = time.perf_counter()
    try:
        with open_link(host, interpreter) as link:
            link.start()
            result.stage = "lock"
            _lock(link, say)
            result.stage = "flip"
            listed = link.request("list")
            releases = [Release(name, when) for name, when in listed["releases"]]
            live = listed["latest"]
            chosen = rollback_to(releases, live, to, host.destination)
            result.previous = live
            if chosen != live:
                link.request("flip", release=chosen)
            result.status, result.live, result.stage = "live", chosen, ""
    except Exception as exc:  # one host failing must not stop the others
        result.message = _why(exc)
    result.seconds = time.perf_counter() - started
    say.info(_line(result))
    return result


def rollback(options: DeployOptions, reporter: Reporter | None = None) -> FleetRun:
    reporter = reporter or Silent()
    project, config, spec, hosts = _fleet(options)
    interpreter = _interpreter(project, config, spec)
    say = _Serial(reporter)
    results = _parallel(
        hosts, options.jobs, lambda h: _rollback_host(h, interpreter, options.to, say)
    )
    return FleetRun(spec.name, options.to, None, results)


def _list_host(host: HostSpec, interpreter: Sequence[str]) -> HostReleases:
    found = HostReleases(host.destination, host.root)
    try:
        with open_link(host, interpreter) as link:
            link.start()
            listed = link.request("list")
    except Exception as exc:  # one host failing must not stop the others
        found.error = _why(exc)
        return found
    found.latest = listed["latest"]
    found.releases = newest_first([Release(name, when) for name, when in listed["releases"]])
    return found


def releases(options: DeployOptions) -> list[HostReleases]:
    project, config, spec, hosts = _fleet(options)
    interpreter = _interpreter(project, config, spec)
    return _parallel(hosts, options.jobs, lambda h: _list_host(h, interpreter))
