"""``wh build --matrix github``: a CI workflow for the gaps no cross-build closes.

The gaps are the wheelhouse's as it is now (verify's rule), so the flow is: ``wh sync
--build`` first (it cross-builds what it can), then this for what remains, then ``wh import``
of the runners' artifacts. The index is read only for the gaps' projects (the locked sdists'
addresses); with no gap there is nothing to read and nothing is written.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import canonicalize_name

from wh.adapters import git
from wh.adapters.fs import atomic_write
from wh.core.files import DistFile
from wh.core.matrix import Matrix, MatrixError, Need, plan_matrix, render_workflow
from wh.core.selection import Choice, Gap, choose
from wh.errors import UsageError
from wh.services.house import index_pages, load_house
from wh.services.report import Reporter, Silent

DEFAULT_OUTPUT = Path(".github/workflows/wh-wheels.yml")


@dataclass(frozen=True, slots=True)
class MatrixOptions:
    project: Path = Path()
    packages: tuple[str, ...] = ()  # empty: every package a target lacks
    platforms: Sequence[str] | None = None
    python: Sequence[str] | None = None
    output: Path | None = None  # None: .github/workflows/wh-wheels.yml at the repository root


@dataclass(frozen=True, slots=True)
class MatrixResult:
    output: Path
    matrix: Matrix
    gaps: int
    written: bool  # False: no gap, or the file already held these bytes
    syncable: tuple[str, ...] = ()  # "target: package version" gaps wh sync fills, not runners

    @property
    def ok(self) -> bool:
        """False when some gap no runner can build (named in ``matrix.unbuildable``)."""
        return not self.matrix.unbuildable


def default_output(project: Path) -> Path:
    """At the root of the git repository holding ``project`` (GitHub reads workflows only
    there); the project directory when it is not in one."""
    root = git.toplevel(project)
    return (root or project) / DEFAULT_OUTPUT


def write_matrix(options: MatrixOptions, reporter: Reporter | None = None) -> MatrixResult:
    reporter = reporter or Silent()
    house = load_house(options.project, options.platforms, options.python)
    output = options.output or default_output(house.project)
    wanted = {canonicalize_name(p) for p in options.packages}
    needs = [
        Need(t, r) for t, r in house.gaps() if not wanted or canonicalize_name(r.name) in wanted
    ]
    names = sorted({canonicalize_name(n.requirement.name) for n in needs})
    pages = index_pages(house, names, reporter)
    # What the index serves (or sync builds here) is sync's job, not a runner's.
    syncable = [n for n in needs if isinstance(_choose(n, pages), Choice)]
    needs = [n for n in needs if n not in syncable]
    try:
        matrix = plan_matrix(needs, pages)
        text = render_workflow(matrix, output.name) if matrix.jobs else None
    except MatrixError as exc:
        raise UsageError(str(exc), hint="fix the index or the lock, then run again") from None
    written = text is not None and _current(output) != text.encode()
    if text is not None and written:
        output.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(output, text.encode())
    labels = tuple(
        f"{n.target.name}: {n.requirement.name} {n.requirement.version}" for n in syncable
    )
    return MatrixResult(output, matrix, len(needs), written, labels)


def _choose(need: Need, pages: Mapping[str, Sequence[DistFile]]) -> Choice | Gap:
    req = need.requirement
    return choose(need.target, req, pages.get(canonicalize_name(req.name), ()))


def _current(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
