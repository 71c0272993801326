"""What a lock was compiled from, recorded in its header, and whether that still holds.

``wh lock`` writes one ``# wh-input: sha256=HEX PATH`` line per requirement file it read
(includes too) and one ``# wh-targets: sha256=HEX`` line for the targets, so ``wh verify``
can tell a lock that no longer matches its ``.in`` files or targets (as ``uv lock --check``
does). Pure: the caller reads the files.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

_INPUT = re.compile(r"# wh-input: sha256=([0-9a-f]{64}) (.+)")
_TARGETS = re.compile(r"# wh-targets: sha256=([0-9a-f]{64})")


@dataclass(frozen=True, slots=True)
class Recorded:
    inputs: Mapping[str, str]  # path -> sha256 of its text
    targets: str


_COMMENT = re.compile(r"(^|\s+)#.*$")


def text_digest(text: str) -> str:
    """sha256 of what a requirement file says: comments, blank lines, trailing white space and
    line endings (a CRLF checkout) leave it unchanged."""
    lines = (_COMMENT.sub("", line).rstrip() for line in text.splitlines())
    return hashlib.sha256("\n".join(line for line in lines if line).encode()).hexdigest()


def targets_digest(names: Sequence[str]) -> str:
    return hashlib.sha256("\n".join(names).encode()).hexdigest()


def render_digests(inputs: Mapping[str, str], target_names: Sequence[str]) -> str:
    """Header lines for ``inputs`` (path -> text, in reading order) and the targets."""
    lines = [f"# wh-input: sha256={text_digest(text)} {path}\n" for path, text in inputs.items()]
    return "".join(lines) + f"# wh-targets: sha256={targets_digest(target_names)}\n#\n"


def parse_digests(lock_text: str) -> Recorded | None:
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


def changes(
    recorded: Recorded, read: Callable[[str], str | None], target_names: Sequence[str]
) -> tuple[list[str], list[str], bool]:
    """(inputs changed, inputs gone, targets changed) since the lock was written; ``read``
    gives a file's text, or None when it cannot be read."""
    changed: list[str] = []
    gone: list[str] = []
    for path, digest in recorded.inputs.items():
        text = read(path)
        if text is None:
            gone.append(path)
        elif text_digest(text) != digest:
            changed.append(path)
    return changed, gone, targets_digest(target_names) != recorded.targets
