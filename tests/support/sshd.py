"""Real OpenSSH servers on loopback for tests and benchmarks, and a client home that trusts them.

Each :class:`SshServer` has its own host key, ``sshd_config`` and ``authorized_keys`` under
its directory and runs ``/usr/sbin/sshd -D -e -f CONFIG`` on a free loopback port. A
:class:`ClientHome` is a ``$HOME`` with a client key and a ``known_hosts`` naming the servers:
paramiko and Fabric read it through ``$HOME``; OpenSSH's client reads ``~`` from the password
database, so :meth:`ClientHome.ssh_options` gives it the files explicitly.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

SSHD = Path("/usr/sbin/sshd")


def missing() -> str | None:
    """Why real SSH servers cannot run here, or None when they can."""
    if not SSHD.is_file() or shutil.which("ssh-keygen") is None:
        return "openssh-server is not installed (make test installs it as root with apt-get)"
    if os.geteuid() != 0:
        return "sshd needs root here (privilege separation directory, any user's login)"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def keygen(path: Path) -> None:
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "wh-tests", "-f", str(path)],
        check=True,
        capture_output=True,
    )


class SshServer:
    def __init__(self, directory: Path, authorized_key: Path, *, sftp: bool = True) -> None:
        self.dir = directory
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.host_key = self.dir / "host_key"
        keygen(self.host_key)
        (self.dir / "authorized_keys").write_bytes(authorized_key.read_bytes())
        self.config = self.dir / "sshd_config"
        lines = [
            f"Port {self.port}",
            "ListenAddress 127.0.0.1",
            f"HostKey {self.host_key}",
            f"AuthorizedKeysFile {self.dir / 'authorized_keys'}",
            "PermitRootLogin prohibit-password",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "StrictModes no",
            "UsePAM no",
            "PidFile none",
            "MaxStartups 100",
            "MaxSessions 100",
            "LogLevel ERROR",
            # a PEX run there (wh deploy's check) caches in this server's own PEX_ROOT
            f"SetEnv PEX_ROOT={self.dir / 'pex-root'}",
        ]
        if sftp:
            lines.append("Subsystem sftp internal-sftp")
        self.config.write_text("".join(f"{line}\n" for line in lines))
        self.log = self.dir / "sshd.log"
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def known_hosts_line(self) -> str:
        key = (self.dir / "host_key.pub").read_text().split()
        return f"[127.0.0.1]:{self.port} {key[0]} {key[1]}\n"

    def destination(self, user: str = "root") -> str:
        return f"{user}@127.0.0.1:{self.port}"

    def start(self) -> None:
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # privilege separation directory
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [str(SSHD), "-D", "-e", "-f", str(self.config)], stdout=log, stderr=log
            )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"sshd exited: {self.log.read_text()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"sshd did not listen on {self.port}: {self.log.read_text()}")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc = None


class ClientHome:
    """A ``$HOME`` holding ``.ssh/id_ed25519`` and a ``known_hosts`` for the given servers."""

    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self.ssh = directory / ".ssh"
        self.ssh.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.key = self.ssh / "id_ed25519"
        keygen(self.key)
        self.known_hosts = self.ssh / "known_hosts"
        self.known_hosts.write_text("")

    def trust(self, *servers: SshServer) -> None:
        with self.known_hosts.open("a") as f:
            for server in servers:
                f.write(server.known_hosts_line)

    def ssh_options(self) -> list[str]:
        """Options for OpenSSH's ssh/scp: the key and known_hosts given explicitly."""
        return [
            "-i",
            str(self.key),
            "-o",
            f"UserKnownHostsFile={self.known_hosts}",
            "-o",
            "StrictHostKeyChecking=yes",
            "-o",
            "BatchMode=yes",
            "-o",
            "IdentitiesOnly=yes",
        ]
