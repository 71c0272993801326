"""Rewriting a built wheel: a new platform tag, in a byte-for-byte reproducible archive.

Entries are written sorted (``.dist-info`` last, RECORD at the very end, as the wheel spec
recommends), every one with the same date (1980-01-01), fixed permissions and compression,
so the same contents always give the same bytes. ``WHEEL``'s ``Tag:`` lines and ``RECORD``
are rewritten to match.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from wh.adapters.fs import atomic_file
from wh.core.crossbuild import retagged
from wh.core.wheelcheck import record_digest

_DATE = (1980, 1, 1, 0, 0, 0)


def repack(wheel: Path, dest_dir: Path, platform_tag: str) -> Path:
    """Write ``wheel``'s contents, tagged for ``platform_tag``, into ``dest_dir`` atomically."""
    with zipfile.ZipFile(wheel) as zf:
        members = {
            i.filename: (zf.read(i), i.external_attr >> 16) for i in zf.infolist() if not i.is_dir()
        }
    dist_info = next(n.split("/", 1)[0] for n in members if n.endswith(".dist-info/WHEEL"))
    record_name = f"{dist_info}/RECORD"
    wheel_name = f"{dist_info}/WHEEL"
    data, mode = members[wheel_name]
    members[wheel_name] = (_retag_wheel_file(data.decode(), platform_tag).encode(), mode)
    members.pop(record_name, None)
    names = sorted(members, key=lambda n: (n.startswith(f"{dist_info}/"), n))
    record = [_record_line(n, members[n][0]) for n in names] + [f"{record_name},,"]
    members[record_name] = ("\n".join(record).encode() + b"\n", 0o644)
    names.append(record_name)
    dest = dest_dir / retagged(wheel.name, platform_tag)
    with atomic_file(dest) as f, zipfile.ZipFile(f, "w") as out:
        for name in names:
            content, mode = members[name]
            info = zipfile.ZipInfo(name, _DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = ((0o755 if mode & 0o111 else 0o644) | 0o100000) << 16
            info.create_system = 3
            out.writestr(info, content, compresslevel=6)
    return dest


def _retag_wheel_file(text: str, platform_tag: str) -> str:
    lines: list[str] = []
    seen: set[str] = set()
    for line in text.splitlines():
        if line.startswith("Tag: "):
            python, abi, _ = line[len("Tag: ") :].strip().split("-")
            tag = f"{python}-{abi}-{platform_tag}"
            if tag in seen:
                continue
            seen.add(tag)
            line = f"Tag: {tag}"
        lines.append(line)
    return "\n".join(lines) + "\n"


def _record_line(name: str, data: bytes) -> str:
    return f"{name},sha256={record_digest(data)},{len(data)}"
