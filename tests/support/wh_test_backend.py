"""A tiny PEP 517 build backend and deterministic wheel writer, standard library only.

`wheels.make_sdist` ships this very file inside every sdist it makes (found through
`backend-path = ["."]`), so `pip wheel --no-index <sdist>` builds without fetching anything;
`wheels.make_wheel` uses the same writer, so made and built wheels share one layout.
"""

from __future__ import annotations

import base64
import email.parser
import hashlib
import re
import sys
import sysconfig
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def dist_name(name: str) -> str:
    """The distribution name as the wheel spec writes it in filenames: `Foo.Bar` -> `foo_bar`."""
    return re.sub(r"[-_.]+", "_", name).lower()


def expand_tags(tags: str) -> list[str]:
    """`cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64` -> one tag per combination."""
    python, abi, platform = tags.split("-")
    return [
        f"{p}-{a}-{pl}"
        for p in python.split(".")
        for a in abi.split(".")
        for pl in platform.split(".")
    ]


def native_tag() -> str:
    """The tag a real native build on the running interpreter gets: `cp311-cp311-linux_x86_64`."""
    py = f"cp{sys.version_info.major}{sys.version_info.minor}"
    return f"{py}-{py}-{re.sub(r'[-.]', '_', sysconfig.get_platform())}"


def metadata_text(
    name: str,
    version: str,
    requires_dist: Sequence[str] = (),
    requires_python: str | None = None,
) -> str:
    lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
    lines += [f"Requires-Dist: {req}" for req in requires_dist]
    if requires_python is not None:
        lines.append(f"Requires-Python: {requires_python}")
    return "\n".join(lines) + "\n"


def wheel_text(tags: str) -> str:
    expanded = expand_tags(tags)
    pure = all(tag.split("-")[1:] == ["none", "any"] for tag in expanded)
    lines = [
        "Wheel-Version: 1.0",
        "Generator: wh_test_backend",
        f"Root-Is-Purelib: {'true' if pure else 'false'}",
    ]
    return "\n".join(lines + [f"Tag: {tag}" for tag in expanded]) + "\n"


def record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return f"sha256={digest.decode()}"


def write_wheel(
    directory: Path,
    name: str,
    version: str,
    tags: str,
    files: Mapping[str, bytes],
    metadata: str,
    *,
    stored: Iterable[str] = (),
) -> Path:
    """Write `{dist}-{version}-{tags}.whl` holding `files` plus a dist-info with a RECORD.

    Fixed timestamps and permissions make the bytes a function of the arguments only.
    Paths in `stored` are not compressed (padding that would not shrink anyway).
    """
    stem = f"{dist_name(name)}-{version.replace('-', '_')}"
    info = f"{stem}.dist-info"
    entries = {
        **files,
        f"{info}/METADATA": metadata.encode(),
        f"{info}/WHEEL": wheel_text(tags).encode(),
    }
    record = [f"{path},{record_hash(data)},{len(data)}" for path, data in entries.items()]
    entries[f"{info}/RECORD"] = ("\n".join([*record, f"{info}/RECORD,,"]) + "\n").encode()
    plain = set(stored)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{stem}-{tags}.whl"
    with zipfile.ZipFile(path, "w") as archive:
        for arcname, data in entries.items():
            info_ = zipfile.ZipInfo(arcname, date_time=ZIP_DATE)
            info_.external_attr = 0o644 << 16
            info_.create_system = 3
            info_.compress_type = zipfile.ZIP_STORED if arcname in plain else zipfile.ZIP_DEFLATED
            archive.writestr(info_, data)
    return path


# --- PEP 517 hooks: run inside an unpacked sdist made by wheels.make_sdist ---------------


def _source() -> tuple[str, str, str, bool]:
    """(name, version, PKG-INFO text, native) of the sdist in the working directory."""
    pkg_info = Path("PKG-INFO").read_text(encoding="utf-8")
    headers = email.parser.Parser().parsestr(pkg_info)
    native = re.search(r"^native\s*=\s*true\s*$", Path("pyproject.toml").read_text(), re.M)
    return str(headers["Name"]), str(headers["Version"]), pkg_info, native is not None


def get_requires_for_build_wheel(config_settings: object = None) -> list[str]:
    return []


def prepare_metadata_for_build_wheel(
    metadata_directory: str, config_settings: object = None
) -> str:
    name, version, pkg_info, native = _source()
    info = Path(metadata_directory) / f"{dist_name(name)}-{version.replace('-', '_')}.dist-info"
    info.mkdir(parents=True, exist_ok=True)
    (info / "METADATA").write_text(pkg_info, encoding="utf-8")
    (info / "WHEEL").write_text(wheel_text(native_tag() if native else "py3-none-any"))
    return info.name


def build_wheel(
    wheel_directory: str, config_settings: object = None, metadata_directory: str | None = None
) -> str:
    name, version, pkg_info, native = _source()
    package = Path(dist_name(name))
    files = {
        path.as_posix(): path.read_bytes()
        for path in sorted(package.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }
    tags = native_tag() if native else "py3-none-any"
    return write_wheel(Path(wheel_directory), name, version, tags, files, pkg_info).name
