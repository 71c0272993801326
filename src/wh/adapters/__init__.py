"""Adapters: one external system per module (index, downloads, builds, resolvers, git, pex).

httpx imports its own command line whenever click is installed (pip-tools brings click), and
with it rich and pygments: ~50 ms on every wh run that touches the network. wh never uses
that command line, so it is kept out before any adapter imports httpx.
"""

import sys

sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
