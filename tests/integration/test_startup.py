"""What the wh program imports when it starts, in a fresh interpreter each time."""

from __future__ import annotations

import subprocess
import sys


def python(code: str) -> str:
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def test_importing_wh_leaves_the_interpreters_modules_alone() -> None:
    """As a library, wh changes nothing: httpx imports what it always does."""
    code = (
        "import sys; import wh.adapters, wh.cli.app, wh.adapters.http;"
        " print(type(sys.modules.get('httpx._main')).__name__)"
    )
    assert python(code) == "module"


def test_the_program_keeps_httpxs_command_line_out() -> None:
    code = (
        "import sys; from wh.adapters import keep_httpx_cli_out; keep_httpx_cli_out();"
        " import wh.adapters.http, httpx;"
        " print(sorted(m for m in ('rich', 'click', 'pygments') if m in sys.modules),"
        " callable(httpx.main))"
    )
    assert python(code) == "[] True"


def test_the_program_calls_it_before_any_command() -> None:
    code = (
        "import sys; sys.argv = ['wh', '--version'];"
        " import wh.adapters; calls = [];"
        " wh.adapters.keep_httpx_cli_out = lambda: calls.append(1);"
        " from wh.cli.app import run\n"
        "try:\n    run()\nexcept SystemExit:\n    print(calls)"
    )
    assert python(code).splitlines()[-1] == "[1]"


def test_verify_imports_what_a_cached_run_needs_only() -> None:
    """The binary rules, the wheel reader and the [tool.wh.pex]/[deploy] parsers are imported
    where a run first needs them (a verdict or METADATA not cached, a table present)."""
    code = (
        "import sys; import wh.cli.app, wh.services.verify;"
        " from wh.core.config import parse_config; parse_config({'python': ['3.12']});"
        " print(sorted(m for m in ('wh.core.binaries', 'wh.adapters.wheelfile',"
        " 'wh.core.wheelcheck', 'wh.core.pexspec', 'wh.core.deployspec') if m in sys.modules))"
    )
    assert python(code) == "[]"


def test_the_program_exits_as_python_does() -> None:
    """run() leaves the start-up objects to the exit (gc.freeze): atexit handlers still run
    and the output is all there."""
    code = (
        "import atexit, sys; atexit.register(lambda: print('atexit ran'));"
        " sys.argv = ['wh', '--version']; from wh.cli.app import run; run()"
    )
    assert python(code).splitlines()[-1] == "atexit ran"


def test_the_program_loads_with_the_collector_paused_and_runs_with_it_on() -> None:
    """wh.cli.run pauses the cyclic collector while wh loads and freezes what loaded; the
    command runs with it on. Importing wh.cli changes nothing."""
    code = (
        "import atexit, gc, sys; sys.argv = ['wh', '--version']; import wh.cli;"
        " print(gc.isenabled(), gc.get_freeze_count());"
        " atexit.register(lambda: print(gc.isenabled(), gc.get_freeze_count() > 1000));"
        " wh.cli.run()"
    )
    lines = python(code).splitlines()
    assert lines[0] == "True 0" and lines[-1] == "True True"


def test_python_m_wh_is_the_program() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "wh", "--version"], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0 and proc.stdout.startswith("wh ")
