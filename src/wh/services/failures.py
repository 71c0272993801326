"""Failed files reported by cause: an index that is down fails every file the same way, and
that is one message naming the files and the targets they leave short, not one per file."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from wh.errors import TransferError, WhError

MOST = 8  # names shown before "and N more"


def _some(names: Sequence[str]) -> str:
    shown = ", ".join(names[:MOST])
    return shown if len(names) <= MOST else f"{shown} and {len(names) - MOST} more"


def group_failures(
    errors: Sequence[WhError], needed_by: Mapping[str, Sequence[str]]
) -> list[WhError]:
    """``errors`` with the transfer failures of one network cause merged into one error
    that names every file and every target needing one; each keeps its files and targets."""
    by_cause: dict[str, list[TransferError]] = {}
    result: list[WhError] = []
    for e in errors:
        if isinstance(e, TransferError) and e.cause is not None:
            by_cause.setdefault(e.cause, []).append(e)
        else:
            result.append(_with_targets(e, needed_by))
    for cause, group in by_cause.items():
        if len(group) == 1:
            result.append(_with_targets(group[0], needed_by))
            continue
        files = tuple(sorted({f for e in group for f in e.files}))
        targets = _targets(files, needed_by)
        message = f"{len(files)} files failed ({cause}): {_some(files)}"
        if targets:
            message += f"; needed by {len(targets)} target(s): {_some(targets)}"
        result.append(
            TransferError(message, group[0].hint, files=files, cause=cause, targets=targets)
        )
    return result


def _targets(files: Sequence[str], needed_by: Mapping[str, Sequence[str]]) -> tuple[str, ...]:
    return tuple(sorted({t for f in files for t in needed_by.get(f, ())}))


def _with_targets(e: WhError, needed_by: Mapping[str, Sequence[str]]) -> WhError:
    if not isinstance(e, TransferError) or e.targets:
        return e
    targets = _targets(e.files, needed_by)
    return TransferError(e.message, e.hint, files=e.files, cause=e.cause, targets=targets)
