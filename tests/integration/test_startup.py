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
