"""Read pip-tools / ``uv pip compile`` lockfiles into a pure, immutable model.

Every requirement must be an index pin (``name[extras]==version ; marker``) with
optional ``--hash=sha256:`` options; ``-r``/``-c`` includes are read through the
caller's ``read_text`` (this module does no IO). Anything wh cannot use raises
:class:`~wh.errors.LockfileError` naming ``file:line`` and what to do about it.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import PureWindowsPath

from packaging.markers import InvalidMarker, Marker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from wh.errors import LockfileError

__all__ = ["LockedRequirement", "Lockfile", "parse_lockfile"]

_REGENERATE = "regenerate the lockfile with pip-compile or `uv pip compile` (--generate-hashes)"
_PIN = f"wh installs released files from indexes: pin exactly one name==version; {_REGENERATE}"
_COMMENT = re.compile(r"(^|\s+)#.*$")
_OPTION_START = re.compile(r"(?:^|\s)(?=-)")
_SHA256 = re.compile(r"[0-9a-fA-F]{64}")
_LONG = ["--requirement", "--constraint", "--index-url", "--find-links", "--editable"]
_ALIASES = dict(zip(["-r", "-c", "-i", "-f", "-e"], _LONG, strict=True))
_VALUED = {*_LONG, "--extra-index-url", "--hash", "--trusted-host", "--no-binary", "--only-binary"}
_FLAGS = {"--pre", "--prefer-binary", "--no-index"}
_ARCHIVES = (".whl", ".zip", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar")


@dataclass(frozen=True, slots=True)
class LockedRequirement:
    name: str
    version: str
    extras: frozenset[str]
    marker: Marker | None
    hashes: frozenset[str]
    source: str

    def applies(self, environment: Mapping[str, str]) -> bool:
        """Whether this pin is selected in ``environment`` (a complete PEP 508 environment)."""
        return self.marker is None or self.marker.evaluate(dict(environment))


@dataclass(frozen=True, slots=True)
class Lockfile:
    path: str
    requirements: tuple[LockedRequirement, ...]
    index_url: str | None
    extra_index_urls: tuple[str, ...]
    find_links: tuple[str, ...]
    constraints: tuple[LockedRequirement, ...]


def parse_lockfile(path: str, read_text: Callable[[str], str]) -> Lockfile:
    """Parse the lockfile at ``path``, reading it and its includes with ``read_text``."""
    parser = _Parser(read_text)
    parser.read(path, included_from=None, constraint=False)
    return Lockfile(
        path=path,
        requirements=tuple(parser.requirements),
        index_url=parser.index_url,
        extra_index_urls=tuple(dict.fromkeys(parser.extra_index_urls)),
        find_links=tuple(dict.fromkeys(parser.find_links)),
        constraints=tuple(parser.constraints),
    )


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """Join backslash continuations as pip does; a comment line ends a continuation."""
    lines: list[tuple[int, str]] = []
    pending: list[str] = []
    first = 0
    for number, raw in enumerate(text.removeprefix("\ufeff").splitlines(), start=1):
        line = raw.rstrip()
        is_comment = line.lstrip().startswith("#")
        if line.endswith("\\") and not is_comment:
            first = first if pending else number
            pending.append(line[:-1])
            continue
        if pending:
            lines.append((first, "".join([*pending, " " + line])))
            pending = []
        else:
            lines.append((number, line))
    if pending:
        lines.append((first, "".join(pending)))
    return lines


def _fail(where: str, problem: str, fix: str) -> LockfileError:
    return LockfileError(f"{where}: {problem}; {fix}")


@dataclass
class _Parser:
    read_text: Callable[[str], str]
    requirements: list[LockedRequirement] = field(default_factory=list)
    constraints: list[LockedRequirement] = field(default_factory=list)
    index_url: str | None = None
    extra_index_urls: list[str] = field(default_factory=list)
    find_links: list[str] = field(default_factory=list)
    stack: list[str] = field(default_factory=list)

    def read(self, path: str, included_from: str | None, constraint: bool) -> None:
        where = included_from or path
        if path in self.stack:
            cycle = " -> ".join([*self.stack[self.stack.index(path) :], path])
            raise _fail(where, f"include cycle {cycle}", "remove one of these -r/-c lines")
        try:
            text = self.read_text(path)
        except (OSError, UnicodeDecodeError) as exc:
            what = f"cannot read included file {path!r}" if included_from else "cannot read"
            detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise _fail(where, f"{what}: {detail}", "check the path (UTF-8 text)") from exc
        self.stack.append(path)
        for number, line in _logical_lines(text):
            content = _COMMENT.sub("", line).strip()
            if content:
                self.line(path, f"{path}:{number}", content, constraint)
        self.stack.pop()

    def line(self, path: str, where: str, content: str, constraint: bool) -> None:
        split = _OPTION_START.search(content)
        cut = split.start() if split else len(content)
        requirement, rest = content[:cut].strip(), content[cut:].strip()
        options = _options(where, rest)
        if requirement:
            hashes: set[str] = set()
            for option, value in options:
                if option != "--hash":
                    problem = f"option {option} cannot follow a requirement"
                    raise _fail(where, problem, "put it on a line of its own")
                hashes.add(_sha256(where, value))
            pin = _requirement(where, requirement, frozenset(hashes))
            (self.constraints if constraint else self.requirements).append(pin)
            return
        for option, value in options:
            if option in ("--requirement", "--constraint"):
                self.include(path, where, value, constraint or option == "--constraint")
            elif option == "--index-url":
                self.index_url = value
            elif option == "--extra-index-url":
                self.extra_index_urls.append(value)
            elif option == "--find-links":
                self.find_links.append(value)
            elif option == "--editable":
                raise _fail(where, f"editable requirement -e {value} is not supported", _PIN)
            elif option == "--hash":
                raise _fail(
                    where, "--hash without a requirement", "continue the requirement's line"
                )

    def include(self, path: str, where: str, target: str, constraint: bool) -> None:
        if "://" in target:
            raise _fail(
                where, f"remote include {target!r} is not supported", "include a local file by path"
            )
        resolved = include_path(path, target)
        if resolved is None:
            raise _fail(
                where,
                f"include {target!r} leads outside the project",
                "keep included files inside the project directory",
            )
        self.read(resolved, included_from=where, constraint=constraint)


def inside_project(path: str) -> bool:
    """Whether a project-relative path stays inside the project (lexically: no absolute
    path, no ``..`` climbing out). The reader checks where symlinks lead."""
    if not path or posixpath.isabs(path) or PureWindowsPath(path).drive:
        return False
    normal = posixpath.normpath(path)
    return normal != ".." and not normal.startswith("../")


def include_path(including: str, target: str) -> str | None:
    """The project-relative path an ``-r``/``-c`` include in ``including`` names, or None when
    it leads outside the project."""
    if posixpath.isabs(target) or PureWindowsPath(target).drive:
        return None
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(including), target))
    return joined if inside_project(joined) else None


_HASHES_ONLY = re.compile(r"(?:--hash[=\s]sha256:[0-9a-fA-F]{64}\s*)+")
_SIMPLE_PIN = re.compile(
    r"([A-Za-z0-9][A-Za-z0-9._-]*)\s*===?\s*([A-Za-z0-9._+!-]+)\s*(?:;\s*(.+))?"
)


def _options(where: str, text: str) -> list[tuple[str, str]]:
    if _HASHES_ONLY.fullmatch(text):  # the common case, without shlex: ~10x faster
        return [("--hash", token[7:]) for token in text.replace("--hash ", "--hash=").split()]
    try:
        tokens = shlex.split(text)
    except ValueError as exc:
        raise _fail(where, f"cannot parse options {text!r}: {exc}", "fix the quoting") from exc
    parsed: list[tuple[str, str]] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        index += 1
        if not token.startswith("-"):
            raise _fail(where, f"unexpected {token!r} among options", "remove it or quote it")
        if token.startswith("--"):
            name, eq, value = token.partition("=")
        else:
            name, value = token[:2], token[2:]
            eq = "=" if value else ""
        name = _ALIASES.get(name, name)
        if name in _FLAGS:
            if eq:
                raise _fail(where, f"option {name} takes no value", f"write {name} alone")
            parsed.append((name, ""))
            continue
        if name not in _VALUED:
            raise _fail(where, f"unknown option {token!r}", f"not a lockfile option; {_REGENERATE}")
        if not eq:
            if index >= len(tokens):
                raise _fail(where, f"option {name} needs a value", f"write {name} VALUE")
            value = tokens[index]
            index += 1
        parsed.append((name, value))
    return parsed


def _sha256(where: str, value: str) -> str:
    algorithm, _, digest = value.partition(":")
    if algorithm != "sha256":
        raise _fail(where, f"hash {algorithm!r} is not supported (only sha256)", _REGENERATE)
    if not _SHA256.fullmatch(digest):
        raise _fail(where, f"{value!r} is not a sha256 hex digest", _REGENERATE)
    return digest.lower()


@lru_cache(maxsize=1024)
def _marker(text: str) -> Marker:
    return Marker(text)


def _requirement(where: str, text: str, hashes: frozenset[str]) -> LockedRequirement:
    simple = _SIMPLE_PIN.fullmatch(text)
    if simple and _is_version(simple[2]):  # name==version [; marker]: no full parse
        try:
            marker = _marker(simple[3].strip()) if simple[3] else None
        except InvalidMarker:
            marker, simple = None, None  # the full parse below says what is wrong
        if simple:
            return LockedRequirement(
                canonicalize_name(simple[1]), simple[2], frozenset(), marker, hashes, where
            )
    location = text.split(";", 1)[0].strip()
    if re.search(r"[/\\]|^[.~]", location) or location.lower().endswith(_ARCHIVES):
        raise _fail(where, f"{text!r} is a URL, VCS or local path requirement", _PIN)
    try:
        req = Requirement(text)
    except InvalidRequirement as exc:
        detail = str(exc).splitlines()[0]
        if ";" in text and _parses(text.split(";", 1)[0]):
            raise _fail(
                where,
                f"invalid environment marker in {text!r}: {detail}",
                "fix the PEP 508 marker after ';'",
            ) from exc
        raise _fail(
            where,
            f"cannot parse requirement {text!r}: {detail}",
            "write it as 'name[extras]==version ; marker --hash=sha256:...'",
        ) from exc
    specs = list(req.specifier)
    pinned = len(specs) == 1 and specs[0].operator in ("==", "===")
    if not pinned or specs[0].version.endswith(".*"):
        shown = str(req.specifier) or "no version"
        raise _fail(where, f"{req.name!r} is not pinned ({shown})", _PIN)
    return LockedRequirement(
        name=canonicalize_name(req.name),
        version=specs[0].version,
        extras=frozenset(canonicalize_name(extra) for extra in req.extras),
        marker=req.marker,
        hashes=hashes,
        source=where,
    )


def _is_version(text: str) -> bool:
    try:
        Version(text)
    except InvalidVersion:
        return False
    return True


def _parses(text: str) -> bool:
    try:
        Requirement(text)
    except InvalidRequirement:
        return False
    return True
