"""HTTP/1.1 GETs for index pages and files: the standard library's ``http.client``, blocking,
called from worker threads (``services.session`` runs them), with keep-alive connections
shared between the threads, redirects, proxies from the environment and TLS made only when
an ``https`` URL is asked for.

Why not an async client: on a loopback index the same 193 files took 0.24 s here against
0.7 s through httpx, whose per-request and per-chunk bookkeeping kept the event loop busy
(py-spy); a thread reading 1 MiB at a time into one buffer spends its time in ``recv``,
``sha256`` and ``write``, which all release the GIL. Measured in benchmarks/bench_sync.py.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import os
import socket
import ssl
import threading
import zlib
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from types import TracebackType
from urllib.parse import quote, unquote, urljoin, urlsplit

from wh.core.config import READ_TIMEOUT

CONNECT_TIMEOUT = 10.0
MAX_REDIRECTS = 20
REDIRECTS = frozenset({301, 302, 303, 307, 308})
_PATH_SAFE = "/%!$&'()*+,;=:@"  # RFC 3986 pchar and "/": left as they are
REDIRECT_BODY = 1 << 16  # a redirect's body up to this length is read to keep the connection
CLOSED_EARLY = "the server closed the connection before the whole response"


class TransportError(Exception):
    """The network failed a request: worth retrying. The message is the cause, in words."""


class ReadTimeout(TransportError):
    """No byte arrived for the read timeout."""


class TooManyRedirects(Exception):
    """A redirect loop: retrying will not help."""


class InvalidURL(Exception):
    """A URL no request can be made for (scheme, host or port)."""


class Stopped(Exception):
    """The transport was closed while a request was under way."""


@dataclass(frozen=True, slots=True)
class _Route:
    """Where a request's connection goes: the server itself, or a proxy in front of it."""

    scheme: str  # of the connection: "https" also for a tunnel through an http proxy
    host: str
    port: int
    tunnel: tuple[str, int] | None = None  # https through a proxy: CONNECT to this
    proxy_auth: str | None = None  # Proxy-Authorization header value
    absolute: bool = False  # plain http through a proxy: the request names the whole URL


class Response:
    """One response, its body not read yet. Close it (or use ``with``) to give the
    connection back; a body not read to its end closes the connection instead."""

    def __init__(
        self, raw: http.client.HTTPResponse, url: str, release: Callable[[bool], None]
    ) -> None:
        self.raw = raw
        self.url = url
        self.status = raw.status
        self._release: Callable[[bool], None] | None = release

    def header(self, name: str) -> str:
        return self.raw.getheader(name) or ""

    def readinto(self, buffer: bytearray | memoryview) -> int:
        """Read the next bytes of the body into ``buffer``; 0 at its end."""
        with _translating(reading=True):
            n = self.raw.readinto(buffer)
        if not n and self.raw.length:  # http.client ends a short body quietly
            raise TransportError(CLOSED_EARLY)
        return n

    def read(self) -> bytes:
        """The whole body, gzip or deflate undone."""
        with _translating(reading=True):
            data = self.raw.read()
        encoding = self.header("Content-Encoding").strip().lower()
        if encoding in ("gzip", "x-gzip", "deflate"):
            try:
                return zlib.decompress(data, 47 if "gzip" in encoding else zlib.MAX_WBITS)
            except zlib.error as exc:
                if encoding == "deflate":  # some servers send it without the zlib wrapper
                    with suppress(zlib.error):
                        return zlib.decompress(data, -zlib.MAX_WBITS)
                raise TransportError(f"a {encoding} body that does not decompress") from exc
        return data

    def close(self) -> None:
        if self._release is not None:
            release, self._release = self._release, None
            release(self.raw.isclosed() and not self.raw.will_close)

    def __enter__(self) -> Response:
        return self

    def __exit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class Transport:
    """GETs from any thread. ``auth(url)`` gives the Authorization header for a URL (or
    None); it is asked again at every redirect, so credentials follow only their host."""

    def __init__(
        self,
        *,
        user_agent: str,
        auth: Callable[[str], str | None] = lambda url: None,
        read_timeout: float = READ_TIMEOUT,
        connect_timeout: float = CONNECT_TIMEOUT,
    ) -> None:
        self.user_agent = user_agent
        self.auth = auth
        self.read_timeout = read_timeout
        self.connect_timeout = connect_timeout
        self.stopping = threading.Event()  # set by close(): transfers end at their next read
        self._idle: dict[_Route, list[http.client.HTTPConnection]] = {}
        self._busy: set[http.client.HTTPConnection] = set()  # a request or body under way
        self._lock = threading.Lock()
        self._tls: ssl.SSLContext | None = None
        self._proxies: Mapping[str, str] | None = None

    def get(self, url: str, headers: Mapping[str, str] | None = None) -> Response:
        """GET ``url``, following redirects; the response of the last hop."""
        for _ in range(MAX_REDIRECTS + 1):
            response = self._request(url, headers or {})
            location = response.header("Location")
            if response.status not in REDIRECTS or not location:
                return response
            with response:
                if response.raw.length is not None and response.raw.length <= REDIRECT_BODY:
                    with suppress(OSError, http.client.HTTPException):
                        response.raw.read()  # to its end: the connection is kept
            try:
                url = urljoin(url, location)
            except ValueError as exc:
                raise InvalidURL(f"a redirect to {location!r}: {exc}") from None
        raise TooManyRedirects(f"more than {MAX_REDIRECTS} redirects (a redirect loop)")

    def close(self) -> None:
        """Close the idle connections; end the reads under way (their sockets are shut
        down, so a thread blocked in ``recv`` wakes now, not after the read timeout)."""
        self.stopping.set()
        with self._lock:
            idle, self._idle = self._idle, {}
            busy = list(self._busy)
        for connections in idle.values():
            for connection in connections:
                connection.close()
        for connection in busy:
            if connection.sock is not None:
                with contextlib.suppress(OSError):
                    connection.sock.shutdown(socket.SHUT_RDWR)

    def _request(self, url: str, headers: Mapping[str, str]) -> Response:
        if self.stopping.is_set():
            raise Stopped(url)
        route, target = self._route(url)
        sent = {"User-Agent": self.user_agent, "Accept-Encoding": "identity", **headers}
        authorization = self.auth(url)
        if authorization:
            sent["Authorization"] = authorization
        if route.absolute and route.proxy_auth:
            sent["Proxy-Authorization"] = route.proxy_auth
        connection, reused = self._checkout(route)
        try:
            raw = _send(connection, target, sent)
        except _STALE as exc:
            self._checkin(route, connection, False)
            if not reused:
                raise _translated(exc, reading=True) from exc
            # a kept-alive connection the server had closed meanwhile: once more, fresh
            connection = self._connect(route)
            try:
                raw = _send(connection, target, sent)
            except BaseException as again:
                self._checkin(route, connection, False)
                if isinstance(again, _STALE):
                    raise _translated(again, reading=True) from again
                raise
        except BaseException:
            self._checkin(route, connection, False)
            raise
        return Response(raw, url, lambda ok: self._checkin(route, connection, ok))

    def _route(self, url: str) -> tuple[_Route, str]:
        """The connection a URL needs, and the request target to send on it."""
        if any(ord(c) < 0x20 or ord(c) == 0x7F for c in url):
            raise InvalidURL("control characters in the URL")
        try:
            parts = urlsplit(url)
        except ValueError as exc:  # an unclosed "[" of an IPv6 host
            raise InvalidURL(str(exc)) from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise InvalidURL(f"not an http(s) URL: {parts.scheme or '(no scheme)'}://")
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError as exc:
            raise InvalidURL(str(exc)) from None
        # spaces and non-ASCII percent-encoded (as browsers and httpx do); escapes kept
        target = quote(parts.path or "/", safe=_PATH_SAFE)
        target += f"?{quote(parts.query, safe=_PATH_SAFE + '?')}" if parts.query else ""
        proxy = self._proxy_for(parts.scheme, parts.hostname)
        if proxy is None:
            return _Route(parts.scheme, parts.hostname, port), target
        p = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
        try:
            p_port = p.port or (443 if p.scheme == "https" else 80)
        except ValueError as exc:
            raise InvalidURL(f"the proxy's URL: {exc}") from None
        auth = basic_auth(unquote(p.username), unquote(p.password or "")) if p.username else None
        if parts.scheme == "https":
            return _Route("https", p.hostname or "", p_port, (parts.hostname, port), auth), target
        host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
        absolute = f"http://{host}:{port}{target}"
        return _Route(p.scheme, p.hostname or "", p_port, None, auth, absolute=True), absolute

    def _proxy_for(self, scheme: str, host: str) -> str | None:
        if self._proxies is None:
            from urllib.request import getproxies

            self._proxies = getproxies()
        proxy = self._proxies.get(scheme) or self._proxies.get("all")
        if not proxy:
            return None
        from urllib.request import proxy_bypass

        return None if proxy_bypass(host) else proxy

    def _checkout(self, route: _Route) -> tuple[http.client.HTTPConnection, bool]:
        with self._lock:
            idle = self._idle.get(route)
            if idle:
                connection = idle.pop()
                self._busy.add(connection)
                return connection, True
        return self._connect(route), False

    def _checkin(self, route: _Route, connection: http.client.HTTPConnection, ok: bool) -> None:
        with self._lock:
            self._busy.discard(connection)
            if ok and not self.stopping.is_set():
                self._idle.setdefault(route, []).append(connection)
                return
        connection.close()

    def _connect(self, route: _Route) -> http.client.HTTPConnection:
        connection: http.client.HTTPConnection
        if route.scheme == "https":
            context = self._tls_context()
            connection = http.client.HTTPSConnection(
                route.host, route.port, timeout=self.connect_timeout, context=context
            )
        else:
            connection = http.client.HTTPConnection(
                route.host, route.port, timeout=self.connect_timeout
            )
        if route.tunnel is not None:
            headers = {"Proxy-Authorization": route.proxy_auth} if route.proxy_auth else None
            connection.set_tunnel(*route.tunnel, headers=headers)
        try:
            with _translating(reading=False):
                connection.connect()
        except BaseException:
            connection.close()
            raise
        assert connection.sock is not None
        connection.sock.settimeout(self.read_timeout)
        connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self._lock:
            self._busy.add(connection)
        return connection

    def _tls_context(self) -> ssl.SSLContext:
        """Made once, on the first https connection: the system's trust store, or
        SSL_CERT_FILE / SSL_CERT_DIR when set, plus certifi's bundle when it is installed."""
        with self._lock:
            if self._tls is None:
                self._tls = tls_context()
            return self._tls


def tls_context() -> ssl.SSLContext:
    cafile, capath = os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR")
    if cafile or capath:
        return ssl.create_default_context(cafile=cafile, capath=capath)
    context = ssl.create_default_context()
    try:
        import certifi
    except ImportError:
        return context
    context.load_verify_locations(certifi.where())
    return context


def basic_auth(user: str, password: str) -> str:
    """An Authorization (or Proxy-Authorization) header value for HTTP basic auth."""
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


_STALE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)


def _send(
    connection: http.client.HTTPConnection, target: str, headers: Mapping[str, str]
) -> http.client.HTTPResponse:
    """Send a GET and read the status line and headers; the connection is closed if that
    fails. The errors of a connection the server closed (:data:`_STALE`) pass untranslated,
    so that a kept-alive one can be tried again."""
    try:
        connection.request("GET", target, headers=dict(headers))
        return connection.getresponse()
    except BaseException as exc:
        connection.close()
        if isinstance(exc, _STALE) or not isinstance(exc, Exception):
            raise
        translated = _translated(exc, reading=True)
        if translated is exc:
            raise
        raise translated from exc


@contextmanager
def _translating(*, reading: bool) -> Iterator[None]:
    try:
        yield
    except Exception as exc:
        translated = _translated(exc, reading=reading)
        if translated is exc:
            raise
        raise translated from exc


def _translated(exc: Exception, *, reading: bool) -> Exception:
    """What the socket, TLS and http.client layers raise, as this module's errors."""
    if isinstance(exc, TransportError | Stopped | InvalidURL | TooManyRedirects):
        return exc
    if isinstance(exc, TimeoutError):
        return ReadTimeout("read timed out") if reading else TransportError("connect timed out")
    if isinstance(exc, http.client.IncompleteRead | http.client.RemoteDisconnected):
        return TransportError(CLOSED_EARLY)
    if isinstance(exc, ConnectionResetError):
        return TransportError("Connection reset by peer")
    if isinstance(exc, ssl.SSLError):
        return TransportError(f"TLS: {exc.reason or exc}")
    if isinstance(exc, socket.gaierror):
        return TransportError(f"the host name did not resolve ({exc.strerror or exc})")
    if isinstance(exc, OSError):
        return TransportError(exc.strerror or str(exc) or type(exc).__name__)
    if isinstance(exc, http.client.InvalidURL | UnicodeError | ValueError | OverflowError):
        return InvalidURL(str(exc) or type(exc).__name__)
    if isinstance(exc, http.client.HTTPException):
        return TransportError(f"a malformed response ({type(exc).__name__}: {exc})")
    return exc
