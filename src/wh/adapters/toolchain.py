"""The cross toolchain: zig (from the ``ziglang`` wheel) and a local CPython per target version.

A wheel's python and abi tags, and the headers an extension compiles against, come from the
interpreter that RUNS the build; ``_PYTHON_HOST_PLATFORM`` only sets the platform part. So a
target's build runs ``pip wheel`` under a local CPython of the target's version (found on
PATH, in pyenv's versions directory, through ``uv python find``, or named in
``[tool.wh.build] python``), with zig as CC/CXX/LDSHARED through small wrapper scripts.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.metadata
import importlib.util
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from wh.core.crossbuild import RELEASE_CFLAGS, REPRODUCIBLE_CFLAGS, CrossSpec
from wh.errors import UsageError

SOURCE_DATE_EPOCH = "315532800"  # 1980-01-01, the oldest time a zip file can hold
INSTALL_LINE = f"{shlex.quote(sys.executable)} -m pip install 'wh[build]'"

_PROBE = (
    "import json, os, sys, sysconfig, importlib.util as u;"
    "inc = sysconfig.get_paths()['include'];"
    "print(json.dumps({'version': '%d.%d' % sys.version_info[:2],"
    " 'impl': sys.implementation.name, 'include': inc,"
    " 'headers': os.path.isfile(os.path.join(inc, 'Python.h')),"
    " 'pip': u.find_spec('pip') is not None}))"
)


class ToolchainMissing(UsageError):
    """zig is not installed beside wh."""


class Zig(NamedTuple):
    path: Path
    version: str

    @property
    def label(self) -> str:
        return f"zig {self.version}"


@dataclass(frozen=True, slots=True)
class Interpreter:
    path: Path
    version: str  # 3.12
    include: Path  # where Python.h and pyconfig.h are


def find_zig() -> Zig:
    """The zig binary the ``ziglang`` wheel ships (``python -m ziglang`` is not importable
    inside pip's build isolation, so builds call the binary)."""
    try:
        spec = importlib.util.find_spec("ziglang")
    except (ImportError, ValueError):  # a broken or blocked install
        spec = None
    origin = spec.origin if spec is not None else None
    binary = Path(origin).with_name("zig") if origin else None
    if binary is None or not binary.is_file():
        raise ToolchainMissing(
            "wh build needs zig, the cross C/C++ compiler, and it is not installed",
            hint=f"install it beside wh: {INSTALL_LINE}",
        )
    return Zig(binary, _zig_version(str(binary)))


@functools.cache
def _zig_version(binary: str) -> str:
    proc = subprocess.run([binary, "version"], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise ToolchainMissing(
            f"{binary} does not run: {proc.stderr.strip() or proc.returncode}",
            hint=f"reinstall it: {INSTALL_LINE}",
        )
    return proc.stdout.strip()


def find_interpreter(version: str, configured: Mapping[str, str]) -> Interpreter | None:
    """A local CPython ``version`` with its headers and pip, or None."""
    return _find_interpreter(version, tuple(sorted(configured.items())))


@functools.cache
def _find_interpreter(version: str, configured: tuple[tuple[str, str], ...]) -> Interpreter | None:
    for candidate in _candidates(version, dict(configured)):
        found = _probe(str(candidate))
        if found is not None and found.version == version:
            return found
    found = _probe(_uv_find(version)) if _uv_find(version) else None
    return found if found is not None and found.version == version else None


def _candidates(version: str, configured: Mapping[str, str]) -> list[Path]:
    """Configured first, then pyenv's versions directory (its shims answer only for the active
    version, and slowly), then PATH without pyenv's shims."""
    found: list[Path] = []
    if version in configured:
        found.append(Path(configured[version]).expanduser())
    pyenv = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"
    if pyenv.is_dir():
        for d in sorted(pyenv.glob(f"{version}.*"), reverse=True):
            found.append(d / "bin" / f"python{version}")
    path = os.pathsep.join(
        p for p in os.environ.get("PATH", "").split(os.pathsep) if "/shims" not in p
    )
    if on_path := shutil.which(f"python{version}", path=path):
        found.append(Path(on_path))
    return found


@functools.cache
def _uv_find(version: str) -> str:
    """``uv python find`` (never downloading): uv-managed interpreters."""
    uv = shutil.which("uv") or _beside_python("uv")
    if uv is None:
        return ""
    env = dict(os.environ, UV_PYTHON_DOWNLOADS="never")
    try:
        proc = subprocess.run(
            [uv, "python", "find", version],
            capture_output=True,
            text=True,
            env=env,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return proc.stdout.strip() if proc.returncode == 0 else ""


def _beside_python(name: str) -> str | None:
    path = Path(sys.executable).with_name(name)
    return str(path) if path.is_file() else None


@functools.cache
def _probe(python: str) -> Interpreter | None:
    try:
        proc = subprocess.run(
            [python, "-c", _PROBE], capture_output=True, text=True, timeout=30, check=False
        )
        facts = json.loads(proc.stdout) if proc.returncode == 0 else None
    except (OSError, subprocess.SubprocessError, ValueError):
        return None
    if not facts or facts["impl"] != "cpython" or not facts["headers"] or not facts["pip"]:
        return None
    return Interpreter(Path(python), facts["version"], Path(facts["include"]))


def write_wrappers(directory: Path, zig: Zig, spec: CrossSpec) -> dict[str, str]:
    """Scripts ``cc`` and ``c++`` that run zig for ``spec``'s target; the build's
    compiler and linker environment pointing at them."""
    directory.mkdir(parents=True, exist_ok=True)
    # A macOS dylib's install name would be its build path: name it after the file instead.
    install_name = (
        'out=""; prev=""; for a in "$@"; do [ "$prev" = "-o" ] && out="$a"; prev="$a"; done\n'
        'case " $* " in *" -shared "*) [ -n "$out" ] &&'
        ' set -- "$@" "-Wl,-install_name,@rpath/${out##*/}";; esac\n'
        if spec.macos
        else ""
    )
    for name, mode in (("cc", "cc"), ("c++", "c++")):
        script = directory / name
        script.write_text(
            f"#!/bin/sh\n# wh build: zig {mode} for {spec.zig_target}\n{install_name}"
            f'exec {shlex.quote(str(zig.path))} {mode} -target {spec.zig_target} "$@"\n'
        )
        script.chmod(0o755)
    cc, cxx = str(directory / "cc"), str(directory / "c++")
    shared = " ".join(("-shared", *spec.ldflags))
    return {
        "CC": cc,
        "CXX": cxx,
        "LDSHARED": f"{cc} {shared}",
        "LDCXXSHARED": f"{cxx} {shared}",
        "AR": f"{shlex.quote(str(zig.path))} ar",
    }


def build_env(
    spec: CrossSpec, tools: dict[str, str], source: Path, index_urls: list[str]
) -> dict[str, str]:
    """The environment of one target's ``pip wheel``."""
    flags = [*RELEASE_CFLAGS, *REPRODUCIBLE_CFLAGS, f"-ffile-prefix-map={source}=."]
    env = dict(
        os.environ,
        **tools,
        CFLAGS=" ".join(flags),
        CXXFLAGS=" ".join(flags),
        LDFLAGS=" ".join(spec.ldflags),
        _PYTHON_HOST_PLATFORM=spec.host_platform,
        SETUPTOOLS_EXT_SUFFIX=spec.ext_suffix,
        SOURCE_DATE_EPOCH=SOURCE_DATE_EPOCH,
        PIP_NO_INPUT="1",
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        PYTHONHASHSEED="0",
    )
    if spec.macos:
        env["MACOSX_DEPLOYMENT_TARGET"] = spec.host_platform.split("-")[1]
    for key in ("CPPFLAGS", "CPATH", "C_INCLUDE_PATH", "LIBRARY_PATH", "PYTHONPATH"):
        env.pop(key, None)  # the host's search paths are not the target's
    if index_urls:
        env["PIP_INDEX_URL"] = index_urls[0]
        env["PIP_EXTRA_INDEX_URL"] = " ".join(index_urls[1:])
    return env


def run_pip_wheel(
    python: Path,
    source: Path,
    out: Path,
    env: dict[str, str],
    timeout: float,
    isolated: bool = True,
) -> tuple[int, str]:
    """``python -m pip wheel --no-deps`` of the unpacked sdist at ``source``; the exit code
    and output. A build past ``timeout`` seconds is killed with its whole process group."""
    cmd = [str(python), "-m", "pip", "wheel", "--no-deps", "-v", "-w", str(out), str(source)]
    if not isolated:
        cmd.insert(4, "--no-build-isolation")
    with subprocess.Popen(
        cmd,
        env=env,
        cwd=source,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    ) as proc:
        try:
            output, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            return -1, f"error: the build ran longer than {timeout:.0f} s and was stopped"
    return proc.returncode, output


BACKENDS = ("setuptools", "wheel")


def backends_overlay(directory: Path) -> Path:
    """A directory holding (links to) the build backends installed beside wh, with their
    metadata (setuptools finds its commands through entry points): put on PYTHONPATH, it lets
    another interpreter build without isolation when the index lacks the backend."""
    directory.mkdir(parents=True, exist_ok=True)
    for name in BACKENDS:
        try:
            dist = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            continue
        root = Path(str(dist.locate_file("")))
        tops = {f.parts[0] for f in dist.files or () if f.parts and f.parts[0] != ".."}
        for top in sorted(tops):
            link = directory / top
            if (root / top).exists() and not link.exists() and not top.endswith(".pth"):
                link.symlink_to(root / top)
    return directory


def unpack_sdist(sdist: Path, dest: Path) -> Path:
    """Extract ``sdist`` (.tar.gz or .zip) under ``dest``; the project's top directory."""
    dest.mkdir(parents=True, exist_ok=True)
    if sdist.name.endswith(".zip"):
        with zipfile.ZipFile(sdist) as zf:
            for member in zf.namelist():
                if member.startswith("/") or ".." in Path(member).parts:
                    raise UsageError(f"{sdist.name}: unsafe path in archive: {member}")
            zf.extractall(dest)
    else:
        with tarfile.open(sdist) as tf:
            tf.extractall(dest, filter="data")
    tops = [p for p in dest.iterdir() if p.is_dir()]
    return tops[0] if len(tops) == 1 else dest
