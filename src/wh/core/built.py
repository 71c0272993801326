"""The built-wheels record: which wheel wh built from which sdist, with both hashes.

A built wheel's hash cannot be in the lock (the lock hashes the sdist), so this small,
deterministic, committed file in the wheelhouse says where each built wheel came from. verify
accepts a built wheel whose record names an sdist hash the lock lists.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass

RECORD_NAME = "wh-built.json"
FORMAT_VERSION = 1


class RecordError(ValueError):
    pass


@dataclass(frozen=True, slots=True, order=True)
class BuiltWheel:
    sdist: str
    sdist_sha256: str
    wheel: str
    wheel_sha256: str


def parse_record(text: str) -> list[BuiltWheel]:
    try:
        data = json.loads(text)
        if data.get("version") != FORMAT_VERSION:
            raise RecordError(f"unknown format version {data.get('version')!r}")
        return [BuiltWheel(**entry) for entry in data["built"]]
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise RecordError(f"{RECORD_NAME} is not a built-wheels record: {exc}") from None


def render_record(records: Iterable[BuiltWheel]) -> str:
    """Sorted, indented, newline-terminated: the same records always give the same bytes."""
    built = [asdict(r) for r in sorted(set(records))]
    return json.dumps({"version": FORMAT_VERSION, "built": built}, indent=2) + "\n"
