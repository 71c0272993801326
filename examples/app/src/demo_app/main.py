"""The demo app: three libraries with native code, each loaded from the wheel wh chose for
this machine. One PEX carries the wheels of every target; this one runs here."""

from __future__ import annotations

import platform
import sys
from pathlib import PurePath

import cryptography
import orjson
import pydantic_core
from cryptography.hazmat.bindings import _rust
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import BaseModel


class Release(BaseModel):
    name: str
    version: str
    python: str
    machine: str


def native(module: object) -> str:
    """The file name of a module's compiled extension (e.g. a .so built for this platform)."""
    return PurePath(str(getattr(module, "__file__", "?"))).name


def run() -> None:
    here = f"{platform.system()} {platform.machine()}, CPython {platform.python_version()}"
    release = Release(
        name="demo-app", version="1.0", python=sys.version.split()[0], machine=here
    )
    document = orjson.dumps(release.model_dump(), option=orjson.OPT_SORT_KEYS)
    key = Ed25519PrivateKey.generate()
    signature = key.sign(document)
    key.public_key().verify(signature, document)  # raises if the signature is wrong
    print(f"demo-app on {here}")
    loaded = [
        ("orjson", orjson.__version__, orjson.orjson),
        ("pydantic-core", pydantic_core.__version__, pydantic_core._pydantic_core),
        ("cryptography", cryptography.__version__, _rust),
    ]
    for name, version, module in loaded:
        print(f"  {name + ' ' + version:<24} native code: {native(module)}")
    print(f"validated, serialised and signed a {len(document)}-byte release record: ok")


if __name__ == "__main__":
    run()
