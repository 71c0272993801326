"""wh's host side: a small stdlib-only program run by the host's own interpreter.

Not imported by wh: its source is sent to the host and run as ``INTERPRETER -c SOURCE ROOT``
(over SSH, or locally for ``local``), once per host and deploy. It speaks JSON lines on
stdin/stdout; a ``put`` request is followed by the file's bytes. It first reports what the
interpreter is (the probe), then does only mechanical, atomic steps under ``ROOT``; every
choice (what to keep, what to flip to) is wh's, made locally.

    lock     take ROOT/.wh-deploy.lock (flock; held until this program exits), say who
             holds it while waiting, then clear temp files a killed deploy left behind
    has      does ROOT/<release>/<name> exist with this sha256? (and what is live)
    put      receive the bytes into ROOT/.wh-tmp-*/<name>, hashing as they arrive; fsync
    mktemp   a ROOT/.wh-tmp-* directory for a file sent another way (SFTP), and then
    received fsync and hash that file
    install  the temp directory becomes ROOT/<release> (one rename), or the file replaces
             the release's file (one rename) when the directory exists; its time is now
    check    run ROOT/<release>/<name> with the check arguments, under this interpreter
    flip     a new symlink under a temp name, renamed over ROOT/latest
    list     releases (directories named like a commit) with their times; what latest is
    remove   delete releases (never the live one)
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from typing import IO, Any

TMP = ".wh-tmp-"
LOCK = ".wh-deploy.lock"
LATEST = "latest"
RELEASE = re.compile(r"[0-9a-f]{40}([0-9a-f]{24})?(-dirty-[0-9a-f]{12})?\Z")
CHUNK = 1 << 20


def _full_version(info: Any) -> str:
    version = f"{info.major}.{info.minor}.{info.micro}"
    if info.releaselevel != "final":
        version += info.releaselevel[0] + str(info.serial)
    return version


def _musl() -> str | None:
    for name in sorted(os.listdir("/lib")) if os.path.isdir("/lib") else []:
        if name.startswith("ld-musl-"):
            proc = subprocess.run([os.path.join("/lib", name)], capture_output=True, text=True)
            found = re.search(r"Version (\d+\.\d+)", proc.stderr)
            return found.group(1) if found else None
    return None


def probe() -> dict[str, Any]:
    import sysconfig

    libc = platform.libc_ver()
    return {
        "implementation": sys.implementation.name,
        "version": list(sys.version_info[:3]),
        "gil_disabled": bool(sysconfig.get_config_var("Py_GIL_DISABLED")),
        "is64bit": sys.maxsize > 2**32,
        "system": platform.system(),
        "machine": platform.machine(),
        "libc": list(libc),
        "musl": _musl() if sys.platform.startswith("linux") and not libc[0] else None,
        "mac": platform.mac_ver()[0],
        "executable": sys.executable,
        "environment": {
            "implementation_name": sys.implementation.name,
            "implementation_version": _full_version(sys.implementation.version),
            "os_name": os.name,
            "platform_machine": platform.machine(),
            "platform_python_implementation": platform.python_implementation(),
            "platform_release": platform.release(),
            "platform_system": platform.system(),
            "platform_version": platform.version(),
            "python_full_version": platform.python_version(),
            "python_version": ".".join(platform.python_version_tuple()[:2]),
            "sys_platform": sys.platform,
        },
    }


def _fsync_dir(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _name(name: str) -> str:
    if not name or "/" in name or name in {".", ".."}:
        raise ValueError(f"refusing the name {name!r}")
    return name


class Agent:
    def __init__(self, root: str, stdin: IO[bytes], stdout: IO[bytes]) -> None:
        self.root = os.path.abspath(os.path.expanduser(root))
        self.stdin, self.stdout = stdin, stdout
        self.lock_file: IO[str] | None = None
        self.received: dict[str, str] = {}  # temp directory -> sha256 of the bytes received

    def send(self, message: dict[str, Any]) -> None:
        self.stdout.write(json.dumps(message).encode() + b"\n")
        self.stdout.flush()

    def path(self, *names: str) -> str:
        return os.path.join(self.root, *(_name(n) for n in names))

    def release(self, name: str) -> str:
        if not RELEASE.match(name):
            raise ValueError(f"{name!r} is not a release name")
        return self.path(name)

    def op_lock(self, request: dict[str, Any]) -> dict[str, Any]:
        os.makedirs(self.root, exist_ok=True)
        self.lock_file = open(self.path(LOCK), "a+")  # noqa: SIM115 - held until exit
        try:
            fcntl.flock(self.lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self.lock_file.seek(0)
            self.send({"waiting": self.lock_file.read().strip() or "another deploy"})
            fcntl.flock(self.lock_file, fcntl.LOCK_EX)
        self.lock_file.seek(0)
        self.lock_file.truncate()
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        who = request.get("who", "wh")
        self.lock_file.write(f"{who} (pid {os.getpid()} on {socket.gethostname()}, {stamp})\n")
        self.lock_file.flush()
        for name in os.listdir(self.root):  # left by a deploy that was cut short
            if name.startswith(TMP):
                stale = self.path(name)
                if os.path.isdir(stale) and not os.path.islink(stale):
                    shutil.rmtree(stale, ignore_errors=True)
                else:
                    os.unlink(stale)
        return {"locked": True}

    def op_has(self, request: dict[str, Any]) -> dict[str, Any]:
        path = os.path.join(self.release(request["release"]), _name(request["name"]))
        has = os.path.isfile(path) and _sha256(path) == request["sha256"]
        return {"has": has, "live": self.live()}

    def op_put(self, request: dict[str, Any]) -> dict[str, Any]:
        size, name = int(request["size"]), request["name"]
        try:
            tmp = tempfile.mkdtemp(prefix=TMP, dir=self.root)
        except OSError:
            self.drain(size)  # the bytes follow the request: read them, then say why
            raise
        digest, left = hashlib.sha256(), size
        with open(os.path.join(tmp, _name(name)), "wb") as f:
            while left:
                chunk = self.stdin.read(min(CHUNK, left))
                if not chunk:
                    raise EOFError(f"the upload stopped {left} bytes short")
                digest.update(chunk)
                f.write(chunk)
                left -= len(chunk)
            f.flush()
            os.fsync(f.fileno())
        self.received[tmp] = digest.hexdigest()
        return {"tmp": tmp, "sha256": self.received[tmp]}

    def op_mktemp(self, request: dict[str, Any]) -> dict[str, Any]:
        return {"tmp": tempfile.mkdtemp(prefix=TMP, dir=self.root)}

    def op_received(self, request: dict[str, Any]) -> dict[str, Any]:
        """A file written into a ``mktemp`` directory by other means (SFTP): fsync it and
        hash the bytes now on disk."""
        tmp = request["tmp"]
        if os.path.dirname(tmp) != self.root or not os.path.basename(tmp).startswith(TMP):
            raise ValueError(f"{tmp} is not a temp directory of {self.root}")
        path = os.path.join(tmp, _name(request["name"]))
        with open(path, "rb") as f:
            os.fsync(f.fileno())
        self.received[tmp] = _sha256(path)
        return {"tmp": tmp, "sha256": self.received[tmp]}

    def drain(self, size: int) -> None:
        while size > 0:
            chunk = self.stdin.read(min(CHUNK, size))
            if not chunk:
                raise EOFError("the upload stopped short")
            size -= len(chunk)

    def op_install(self, request: dict[str, Any]) -> dict[str, Any]:
        target, name, tmp = (
            self.release(request["release"]),
            _name(request["name"]),
            request.get("tmp"),
        )
        if tmp is not None:
            if self.received.get(tmp) != request["sha256"]:
                raise ValueError(f"{tmp}: the bytes received are not the ones sent")
            os.chmod(os.path.join(tmp, name), 0o755)
            if os.path.isdir(target) and self.live() == os.path.basename(target):
                raise ValueError(
                    f"{target} is live here with other bytes: a release is one set of bytes"
                    " (commit, then deploy; or roll back first)"
                )
            if os.path.isdir(target):
                os.replace(os.path.join(tmp, name), os.path.join(target, name))
                shutil.rmtree(tmp)
            else:
                os.rename(tmp, target)
            _fsync_dir(self.root)
        os.utime(target)
        return {"installed": True}

    def op_check(self, request: dict[str, Any]) -> dict[str, Any]:
        target = self.release(request["release"])
        # this interpreter is the one the PEX's shebang resolved to here: run the PEX with it
        # directly (a shebang through a shim such as pyenv's costs seconds on a first run)
        argv = [sys.executable, os.path.join(target, _name(request["name"])), *request["args"]]
        try:
            proc = subprocess.run(
                argv,
                cwd=target,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                timeout=float(request.get("timeout", 300)),
            )
        except subprocess.TimeoutExpired:
            return {"code": -1, "output": "timed out"}
        return {"code": proc.returncode, "output": proc.stdout.decode(errors="replace")[-2000:]}

    def live(self) -> str | None:
        link = self.path(LATEST)
        return os.path.basename(os.readlink(link).rstrip("/")) if os.path.islink(link) else None

    def op_flip(self, request: dict[str, Any]) -> dict[str, Any]:
        name = request["release"]
        if not os.path.isdir(self.release(name)):
            raise ValueError(f"{self.release(name)} is not on this host")
        before = self.live()
        tmp = self.path(f"{TMP}latest-{os.getpid()}")
        if os.path.lexists(tmp):
            os.unlink(tmp)
        os.symlink(name, tmp)
        os.replace(tmp, self.path(LATEST))
        _fsync_dir(self.root)
        return {"previous": before}

    def op_list(self, request: dict[str, Any]) -> dict[str, Any]:
        releases = []
        if os.path.isdir(self.root):
            for name in os.listdir(self.root):
                path = self.path(name)
                if RELEASE.match(name) and os.path.isdir(path) and not os.path.islink(path):
                    releases.append([name, os.stat(path).st_mtime])
        return {"releases": releases, "latest": self.live()}

    def op_remove(self, request: dict[str, Any]) -> dict[str, Any]:
        live = self.live()
        removed = []
        for name in request["releases"]:
            if name != live:
                shutil.rmtree(self.release(name))
                removed.append(name)
        return {"removed": removed}

    def serve(self) -> None:
        self.send({"probe": probe()})
        while line := self.stdin.readline():
            request = json.loads(line)
            handler = getattr(self, "op_" + str(request.get("op")), None)
            try:
                if handler is None:
                    raise ValueError(f"unknown request {request.get('op')!r}")
                self.send(handler(request))
            except EOFError:
                return
            except Exception as exc:
                self.send({"error": f"{type(exc).__name__}: {exc}"})


if __name__ == "__main__":
    Agent(sys.argv[1], sys.stdin.buffer, sys.stdout.buffer).serve()
