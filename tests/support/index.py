"""Package indexes on loopback (127.0.0.1, ephemeral port) for integration tests and benchmarks.

- `PypiServer(root)`: the real pypiserver 2.x, in-process: PEP 503 HTML, `#sha256=` fragments,
  relative links to `/packages/<file>`.
- `SimpleIndex(root, json=True, faults=None, auth=None, metadata=False)`: our own server: PEP
  691 JSON (when the Accept header asks) or PEP 503 HTML, absolute links to `/files/<file>`,
  per-file `requires-python` / `yanked`, basic auth, `Faults` injected while it runs, and with
  `metadata=True` each wheel's METADATA as a PEP 658/714 file (`/files/<file>.metadata`).

Both are context managers yielding themselves, with `.url` (`http://127.0.0.1:PORT/simple`),
`.root` (the directory of files, re-read on every request) and `.hits` (requests per
unquoted path, e.g. `hits["/files/foo-1.0-py3-none-any.whl"]`).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import html
import json
import re
import socket
import struct
import sys
import threading
import time
import warnings
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from socketserver import TCPServer, ThreadingMixIn
from types import TracebackType
from typing import Any, Self, cast
from urllib.parse import quote, unquote, urlsplit
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

JSON_TYPE = "application/vnd.pypi.simple.v1+json"
HTML_TYPE = "application/vnd.pypi.simple.v1+html"
_WHEEL = re.compile(r"(?P<name>[^-/]+)-(?P<version>[^-/]+)(-\d[^-/]*)?-[^-/]+-[^-/]+-[^-/]+\.whl")
_SDIST = re.compile(r"(?P<name>[^/]+)-(?P<version>[^-/]+)\.(tar\.gz|zip)")


def normalize(name: str) -> str:
    """PEP 503 normalised project name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def parse_filename(filename: str) -> tuple[str, str] | None:
    """(normalised project, version) of a wheel or sdist filename, else None."""
    match = _WHEEL.fullmatch(filename) or _SDIST.fullmatch(filename)
    return (normalize(match["name"]), match["version"]) if match else None


# --- servers: threaded, loopback, track connections so stop() never waits on keep-alive --


class _Tracking(ThreadingMixIn, TCPServer):
    daemon_threads = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.lock = threading.Lock()
        self.connections: set[socket.socket] = set()
        self.resets: set[socket.socket] = set()  # close these with RST instead of FIN
        super().__init__(*args, **kwargs)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.lock:
            self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.lock:
            self.connections.discard(request)
            reset = request in self.resets
            self.resets.discard(request)
        if not reset:
            super().shutdown_request(request)
            return
        request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        request.close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], OSError):  # clients hanging up are no news
            super().handle_error(request, client_address)

    def close_connections(self) -> None:
        with self.lock:
            connections = list(self.connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class _HTTPServer(_Tracking, ThreadingHTTPServer):
    index: SimpleIndex
    request_queue_size = 64  # the default 5 drops parallel connects (clients then retry ~1 s)


class _WSGIServer(_Tracking, WSGIServer):
    request_queue_size = 64


class _QuietWSGIHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Loopback:
    """Start/stop and context management shared by both servers."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.hits: Counter[str] = Counter()
        self._hits_lock = threading.Lock()
        self._server: _Tracking | None = None
        self._thread: threading.Thread | None = None

    def _make_server(self) -> _Tracking:
        raise NotImplementedError

    @property
    def port(self) -> int:
        assert self._server is not None, "server not started"
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"{self.base_url}/simple"

    def count(self, path: str) -> None:
        with self._hits_lock:
            self.hits[path] += 1

    def start(self) -> Self:
        self._server = self._make_server()
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None or self._thread is None:
            return
        self._server.shutdown()
        self._server.close_connections()
        self._server.server_close()
        self._thread.join(timeout=5)
        self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class PypiServer(_Loopback):
    """The real pypiserver over `root`: sha256 fragments, no fallback to the public index."""

    def _make_server(self) -> _Tracking:
        # Its bundled bottle imports the deprecated cgi and appends a `bottle.ext` import hook
        # without find_spec to sys.meta_path, so every failed import after it (pypiserver's own
        # optional `import watchdog` first) warns: an error under `-W error`. Drop the hook.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            warnings.simplefilter("ignore", ImportWarning)
            import pypiserver  # type: ignore[import-untyped]
        sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ != "_ImportRedirect"]

        app = pypiserver.app(
            roots=[str(self.root)],
            hash_algo="sha256",
            disable_fallback=True,  # default redirects unknown projects to the public index
            backend_arg="simple-dir",  # no watchdog cache: files added later show up at once
        )

        def counted(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
            self.count(environ.get("PATH_INFO", ""))
            return app(environ, start_response)

        return cast(
            _Tracking,
            make_server(
                "127.0.0.1", 0, counted, server_class=_WSGIServer, handler_class=_QuietWSGIHandler
            ),
        )


# --- our own index ------------------------------------------------------------------------


@dataclass
class Faults:
    """Faults to inject, mutable while the server runs.

    Keys are filenames for `/files/` requests and normalised project names for project pages.
    """

    wrong_bytes: set[str] = field(default_factory=set)  # serve other bytes than listed hash
    truncate: set[str] = field(default_factory=set)  # full Content-Length, half a body, close
    reset: set[str] = field(default_factory=set)  # drop the connection with RST, no response
    fail_times: dict[str, int] = field(default_factory=dict)  # this many 500s, then success
    page_status: dict[str, int] = field(default_factory=dict)  # project page status, forever
    listed_as: dict[str, str] = field(default_factory=dict)  # real filename -> listed name
    stall: dict[str, float] = field(default_factory=dict)  # send half, sleep this long, rest
    redirect_loop: set[str] = field(default_factory=set)  # answer 302 to the same URL, forever
    url_of: dict[str, str] = field(default_factory=dict)  # listed name -> URL the page links
    fail_status: int = 500
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def take_failure(self, key: str) -> bool:
        with self._lock:
            left = self.fail_times.get(key, 0)
            if left > 0:
                self.fail_times[key] = left - 1
            return left > 0


@dataclass(frozen=True)
class _Listed:
    filename: str  # real name in root
    listed: str  # name shown on the page (see Faults.listed_as)
    version: str
    sha256: str
    size: int
    requires_python: str | None
    yanked: bool | str


class SimpleIndex(_Loopback):
    """PEP 691 JSON / PEP 503 HTML index over the files in `root`."""

    def __init__(
        self,
        root: Path,
        *,
        json: bool = True,
        faults: Faults | None = None,
        auth: tuple[str, str] | None = None,
        metadata: bool = False,
    ) -> None:
        super().__init__(root)
        self.json = json
        self.faults = faults if faults is not None else Faults()
        self.auth = auth
        self.metadata = metadata
        self._meta: dict[str, tuple[str | None, bool | str]] = {}
        self._digests: dict[tuple[str, int, int], str] = {}
        self._listed: tuple[int, list[str]] | None = None  # (root's mtime_ns, file names)

    def _make_server(self) -> _Tracking:
        server = _HTTPServer(("127.0.0.1", 0), _Handler)
        server.index = self
        return server

    @property
    def auth_url(self) -> str:
        """`.url` with the credentials in it (`http://user:pass@127.0.0.1:PORT/simple`)."""
        assert self.auth is not None
        user, password = (quote(part, safe="") for part in self.auth)
        return f"http://{user}:{password}@127.0.0.1:{self.port}/simple"

    def set_file_meta(
        self, filename: str, *, requires_python: str | None = None, yanked: bool | str = False
    ) -> None:
        """Set `requires-python` and `yanked` (True, or a reason string) for one file."""
        self._meta[filename] = (requires_python, yanked)

    def file_url(self, filename: str) -> str:
        return f"{self.base_url}/files/{quote(filename, safe='')}"

    def downloads(self, filename: str) -> int:
        return self.hits[f"/files/{filename}"]

    def projects(self) -> list[str]:
        return sorted({p[0] for f in self._filenames() if (p := parse_filename(f))})

    def listing(self, project: str) -> list[_Listed]:
        """The files of one (normalised) project, as its page shows them."""
        result = []
        for filename in self._filenames():
            parsed = parse_filename(filename)
            if parsed is None or parsed[0] != project:
                continue
            requires_python, yanked = self._meta.get(filename, (None, False))
            path = self.root / filename
            result.append(
                _Listed(
                    filename,
                    self.faults.listed_as.get(filename, filename),
                    parsed[1],
                    self._sha256(path),
                    path.stat().st_size,
                    requires_python,
                    yanked,
                )
            )
        return result

    def resolve(self, name: str) -> Path | None:
        """The file served at `/files/<name>`: a file in root, or one listed under `name`."""
        real = {listed: real for real, listed in self.faults.listed_as.items()}.get(name, name)
        path = self.root / real
        ok = "/" not in real and not real.startswith(".") and path.is_file()
        return path if ok else None

    def core_metadata(self, filename: str) -> bytes | None:
        """The METADATA of a wheel the index serves, when it serves METADATA files."""
        path = self.resolve(filename) if self.metadata and filename.endswith(".whl") else None
        if path is None:
            return None
        with zipfile.ZipFile(path) as zf:
            names = [n for n in zf.namelist() if re.fullmatch(r"[^/]+\.dist-info/METADATA", n)]
            return zf.read(names[0]) if len(names) == 1 else None

    def _filenames(self) -> Iterable[str]:
        """The files in root, read again whenever the directory changes (its mtime moves when
        a file is added, removed or renamed): a page costs a directory read only then, as on
        an index that serves its pages from a database, not 300 stat calls every time."""
        stamp = self.root.stat().st_mtime_ns
        if self._listed is None or self._listed[0] != stamp:
            names = sorted(p.name for p in self.root.iterdir() if p.is_file())
            self._listed = (stamp, names)
        return self._listed[1]

    def _sha256(self, path: Path) -> str:
        stat = path.stat()
        key = (path.name, stat.st_size, stat.st_mtime_ns)
        if key not in self._digests:
            self._digests[key] = hashlib.sha256(path.read_bytes()).hexdigest()
        return self._digests[key]


# As a public index serves simple pages: clients may reuse a page for 10 minutes.
PAGE_HEADERS = {"Vary": "Accept", "Cache-Control": "max-age=600, public"}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate send()s: with Nagle on, every response on a reused
    # keep-alive connection waits ~40 ms for the client's delayed ACK. Real servers set this.
    disable_nagle_algorithm = True
    server: _HTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        index = self.server.index
        path = unquote(urlsplit(self.path).path)
        index.count(path)
        if index.auth is not None and not self._authorized(index.auth):
            self._send(401, b"credentials needed\n", {"WWW-Authenticate": 'Basic realm="wh"'})
        elif path in ("/simple", "/") or (path.startswith("/simple/") and not path.endswith("/")):
            self._redirect(path.rstrip("/") + "/" if path != "/" else "/simple/")
        elif path == "/simple/":
            self._root_page(index)
        elif path.startswith("/simple/") and path.count("/") == 3:
            self._project_page(index, path.split("/")[2])
        elif path.startswith("/files/"):
            self._file(index, path.removeprefix("/files/"))
        else:
            self._send(404, b"not found\n")

    do_HEAD = do_GET

    def _authorized(self, auth: tuple[str, str]) -> bool:
        expected = base64.b64encode(":".join(auth).encode()).decode()
        return self.headers.get("Authorization", "") == f"Basic {expected}"

    def _wants_json(self) -> bool:
        quality: dict[str, float] = {}
        for item in self.headers.get("Accept", "").split(","):
            media, *params = (part.strip().lower() for part in item.split(";"))
            media = media.replace(".simple.latest+", ".simple.v1+")
            q = next((p[2:] for p in params if p.startswith("q=")), "1")
            quality[media] = max(quality.get(media, 0.0), float(q or 0))
        as_json = quality.get(JSON_TYPE, 0.0)
        as_html = max(quality.get(HTML_TYPE, 0.0), quality.get("text/html", 0.0))
        return as_json > 0 and as_json >= as_html

    def _root_page(self, index: SimpleIndex) -> None:
        projects = index.projects()
        if index.json and self._wants_json():
            names = [{"name": name} for name in projects]
            self._json({"meta": {"api-version": "1.1"}, "projects": names})
        else:
            links = "".join(f'<a href="{p}/">{p}</a><br/>\n' for p in projects)
            self._html("Simple index", links)

    def _project_page(self, index: SimpleIndex, name: str) -> None:
        project = normalize(name)
        if project != name:
            self._redirect(f"/simple/{project}/")
            return
        status = index.faults.page_status.get(project)
        if status is not None:
            self._send(status, f"status {status} injected\n".encode())
            return
        files = index.listing(project)
        if not files:
            self._send(404, b"no such project\n")
        elif index.json and self._wants_json():
            self._json(
                {
                    "meta": {"api-version": "1.1"},
                    "name": project,
                    "versions": list(dict.fromkeys(f.version for f in files)),
                    "files": [self._file_json(index, f) for f in files],
                },
                key=project,
            )
        else:
            links = "".join(self._file_html(index, f) for f in files)
            self._html(f"Links for {project}", links, key=project)

    @staticmethod
    def _file_json(index: SimpleIndex, f: _Listed) -> dict[str, Any]:
        listing = {
            "filename": f.listed,
            "url": index.faults.url_of.get(f.listed, index.file_url(f.listed)),
            "hashes": {"sha256": f.sha256},
            "requires-python": f.requires_python,
            "yanked": f.yanked,
            "size": f.size,
        }
        metadata = index.core_metadata(f.filename)
        if metadata is not None:
            listing["core-metadata"] = {"sha256": hashlib.sha256(metadata).hexdigest()}
        return listing

    @staticmethod
    def _file_html(index: SimpleIndex, f: _Listed) -> str:
        url = index.faults.url_of.get(f.listed, index.file_url(f.listed))
        href = html.escape(f"{url}#sha256={f.sha256}")
        attrs = f'href="{href}"'
        if f.requires_python is not None:
            attrs += f' data-requires-python="{html.escape(f.requires_python)}"'
        if f.yanked is not False:
            reason = "" if f.yanked is True else f.yanked
            attrs += f' data-yanked="{html.escape(reason)}"'
        metadata = index.core_metadata(f.filename)
        if metadata is not None:
            attrs += f' data-core-metadata="sha256={hashlib.sha256(metadata).hexdigest()}"'
        return f"<a {attrs}>{html.escape(f.listed)}</a><br/>\n"

    def _file(self, index: SimpleIndex, name: str) -> None:
        metadata = index.core_metadata(name.removesuffix(".metadata"))
        if name.endswith(".whl.metadata") and metadata is not None:
            self._send(200, metadata, {"Content-Type": "application/octet-stream"}, key=name)
            return
        path = index.resolve(name)
        if name in index.faults.redirect_loop:
            self._send(302, b"", {"Location": self.path})
            return
        if path is None:
            self._send(404, b"no such file\n")
            return
        body: bytes | Path = path
        if path.name in index.faults.wrong_bytes:  # same length, last byte flipped
            data = path.read_bytes()
            body = data[:-1] + bytes([data[-1] ^ 0xFF]) if data else b"\0"
        self._send(200, body, {"Content-Type": "application/octet-stream"}, key=path.name)

    def _json(self, payload: dict[str, Any], *, key: str = "") -> None:
        body = json.dumps(payload, indent=1).encode()
        self._send(200, body, {"Content-Type": JSON_TYPE, **PAGE_HEADERS}, key=key)

    def _html(self, title: str, body: str, *, key: str = "") -> None:
        page = (
            '<!DOCTYPE html>\n<html><head><meta name="pypi:repository-version" content="1.1">'
            f"<title>{title}</title></head>\n<body><h1>{title}</h1>\n{body}</body></html>\n"
        )
        headers = {"Content-Type": "text/html; charset=utf-8", **PAGE_HEADERS}
        self._send(200, page.encode(), headers, key=key)

    def _redirect(self, location: str) -> None:
        self._send(301, b"", {"Location": location})

    def _send(
        self,
        status: int,
        body: bytes | Path,
        headers: dict[str, str] | None = None,
        *,
        key: str = "",
    ) -> None:
        """Send a response (a Path is streamed), unless a fault for `key` says otherwise."""
        faults = self.server.index.faults
        if key and key in faults.reset:
            self.close_connection = True
            with self.server.lock:
                self.server.resets.add(self.connection)
            return
        if key and faults.take_failure(key):
            status, body, headers = faults.fail_status, b"injected failure\n", {}
        truncated = bool(key) and key in faults.truncate and status == 200
        self.send_response(status)
        for name, value in {"Content-Type": "text/plain", **(headers or {})}.items():
            self.send_header(name, value)
        length = body.stat().st_size if isinstance(body, Path) else len(body)
        self.send_header("Content-Length", str(length))
        if truncated:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        count = length // 2 if truncated else length
        if self.command == "HEAD" or count == 0:
            return
        data = body.read_bytes() if isinstance(body, Path) else body
        pause = faults.stall.get(key) if key else None
        if pause is not None:
            self.wfile.write(data[: count // 2])
            self.wfile.flush()
            time.sleep(pause)
            self.wfile.write(data[count // 2 : count])
        elif isinstance(body, Path):
            with body.open("rb") as stream:
                self.connection.sendfile(stream, count=count)
        else:
            self.wfile.write(body[:count])
