"""The requirements-file format, read and written in this one module.

pip's grammar (:func:`logical_lines`: backslash continuations joined, then ``#`` comments cut,
as pip's ``req_file`` does) serves ``.in`` files (:mod:`wh.core.inputs`) and locks alike. A
lock is read into a pure, immutable model (:class:`LockedRequirement`, one per line, with its
``# via`` annotations), and written back by :func:`render` with wh lock's header
(:func:`render_header`, :func:`render_recorded`).

Every requirement must be an index pin (``name[extras]==version ; marker``) with
optional ``--hash=sha256:`` options; ``-r``/``-c`` includes are read through the
caller's ``read_text`` (this module does no IO). Anything wh cannot use raises
:class:`~wh.errors.LockfileError` naming ``file:line`` and what to do about it.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import PureWindowsPath

from packaging.markers import InvalidMarker, Marker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from wh.errors import LockfileError

__all__ = [
    "Line",
    "LockedRequirement",
    "Lockfile",
    "Recorded",
    "logical_lines",
    "parse_compiled",
    "parse_lockfile",
    "read_recorded",
    "render",
    "render_header",
    "render_line",
    "render_recorded",
    "requirement_text",
]

_REGENERATE = "regenerate the lockfile with pip-compile or `uv pip compile` (--generate-hashes)"
_PIN = f"wh installs released files from indexes: pin exactly one name==version; {_REGENERATE}"
_COMMENT = re.compile(r"(^|\s+)#.*$")  # pip's COMMENT_RE: "#" at the start or after space
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
    source: str  # "file:line" it was read from ("" for a line wh made)
    via: frozenset[str] = frozenset()  # the ``# via`` annotations under it
    # whether a line applies to a target: ``target.evaluates(req.marker)``


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
    requirements = [
        replace(r, via=frozenset(parser.via[i])) if i in parser.via else r
        for i, r in enumerate(parser.requirements)
    ]
    return Lockfile(
        path=path,
        requirements=tuple(requirements),
        index_url=parser.index_url,
        extra_index_urls=tuple(dict.fromkeys(parser.extra_index_urls)),
        find_links=tuple(dict.fromkeys(parser.find_links)),
        constraints=tuple(parser.constraints),
    )


def parse_compiled(text: str, label: str) -> dict[str, LockedRequirement]:
    """A per-target pip-compile / uv output: each pin, with its hashes and ``# via``."""
    return {r.name: r for r in parse_lockfile(label, lambda _path: text).requirements}


@dataclass(frozen=True, slots=True)
class Line:
    """A logical line: where it starts, its code (comment cut, stripped) and its comment."""

    number: int
    code: str
    comment: str  # "# ..." stripped, "" when none


def logical_lines(text: str) -> list[Line]:
    """pip's reading (``req_file.join_lines`` then ``ignore_comments``): a line ending in a
    backslash continues on the next, unless it is a comment line, which also ends a
    continuation; the comment is cut from the joined line. So ``foo==1 # note \\`` followed
    by ``bar==2`` is one line, ``foo==1``. Blank lines are kept (with no code)."""
    lines: list[Line] = []
    pending: list[str] = []
    first = 0
    for number, raw in enumerate(text.removeprefix("\ufeff").splitlines(), start=1):
        comment_line = "#" in raw and _COMMENT.match(raw) is not None
        if raw.endswith("\\") and not comment_line:
            first = first if pending else number
            pending.append(raw.strip("\\"))
            continue
        if pending:
            lines.append(_line(first, "".join([*pending, " " + raw if comment_line else raw])))
            pending = []
        else:
            lines.append(_line(number, raw))
    if pending:
        lines.append(_line(first, "".join(pending)))
    return lines


def _line(number: int, text: str) -> Line:
    found = _COMMENT.search(text) if "#" in text else None  # most lines have no "#": no regex
    if found is None:
        return Line(number, text.strip(), "")
    return Line(number, text[: found.start()].strip(), found.group().strip())


def strip_comment(line: str) -> str:
    """One physical line without its comment (pip's rule for where a comment starts)."""
    return _COMMENT.sub("", line)


_INCLUDE = re.compile(r"(?:-r|-c|--requirement|--constraint)(?:\s*=\s*|\s+|(?=[^\s=-]))(\S+)")


def include_target(code: str) -> str | None:
    """The file an ``-r``/``-c`` option line (of any requirements file) names, else None."""
    found = _INCLUDE.fullmatch(code)
    return found[1] if found else None


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
    via: dict[int, list[str]] = field(default_factory=dict)  # requirement index -> # via

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
        annotations = _Via(self.via)
        for line in logical_lines(text):
            if line.code:
                index = self.line(path, f"{path}:{line.number}", line.code, constraint)
                annotations.follow(index)
            else:
                annotations.comment(line.comment)
        self.stack.pop()

    def line(self, path: str, where: str, content: str, constraint: bool) -> int | None:
        """Take one logical line; the index of the requirement it adds, if any."""
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
            return None if constraint else len(self.requirements) - 1
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
        return None

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


@dataclass
class _Via:
    """pip-compile's and uv's ``# via`` annotations, under the line they annotate:
    ``# via NAME``, or ``# via`` then one ``#   NAME`` line each."""

    found: dict[int, list[str]]
    current: int | None = None
    listing: bool = False

    def follow(self, requirement: int | None) -> None:
        self.current, self.listing = requirement, False

    def comment(self, text: str) -> None:
        if self.current is None:
            return
        if text.startswith("# via"):
            rest = text.removeprefix("# via").strip()
            self.listing = not rest
            if rest:
                self.found.setdefault(self.current, []).append(rest)
        elif self.listing and text.startswith("#   "):
            self.found.setdefault(self.current, []).append(text.removeprefix("#").strip())
        else:
            self.listing = False


# --- writing -------------------------------------------------------------------------------


def render(lines: Sequence[tuple[LockedRequirement, str | None]], header: Sequence[str]) -> str:
    """Lock lines (each with the marker text it gets), under ``# ``-prefixed ``header``."""
    out = [f"#{' ' + h if h else ''}\n" for h in header]
    out += [render_line(req, marker) for req, marker in lines]
    return "".join(out)


def render_line(req: LockedRequirement, marker: str | None) -> str:
    """``name[extras]==version ; marker`` (``marker``: the text this line gets) with one
    ``--hash`` line each, then its ``# via``."""
    hashes = [f"    --hash=sha256:{digest}" for digest in sorted(req.hashes)]
    out = " \\\n".join([_head(req, marker), *hashes]) + "\n"
    names = sorted(req.via)
    if len(names) == 1:
        out += f"    # via {names[0]}\n"
    elif names:
        out += "    # via\n" + "".join(f"    #   {v}\n" for v in names)
    return out


def requirement_text(req: LockedRequirement) -> str:
    """``name[extras]==version ; marker``, with the line's own marker."""
    return _head(req, marker_text(req))


def marker_text(req: LockedRequirement) -> str | None:
    return str(req.marker) if req.marker is not None else None


def _head(req: LockedRequirement, marker: str | None) -> str:
    extras = f"[{','.join(sorted(req.extras))}]" if req.extras else ""
    return f"{req.name}{extras}=={req.version}" + (f" ; {marker}" if marker else "")


def render_header(inputs: Sequence[str], target_names: Sequence[str]) -> str:
    """What wh lock writes at the top: where the lock comes from, for which targets."""
    rows = [", ".join(target_names[i : i + 3]) for i in range(0, len(target_names), 3)]
    return (
        "#\n"
        f"# This file is autogenerated by wh lock from {', '.join(inputs)}: one lock for\n"
        + "".join(f"#   {row}\n" for row in rows)
        + "# Markers select each line's targets. To update, run:\n#\n#    wh lock\n#\n"
    )


_INPUT = re.compile(r"# wh-input: sha256=([0-9a-f]{64}) (.+)")
_TARGETS = re.compile(r"# wh-targets: sha256=([0-9a-f]{64})")


@dataclass(frozen=True, slots=True)
class Recorded:
    """What a lock's header says it was compiled from (see :mod:`wh.core.staleness`)."""

    inputs: Mapping[str, str]  # path -> sha256 of its text
    targets: str


def render_recorded(recorded: Recorded) -> str:
    """One ``# wh-input:`` line per requirement file (reading order), one ``# wh-targets:``."""
    lines = [f"# wh-input: sha256={digest} {path}\n" for path, digest in recorded.inputs.items()]
    return "".join(lines) + f"# wh-targets: sha256={recorded.targets}\n#\n"


def read_recorded(lock_text: str) -> Recorded | None:
    """The digests a lock's header records; None for a lock written by another tool."""
    inputs: dict[str, str] = {}
    targets = None
    for line in lock_text.splitlines():
        if not line.startswith("#"):
            break  # the header ends at the first requirement
        if m := _INPUT.fullmatch(line.rstrip()):
            inputs[m[2]] = m[1]
        elif m := _TARGETS.fullmatch(line.rstrip()):
            targets = m[1]
    return Recorded(inputs, targets) if targets is not None else None


# --- paths ---------------------------------------------------------------------------------


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
