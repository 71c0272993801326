"""Reading a wheel's METADATA out of the zip (the central directory and one small member)."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import IO

from wh.core.metadata import MetadataError, WheelMetadata, parse_metadata


def read_metadata_bytes(source: Path | IO[bytes]) -> bytes:
    """The wheel's ``.dist-info/METADATA``, byte for byte; MetadataError when unreadable."""
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
