"""Building a wheel from an sdist, once, with ``pip wheel --no-deps``.

The build runs in a subprocess with the configured index (for the build backend's own
requirements), SOURCE_DATE_EPOCH fixed for reproducible archives, and pip's configuration
otherwise as the user has it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from wh.adapters.fs import atomic_file
from wh.adapters.pipindex import EXTRAS, index_env
from wh.errors import TransferError

SOURCE_DATE_EPOCH = "315532800"  # 1980-01-01, the oldest time a zip file can hold


def build_wheel(sdist: Path, dest_dir: Path, index_urls: Sequence[str]) -> tuple[Path, bool]:
    """Build ``sdist`` and place its wheel in ``dest_dir`` atomically; return the wheel's
    path and whether the build was isolated.

    The build is isolated, its backend fetched from the configured index. When that index
    lacks the backend (a private index often holds only the project's own files), the build
    runs once more without isolation, with the backends installed beside wh.
    """
    with tempfile.TemporaryDirectory(prefix="wh-build-") as out:
        env = {k: v for k, v in os.environ.items() if k not in ("PIP_INDEX_URL", EXTRAS)}
        env.pop("PIP_EXTRA_INDEX_URL", None)
        env.update(SOURCE_DATE_EPOCH=SOURCE_DATE_EPOCH, PIP_NO_INPUT="1", **index_env(index_urls))
        pip = [sys.executable, "-m", "wh.adapters.pipindex"]
        cmd = [*pip, "wheel", "--no-deps", "--quiet", "-w", out, str(sdist)]
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
        output = proc.stderr or proc.stdout
        isolated = not (proc.returncode != 0 and backend_missing(output))
        if not isolated:
            cmd.insert(cmd.index("--no-deps"), "--no-build-isolation")
            proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
            output = proc.stderr or proc.stdout
        wheels = sorted(Path(out).glob("*.whl"))
        if proc.returncode != 0 or len(wheels) != 1:
            tail = "\n".join(output.strip().splitlines()[-15:])
            raise TransferError(f"pip wheel {sdist.name} failed (exit {proc.returncode}):\n{tail}")
        dest = dest_dir / wheels[0].name
        with atomic_file(dest) as f, wheels[0].open("rb") as src:
            while chunk := src.read(1 << 20):
                f.write(chunk)
        return dest, isolated


def backend_missing(output: str) -> bool:
    """pip could not install the build requirements from the index."""
    return "installing build dependencies" in output.lower() and (
        "No matching distribution found" in output or "Could not find a version" in output
    )
