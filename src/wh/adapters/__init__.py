"""Adapters: one external system per module (index, downloads, builds, resolvers, git, pex).

Importing this package changes nothing; :func:`keep_httpx_cli_out` is called by the program
(``wh.cli.app.run``) when it starts.
"""

import sys


def keep_httpx_cli_out() -> None:
    """Keep httpx's own command line out of this process, before anything imports httpx.

    httpx imports its command line whenever click is installed (pip-tools brings click), and
    with it rich and pygments: ~50 ms on every wh run that touches the network. wh never uses
    that command line; httpx falls back to a stub ``httpx.main`` when it cannot be imported.
    This is the program's choice, made at its start: importing wh as a library leaves the
    interpreter's modules alone.
    """
    if "httpx" not in sys.modules:
        sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
