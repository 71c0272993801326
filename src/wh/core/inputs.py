"""Checking ``.in`` requirement files before a resolver sees them, so a bad line is named
``file:line`` (exit 2) instead of surfacing as a resolver's traceback."""

from __future__ import annotations

from packaging.requirements import InvalidRequirement, Requirement

from wh.errors import LockfileError


def check_inputs(path: str, text: str) -> None:
    """Raise LockfileError for the first line that is neither an option nor a requirement
    wh can lock (a name with optional extras, specifiers and markers)."""
    lines = text.splitlines()
    n = 0
    while n < len(lines):
        start, line = n + 1, lines[n]
        while line.rstrip().endswith("\\") and n + 1 < len(lines):
            n += 1
            line = line.rstrip()[:-1] + " " + lines[n]
        n += 1
        code = line.split(" #", 1)[0].strip() if not line.lstrip().startswith("#") else ""
        if not code or code.startswith("-"):
            continue  # blank, comment, or an option (-r, -c, --index-url ...) pip-compile reads
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
