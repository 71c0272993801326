"""The index wh uses when ``[tool.wh] index-url`` is not set: the user's pip configuration
(``PIP_INDEX_URL``, pip.conf, ``PIP_CONFIG_FILE``), else pip's own default.

pip's configuration loader is used so that files, sections and precedence are pip's exactly.
"""

from __future__ import annotations

from wh.errors import ConfigError


def pip_index_url() -> str:
    try:
        from pip._internal.configuration import Configuration
        from pip._internal.models.index import PyPI
    except ImportError:  # pragma: no cover - pip is a dependency of every venv wh lives in
        raise ConfigError(
            "no index configured and pip is not importable to read its configuration",
            hint="set index-url in [tool.wh] of pyproject.toml, or PIP_INDEX_URL",
        ) from None
    config = Configuration(isolated=False)
    try:
        config.load()
    except Exception as exc:  # pip raises its own ConfigurationError subclasses
        raise ConfigError(f"pip configuration: {exc}") from None
    values = dict(config.items())
    for key in (":env:.index-url", "download.index-url", "global.index-url"):
        value = values.get(key)
        if isinstance(value, str) and value.strip():
            return value.split()[0]
    return str(PyPI.simple_url)
