"""What a built PEX holds (its PEX-INFO), and which targets each distribution serves.

Pure: the caller reads PEX-INFO out of the zip. ``coverage`` answers the question a
multi-platform PEX must: does every requirement have a distribution on every target?
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from wh.core.files import DistFile, parse_dist
from wh.core.selection import fits
from wh.core.targets import Target

COMPLETE_PLATFORMS = "wh_complete_platforms"  # build_properties key: the targets wh built for


class PexInfoError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class PexInfo:
    entry_point: str | None
    script: str | None
    pex_version: str | None
    requirements: tuple[str, ...]
    distributions: Mapping[str, str]  # wheel filename -> sha256 (of the file, or its install)
    complete_platforms: tuple[Mapping[str, Any], ...] = ()  # recorded by wh pex; else none


def parse_pex_info(text: str) -> PexInfo:
    try:
        data = json.loads(text)
        properties = data.get("build_properties") or {}
        return PexInfo(
            entry_point=data.get("entry_point"),
            script=data.get("script"),
            pex_version=properties.get("pex_version"),
            requirements=tuple(data.get("requirements") or ()),
            distributions=dict(data.get("distributions") or {}),
            complete_platforms=tuple(properties.get(COMPLETE_PLATFORMS) or ()),
        )
    except (ValueError, AttributeError, TypeError) as exc:
        raise PexInfoError(f"not a PEX-INFO document: {exc}") from None


@dataclass(slots=True)
class Coverage:
    serves: dict[str, list[str]] = field(default_factory=dict)  # distribution -> target names
    missing: dict[str, list[str]] = field(default_factory=dict)  # target -> requirements


def coverage(info: PexInfo, targets: Sequence[Target]) -> Coverage:
    """Each distribution's targets, and each target's requirements without a distribution."""
    dists = [d for name in sorted(info.distributions) if (d := parse_dist(name)) is not None]
    result = Coverage({d.filename: [t.name for t in targets if fits(t, d)] for d in dists})
    for target in targets:
        lacking = [text for text in info.requirements if not _served(text, target, dists)]
        if lacking:
            result.missing[target.name] = lacking
    return result


def _served(text: str, target: Target, dists: Sequence[DistFile]) -> bool:
    try:
        req = Requirement(text)
    except InvalidRequirement:
        return False
    if req.marker is not None and not req.marker.evaluate(dict(target.environment)):
        return True  # not needed on this target
    name = canonicalize_name(req.name)
    return any(
        d.name == name and req.specifier.contains(d.version, prereleases=True) and fits(target, d)
        for d in dists
    )
