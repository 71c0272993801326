"""Is a wheel what its name says and whole? Pure rules over what an adapter read from the zip.

- its ``.dist-info`` directory is the one the filename names, with METADATA, WHEEL and RECORD;
- WHEEL's ``Tag`` lines are exactly the tags of the filename (a renamed wheel keeps its old
  tags there);
- RECORD lists every member with a sha256 and size that match, and no member it lacks
  (PEP 376/427: only RECORD itself, and its signatures, go unhashed).
"""

from __future__ import annotations

import base64
import csv
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

from packaging.tags import parse_tag
from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename
from packaging.version import InvalidVersion, Version

_UNHASHED = ("RECORD", "RECORD.jws", "RECORD.p7s")


@dataclass(frozen=True, slots=True)
class WheelContents:
    """What an adapter read from a wheel: each member's digest and size, and the dist-info
    files' text (None when absent)."""

    members: Mapping[str, tuple[str, int]]  # path -> (urlsafe base64 sha256, size)
    dist_info: str | None  # the one top-level *.dist-info directory, None if not exactly one
    record: str | None
    wheel: str | None
    metadata: bytes | None


def record_digest(data: bytes) -> str:
    """RECORD's digest form: urlsafe base64 of the sha256, without padding."""
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def wheel_problems(filename: str, contents: WheelContents) -> list[str]:
    """Empty when the wheel is whole and is what its filename says; else one line a problem."""
    try:
        name, version, _build, tags = parse_wheel_filename(filename)
    except InvalidWheelFilename as exc:
        return [f"not a wheel filename: {exc}"]
    info = contents.dist_info
    if info is None:
        return ["not one .dist-info directory at the top of the archive"]
    problems: list[str] = []
    info_name, _, info_version = info.removesuffix(".dist-info").partition("-")
    if canonicalize_name(info_name) != name or not _same(info_version, version):
        problems.append(f"its metadata directory {info}/ is not {name} {version}'s")
    if contents.wheel is None:
        problems.append(f"{info}/WHEEL is missing")
    else:
        problems += _tag_problems(contents.wheel, {str(t) for t in tags}, info)
    if contents.record is None:
        problems.append(f"{info}/RECORD is missing")
    else:
        problems += record_problems(contents.record, contents.members, info)
    return problems


def _same(text: str, version: Version) -> bool:
    try:
        return Version(text) == version
    except InvalidVersion:
        return False


def _tag_problems(wheel_text: str, named: set[str], info: str) -> list[str]:
    declared: set[str] = set()
    for line in wheel_text.splitlines():
        key, _, value = line.partition(":")
        if key.strip().lower() == "tag":
            declared |= {str(t) for t in parse_tag(value.strip())}
    if declared == named:
        return []
    return [
        f"{info}/WHEEL declares tags {', '.join(sorted(declared)) or 'none'}, not the"
        f" filename's {', '.join(sorted(named))} (a renamed wheel?)"
    ]


def record_problems(
    record_text: str, members: Mapping[str, tuple[str, int]], info: str
) -> list[str]:
    problems: list[str] = []
    listed: set[str] = set()
    for row in csv.reader(record_text.splitlines()):
        if not row:
            continue
        path = row[0]
        listed.add(path)
        digest = row[1] if len(row) > 1 else ""
        size = row[2] if len(row) > 2 else ""
        if path not in members:
            problems.append(f"RECORD lists {path}, which the archive lacks")
        elif path.rsplit("/", 1)[-1] in _UNHASHED and path.startswith(f"{info}/"):
            continue
        elif not digest.startswith("sha256="):
            problems.append(f"RECORD gives {path} no sha256")
        elif digest.removeprefix("sha256=") != members[path][0]:
            problems.append(f"{path}: its sha256 differs from RECORD's")
        elif size and size != str(members[path][1]):
            problems.append(f"{path}: its size differs from RECORD's")
    for path in sorted(set(members) - listed):
        if not path.endswith("/"):
            problems.append(f"{path} is in the archive but not in RECORD")
    return problems
