"""Resolvers: pip-compile (through :mod:`wh.adapters.piptools_shim`) or ``uv pip compile``,
one subprocess per target, writing a per-target lock with hashes.

Both run isolated from the machine's pip and uv configuration (the index is passed
explicitly), so the same inputs and index give the same pins wherever wh runs; neither may
download an interpreter.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from wh.adapters.cache import cache_dir
from wh.core.targets import Target
from wh.errors import UsageError, WhError


class ResolveError(WhError):
    """A target cannot be resolved: the message carries the resolver's own explanation."""


@dataclass(frozen=True, slots=True)
class Job:
    target: Target
    inputs: Sequence[str]  # relative to the project directory (the subprocess's cwd)
    seed: str  # the existing pins that apply to this target (minimal re-lock)
    upgrade: bool
    upgrade_packages: Sequence[str]
    only_wheels: bool
    allow_sdist: Sequence[str]


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "UV_"))}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1")
    env.update(UV_PYTHON_DOWNLOADS="never", UV_NO_CONFIG="1", PYTHONUTF8="1")
    env.update(extra)
    return env


def _index_args(index_urls: Sequence[str]) -> list[str]:
    args = ["--index-url", index_urls[0]]
    for url in index_urls[1:]:
        args += ["--extra-index-url", url]
    return args


def _run(cmd: list[str], cwd: Path, env: dict[str, str], target: Target, tool: str) -> None:
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        explanation = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-25:])
        raise ResolveError(
            f"{target.name}: {tool} cannot resolve the inputs for this target:\n{explanation}",
            hint="loosen the conflicting requirement, or leave this target out (--platforms)",
        )


def pip_compile(job: Job, project: Path, work: Path, index_urls: Sequence[str]) -> str:
    """pip-compile for ``job.target``; returns the per-target lock text."""
    spec = work / f"{job.target.name}.json"
    spec.write_text(json.dumps(job.target.complete_platform()))
    out = work / f"{job.target.name}.txt"
    out.write_text(job.seed)
    shim = [sys.executable, "-m", "wh.adapters.piptools_shim", str(spec)]
    if job.only_wheels:
        shim += ["--only-wheels", "--allow-sdist", ",".join(job.allow_sdist)]
    cmd = [*shim, "--", *job.inputs, "-o", str(out), "--generate-hashes", "--allow-unsafe"]
    cmd += ["--strip-extras", "--no-header", "--annotation-style=split", "--no-emit-index-url"]
    cmd += ["--no-emit-trusted-host", "--no-emit-find-links", "--no-config", "--newline=LF"]
    cmd += ["--resolver=backtracking", "--cache-dir", str(work / f"cache-{job.target.name}")]
    cmd += _index_args(index_urls)
    cmd += ["--upgrade"] if job.upgrade else []
    for name in job.upgrade_packages:
        cmd += ["--upgrade-package", name]
    _run(cmd, project, clean_env(), job.target, "pip-compile")
    return out.read_text(encoding="utf-8")


_UV_GLIBC = {17, 28, *range(31, 41)}  # the manylinux baselines uv's --python-platform names


def uv_platform(target: Target) -> tuple[str, dict[str, str]]:
    """uv's ``--python-platform`` for a target, and the environment it needs."""
    p = target.platform
    arch = {"x86_64": "x86_64", "aarch64": "aarch64", "arm64": "aarch64"}.get(p.machine)
    if p.family == "linux" and arch:
        glibc = int(p.tag.split("_")[2])
        if glibc in _UV_GLIBC:
            return f"{arch}-manylinux_2_{glibc}", {}
    elif p.family == "musllinux" and arch and p.tag.startswith("musllinux_1_2_"):
        return f"{arch}-unknown-linux-musl", {}
    elif p.family == "macosx" and arch:
        major, minor = p.tag.split("_")[1:3]
        return f"{arch}-apple-darwin", {"MACOSX_DEPLOYMENT_TARGET": f"{major}.{minor}"}
    elif p.tag == "win_amd64":
        return "x86_64-pc-windows-msvc", {}
    elif p.tag == "win_arm64":
        return "aarch64-pc-windows-msvc", {}
    raise UsageError(
        f"{target.name}: uv has no --python-platform for {p.tag}",
        hint="use the pip-tools resolver for this target (wh lock --resolver pip-tools)",
    )


def uv_binary() -> str:
    """uv beside this interpreter (installed with wh), else on PATH."""
    beside = Path(sys.executable).with_name("uv")
    found = str(beside) if beside.is_file() else shutil.which("uv")
    if found is None:
        raise UsageError(
            "--resolver uv: uv is not installed", hint="pip install uv, or use pip-tools"
        )
    return found


def uv_compile(job: Job, project: Path, work: Path, index_urls: Sequence[str]) -> str:
    """``uv pip compile`` for ``job.target``; returns the per-target lock text.

    ``--only-wheels`` with exceptions: uv can forbid sdists for named packages only, so the
    names come from a first resolution and the run repeats until they stop changing."""
    platform, extra_env = uv_platform(job.target)
    out = work / f"{job.target.name}.txt"
    cmd = [uv_binary(), "pip", "compile", *job.inputs, "-o", str(out), "--quiet"]
    cmd += ["--python-platform", platform, "--python-version", str(job.target.python)]
    cmd += ["--python", sys.executable, "--generate-hashes", "--no-header", "--no-config"]
    cmd += ["--annotation-style", "split", "--cache-dir", str(cache_dir() / "uv")]
    cmd += _index_args(index_urls)
    cmd += ["--upgrade"] if job.upgrade else []
    for name in job.upgrade_packages:
        cmd += ["--upgrade-package", name]
    binary_only: list[str] = [":all:"] if job.only_wheels and not job.allow_sdist else []
    seen: set[str] = set()
    for _ in range(4):
        out.write_text(job.seed)
        only = [a for name in binary_only for a in ("--only-binary", name)]
        _run([*cmd, *only], project, clean_env(**extra_env), job.target, "uv pip compile")
        text = out.read_text(encoding="utf-8")
        if not (job.only_wheels and job.allow_sdist):
            return text
        names = {line.split("==")[0] for line in text.splitlines() if "==" in line[:80]}
        names = {n.strip() for n in names if n and not n[0].isspace() and n[0] != "#"}
        if names <= seen:
            return text
        seen |= names
        binary_only = sorted(seen - {n for n in job.allow_sdist})
    return text
