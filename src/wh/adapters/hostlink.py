"""A conversation with wh's host side (``hostagent.py``) running on a deploy host.

:class:`HostLink` speaks the agent's JSON-lines protocol over any byte pipe; its subclasses
supply the pipe: :class:`LocalLink` (a child process on this machine, for the host
``local``) here, and ``adapters.ssh.SshLink`` (a channel of one SSH connection). Both run the
same agent source under the interpreter the PEX's shebang names, so a local deploy and a
remote one take exactly the same steps.
"""

from __future__ import annotations

import contextlib
import json
import shlex
import subprocess
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from importlib.resources import files
from pathlib import Path
from typing import IO, Any

from wh.errors import WhError

CHUNK = 1 << 20


class HostError(WhError):
    """A step on a deploy host failed; the message names the host."""


def agent_source() -> str:
    return files("wh.adapters").joinpath("hostagent.py").read_text(encoding="utf-8")


def agent_argv(interpreter: Sequence[str], root: str) -> list[str]:
    return [*interpreter, "-c", agent_source(), root]


class HostLink(ABC):
    """One running agent: ``probe`` is what its interpreter reported on start."""

    def __init__(self, where: str, interpreter: Sequence[str]) -> None:
        self.where = where
        self.interpreter = tuple(interpreter)
        self.probe: dict[str, Any] = {}

    @abstractmethod
    def _write(self, data: bytes) -> None: ...

    @abstractmethod
    def _readline(self) -> bytes: ...

    @abstractmethod
    def _failure(self) -> str:
        """Why the agent stopped answering (its stderr, its exit status)."""

    @abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> HostLink:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _reply(self, on_wait: Callable[[str], None] | None = None) -> dict[str, Any]:
        while True:
            line = self._readline()
            if not line:
                raise HostError(f"the host side stopped: {self._failure()}")
            reply: dict[str, Any] = json.loads(line)
            if "waiting" in reply and on_wait is not None:
                on_wait(str(reply["waiting"]))
                continue
            if "error" in reply:
                raise HostError(str(reply["error"]))
            return reply

    def start(self) -> None:
        """Read the host side's first message: what its interpreter is."""
        try:
            self.probe = self._reply()["probe"]
        except HostError as exc:
            raise HostError(
                f"{shlex.join(self.interpreter)} did not start there ({exc})",
                hint="install the Python the PEX's shebang names on the host",
            ) from None

    def request(
        self, op: str, on_wait: Callable[[str], None] | None = None, **fields: Any
    ) -> dict[str, Any]:
        self._write(json.dumps({"op": op, **fields}).encode() + b"\n")
        return self._reply(on_wait)

    def put(self, path: Path, name: str) -> dict[str, Any]:
        """Send ``path``'s bytes to a temp directory under the root; the reply holds the temp
        directory and the sha256 of the bytes as the host received them."""
        size = path.stat().st_size
        self._write(json.dumps({"op": "put", "name": name, "size": size}).encode() + b"\n")
        with path.open("rb") as f:
            while chunk := f.read(CHUNK):
                self._write(chunk)
        return self._reply()


class LocalLink(HostLink):
    """The agent as a child process on this machine."""

    def __init__(self, interpreter: Sequence[str], root: str) -> None:
        super().__init__("local", interpreter)
        self._stderr: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        try:
            self._proc = subprocess.Popen(
                agent_argv(interpreter, root),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self._stderr,
            )
        except OSError as exc:
            raise HostError(f"cannot run {shlex.join(interpreter)}: {exc}") from None
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._in, self._out = self._proc.stdin, self._proc.stdout

    def _write(self, data: bytes) -> None:
        try:
            self._in.write(data)
            self._in.flush()
        except BrokenPipeError:
            raise HostError(f"the host side stopped: {self._failure()}") from None

    def _readline(self) -> bytes:
        return self._out.readline()

    def _failure(self) -> str:
        code = self._proc.wait(timeout=10)
        self._stderr.seek(0)
        text = self._stderr.read().decode(errors="replace").strip()
        return text.splitlines()[-1] if text else f"exit status {code}"

    def close(self) -> None:
        for stream in (self._in, self._out):
            with contextlib.suppress(OSError):
                stream.close()
        try:
            self._proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        self._stderr.close()
