"""git-lfs pointer files: a pointer's oid IS the file's sha256 (git-lfs spec v1)."""

from __future__ import annotations

import re
from dataclasses import dataclass

POINTER_MAX = 1024  # git-lfs never writes a larger pointer
_OID = re.compile(rb"^oid sha256:([0-9a-f]{64})$", re.M)
_SIZE = re.compile(rb"^size (\d+)$", re.M)


@dataclass(frozen=True, slots=True)
class Pointer:
    oid: str
    size: int


def parse_pointer(data: bytes) -> Pointer | None:
    """The pointer in ``data``, or None when ``data`` is not an LFS pointer (a raw blob)."""
    if len(data) > POINTER_MAX or not data.startswith(b"version https://git-lfs."):
        return None
    oid, size = _OID.search(data), _SIZE.search(data)
    if not oid or not size:
        return None
    return Pointer(oid[1].decode(), int(size[1]))
