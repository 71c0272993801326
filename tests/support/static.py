"""A plain static file server on loopback, as a user would serve `wh index` output: no index
logic at all, directories answered with their index.html. Counts requests per path."""

from __future__ import annotations

import functools
from http.server import SimpleHTTPRequestHandler
from typing import Any, cast
from urllib.parse import unquote, urlsplit

from tests.support.index import _HTTPServer, _Loopback, _Tracking


class _Handler(SimpleHTTPRequestHandler):
    def do_GET(self) -> None:
        static = cast(Any, self.server).static
        static.count(unquote(urlsplit(self.path).path))
        super().do_GET()

    def log_message(self, format: str, *args: Any) -> None:
        pass


class StaticFiles(_Loopback):
    """`StaticFiles(directory)`: `.base_url` serves `directory`, `.hits` counts paths."""

    def _make_server(self) -> _Tracking:
        handler = functools.partial(_Handler, directory=str(self.root))
        server = _HTTPServer(("127.0.0.1", 0), handler)
        cast(Any, server).static = self
        return server
