"""`wh index` and `wh export`: the wheelhouse as every other tool reads it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from wh.cli import render
from wh.cli.app import ProjectOpt, app, handled, wheelhouse_label

OutputOpt = Annotated[
    Path | None, typer.Option("--output", "-o", help="The file to write (default: stdout).")
]
LockfileOpt = Annotated[
    str | None,
    typer.Option("--lockfile", help="The [tool.wh] lockfile to export; needed when several."),
]

IndexDirOpt = Annotated[
    Path | None,
    typer.Option("--output", "-o", help="Directory to write (default: PROJECT/dist/index)."),
]
PylockOpt = Annotated[
    Path | None,
    typer.Option("--output", "-o", help="The lock to write (default: PROJECT/pylock.toml)."),
]

export_app = typer.Typer(
    name="export",
    help="Write the wheelhouse as other tools read it: a PEP 751 pylock.toml, a requirements"
    " file pip installs offline with --require-hashes, or what Pants needs.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(export_app)


@app.command("index")
@handled
def index_command(output: IndexDirOpt = None, project: ProjectOpt = Path()) -> int:
    """Write a static PEP 503 index of the wheelhouse that pip and uv install from.

    DIR/simple/ holds one page per project with #sha256= links, data-requires-python and
    PEP 658/714 metadata (each wheel's METADATA beside it as <wheel>.metadata). Wheels are
    hard-linked where the file system allows, copied otherwise; the same wheelhouse gives the
    same bytes. Serve DIR with any static file server, or use it directly:
    pip install --index-url file://DIR/simple NAME. Exit 0 written, 2 usage error.
    """
    from wh.services.export import ExportOptions, build_index

    result = build_index(ExportOptions(project=project, output=output))
    render.index_text(result)
    return 0


@export_app.command("pylock")
@handled
def export_pylock_command(
    output: PylockOpt = None,
    lockfile: LockfileOpt = None,
    project: ProjectOpt = Path(),
) -> int:
    """Write a PEP 751 pylock.toml of every configured target, from the wheelhouse.

    One package per pinned version with its marker; every wheel wh chose for some target
    (built and imported ones included) as a path relative to the lock, with its sha256.
    Checked before it is written: packaging.pylock validates it and, for each target's tags
    and marker environment, selects exactly the file sync chose. Install it with
    `uv pip install -r pylock.toml`. Refuses (exit 1, verify's findings) when a target lacks
    a file. Exit 0 written, 1 refused, 2 usage error.
    """
    return _export("pylock", project, output, lockfile)


@export_app.command("requirements")
@handled
def export_requirements_command(
    output: OutputOpt = None,
    lockfile: LockfileOpt = None,
    project: ProjectOpt = Path(),
) -> int:
    """Print (or write) the lock with the hashes of the wheelhouse's built and imported
    wheels added beside the locked ones, markers kept.

    Then `pip install --no-index --find-links wheelhouse --require-hashes -r FILE` works on
    every target, a wheel built here from a locked sdist included. Refuses (exit 1, verify's
    findings) when a target lacks a file. Exit 0 written, 1 refused, 2 usage error.
    """
    return _export("requirements", project, output, lockfile)


@export_app.command("pants")
@handled
def export_pants_command(
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Directory to write, in the project (default: PROJECT/pants).",
        ),
    ] = None,
    project: ProjectOpt = Path(),
) -> int:
    """Write what a Pants repository needs to build from the wheelhouse.

    One complete-platform JSON per target (the documents wh gives pex), a BUILD file with a
    `file` target for each and a `pex_binary` example using `complete_platforms`, and
    pants.toml lines: [python-repos] find_links at the wheelhouse through %(buildroot)s, no
    index, and wheels only. Exit 0 written, 2 usage error.
    """
    return _export("pants", project, output, None)


def _export(kind: str, project: Path, output: Path | None, lockfile: str | None) -> int:
    from wh.services import export

    run = {
        "pylock": export.export_pylock,
        "requirements": export.export_requirements,
        "pants": export.export_pants,
    }[kind]
    result = run(export.ExportOptions(project=project, output=output, lockfile=lockfile))
    render.export_text(result, wheelhouse_label(project))
    return 0 if result.refused is None else 1
