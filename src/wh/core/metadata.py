"""A wheel's METADATA, as far as verify needs it: name, version and Requires-Dist."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import InvalidVersion, Version


class MetadataError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class WheelMetadata:
    name: NormalizedName
    version: str
    requires_dist: tuple[Requirement, ...]

    def fields(self) -> list[Any]:
        """A JSON-able form, for caches (:func:`from_fields` reads it back)."""
        return [self.name, self.version, [str(r) for r in self.requires_dist]]


def from_fields(fields: Any) -> WheelMetadata:
    name, version, requires = fields
    return WheelMetadata(canonicalize_name(name), version, tuple(_requirement(r) for r in requires))


@lru_cache(maxsize=4096)
def _requirement(text: str) -> Requirement:
    return Requirement(text)


def parse_metadata(data: bytes) -> WheelMetadata:
    # imported here: it brings the email package (~10 ms), needed only when a file is read
    from packaging.metadata import parse_email

    raw, _unparsed = parse_email(data)
    name, version = raw.get("name"), raw.get("version")
    if not name or not version:
        raise MetadataError("METADATA lacks Name or Version")
    try:
        Version(version)
    except InvalidVersion:
        raise MetadataError(f"METADATA Version {version!r} is not a version") from None
    requires: list[Requirement] = []
    for line in raw.get("requires_dist", []):
        try:
            requires.append(_requirement(line))
        except InvalidRequirement as exc:
            raise MetadataError(f"bad Requires-Dist {line!r}: {exc}") from None
    return WheelMetadata(canonicalize_name(name), version, tuple(requires))
