"""`wh deploy`, `wh rollback`, `wh releases`: PEX files shipped to a fleet of hosts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from wh.cli import render
from wh.cli.app import Format, FormatOpt, ProjectOpt, app, handled, split_option

DeployNameArg = Annotated[str, typer.Argument(help="A [tool.wh.deploy.<name>] table.")]
HostsOpt = Annotated[
    str | None,
    typer.Option(
        "--hosts", help="Comma-separated hosts (as written in the table's hosts); default: all."
    ),
]
JobsOpt = Annotated[
    int | None, typer.Option("--jobs", "-j", min=1, help="Hosts worked on at once (default: all).")
]


def _fleet_done(run: object, format: Format, verb: str) -> int:
    from wh.cli import render_deploy
    from wh.services.deploy import FleetRun

    assert isinstance(run, FleetRun)
    if format is Format.json:
        print(render_deploy.fleet_json(run))
    else:
        render_deploy.fleet_text(run, verb)
    return 0 if run.ok else 1


@app.command()
@handled
def deploy(
    name: DeployNameArg,
    hosts: HostsOpt = None,
    jobs: JobsOpt = None,
    allow_dirty: Annotated[
        bool,
        typer.Option(
            "--allow-dirty",
            help="Deploy a tree with uncommitted changes (the release is then named"
            " <commit>-dirty-<12 hex digits of the PEX's sha256>).",
        ),
    ] = False,
    format: FormatOpt = Format.text,
    project: ProjectOpt = Path(),
) -> int:
    """Ship the PEX of [tool.wh.deploy.NAME] to its hosts and make it live there.

    The release is the git commit (full hash); uncommitted changes to tracked files are
    refused unless --allow-dirty. The PEX is built first (or found up to date). Then per
    host, in parallel: probe the interpreter the PEX's shebang names and refuse a host the
    PEX has no distribution for; take the host's deploy lock; upload to a temp name under
    root, compare sha256, rename to <root>/<release>/; run the PEX with `check`; flip
    <root>/latest atomically; prune to `keep` (never the live release or the one before it).
    A failed host keeps its previous latest. Hosts are SSH destinations checked against
    known_hosts (unknown keys refused), or `local`. Exit 0 all live, 1 any host failed,
    2 usage error.
    """
    from wh.services.deploy import DeployOptions
    from wh.services.deploy import deploy as run_deploy

    options = DeployOptions(project, name, split_option(hosts), jobs, allow_dirty)
    return _fleet_done(run_deploy(options, render.TerminalReporter()), format, "live")


@app.command()
@handled
def rollback(
    name: DeployNameArg,
    to: Annotated[
        str | None,
        typer.Option("--to", help="The release to make live (full hash or 7+ characters)."),
    ] = None,
    hosts: HostsOpt = None,
    jobs: JobsOpt = None,
    format: FormatOpt = Format.text,
    project: ProjectOpt = Path(),
) -> int:
    """Flip <root>/latest back to the release deployed before the live one (or to --to,
    which must be on each host), atomically, under each host's deploy lock. Exit 0 all
    flipped, 1 any host failed, 2 usage error."""
    from wh.services.deploy import DeployOptions
    from wh.services.deploy import rollback as run_rollback

    options = DeployOptions(project, name, split_option(hosts), jobs, to=to)
    return _fleet_done(run_rollback(options, render.TerminalReporter()), format, "rolled back")


@app.command()
@handled
def releases(
    name: DeployNameArg,
    hosts: HostsOpt = None,
    format: FormatOpt = Format.text,
    project: ProjectOpt = Path(),
) -> int:
    """List each host's releases (newest first, with their deploy time) and which one
    <root>/latest points at. Exit 0, 1 when a host could not be reached."""
    from wh.cli import render_deploy
    from wh.services.deploy import DeployOptions
    from wh.services.deploy import releases as list_releases

    found = list_releases(DeployOptions(project, name, split_option(hosts)))
    for h in found:
        if h.error:
            render.say(f"{h.host}: {h.error}", to_err=True)
    if format is Format.json:
        print(render_deploy.releases_json(found))
    else:
        render_deploy.releases_text(found)
    return 1 if any(h.error for h in found) else 0
