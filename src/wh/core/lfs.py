"""git-lfs: pointer files (a pointer's oid IS the file's sha256, git-lfs spec v1), the
.gitattributes rule routing wheels through it, and the findings for wheels kept out of it.
Pure: the git facts come in as :class:`GitFacts` (``adapters.wheelhouse`` gathers them)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from wh.core.verify import ATTRIBUTES, NOT_LFS, Finding

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


def pointer_bytes(pointer: Pointer) -> bytes:
    """The pointer file git-lfs writes for ``pointer`` (spec v1, no extensions), byte for byte."""
    return (
        f"version https://git-lfs.github.com/spec/v1\noid sha256:{pointer.oid}\n"
        f"size {pointer.size}\n"
    ).encode()


def lfs_rule(wheelhouse: str) -> str:
    """The .gitattributes line routing the wheelhouse's wheels through git-lfs (wh init)."""
    return f"{wheelhouse.strip('/')}/*.whl filter=lfs diff=lfs merge=lfs -text"


@dataclass(frozen=True, slots=True)
class GitFacts:
    """What git says about the wheelhouse, for the LFS findings.

    ``raw_blobs``: wheel paths staged as raw git blobs (not LFS pointers);
    ``routed``: wheel path (a probe path when none is staged) -> routed through git-lfs."""

    raw_blobs: tuple[str, ...]
    routed: Mapping[str, bool]


def lfs_findings(facts: GitFacts | None, wheelhouse: str) -> tuple[list[Finding], list[str]]:
    """Findings for wheels kept out of git-lfs, and notes (``None``: not a git repository)."""
    if facts is None:
        return [], ["not a git repository: the LFS checks were skipped"]
    return [*_raw_blobs(facts.raw_blobs), *_attributes(facts.routed, wheelhouse)], []


def _raw_blobs(paths: Iterable[str]) -> list[Finding]:
    findings = []
    for path in sorted(paths):
        name = path.rsplit("/", 1)[-1]
        findings.append(
            Finding(
                NOT_LFS,
                "",
                name.split("-", 1)[0],
                name,
                f"{path}: staged as a raw git blob, not an LFS pointer",
                f"git rm --cached {path} && git add {path} (with .gitattributes routing"
                " wheels through LFS: wh init)",
            )
        )
    return findings


def _attributes(routed: Mapping[str, bool], wheelhouse: str) -> list[Finding]:
    missing = [p for p, lfs in routed.items() if not lfs]
    if not missing:
        return []
    return [
        Finding(
            ATTRIBUTES,
            "",
            "",
            ".gitattributes",
            f".gitattributes does not route {missing[0]} through git-lfs"
            + (f" (nor {len(missing) - 1} more)" if len(missing) > 1 else ""),
            f"add '{lfs_rule(wheelhouse)}' to .gitattributes (wh init does)",
        )
    ]
