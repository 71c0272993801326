"""Reading a wheel's METADATA out of the zip (the central directory and one small member)."""

from __future__ import annotations

from pathlib import Path
from typing import IO

from wh.core.metadata import MetadataError, WheelMetadata, parse_metadata
from wh.core.wheelcheck import WheelContents, record_digest


def read_metadata_bytes(source: Path | IO[bytes]) -> bytes:
    """The wheel's ``.dist-info/METADATA``, byte for byte; MetadataError when unreadable."""
    import zipfile  # here: a run whose METADATA is all cached never opens a zip

    try:
        with zipfile.ZipFile(source) as zf:
            names = [
                n for n in zf.namelist() if n.count("/") == 1 and n.endswith(".dist-info/METADATA")
            ]
            if len(names) != 1:
                raise MetadataError(f"expected one .dist-info/METADATA, found {len(names)}")
            return zf.read(names[0])
    except (zipfile.BadZipFile, OSError, EOFError, KeyError) as exc:
        raise MetadataError(f"not a readable wheel: {exc}") from None


def read_metadata(source: Path | IO[bytes]) -> WheelMetadata:
    """METADATA of the wheel at ``source``; MetadataError when it is not a readable wheel."""
    return parse_metadata(read_metadata_bytes(source))


def read_contents(path: Path) -> WheelContents:
    """Every member's digest and size, and the dist-info files, for the rules of
    :mod:`wh.core.wheelcheck`; MetadataError when ``path`` is not a readable zip."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as zf:
            members: dict[str, tuple[str, int]] = {}
            for info in zf.infolist():
                if not info.is_dir():
                    data = zf.read(info)
                    members[info.filename] = (record_digest(data), len(data))
            infos = {
                n.split("/", 1)[0] for n in members if n.split("/", 1)[0].endswith(".dist-info")
            }
            top = next(iter(infos)) if len(infos) == 1 else None

            def text(name: str) -> str | None:
                key = f"{top}/{name}"
                return zf.read(key).decode("utf-8", "replace") if top and key in members else None

            metadata = zf.read(f"{top}/METADATA") if top and f"{top}/METADATA" in members else None
            return WheelContents(members, top, text("RECORD"), text("WHEEL"), metadata)
    except (zipfile.BadZipFile, OSError, EOFError, KeyError, ValueError) as exc:
        raise MetadataError(f"not a readable wheel: {exc}") from None
