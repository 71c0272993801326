"""``wh inspect``: what a PEX holds and which targets each distribution serves.

The targets are the PEX's own: ``wh pex`` records the complete platforms it built for in
PEX-INFO's build properties, and a PEX is judged against those (a PEX built for fewer
targets than the project has is not incomplete). ``--platforms``/``--python`` choose other
targets; a PEX that records none (built by pex alone) is judged against the project's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from wh.adapters import pex as pex_tool
from wh.adapters.project import load_config
from wh.core.config import Config, make_targets, select_platforms
from wh.core.pexinfo import Coverage, PexInfo, PexInfoError, coverage, parse_pex_info
from wh.core.targets import Target, TargetError, from_complete_platform
from wh.errors import ConfigError, UsageError


@dataclass(frozen=True, slots=True)
class Inspection:
    path: Path
    size: int
    info: PexInfo
    targets: list[str]
    coverage: Coverage
    targets_from: str = "the PEX"  # where the targets came from


def inspect_pex(
    path: Path,
    project: Path,
    platforms: Sequence[str] | None,
    python: Sequence[str] | None,
) -> Inspection:
    try:
        info = parse_pex_info(pex_tool.read_pex_info(path))
    except PexInfoError as exc:
        raise UsageError(f"{path}: {exc}") from None
    targets, source = _targets(info, project, platforms, python)
    return Inspection(
        path,
        path.stat().st_size,
        info,
        [t.name for t in targets],
        coverage(info, targets),
        source,
    )


def _targets(
    info: PexInfo,
    project: Path,
    platforms: Sequence[str] | None,
    python: Sequence[str] | None,
) -> tuple[list[Target], str]:
    if platforms is None and python is None and info.complete_platforms:
        try:
            return [from_complete_platform(d) for d in info.complete_platforms], "the PEX"
        except TargetError as exc:
            raise UsageError(f"PEX-INFO build properties: {exc}") from None
    chosen = platforms is not None or python is not None
    try:
        config = load_config(project, required=not chosen)
    except ConfigError as exc:
        if not chosen:
            raise ConfigError(
                f"the PEX records no targets and {exc.message}",
                hint="name the targets to judge it against: --platforms/--python, or run wh init",
            ) from None
        config = Config()  # targets named on the command line: no project needed
    targets = make_targets(python or config.python, select_platforms(config, platforms))
    return targets, "--platforms/--python" if chosen else "the project's [tool.wh]"
