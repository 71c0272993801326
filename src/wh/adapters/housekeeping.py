"""Sync's side of the wheelhouse directory: the built-wheels record read and written
(atomically, only when it changes), and the files no target uses pruned. Kept light: the
no-op sync imports it (the sources verify reads are in ``adapters.wheelhouse``)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path

from wh.adapters.fs import atomic_write
from wh.core.built import RECORD_NAME, BuiltWheel, parse_record, render_record
from wh.core.files import is_dist_filename


def read_records(read: Callable[[], str]) -> list[BuiltWheel]:
    """The record ``read`` returns; [] when it raises FileNotFoundError; RecordError when
    it is not a record."""
    try:
        return parse_record(read())
    except FileNotFoundError:
        return []


def write_records(wheelhouse: Path, records: list[BuiltWheel]) -> None:
    """Write the record (atomically, only when it changes); remove it when nothing is built."""
    path = wheelhouse / RECORD_NAME
    if not records:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        return
    text = render_record(records)
    with contextlib.suppress(FileNotFoundError):
        if path.read_text(encoding="utf-8") == text:
            return
    atomic_write(path, text.encode())


def prune(wheelhouse: Path, keep: set[str]) -> list[str]:
    """Remove every distribution file not in ``keep``; return their names."""
    removed = []
    for path in sorted(wheelhouse.iterdir()):
        if path.is_file() and is_dist_filename(path.name) and path.name not in keep:
            path.unlink()
            removed.append(path.name)
    return removed
