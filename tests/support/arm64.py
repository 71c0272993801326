"""A real aarch64 CPython on this x86_64 machine: Debian's python3 for arm64 in a root made
with mmdebstrap from the archive the machine's apt sources name, run under qemu-user.

Made once per machine (cached by suite under the user cache dir); a re-run takes no time.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

SOURCES = (Path("/etc/apt/sources.list.d/debian.sources"), Path("/etc/apt/sources.list"))


def apt_source() -> tuple[str, str] | None:
    """(suite, mirror URI) of the machine's main Debian archive, from its apt sources."""
    deb822 = SOURCES[0]
    if deb822.is_file():
        for stanza in re.split(r"\n\s*\n", deb822.read_text()):
            fields = dict(
                (k.strip(), v.strip())
                for k, _, v in (line.partition(":") for line in stanza.splitlines())
                if not k.startswith("#") and v
            )
            uris, suites = fields.get("URIs", "").split(), fields.get("Suites", "").split()
            deb = "deb" in fields.get("Types", "").split()
            if deb and uris and suites and "security" not in uris[0]:
                return suites[0], uris[0]
    legacy = SOURCES[1]
    if legacy.is_file():
        for line in legacy.read_text().splitlines():
            parts = re.sub(r"\[[^]]*\]", "", line).split()
            if len(parts) >= 3 and parts[0] == "deb" and "security" not in parts[1]:
                return parts[2], parts[1]
    return None


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "wh-tests"


def arm64_root() -> tuple[Path | None, str]:
    """The root holding an arm64 python3, or None and why it cannot be had here."""
    if shutil.which("qemu-aarch64") is None:
        return None, "qemu-aarch64 is not installed (apt-get install qemu-user; make test does)"
    source = apt_source()
    if source is None:
        return None, "no Debian archive in the apt sources to take an arm64 python3 from"
    suite, mirror = source
    root = cache_root() / f"arm64-{suite}"
    if (root / "usr" / "bin" / "python3").exists():
        return root, ""
    if shutil.which("mmdebstrap") is None:
        return None, "mmdebstrap is not installed (apt-get install mmdebstrap; make test does)"
    if os.geteuid() != 0:
        return None, "making the arm64 root with mmdebstrap needs root"
    root.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=root.parent, prefix=".arm64-") as tmp:
        work = Path(tmp) / "root"
        proc = subprocess.run(
            [
                "mmdebstrap",
                "--arch=arm64",
                "--variant=extract",
                "--include=python3",
                "--quiet",
                suite,
                str(work),
                mirror,
            ],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if proc.returncode != 0:
            return None, f"mmdebstrap failed: {proc.stderr.strip()[-300:]}"
        work.rename(root)
    return root, ""


def run_arm64(
    root: Path, *args: str, pythonpath: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the arm64 root's python3 under qemu-aarch64."""
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONDONTWRITEBYTECODE": "1"}
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    return subprocess.run(
        ["qemu-aarch64", "-L", str(root), str(root / "usr" / "bin" / "python3"), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
