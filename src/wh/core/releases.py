"""Releases on a host: their names, which to keep, and which one a rollback flips to.

Pure. A release is a directory ``<root>/<release>/`` named for the project's git commit (the
full hash; ``-dirty-`` and 12 hex digits of the PEX's sha256 appended when deployed from a
tree with uncommitted changes, so that other bytes always get another name); its
deploy time is when it was last installed. ``<root>/latest`` points at the live one.
"Previous" always means the newest release deployed before the live one: what a rollback
flips to, and what pruning never removes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from wh.errors import UsageError

DIRTY = "-dirty"
_COMMIT = re.compile(r"[0-9a-f]{40}([0-9a-f]{24})?")  # sha1 or sha256 object names
_RELEASE = re.compile(r"[0-9a-f]{40}([0-9a-f]{24})?(-dirty-[0-9a-f]{12})?")


class ReleaseError(UsageError):
    """A release that is not on the host, or no release to flip to."""


@dataclass(frozen=True, slots=True)
class Release:
    name: str
    deployed: float  # seconds since the epoch, when it was installed on the host


def release_name(commit: str, *, dirty: bool, sha256: str = "") -> str:
    """The commit; for a dirty tree, the commit and the first 12 hex digits of the PEX's
    sha256 (``sha256`` is required then)."""
    if not _COMMIT.fullmatch(commit):
        raise ValueError(f"{commit!r}: not a full git commit hash")
    if not dirty:
        return commit
    if not re.fullmatch(r"[0-9a-f]{64}", sha256):
        raise ValueError("a dirty release is named with the PEX's sha256")
    return f"{commit}{DIRTY}-{sha256[:12]}"


def is_release(name: str) -> bool:
    return _RELEASE.fullmatch(name) is not None


def newest_first(releases: Sequence[Release]) -> list[Release]:
    return sorted(releases, key=lambda r: (-r.deployed, r.name))


def previous(releases: Sequence[Release], live: str | None) -> str | None:
    """The newest release deployed before ``live`` (None: there is none)."""
    ordered = newest_first(releases)
    names = [r.name for r in ordered]
    if live not in names:
        return None
    older = ordered[names.index(live) + 1 :]
    return older[0].name if older else None


def to_prune(releases: Sequence[Release], live: str | None, keep: int) -> list[str]:
    """Releases to remove so that ``keep`` remain: never the live one or the one before it;
    among the others, the oldest go first."""
    protected = {name for name in (live, previous(releases, live)) if name is not None}
    room = max(keep - len(protected), 0)
    others = [r.name for r in newest_first(releases) if r.name not in protected]
    return others[room:]


def resolve(releases: Sequence[Release], wanted: str, where: str) -> str:
    """``wanted`` (a full name or an unambiguous prefix of at least 7 characters) among
    ``releases``."""
    names = [r.name for r in releases]
    if wanted in names:
        return wanted
    matches = [n for n in names if len(wanted) >= 7 and n.startswith(wanted)]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise ReleaseError(f"{where}: {wanted} names {len(matches)} releases; give more of it")
    raise ReleaseError(
        f"{where}: no release {wanted}",
        hint="`wh releases NAME` lists what each host holds",
    )


def rollback_to(releases: Sequence[Release], live: str | None, to: str | None, where: str) -> str:
    """The release a rollback makes live: ``to`` if given (it must be on the host), else the
    one deployed before the live one."""
    if to is not None:
        return resolve(releases, to, where)
    before = previous(releases, live)
    if before is None:
        state = f"live is {live}" if live else "nothing is live"
        raise ReleaseError(
            f"{where}: no release before the live one to roll back to ({state})",
            hint="name one with --to RELEASE",
        )
    return before
