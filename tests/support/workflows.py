"""GitHub workflow files checked the way GitHub and zizmor do, offline: the workflow JSON
schema (check-jsonschema's vendored copy) and every zizmor audit (auditor persona)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent


def problems(workflow: Path, cwd: Path) -> list[str]:
    """The validators' output for each one that rejects ``workflow``; empty when both pass."""
    found = []
    for command in (
        [BIN / "check-jsonschema", "--builtin-schema", "vendor.github-workflows", workflow],
        [BIN / "zizmor", "--offline", "--persona", "auditor", workflow],
    ):
        run = subprocess.run(command, capture_output=True, text=True, check=False, cwd=cwd)
        if run.returncode != 0:
            found.append(f"{command[0]}: {run.stdout}{run.stderr}")
    return found
