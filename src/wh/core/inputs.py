"""Checking ``.in`` requirement files before a resolver sees them, so a bad line is named
``file:line`` (exit 2) instead of surfacing as a resolver's traceback."""

from __future__ import annotations

import re

from packaging.requirements import InvalidRequirement, Requirement

from wh.core.lockfile import include_path
from wh.errors import LockfileError

_COMMENT = re.compile(r"(^|\s+)#.*$")


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """pip's reading: comments stripped (``#`` at the start or after white space), then
    backslash continuations joined; a comment line ends a continuation."""
    lines: list[tuple[int, str]] = []
    start, parts = 0, list[str]()
    for number, raw in enumerate(text.splitlines(), 1):
        code = _COMMENT.sub("", raw)
        if not parts:
            start = number
        if code.endswith("\\") and code.strip() == raw.strip():
            parts.append(code[:-1])
            continue
        parts.append(code)
        lines.append((start, " ".join(parts)))
        parts = []
    if parts:
        lines.append((start, " ".join(parts)))
    return lines


_INCLUDE = re.compile(r"(?:-r|-c|--requirement|--constraint)(?:\s*=\s*|\s+|(?=[^\s=-]))(\S+)")


def check_inputs(path: str, text: str) -> list[str]:
    """Raise LockfileError for the first line that is neither an option nor a requirement
    wh can lock (a name with optional extras, specifiers and markers), or that includes a
    file outside the project. Returns the project-relative files it includes."""
    includes: list[str] = []
    for start, line in _logical_lines(text):
        code = line.strip()
        if not code:
            continue
        if code.startswith("-"):  # an option (-r, -c, --index-url ...) pip-compile reads
            if m := _INCLUDE.fullmatch(code):
                includes.append(_include(path, start, m[1]))
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
    for _start, line in _logical_lines(text):
        code = line.strip()
        if code and not code.startswith("-"):
            names.append(Requirement(code).name)
    return names
