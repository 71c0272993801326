"""pex, by subprocess: build a PEX from files already chosen and verified, and read one back.

wh hands pex the exact wheels (``--pre-resolved-dist``) instead of letting it resolve from
``-f wheelhouse``: no pip run per platform, nothing can reach a network, and the PEX holds
exactly the files wh verified. ``--no-pre-install-wheels`` keeps each wheel byte-identical
to the wheelhouse file (PEX-INFO records the file's sha256) and skips installing them.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wh.adapters.fs import TMP_PREFIX
from wh.core.pexinfo import COMPLETE_PLATFORMS
from wh.errors import PexBuildError, UsageError

_SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", ".*")


def pex_command() -> list[str]:
    beside = Path(sys.executable).with_name("pex")
    if beside.is_file():
        return [str(beside)]
    found = shutil.which("pex")
    if found:
        return [found]
    raise UsageError("pex is not installed", hint="pip install pex (wh depends on it)")


@dataclass(frozen=True, slots=True)
class PexInputs:
    output: Path
    dists: Sequence[Path]
    requirements: Sequence[str]
    platforms: Sequence[dict[str, Any]]
    sources: Sequence[Path]
    entry_point: str | None
    script: str | None
    shebang: str


def build(inputs: PexInputs, work: Path) -> None:
    """Build ``inputs.output`` atomically (a temp name of this run's own beside it, renamed
    when pex succeeds)."""
    output = inputs.output
    reqs = work / "requirements.txt"
    reqs.write_text("".join(f"{r}\n" for r in inputs.requirements))
    cmd = [*pex_command(), "--no-pypi", "--no-build", "--no-pre-install-wheels", "-r", str(reqs)]
    cmd += ["--python-shebang", inputs.shebang]
    for dist in inputs.dists:
        cmd += ["--pre-resolved-dist", str(dist)]
    for i, platform in enumerate(inputs.platforms):
        path = work / f"platform-{i}.json"
        path.write_text(json.dumps(platform, sort_keys=True))
        cmd += ["--complete-platform", str(path)]
    # PEX-INFO records no platforms of its own: keep them, so `wh inspect` judges the PEX
    # against the targets it was built for.
    properties = work / "build-properties.json"
    properties.write_text(json.dumps({COMPLETE_PLATFORMS: list(inputs.platforms)}, sort_keys=True))
    cmd += ["--build-properties", str(properties)]
    for i, source in enumerate(inputs.sources):
        staged = work / f"sources-{i}"
        shutil.copytree(source, staged, ignore=_SKIP)  # no byte-code: same bytes everywhere
        cmd += ["-D", str(staged)]
    cmd += ["-e", inputs.entry_point] if inputs.entry_point else ["-c", str(inputs.script)]
    output.parent.mkdir(parents=True, exist_ok=True)
    # a name of this run's own: two runs building the same output never share a temp file
    tmp = output.with_name(f"{TMP_PREFIX}{output.name}.{os.getpid()}.{secrets.token_hex(4)}")
    cmd += ["-o", str(tmp)]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "PEX_"))}
    env["PIP_CONFIG_FILE"] = os.devnull
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0 or not tmp.is_file():
        tmp.unlink(missing_ok=True)
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-20:])
        raise PexBuildError(f"pex failed building {output} (exit {proc.returncode}):\n{tail}")
    os.replace(tmp, output)


def module_files(dists: Sequence[Path], sources: Sequence[Path]) -> set[str]:
    """Every file path (``pkg/mod.py``, posix) in the source roots and the wheels: where an
    entry point's module may come from."""
    found: set[str] = set()
    for source in sources:
        found.update(p.relative_to(source).as_posix() for p in source.rglob("*") if p.is_file())
    for dist in dists:
        try:
            with zipfile.ZipFile(dist) as zf:
                found.update(zf.namelist())
        except (OSError, zipfile.BadZipFile) as exc:
            raise PexBuildError(f"{dist}: not a readable wheel ({exc})") from None
    return found


def read_pex_info(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as zf:
            return zf.read("PEX-INFO").decode()
    except (OSError, zipfile.BadZipFile, KeyError) as exc:
        raise UsageError(f"{path}: not a PEX file ({exc})") from None
