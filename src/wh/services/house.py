"""The wheelhouse as it is now, against the lock: what ``wh build --matrix`` and ``wh import``
start from. The same files, records and gap rule as ``wh verify``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from wh.adapters.project import load_config, read_lockfiles
from wh.adapters.wheelhouse import read_disk
from wh.core.built import BuiltWheel
from wh.core.config import Config
from wh.core.files import DistFile
from wh.core.lockfile import LockedRequirement, Lockfile
from wh.core.targets import Target
from wh.core.verify import HouseFile, lacking
from wh.services.report import Reporter


@dataclass(frozen=True, slots=True)
class House:
    project: Path
    config: Config
    lockfiles: tuple[Lockfile, ...]
    targets: tuple[Target, ...]
    requirements: tuple[LockedRequirement, ...]
    wheelhouse: Path
    files: tuple[HouseFile, ...]
    records: tuple[BuiltWheel, ...]

    def gaps(self) -> list[tuple[Target, LockedRequirement]]:
        """Each target's lock lines no file of the wheelhouse fits (verify's missing)."""
        return lacking(self.targets, self.requirements, self.files, self.records)


def load_house(
    project: Path, platforms: Sequence[str] | None, python: Sequence[str] | None
) -> House:
    project = project.resolve()
    config = load_config(project)
    targets = config.targets(platforms, python).selected
    lockfiles = [lf for lf, _ in read_lockfiles(project, config)]
    wheelhouse = project / config.wheelhouse
    files, records = read_disk(wheelhouse)
    return House(
        project,
        config,
        tuple(lockfiles),
        tuple(targets),
        tuple(r for lf in lockfiles for r in lf.requirements),
        wheelhouse,
        tuple(files),
        tuple(records),
    )


def index_pages(
    house: House, names: Sequence[str], reporter: Reporter
) -> dict[str, list[DistFile]]:
    """The index pages of ``names`` (canonical project names), read concurrently."""
    if not names:
        return {}
    from wh.services.session import Session, run

    session = Session.create(house.config, house.lockfiles, 8, reporter)

    async def read() -> dict[str, list[DistFile]]:
        async with session:
            reporter.info(f"reading {len(names)} project(s) from {', '.join(session.display_urls)}")
            return await session.pages(names)

    return run(read())
