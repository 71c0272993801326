"""How services tell the world what they do: a small Protocol the CLI implements.

The library never prints; it calls a Reporter. :class:`Silent` is the default.
"""

from __future__ import annotations

from typing import Protocol


class Reporter(Protocol):
    def info(self, message: str) -> None: ...
    def warn(self, message: str) -> None: ...
    def transfer_start(self, files: int, total_bytes: int) -> None: ...
    # More files announced while transfers run: the running totals (total_bytes 0: unknown).
    def transfer_more(self, files: int, total_bytes: int) -> None: ...
    def transfer_bytes(self, n: int) -> None: ...
    def transfer_file(self, name: str) -> None: ...
    def transfer_end(self) -> None: ...


class Silent:
    def info(self, message: str) -> None:
        pass

    def warn(self, message: str) -> None:
        pass

    def transfer_start(self, files: int, total_bytes: int) -> None:
        pass

    def transfer_more(self, files: int, total_bytes: int) -> None:
        pass

    def transfer_bytes(self, n: int) -> None:
        pass

    def transfer_file(self, name: str) -> None:
        pass

    def transfer_end(self) -> None:
        pass
