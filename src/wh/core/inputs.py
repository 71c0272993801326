"""Checking ``.in`` requirement files before a resolver sees them, so a bad line is named
``file:line`` (exit 2) instead of surfacing as a resolver's traceback."""

from __future__ import annotations

from packaging.requirements import InvalidRequirement, Requirement

from wh.core.lockfile import include_path, include_target, logical_lines
from wh.errors import LockfileError


def check_inputs(path: str, text: str) -> list[str]:
    """Raise LockfileError for the first line that is neither an option nor a requirement
    wh can lock (a name with optional extras, specifiers and markers), or that includes a
    file outside the project. Returns the project-relative files it includes."""
    includes: list[str] = []
    for line in logical_lines(text):
        start, code = line.number, line.code
        if not code:
            continue
        if code.startswith("-"):  # an option (-r, -c, --index-url ...) pip-compile reads
            if (target := include_target(code)) is not None:
                includes.append(_include(path, start, target))
            continue
        try:
            req = Requirement(code)
        except InvalidRequirement as exc:
            raise LockfileError(
                f"{path}:{start}: {code!r} is not a requirement: {exc}",
                hint="write name[extras] specifiers ; markers, e.g. httpx>=0.27",
            ) from None
        if req.url:
            raise LockfileError(
                f"{path}:{start}: {req.name} comes from a URL ({req.url});"
                " a wheelhouse lock pins index releases by hash",
                hint=f"publish {req.name} to an index and require it by name",
            )
    return includes


def _include(path: str, line: int, target: str) -> str:
    resolved = include_path(path, target) if "://" not in target else None
    if resolved is None:
        raise LockfileError(
            f"{path}:{line}: include {target!r} leads outside the project",
            hint="keep included requirement files inside the project directory",
        )
    return resolved


def requirement_names(text: str) -> list[str]:
    """The names a requirement file asks for (after :func:`check_inputs` accepted it)."""
    names = []
    for line in logical_lines(text):
        if line.code and not line.code.startswith("-"):
            names.append(Requirement(line.code).name)
    return names
