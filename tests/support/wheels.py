"""Small but valid distributions for tests and benchmarks: wheels with any tags, offline sdists.

Everything is deterministic: the same call writes the same bytes, hence the same sha256.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import random
import tarfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from tests.support import wh_test_backend as backend
from tests.support.wh_test_backend import dist_name, metadata_text

__all__ = ["dist_name", "make_sdist", "make_wheel", "sha256_of"]


def make_wheel(
    directory: Path,
    name: str,
    version: str,
    tags: str = "py3-none-any",
    *,
    requires_dist: Sequence[str] = (),
    requires_python: str | None = None,
    size: int = 0,
    modules: Mapping[str, str] | None = None,
) -> Path:
    """Write `{dist}-{version}-{tags}.whl` into `directory` and return its path.

    `tags` may be a compressed tag set (`py2.py3-none-any`, `...-manylinux_2_17_x86_64.
    manylinux2014_x86_64`). `modules` maps paths inside the wheel to source text; by default
    the wheel holds `{dist}/__init__.py` defining `__version__`. `size` adds a stored data file
    `{dist}/_padding.bin` of that many incompressible, deterministic bytes.
    """
    package = dist_name(name)
    sources = modules if modules is not None else {f"{package}/__init__.py": _init(version)}
    files = {path: text.encode() for path, text in sources.items()}
    padding = f"{package}/_padding.bin"
    if size > 0:
        files[padding] = random.Random(f"{name}-{version}-{tags}").randbytes(size)
    metadata = metadata_text(name, version, requires_dist, requires_python)
    return backend.write_wheel(
        Path(directory), name, version, tags, files, metadata, stored=[padding]
    )


def make_sdist(
    directory: Path,
    name: str,
    version: str,
    *,
    native: bool = False,
    requires_dist: Sequence[str] = (),
    requires_python: str | None = None,
    build_requires: Sequence[str] = (),
) -> Path:
    """Write `{dist}-{version}.tar.gz`: a PEP 517 sdist with an in-tree backend.

    `pip wheel --no-deps --no-index` builds it with no index at all: `py3-none-any`, or with
    `native=True` the building interpreter's own tag (`cp311-cp311-linux_x86_64`).
    """
    package = dist_name(name)
    stem = f"{package}-{version}"
    project = {"name": name, "version": version, "dependencies": list(requires_dist)}
    if requires_python is not None:
        project["requires-python"] = requires_python
    pyproject = [
        "[build-system]",
        f"requires = {json.dumps(list(build_requires))}",
        'build-backend = "wh_test_backend"',
        'backend-path = ["."]',
        "",
        "[project]",
        *(f"{key} = {json.dumps(value)}" for key, value in project.items()),
        "",
        "[tool.wh-test-backend]",
        f"native = {'true' if native else 'false'}",
    ]
    files = {
        "PKG-INFO": metadata_text(name, version, requires_dist, requires_python),
        "pyproject.toml": "\n".join(pyproject) + "\n",
        "wh_test_backend.py": Path(backend.__file__).read_text(encoding="utf-8"),
        f"{package}/__init__.py": _init(version) + f"NATIVE = {native}\n",
    }
    Path(directory).mkdir(parents=True, exist_ok=True)
    path = Path(directory) / f"{stem}.tar.gz"
    with (
        path.open("wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz,
        tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar,
    ):
        for relpath, text in files.items():
            data = text.encode()
            member = tarfile.TarInfo(f"{stem}/{relpath}")
            member.size, member.mode, member.mtime = len(data), 0o644, 0
            tar.addfile(member, io.BytesIO(data))
    return path


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _init(version: str) -> str:
    return f"__version__ = {version!r}\n"
