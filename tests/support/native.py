"""Small but real extension binaries for tests, cross-compiled by zig (the `ziglang` wheel).

`compile_extension(zig_target, directory)` writes a shared object for the zig target
(`x86_64-linux-gnu.2.17`, `aarch64-macos.11.0`, ...): an ELF for Linux, a Mach-O with the
right CPU and minimum macOS for macOS. It exports `PyInit__speedup` and resolves Python's
symbols at load time (`-undefined dynamic_lookup`), as a real extension module does.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

SOURCE = """\
/* the smallest module entry point: enough for a loader to accept the binary */
void *PyInit__speedup(void) { return 0; }
int speedup_answer(void) { return 42; }
"""


def zig_binary() -> Path | None:
    try:
        import ziglang  # type: ignore[import-untyped]
    except ImportError:
        return None
    path = Path(ziglang.__file__).parent / "zig"
    return path if path.is_file() else None


def compile_extension(zig_target: str, directory: Path, cache: Path) -> bytes:
    """The bytes of a shared object built for ``zig_target`` (deterministic for a target)."""
    zig = zig_binary()
    assert zig is not None, "zig is missing: pip install ziglang (the wh[build] extra)"
    directory.mkdir(parents=True, exist_ok=True)
    source = directory / "speedup.c"
    source.write_text(SOURCE)
    out = directory / f"speedup-{zig_target}.so"
    args = [str(zig), "cc", "-target", zig_target, "-shared", "-O2", "-fPIC"]
    if "macos" in zig_target:
        args += ["-Wl,-undefined,dynamic_lookup", "-Wl,-install_name,@rpath/_speedup.so"]
    env = {**os.environ, "ZIG_GLOBAL_CACHE_DIR": str(cache), "ZIG_LOCAL_CACHE_DIR": str(cache)}
    subprocess.run(
        [*args, "-o", str(out), str(source)],
        check=True,
        capture_output=True,
        env=env,
        timeout=300,
    )
    return out.read_bytes()
