"""What a lock was compiled from, recorded in its header, and whether that still holds.

``wh lock`` writes one ``# wh-input: sha256=HEX PATH`` line per requirement file it read
(includes too) and one ``# wh-targets: sha256=HEX`` line for the targets, so ``wh verify``
can tell a lock that no longer matches its ``.in`` files or targets (as ``uv lock --check``
does). Pure: the caller reads the files. The header lines themselves are written and read by
:mod:`wh.core.lockfile`; this module computes and compares the digests.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from wh.core.lockfile import Recorded, read_recorded, render_recorded, strip_comment

__all__ = [
    "Recorded",
    "changes",
    "parse_digests",
    "render_digests",
    "targets_digest",
    "text_digest",
]


def text_digest(text: str) -> str:
    """sha256 of what a requirement file says: comments, blank lines, trailing white space and
    line endings (a CRLF checkout) leave it unchanged."""
    from hashlib import sha256  # here: a lock without digests hashes nothing (OpenSSL ~2.5 ms)

    lines = (strip_comment(line).rstrip() for line in text.splitlines())
    return sha256("\n".join(line for line in lines if line).encode()).hexdigest()


def targets_digest(names: Sequence[str]) -> str:
    from hashlib import sha256

    return sha256("\n".join(names).encode()).hexdigest()


def render_digests(inputs: Mapping[str, str], target_names: Sequence[str]) -> str:
    """Header lines for ``inputs`` (path -> text, in reading order) and the targets."""
    digests = {path: text_digest(text) for path, text in inputs.items()}
    return render_recorded(Recorded(digests, targets_digest(target_names)))


def parse_digests(lock_text: str) -> Recorded | None:
    """The digests a lock's header records; None for a lock written by another tool."""
    return read_recorded(lock_text)


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
