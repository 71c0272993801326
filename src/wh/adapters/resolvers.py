"""Resolvers: pip-compile (through :mod:`wh.adapters.piptools_shim`) or ``uv pip compile``,
one subprocess per target, writing a per-target lock with hashes.

Both run isolated from the machine's pip and uv configuration (the index is passed
explicitly), so the same inputs and index give the same pins wherever wh runs; neither may
download an interpreter.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import canonicalize_name

from wh.adapters.cache import cache_dir
from wh.adapters.pipindex import index_env
from wh.core.lockfile import parse_compiled
from wh.core.targets import Target
from wh.errors import ResolveError, UsageError

_NOT_FOUND = [
    re.compile(r"No matching distribution found for ([A-Za-z0-9][A-Za-z0-9._-]*)"),
    re.compile(r"Because ([A-Za-z0-9][A-Za-z0-9._-]*) was not found in the package registry"),
]


@dataclass(frozen=True, slots=True)
class Job:
    target: Target
    inputs: Sequence[str]  # relative to the project directory (the subprocess's cwd)
    seed: str  # the existing pins that apply to this target (minimal re-lock)
    upgrade_packages: Sequence[str]  # (a full --upgrade is an empty seed: nothing pinned)
    only_wheels: bool
    allow_sdist: Sequence[str]


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "UV_"))}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1")
    env.update(UV_PYTHON_DOWNLOADS="never", UV_NO_CONFIG="1", PYTHONUTF8="1")
    env.update(extra)
    return env


def _run(cmd: list[str], cwd: Path, env: dict[str, str], target: Target, tool: str) -> None:
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise _error(target, tool, proc.stderr or proc.stdout)


@dataclass(frozen=True, slots=True)
class Batch:
    """Where and how a set of jobs runs."""

    project: Path  # the subprocesses' working directory
    work: Path  # a temporary directory for per-target files
    index_urls: Sequence[str]
    parallel: int  # resolver processes at a time
    on_done: Callable[[str, float], None]  # (target name, seconds) as each target resolves


def pip_compile_all(jobs: Sequence[Job], batch: Batch) -> list[str | ResolveError]:
    """pip-compile for every job, in one shim process that forks a child per target (one
    process per target where fork is missing); per-target lock texts or errors, in order."""
    specs = [_shim_job(job, batch.work) for job in jobs]
    codes: dict[str, int] = {}
    for i, group in enumerate([specs] if hasattr(os, "fork") else [[spec] for spec in specs]):
        path = batch.work / f"batch-{i}.json"
        kept = str(cache_dir() / "lock-metadata")  # wheels' METADATA by sha256, across runs
        path.write_text(
            json.dumps({"parallel": batch.parallel, "metadata_cache": kept, "jobs": group})
        )
        codes.update(_run_shim(path, batch))
    results: list[str | ResolveError] = []
    for job in jobs:
        log = batch.work / f"{job.target.name}.log"
        if codes.get(job.target.name) != 0:
            text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
            results.append(_error(job.target, "pip-compile", text))
        else:
            results.append((batch.work / f"{job.target.name}.txt").read_text(encoding="utf-8"))
    return results


def _shim_job(job: Job, work: Path) -> dict[str, object]:
    """One job of the shim's batch file (see :mod:`wh.adapters.piptools_shim`)."""
    out = work / f"{job.target.name}.txt"
    out.write_text(job.seed)
    args = [*job.inputs, "-o", str(out), "--generate-hashes", "--allow-unsafe"]
    args += ["--strip-extras", "--no-header", "--annotation-style=split"]
    args += ["--no-emit-index-url", "--no-emit-trusted-host", "--no-emit-find-links"]
    args += ["--no-config", "--newline=LF", "--resolver=backtracking"]
    args += ["--cache-dir", str(work / f"cache-{job.target.name}")]
    for name in job.upgrade_packages:
        args += ["--upgrade-package", name]
    return {
        "name": job.target.name,
        "target": job.target.complete_platform(),
        "args": args,
        "only_wheels": job.only_wheels,
        "allow_sdist": list(job.allow_sdist),
        "log": str(work / f"{job.target.name}.log"),
    }


def _run_shim(path: Path, batch: Batch) -> dict[str, int]:
    """Run one shim process on the batch file at ``path``; each job's exit code by name."""
    codes: dict[str, int] = {}
    cmd = [sys.executable, "-m", "wh.adapters.piptools_shim", str(path)]
    env = clean_env(**index_env(batch.index_urls, "PIP"))
    with subprocess.Popen(
        cmd, cwd=batch.project, env=env, stdout=subprocess.PIPE, text=True
    ) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("done "):
                _, name, code, seconds = line.split()
                codes[name] = int(code)
                if code == "0":
                    batch.on_done(name, float(seconds))
    return codes


def _error(target: Target, tool: str, output: str) -> ResolveError:
    hint = (
        "the resolver's explanation is above: loosen a conflicting requirement,"
        " check the index, or leave this target out of [tool.wh.platforms]"
    )
    missing = [m[1] for pattern in _NOT_FOUND if (m := pattern.search(output))]
    if missing:
        hint = (
            f"no version of {missing[0]} that the inputs allow is on the index: check the"
            " name's spelling and its version specifiers in the .in file, and the index URL"
        )
    elif "metadata generation failed" in output or "Preparing metadata" in output:
        hint = (
            "a version has no wheel for this target and its sdist could not be prepared here:"
            " wh lock --only-wheels chooses versions with a wheel for every target"
        )
    cause = _explain(output)
    return ResolveError(
        f"{target.name}: {tool} cannot resolve the inputs for this target:\n{cause}",
        hint=hint,
        target=target.name,
        cause=f"{tool} cannot resolve the inputs:\n{cause}",
    )


def _explain(output: str) -> str:
    """The resolver's own words: its messages, without Python tracebacks (of a traceback, only
    the exception's message, without the exception's dotted name, when not said already)."""
    lines = output.strip().splitlines()
    if "Traceback (most recent call last):" in lines:
        first = lines.index("Traceback (most recent call last):")
        said = "\n".join(lines[:first])
        last = lines[-1].split(": ", 1)[-1]
        lines = [*lines[:first][-25:], *([] if last in said else [last])]
    return "\n".join(lines[-25:]) or "(no output)"


_UV_GLIBC = {17, 28, *range(31, 41)}  # the manylinux baselines uv's --python-platform names


def uv_platform(target: Target) -> tuple[str, dict[str, str]]:
    """uv's ``--python-platform`` for a target, and the environment it needs."""
    p = target.platform
    arch = {"x86_64": "x86_64", "aarch64": "aarch64", "arm64": "aarch64"}.get(p.machine)
    if p.family == "linux" and arch:
        if p.version[0] == 2 and p.version[1] in _UV_GLIBC:
            return f"{arch}-manylinux_2_{p.version[1]}", {}
    elif p.family == "musllinux" and arch and p.version == (1, 2):
        return f"{arch}-unknown-linux-musl", {}
    elif p.family == "macosx" and arch:
        major, minor = p.version
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
    for name in job.upgrade_packages:
        cmd += ["--upgrade-package", name]
    binary_only: list[str] = [":all:"] if job.only_wheels and not job.allow_sdist else []
    seen: set[str] = set()
    for _ in range(4):
        out.write_text(job.seed)
        only = [a for name in binary_only for a in ("--only-binary", name)]
        env = clean_env(**extra_env, **index_env(index_urls, "UV"))
        _run([*cmd, *only], project, env, job.target, "uv pip compile")
        text = out.read_text(encoding="utf-8")
        if not (job.only_wheels and job.allow_sdist):
            return text
        names = set(parse_compiled(text, f"<uv output for {job.target.name}>"))
        if names <= seen:
            return text
        seen |= names
        binary_only = sorted(seen - {canonicalize_name(n) for n in job.allow_sdist})
    return text


def uv_compile_all(jobs: Sequence[Job], batch: Batch) -> list[str | ResolveError]:
    """``uv pip compile`` per target, ``batch.parallel`` processes at a time."""

    def one(job: Job) -> str | ResolveError:
        start = time.perf_counter()
        try:
            text = uv_compile(job, batch.project, batch.work, batch.index_urls)
        except ResolveError as exc:
            return exc
        batch.on_done(job.target.name, time.perf_counter() - start)
        return text

    with ThreadPoolExecutor(max_workers=max(1, batch.parallel)) as pool:
        return list(pool.map(one, jobs))
