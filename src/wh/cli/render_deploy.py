"""Rendering for ``wh deploy``, ``wh rollback`` and ``wh releases``: a table per fleet, JSON."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from wh.cli.render import say

if TYPE_CHECKING:
    from wh.services.deploy import FleetRun, HostReleases, HostResult


def _when(seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def _short(release: str | None) -> str:
    return release[:12] if release else "-"


def _status(result: HostResult) -> tuple[str, str]:
    return (result.status, "green") if result.ok else (result.status.upper(), "red")


def fleet_text(run: FleetRun, verb: str) -> None:
    width = max([len(r.host) for r in run.results] + [4])
    say("")
    say(f"  {'host':<{width}}  {'status':<8}  {'live':<12}  {'before':<12}  {'time':>6}")
    for r in run.results:
        status, style = _status(r)
        line = f"  {_short(r.live):<12}  {_short(r.previous):<12}  {r.seconds:>5.1f}s"
        say(f"  {r.host:<{width}}  ", (f"{status:<8}", style), line)
        if r.message:
            say(f"    {r.stage or 'note'}: {r.message}")
    good = sum(r.ok for r in run.results)
    summary = f"{run.name}: {good} of {len(run.results)} host(s) {verb}"
    say((summary, "green" if run.ok else "red"))


def fleet_json(run: FleetRun) -> str:
    hosts: list[dict[str, Any]] = [
        {
            "host": r.host,
            "root": r.root,
            "status": r.status,
            "live": r.live,
            "previous": r.previous,
            "stage": r.stage or None,
            "message": r.message or None,
            "uploaded": r.uploaded,
            "pruned": r.pruned,
            "seconds": round(r.seconds, 3),
        }
        for r in run.results
    ]
    return json.dumps(
        {"name": run.name, "release": run.release, "pex": run.pex, "ok": run.ok, "hosts": hosts},
        indent=2,
    )


def releases_json(found: list[HostReleases]) -> str:
    return json.dumps(
        {
            "hosts": [
                {
                    "host": h.host,
                    "root": h.root,
                    "latest": h.latest,
                    "releases": [
                        {"release": r.name, "deployed": _when(r.deployed)} for r in h.releases
                    ],
                }
                for h in found
            ]
        },
        indent=2,
    )


def releases_text(found: list[HostReleases]) -> None:
    for h in found:
        say((h.host, "bold"), f"  {h.root}")
        if h.error:
            say(("  unreachable: ", "red"), h.error)
            continue
        if not h.releases:
            say("  no releases")
        for r in h.releases:
            mark = ("  live", "green") if r.name == h.latest else ""
            say(f"  {r.name}  {_when(r.deployed)}", mark)
