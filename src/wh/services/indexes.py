"""Which indexes a run uses: one rule for sync and lock."""

from __future__ import annotations

from collections.abc import Sequence

from wh.adapters.pipconfig import pip_index_url
from wh.core.config import Config
from wh.core.lockfile import Lockfile


def index_urls(config: Config, lockfiles: Sequence[Lockfile]) -> list[str]:
    """[tool.wh] index-url, else a lockfile's --index-url, else pip's configuration; then the
    extra indexes of both. Each once, in order."""
    primary = config.index_url or next((lf.index_url for lf in lockfiles if lf.index_url), None)
    extras = [*config.extra_index_urls, *(u for lf in lockfiles for u in lf.extra_index_urls)]
    return list(dict.fromkeys([primary or pip_index_url(), *extras]))
