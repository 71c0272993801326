"""The ``wh`` command line: parse options, call a service, render. Errors become exit codes
here and nowhere else: 0 done, 1 gaps or failures, 2 usage or configuration, 3 index
unreachable."""

from __future__ import annotations

import copy
import dataclasses
import functools
import os
import sys
from collections.abc import Callable
from dataclasses import replace
from enum import StrEnum
from inspect import Parameter, Signature
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ParamSpec, TypeVar, get_type_hints

import typer

from wh import __version__
from wh.cli import render
from wh.errors import WhError

if TYPE_CHECKING:
    from wh.services.build import BuildOptions

app = typer.Typer(
    name="wh",
    help=(
        "wh keeps a wheelhouse: the right wheel for every platform you ship to, locked by"
        " hash and stored through git-lfs.\n\n"
        "Typical use: `wh init` once; then `wh lock` (one lockfile for every target),"
        " `wh sync` (the wheel for every target; `--build` cross-compiles, with zig, the sdists no"
        " wheel serves), `wh verify` (the gate; also a pre-commit"
        " hook) and `wh pex` (one PEX that runs on every target, built offline); `wh index`"
        " and `wh export` hand the wheelhouse to pip, uv and Pants; `wh deploy` ships a PEX"
        " to hosts over SSH, `wh rollback` flips back."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


P = ParamSpec("P")
T = TypeVar("T")
BROKEN_PIPE = 141  # what a shell reports for a command ended by SIGPIPE (128 + 13)


def handled(command: Callable[P, int]) -> Callable[P, int]:
    """Turn the command's return value and wh's errors into the exit code, in one place."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> int:
        try:
            code = command(*args, **kwargs)
            sys.stdout.flush()  # a reader that left shows here, not in the exit's own flush
        except WhError as exc:
            render.error(exc)
            code = exc.exit_code
        except BrokenPipeError:  # the reader left (`wh ... | head`): stop quietly, as CLIs do
            render.quiet_stdout()
            code = BROKEN_PIPE
        except OSError as exc:  # disk full, permission denied, a file vanished under us
            where = f" ({exc.filename})" if exc.filename else ""
            render.error(
                WhError(
                    f"{exc.strerror or exc}{where}",
                    hint="check the path, its permissions and free space, then run again",
                )
            )
            code = 1
        except KeyboardInterrupt:
            render.say("interrupted", to_err=True)
            code = 130
        raise typer.Exit(code)

    return wrapper


class Format(StrEnum):
    text = "text"
    json = "json"


class VerifyFormat(StrEnum):
    text = "text"
    json = "json"
    github = "github"


ProjectOpt = Annotated[
    Path,
    typer.Option(
        "--project",
        help="Project directory holding pyproject.toml with a [tool.wh] table.",
        file_okay=False,
    ),
]
PlatformsOpt = Annotated[
    str | None,
    typer.Option(
        "--platforms",
        "-p",
        help="Comma-separated families ([tool.wh.platforms] keys or the defaults linux,"
        " macosx, musllinux, windows) and bare platform tags, e.g. macosx,manylinux_2_17_x86_64."
        " Default: every configured family.",
    ),
]
PythonOpt = Annotated[
    str | None,
    typer.Option("--python", help="Comma-separated CPython versions, e.g. 3.11,3.12."),
]
FormatOpt = Annotated[Format, typer.Option("--format", help="Output format.")]


def _version(value: bool) -> None:
    if value:
        print(f"wh {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    pass


def split_option(value: str | None) -> list[str] | None:
    from wh.core.config import split_list

    return None if value is None else split_list(value)


class Resolver(StrEnum):
    pip_tools = "pip-tools"
    uv = "uv"


@app.command()
@handled
def lock(
    resolver: Annotated[
        Resolver, typer.Option("--resolver", help="pip-tools (default) or uv, when installed.")
    ] = Resolver.pip_tools,
    upgrade: Annotated[
        bool, typer.Option("--upgrade", "-U", help="Move every pin to the newest allowed.")
    ] = False,
    upgrade_package: Annotated[
        list[str] | None,
        typer.Option("--upgrade-package", "-P", help="Move only this pin (repeatable)."),
    ] = None,
    only_wheels: Annotated[
        bool,
        typer.Option(
            "--only-wheels",
            help="Choose only versions with a wheel for each target (except [tool.wh]"
            " allow-sdist).",
        ),
    ] = False,
    jobs: Annotated[
        int, typer.Option("--jobs", "-j", min=1, help="Targets resolved in parallel.")
    ] = max(os.cpu_count() or 1, 1),
    project: ProjectOpt = Path(),
) -> int:
    """Resolve lockfiles/X.in into ONE universal, hash-pinned lockfiles/X.txt.

    Every configured target is resolved in its own marker environment and Python version
    (a macOS-only dependency is locked for macOS targets, though wh runs on Linux), then the
    results merge into one pip-tools-format file whose markers select each line's targets.
    Existing pins stay where still valid. Exit 0 done, 1 a target cannot be resolved,
    2 usage error or a bad input line.
    """
    from wh.services.lock import LockOptions
    from wh.services.lock import lock as run_lock

    options = LockOptions(
        project=project,
        resolver=resolver.value,
        upgrade=upgrade,
        upgrade_packages=tuple(upgrade_package or ()),
        only_wheels=only_wheels,
        jobs=jobs,
    )
    result = run_lock(options, render.TerminalReporter())
    render.lock_text(result)
    return 0


def takes(
    options: type[T],
) -> Callable[[Callable[[T], int]], Callable[..., int]]:
    """Give a command its options as one dataclass: typer sees the dataclass's fields (each
    ``Annotated`` with its ``typer.Option``) as the command's parameters, and the command
    gets them built into ``options``."""
    hints = get_type_hints(options, include_extras=True)
    signature = Signature(
        [
            Parameter(f.name, Parameter.KEYWORD_ONLY, default=f.default, annotation=hints[f.name])
            for f in dataclasses.fields(options)  # type: ignore[arg-type]
        ]
    )

    def decorate(command: Callable[[T], int]) -> Callable[..., int]:
        @functools.wraps(command)
        def wrapper(**kwargs: Any) -> int:
            return command(options(**kwargs))

        wrapper.__signature__ = signature  # type: ignore[attr-defined]
        wrapper.__annotations__ = {**hints, "return": int}
        return wrapper

    return decorate


@dataclasses.dataclass(frozen=True)
class SyncArgs:
    platforms: PlatformsOpt = None
    python: PythonOpt = None
    project: ProjectOpt = Path()
    prune: Annotated[
        bool,
        typer.Option("--prune/--no-prune", help="Remove files no configured target uses."),
    ] = True
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, help="Parallel downloads.")] = 8
    read_timeout: Annotated[
        float,
        typer.Option(
            "--read-timeout",
            min=0.001,
            envvar="WH_READ_TIMEOUT",
            help="Seconds a download or index page may send nothing before it is abandoned"
            " and retried (4 tries in all); then the file fails, saying it timed out.",
        ),
    ] = 30.0
    format: FormatOpt = Format.text
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only gaps and errors.")] = (
        False
    )
    build: Annotated[
        bool,
        typer.Option(
            "--build",
            help="Then cross-build, with zig, the sdists no wheel serves on a target"
            " (what `wh build` does; needs wh[build]).",
        ),
    ] = False


@app.command()
@handled
@takes(SyncArgs)
def sync(args: SyncArgs) -> int:
    """Put the best file for every target into the wheelhouse.

    For each target (every configured Python x every platform tag of the chosen families),
    each lockfile line whose markers hold there gets the best-ranked file of its pinned
    version whose sha256 the lock lists. Files are fetched once, in parallel, hash-checked
    and renamed into place; an sdist is built once when no wheel exists. What cannot be
    filled is named per target, with a hint; a file that fails counts against every target
    needing it, and one network cause is one message. Exit 0 complete, 1 gaps or failed
    files, 2 usage error, 3 index unreachable.
    """
    from wh.services.sync import SyncOptions
    from wh.services.sync import sync as run_sync

    reporter = render.TerminalReporter(quiet=args.quiet or args.format is Format.json)
    if args.build:
        from wh.services.build import BuildOptions

        to_build = BuildOptions(
            args.project,
            (),
            split_option(args.platforms),
            split_option(args.python),
            prune=args.prune,
        )
        return _build(to_build, args.format, reporter, quiet=args.quiet)
    options = SyncOptions(
        **_chosen(args), prune=args.prune, jobs=args.jobs, read_timeout=args.read_timeout
    )
    result = run_sync(options, reporter)
    if args.format is Format.json:
        print(render.sync_json(result))
    else:
        render.sync_text(result, quiet=args.quiet)
    return 0 if result.ok else 1


@dataclasses.dataclass(frozen=True)
class VerifyArgs:
    platforms: PlatformsOpt = None
    python: PythonOpt = None
    pointers: Annotated[
        bool,
        typer.Option(
            "--pointers",
            help="Take hashes from the git-lfs pointers in git, not file contents: verifies a"
            " checkout that never downloaded LFS content (dependency closure is skipped).",
        ),
    ] = False
    staged: Annotated[
        bool,
        typer.Option(
            "--staged",
            help="Check what is staged in the git index (config and lockfiles included):"
            " what the commit will contain. The pre-commit mode.",
        ),
    ] = False
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Hash every file; ignore the hash-by-stat cache.")
    ] = False
    format: Annotated[
        VerifyFormat, typer.Option("--format", help="text, json, or github annotations.")
    ] = VerifyFormat.text
    project: ProjectOpt = Path()


def _chosen(args: SyncArgs | VerifyArgs) -> dict[str, Any]:
    """The project and the targets a command was asked for, as the services take them."""
    platforms, python = split_option(args.platforms), split_option(args.python)
    return {"project": args.project, "platforms": platforms, "python": python}


@app.command()
@handled
@takes(VerifyArgs)
def verify(args: VerifyArgs) -> int:
    """Check the wheelhouse against the lockfiles for every target; change nothing.

    Completeness (a locked file for every line on every target), integrity (sha256 and
    METADATA), dependency closure (every wheel's Requires-Dist locked on that target) and
    hygiene (unused files, LFS routing, no wheel stored as a raw git blob). No network.
    Exit 0 clean, 1 findings, 2 usage or configuration error.
    """
    from wh.services.verify import VerifyOptions, run_verify

    options = VerifyOptions(
        **_chosen(args), pointers=args.pointers, staged=args.staged, cache=not args.no_cache
    )
    report = run_verify(options)
    if args.format is VerifyFormat.json:
        print(render.verify_json(report))
    elif args.format is VerifyFormat.github:
        render.verify_github(report, wheelhouse_label(args.project))
    else:
        render.verify_text(report, wheelhouse_label(args.project))
    return 0 if report.ok else 1


def wheelhouse_label(project: Path) -> str:
    from wh.adapters.project import load_config

    try:
        return load_config(project).wheelhouse
    except WhError:
        return "wheelhouse"


@app.command("pex")
@handled
def pex_command(
    names: Annotated[
        list[str] | None,
        typer.Argument(help="[tool.wh.pex.<name>] tables to build; all by default."),
    ] = None,
    platforms: PlatformsOpt = None,
    python: PythonOpt = None,
    project: ProjectOpt = Path(),
) -> int:
    """Build multi-platform PEX files offline from the wheelhouse.

    First checks, for the PEX's targets, what verify checks (a file for every lock line,
    the locked bytes, every dependency locked) and refuses with the same findings when
    anything is missing, before pex starts. Then runs pex with exactly the chosen wheels,
    one --complete-platform per target, no index; opens the result and confirms a
    distribution for every requirement on every target. Same inputs, same bytes.
    Exit 0 built, 1 refused or failed, 2 usage error.
    """
    from wh.services.pex import PexOptions, build_pexes

    options = PexOptions(
        project=project,
        names=tuple(names or ()),
        platforms=split_option(platforms),
        python=split_option(python),
    )
    run = build_pexes(options, render.TerminalReporter())
    render.pex_text(run, wheelhouse_label(project))
    return 0 if run.ok else 1


@app.command()
@handled
def inspect(
    file: Annotated[Path, typer.Argument(help="The PEX file to look into.", dir_okay=False)],
    platforms: PlatformsOpt = None,
    python: PythonOpt = None,
    format: FormatOpt = Format.text,
    project: ProjectOpt = Path(),
) -> int:
    """Look inside a PEX: entry point, pex version, requirements, and which targets each
    bundled distribution serves. Names every target a requirement has no distribution for
    (targets: the ones the PEX was built for, as wh pex records them; else --platforms/--python,
    else this project's). Exit 0 complete, 1 a target lacks a distribution, 2 usage error."""
    from wh.services.inspect import inspect_pex

    result = inspect_pex(file, project, split_option(platforms), split_option(python))
    if format is Format.json:
        print(render.inspect_json(result))
    else:
        render.inspect_text(result)
    return 0 if not result.coverage.missing else 1


@app.command()
@handled
def platforms(
    platforms: PlatformsOpt = None,
    python: PythonOpt = None,
    project: ProjectOpt = Path(),
    format: FormatOpt = Format.text,
) -> int:
    """List the targets: each one's compatible tag count and its full marker environment."""
    from wh.adapters.project import load_config

    config = load_config(project, required=False)
    targets = config.targets(split_option(platforms), split_option(python)).selected
    if format is Format.json:
        print(render.platforms_json(targets))
    else:
        render.platforms_text(targets)
    return 0


@app.command()
@handled
def init(project: ProjectOpt = Path()) -> int:
    """Route wheelhouse/*.whl through git-lfs and add a starting [tool.wh] table.

    Writes .gitattributes, runs `git lfs install --local` in a git repository, and adds
    [tool.wh] to pyproject.toml when it has none. Running it twice changes nothing.
    """
    from wh.services.init import init as run_init

    result = run_init(project)
    for name in result.changed:
        render.say(f"wrote {name}")
    if not result.changed:
        render.say("nothing to change")
    for note in result.notes:
        render.say(f"note: {note}", to_err=True)
    return 1 if result.lfs_missing else 0


if TYPE_CHECKING:
    from wh.services.matrix import MatrixOptions


class Matrix(StrEnum):
    github = "github"


MatrixOpt = Annotated[
    Matrix | None,
    typer.Option(
        "--matrix",
        help="Build nothing here: write a CI workflow (github: GitHub Actions with"
        " cibuildwheel) that builds, on native runners, the wheels the wheelhouse still lacks.",
    ),
]
WorkflowOpt = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        help="With --matrix: the workflow file. Default: .github/workflows/wh-wheels.yml at"
        " the root of the git repository holding the project.",
        dir_okay=False,
    ),
]


@dataclasses.dataclass(frozen=True)
class BuildArgs:
    packages: Annotated[
        list[str] | None,
        typer.Argument(help="Packages to build; default: every package a target lacks."),
    ] = None
    platforms: PlatformsOpt = None
    python: PythonOpt = None
    jobs: Annotated[
        int | None,
        typer.Option("--jobs", "-j", min=1, help="Builds at a time (default: CPU count)."),
    ] = None
    format: FormatOpt = Format.text
    project: ProjectOpt = Path()
    matrix: MatrixOpt = None
    output: WorkflowOpt = None


@app.command("build")
@handled
@takes(BuildArgs)
def build_command(args: BuildArgs) -> int:
    """Cross-compile, for every target that lacks a file, the pinned sdist FOR THAT TARGET.

    Syncs first (the same rule decides what each target lacks), then builds each missing
    (sdist, target) with `pip wheel` under a local CPython of the target's version and zig
    as the C/C++ compiler for the target: manylinux (glibc version from the tag), musllinux
    and macOS (minimum version from the tag). Each wheel's binaries are checked against its
    tag (CPU, glibc symbol versions, allowed libraries, minimum macOS, extension suffix),
    retagged to the target's tag, written reproducibly (the same sdist, target and zig give
    the same bytes) and recorded in wheelhouse/wh-built.json. Needs `pip install
    'wh[build]'`. Exit 0 every target complete, 1 gaps remain (each named with the
    compiler's first error and what would close it), 2 usage error or zig missing.

    With --matrix github: build nothing here; write a GitHub Actions workflow that builds
    what the wheelhouse still lacks on native runners (see `wh import`).
    """
    if args.matrix is None and args.output is not None:
        from wh.errors import UsageError

        raise UsageError("--output: only with --matrix github", hint="wh build --matrix github")
    packages, platforms, python = tuple(args.packages or ()), args.platforms, args.python
    if args.matrix is not None:
        from wh.services.matrix import MatrixOptions

        matrix_options = MatrixOptions(
            args.project, packages, split_option(platforms), split_option(python), args.output
        )
        return build_matrix(matrix_options, args.format)
    from wh.services.build import BuildOptions

    options = BuildOptions(
        project=args.project,
        packages=packages,
        platforms=split_option(platforms),
        python=split_option(python),
    )
    if args.jobs is not None:
        options = replace(options, jobs=args.jobs)
    reporter = render.TerminalReporter(quiet=args.format is Format.json)
    return _build(options, args.format, reporter)


def _build(
    options: BuildOptions,
    format: Format,
    reporter: render.TerminalReporter,
    *,
    quiet: bool = False,
) -> int:
    from wh.services.build import build

    result = build(options, reporter)
    if format is Format.json:
        print(render.build_json(result))
    else:
        render.build_text(result, quiet=quiet)
    return 0 if result.ok else 1


def narrowed(argv: list[str]) -> typer.Typer:
    """The app holding only the command (or command group) ``argv`` starts with: typer
    builds the click object of every registered command before it parses a word (~13 ms
    for wh's 16), and one command parses, helps and fails the same alone. Anything else
    (no command, an option first, an unknown name) gets the whole app and its messages."""
    word = argv[0] if argv else ""
    commands = [
        c
        for c in app.registered_commands
        if (c.name or getattr(c.callback, "__name__", "").lower().replace("_", "-")) == word
    ]
    groups = [
        g for g in app.registered_groups if g.typer_instance and g.typer_instance.info.name == word
    ]
    if len(commands) + len(groups) != 1:
        return app
    narrow = copy.copy(app)
    narrow.registered_commands, narrow.registered_groups = commands, groups
    return narrow


def main(argv: list[str] | None = None) -> int:
    """Run wh with ``argv``; return the exit code (callable from tests)."""
    args = sys.argv[1:] if argv is None else argv
    try:
        narrowed(args)(args=args, prog_name="wh")
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0


def run() -> None:
    """The ``wh`` program, once loaded (the console script and ``python -m wh`` enter
    through :func:`wh.cli.run`)."""
    import gc

    code = main()
    # The interpreter's teardown collects every object still tracked, several times over
    # (~15 ms after typer, click and packaging are loaded); frozen, they are left to the
    # exit. atexit handlers, threads and module cleanup run as before.
    gc.freeze()
    sys.exit(code)


# --- native runners: the CI matrix out (wh build --matrix github), verified wheels in -------


def build_matrix(options: MatrixOptions, format: Format) -> int:
    """`wh build --matrix github`: write the workflow for the gaps left, say what it builds."""
    from wh.cli.render_runners import matrix_json, matrix_text
    from wh.services.matrix import write_matrix

    result = write_matrix(options, render.TerminalReporter(quiet=format is Format.json))
    if format is Format.json:
        print(matrix_json(result))
    else:
        matrix_text(result)
    return 0 if result.ok else 1


@app.command("import")
@handled
def import_command(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="Wheels, directories holding wheels (searched below), or artifact zips.",
            metavar="PATH...",
            show_default=False,
        ),
    ],
    project: ProjectOpt = Path(),
    format: FormatOpt = Format.text,
) -> int:
    """Take in wheels built elsewhere (the runners of `wh build --matrix github`) that close
    gaps of the wheelhouse.

    Each wheel is checked: its name and version are the lock's pin; it is whole (RECORD
    hashes match every member, WHEEL's tags are the filename's); its compiled files fit its
    tags (CPU, OS, minimum macOS or glibc, extension suffix); it fits a target that has no
    file for that pin; the lock lists the sha256 of the sdist it was built from. Accepted
    wheels are written atomically and recorded in wh-built.json (builder "imported", with
    their source); verify, sync and pex then treat them as built wheels. Anything else is
    refused with its reasons and nothing of it is written. The index is read for the locked
    sdists' hashes. Exit 0 all imported, 1 a wheel refused, 2 usage error.
    """
    from wh.cli.render_runners import import_json, import_text
    from wh.services.imports import ImportOptions, import_wheels

    options = ImportOptions(tuple(paths), project)
    result = import_wheels(options, render.TerminalReporter(quiet=format is Format.json))
    if format is Format.json:
        print(import_json(result))
    else:
        import_text(result)
    return 0 if result.ok else 1


# The commands of the other modules register on ``app`` when imported (kept apart so that
# each module holds one concern): shipping PEX files, and the wheelhouse for other tools.
from wh.cli import fleet, exports  # noqa: E402, F401, I001
