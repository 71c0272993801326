"""The errors wh raises, each carrying the exit code the CLI turns it into.

    WhError (1)
    ├── UsageError (2)          bad option, bad configuration, bad lockfile line
    │   ├── ConfigError         a [tool.wh] key or value; names the key
    │   ├── LockfileError       a requirement line; names file:line
    │   │   └── NotUtf8         a requirement file that is not UTF-8 text
    │   └── TargetError         a platform tag or Python version wh cannot serve
    ├── IndexUnreachable (3)    no answer from an index after the last retry
    ├── TransferError (1)       a file that could not be fetched or did not verify
    ├── ResolveError (1)        a target the resolver (pip-compile, uv) cannot resolve
    ├── PexBuildError (1)       pex failed, or a wheel handed to it is unreadable
    ├── PexCheckError (1)       the built PEX does not hold what was asked (it is removed)
    ├── ExportCheckError (1)    an export failed its own check (nothing was written)
    └── GitError (1)            a git or git-lfs command failed

Every error has a message (what happened, naming the file/target/key) and an
optional hint (what to do about it). The CLI prints both and exits with
``exit_code``; nothing else in wh decides exit codes.
"""

from __future__ import annotations

from typing import ClassVar


class WhError(Exception):
    exit_code: ClassVar[int] = 1

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class UsageError(WhError):
    exit_code = 2


class ConfigError(UsageError):
    """A configuration key or value is wrong; the message names the key."""


class LockfileError(UsageError):
    """A lockfile line cannot be used; the message names ``file:line``."""


class TargetError(UsageError):
    """A platform tag or Python version that names no machine wh can serve."""


class NotUtf8(LockfileError):
    """A requirement file that is not UTF-8 text."""


class IndexUnreachable(WhError):
    exit_code = 3


class TransferError(WhError):
    """A download failed for good: bad hash, truncated body, refused name, retries spent.

    ``files`` names the files it concerns and ``cause`` the network cause when there is one
    (failures with one cause are reported once, naming every file and target they hit)."""

    def __init__(
        self,
        message: str,
        hint: str | None = None,
        *,
        files: tuple[str, ...] = (),
        cause: str | None = None,
        targets: tuple[str, ...] = (),
    ) -> None:
        super().__init__(message, hint)
        self.files = files
        self.cause = cause
        self.targets = targets


class ResolveError(WhError):
    """A target cannot be resolved: the message carries the resolver's own explanation."""

    def __init__(
        self, message: str, hint: str | None = None, *, target: str = "", cause: str = ""
    ) -> None:
        super().__init__(message, hint)
        self.target = target  # the target's name
        self.cause = cause  # the resolver's words, the same for targets failing alike


class PexBuildError(WhError):
    """pex failed building, or a wheel handed to it cannot be read."""


class PexCheckError(WhError):
    """The built PEX does not hold what was asked: it is removed."""


class GitError(WhError):
    """A git or git-lfs command failed; the message names the repository."""


class ExportCheckError(WhError):
    """An export failed its own check against wh's choice: nothing was written."""
