"""SSH through Fabric (paramiko): one connection per host, the host side on one channel of it.

Fabric reads the user's ``~/.ssh/config`` (aliases, ``User``, ``Port``, ``IdentityFile``,
``HostName``) and authenticates with the agent or the user's keys. Fabric alone would trust
any host key (its client auto-adds unknown ones); here unknown keys are refused
(``RejectPolicy``) and keys are checked against the user's ``known_hosts`` files (those
``UserKnownHostsFile`` names, else ``~/.ssh/known_hosts``) and ``/etc/ssh/ssh_known_hosts``.
``~`` is ``$HOME`` here, as paramiko reads it.

Imported only by ``wh deploy``/``rollback``/``releases``: Fabric costs ~0.3 s to import.
"""

from __future__ import annotations

import os
import shlex
import socket
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wh.adapters.hostlink import HostError, HostLink, agent_argv

if TYPE_CHECKING:
    from fabric import Connection

GLOBAL_KNOWN_HOSTS = "/etc/ssh/ssh_known_hosts"


def _known_hosts(ssh_config: Any) -> list[str]:
    configured = ssh_config.get("userknownhostsfile")
    names = shlex.split(configured) if configured else ["~/.ssh/known_hosts"]
    return [os.path.expanduser(n) for n in names]


def _connect(destination: str, timeout: float) -> Connection:
    try:
        from fabric import Connection
        from paramiko import RejectPolicy
    except ImportError:
        raise HostError(
            "SSH needs Fabric, which is not installed",
            hint="pip install 'wh[deploy]'",
        ) from None
    conn = Connection(destination, connect_timeout=int(timeout))
    conn.client.set_missing_host_key_policy(RejectPolicy())
    files = _known_hosts(conn.ssh_config)
    for path in [*files, GLOBAL_KNOWN_HOSTS]:
        if os.path.isfile(path):
            conn.client.load_system_host_keys(path)
    try:
        conn.open()
    except Exception as exc:
        conn.close()
        raise _explain(destination, exc, files) from None
    return conn


def _explain(destination: str, exc: Exception, known_hosts: Sequence[str]) -> HostError:
    import paramiko

    if isinstance(exc, paramiko.BadHostKeyException):
        return HostError(
            f"the host key is NOT the one in known_hosts ({exc})",
            hint="someone may be intercepting the connection; if the host was reinstalled,"
            " check its new key with its administrator and replace the known_hosts line",
        )
    if isinstance(exc, paramiko.SSHException) and "known_hosts" in str(exc):
        return HostError(
            f"unknown host key (not in {', '.join(known_hosts)}); wh does not"
            " trust a host it has never seen",
            hint="compare the host's key fingerprint with its administrator, then add it,"
            " e.g. by connecting once with ssh and answering yes",
        )
    if isinstance(exc, paramiko.AuthenticationException):
        return HostError(
            f"authentication failed ({exc})",
            hint="load a key into your ssh agent, or name one with IdentityFile for this host"
            " in ~/.ssh/config",
        )
    if isinstance(exc, (OSError, socket.timeout, paramiko.SSHException)):
        return HostError(f"cannot connect: {exc}", hint="is the host up?")
    return HostError(f"cannot connect: {type(exc).__name__}: {exc}")


class SshLink(HostLink):
    """The host side on one session channel of a Fabric connection."""

    def __init__(
        self, destination: str, interpreter: Sequence[str], root: str, timeout: float = 15
    ) -> None:
        super().__init__(destination, interpreter)
        self.conn = _connect(destination, timeout)
        try:
            transport = self.conn.client.get_transport()
            assert transport is not None
            self.channel = transport.open_session()
            self.channel.exec_command(shlex.join(agent_argv(interpreter, root)))
        except Exception as exc:
            self.conn.close()
            raise HostError(f"cannot start a command: {exc}") from None
        self._out = self.channel.makefile("rb")

    def put(self, path: Path, name: str) -> dict[str, Any]:
        """Send the file over SFTP (the host's SFTP server writes it: quicker than Python
        reading the channel), then have the host side fsync and hash it. Without an SFTP
        subsystem on the host, the bytes go over the host side's own channel."""
        import paramiko

        tmp = self.request("mktemp")["tmp"]
        try:
            self.conn.sftp().put(str(path), f"{tmp}/{name}", confirm=True)
        except (paramiko.SSHException, OSError):
            if not self.conn.is_connected:
                raise HostError("the connection dropped during the upload") from None
            return super().put(path, name)
        return self.request("received", tmp=tmp, name=name)

    def _write(self, data: bytes) -> None:
        try:
            self.channel.sendall(data)
        except (OSError, EOFError) as exc:
            raise HostError(f"the connection dropped: {exc}") from None

    def _readline(self) -> bytes:
        try:
            line: bytes = self._out.readline()
        except (OSError, EOFError):
            return b""
        return line

    def _failure(self) -> str:
        if self.channel.closed and not self.channel.exit_status_ready():
            return "the connection dropped"
        code = self.channel.recv_exit_status()
        err = b""
        while self.channel.recv_stderr_ready():
            err += self.channel.recv_stderr(65536)
        text = err.decode(errors="replace").strip()
        return text.splitlines()[-1] if text else f"exit status {code}"

    def close(self) -> None:
        try:
            self.channel.close()
        finally:
            self.conn.close()
