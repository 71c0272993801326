"""The built-wheels record: which wheel wh built from which sdist, with both hashes.

A built wheel's hash cannot be in the lock (the lock hashes the sdist), so this small,
deterministic, committed file in the wheelhouse says where each built wheel came from. verify
accepts a built wheel whose record names an sdist hash the lock lists.

Optional fields (``targets``, ``builder``, ``toolchain``, ``source``) say for which targets,
by what and with which toolchain version a wheel was made, so anyone can rebuild it. They are
omitted when empty: records written before they existed keep their exact bytes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

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
    targets: tuple[str, ...] = ()  # e.g. ("cp312-manylinux_2_17_x86_64",)
    builder: str = ""  # "zig", "pip wheel", "imported"
    toolchain: str = ""  # "zig 0.15.1"
    source: str = ""  # import path / artifact name


_OPTIONAL = ("targets", "builder", "toolchain", "source")


def _entry(data: Any) -> BuiltWheel:
    if not isinstance(data, dict):
        raise TypeError(f"an entry is not an object: {data!r}")
    fields = dict(data)
    if "targets" in fields:
        targets = fields["targets"]
        if not isinstance(targets, list) or not all(isinstance(t, str) for t in targets):
            raise TypeError("targets is not a list of strings")
        fields["targets"] = tuple(targets)
    return BuiltWheel(**fields)


def _render_entry(record: BuiltWheel) -> dict[str, Any]:
    data = asdict(record)
    for name in _OPTIONAL:
        if not data[name]:
            del data[name]
        elif name == "targets":
            data[name] = list(data[name])
    return data


def parse_record(text: str) -> list[BuiltWheel]:
    try:
        data = json.loads(text)
        if data.get("version") != FORMAT_VERSION:
            raise RecordError(f"unknown format version {data.get('version')!r}")
        return [_entry(entry) for entry in data["built"]]
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise RecordError(f"{RECORD_NAME} is not a built-wheels record: {exc}") from None


def render_record(records: Iterable[BuiltWheel]) -> str:
    """Sorted, indented, newline-terminated: the same records always give the same bytes."""
    built = [_render_entry(r) for r in sorted(set(records))]
    return json.dumps({"version": FORMAT_VERSION, "built": built}, indent=2) + "\n"
