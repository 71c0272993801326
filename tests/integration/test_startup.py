"""What the wh program imports when it starts, in a fresh interpreter each time."""

from __future__ import annotations

import subprocess
import sys


def python(code: str) -> str:
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def test_the_network_side_is_the_standard_librarys() -> None:
    """Index pages and downloads go through http.client: no third-party HTTP stack is
    imported (its import alone cost a sync ~0.1 s, its TLS context ~0.05 s)."""
    code = (
        "import sys; import wh.services.session, wh.services.fetch, wh.adapters.index;"
        " print(sorted(m for m in ('httpx', 'httpcore', 'anyio', 'h11') if m in sys.modules))"
    )
    assert python(code) == "[]"


def test_wh_version_imports_no_network_code() -> None:
    code = (
        "import sys; sys.argv = ['wh', '--version']; from wh.cli.app import run\n"
        "try:\n    run()\nexcept SystemExit:\n"
        "    print(sorted(m for m in ('http.client', 'asyncio', 'wh.adapters.transport')"
        " if m in sys.modules))"
    )
    assert python(code).splitlines()[-1] == "[]"


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
