"""``wh inspect``: what a PEX holds and which targets each distribution serves."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from wh.adapters import pex as pex_tool
from wh.adapters.project import load_config
from wh.core.config import Config, make_targets, select_platforms
from wh.core.pexinfo import Coverage, PexInfo, coverage, parse_pex_info
from wh.errors import ConfigError


@dataclass(frozen=True, slots=True)
class Inspection:
    path: Path
    size: int
    info: PexInfo
    targets: list[str]
    coverage: Coverage


def inspect_pex(
    path: Path,
    project: Path,
    platforms: Sequence[str] | None,
    python: Sequence[str] | None,
) -> Inspection:
    info = parse_pex_info(pex_tool.read_pex_info(path))
    try:
        config = load_config(project)
    except ConfigError:  # no project here: the documented default families
        config = Config()
    targets = make_targets(python or config.python, select_platforms(config, platforms))
    return Inspection(
        path, path.stat().st_size, info, [t.name for t in targets], coverage(info, targets)
    )
