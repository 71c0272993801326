"""Environment for subprocesses (pip, pex, uv, wh) that must not see this machine's pip setup."""

from __future__ import annotations

import os

_LOOPBACK = "127.0.0.1,localhost"


def isolated_env(**extra: str) -> dict[str, str]:
    """A copy of os.environ without any `PIP_*` variable and with no pip config file.

    Loopback is added to NO_PROXY so a proxy in the environment never sees the test index.
    Keyword arguments are added last and win.
    """
    env = {key: value for key, value in os.environ.items() if not key.startswith("PIP_")}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1")
    for key in ("NO_PROXY", "no_proxy"):
        env[key] = ",".join(filter(None, [env.get(key, ""), _LOOPBACK]))
    env.update(extra)
    return env
