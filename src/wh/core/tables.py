"""``[tool.wh.<section>.<name>]`` tables: the shape every named table shares, checked once."""

from __future__ import annotations

from collections.abc import Iterator, Set
from typing import Any

from wh.errors import ConfigError


def named_tables(
    table: Any, section: str, keys: Set[str]
) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """``(name, "section.name", table)`` for each sub-table, once its keys are known ones."""
    if not isinstance(table, dict):
        raise ConfigError(f"[tool.wh.{section}]: expected tables [tool.wh.{section}.<name>]")
    for name, spec in table.items():
        key = f"{section}.{name}"
        if not isinstance(spec, dict):
            raise ConfigError(f"[tool.wh.{key}]: expected a table")
        unknown = sorted(set(spec) - keys)
        if unknown:
            raise ConfigError(
                f"[tool.wh.{key}] {unknown[0]}: unknown key",
                hint=f"known: {', '.join(sorted(keys))}",
            )
        yield name, key, spec
