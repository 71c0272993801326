"""The indexes, handed to pip so that each reaches it exactly once.

pip's isolated builds run a child ``pip install`` that inherits the environment AND gets the
parent's indexes as ``--extra-index-url`` arguments; an extra index given to the parent as
``PIP_EXTRA_INDEX_URL`` thus reached the child twice (an append option adds its arguments to
the environment's value). The primary index travels as ``PIP_INDEX_URL`` (a single value: the
child's ``-i`` replaces it); the extras travel as ``WH_EXTRA_INDEX_URLS``, which pip does not
read, and become ``--extra-index-url`` arguments inside the pip process (:func:`take_extras`),
never on a command line where credentials could be seen.

    python -m wh.adapters.pipindex wheel ...   # pip, with the extras taken in
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

EXTRAS = "WH_EXTRA_INDEX_URLS"


def index_env(index_urls: Sequence[str], prefix: str = "PIP") -> dict[str, str]:
    """Environment for a pip (``PIP``) or uv (``UV``) run over ``index_urls``: the first is the
    index, the rest extras (uv reads its own variable and has no such child)."""
    if not index_urls:
        return {}
    env = {f"{prefix}_INDEX_URL": index_urls[0]}
    if len(index_urls) > 1:
        name = EXTRAS if prefix == "PIP" else f"{prefix}_EXTRA_INDEX_URL"
        env[name] = " ".join(index_urls[1:])
    return env


def take_extras() -> list[str]:
    """``--extra-index-url`` arguments for the extras in the environment, which is cleared of
    them (children inherit nothing to add a second time)."""
    urls = os.environ.pop(EXTRAS, "").split()
    os.environ.pop("PIP_EXTRA_INDEX_URL", None)
    return [arg for url in urls for arg in ("--extra-index-url", url)]


def main(argv: list[str]) -> int:
    from pip._internal.cli.main import main as pip_main

    command, *rest = argv
    return pip_main([command, *take_extras(), *rest])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
