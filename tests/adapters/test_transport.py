"""The blocking transport (wh.adapters.transport) against real servers on loopback: a
``ThreadingHTTPServer`` speaking HTTP/1.1 keep-alive, whose handler each test scripts, and a
tiny forwarding proxy. Nothing of the transport is mocked."""

from __future__ import annotations

import base64
import gzip
import http.client
import os
import socket
import sys
import threading
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import pytest

from wh.adapters.http import describe
from wh.adapters.transport import (
    CLOSED_EARLY,
    MAX_REDIRECTS,
    InvalidURL,
    ReadTimeout,
    Stopped,
    TooManyRedirects,
    Transport,
    TransportError,
)

Route = Callable[["Handler"], None]
BODY = os.urandom(300_000)  # larger than one socket buffer, not a multiple of any read size
STALL = 10.0  # seconds a stalling route waits at most (released at teardown)


@dataclass(frozen=True)
class Seen:
    requestline: str
    path: str
    headers: dict[str, str]


class Server(ThreadingHTTPServer):
    """Answers each path with its route (``default`` for any other); counts connections and
    records every request."""

    daemon_threads = True
    block_on_close = False  # a kept-alive connection must not hold up the teardown

    def __init__(self, host: str = "127.0.0.1") -> None:
        if ":" in host:
            self.address_family = socket.AF_INET6
        super().__init__((host, 0), Handler)
        self.routes: dict[str, Route] = {}
        self.default: Route = lambda h: reply(h, 404, b"not here")
        self.lock = threading.Lock()
        self.connections = 0
        self.closed = threading.Semaphore(0)  # released as each connection ends
        self.seen: list[Seen] = []
        self.release = threading.Event()  # set at teardown: stalled routes end

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):  # a client gone is no news
            super().handle_error(request, client_address)

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def url(self, path: str, host: str = "") -> str:
        host = host or str(self.server_address[0])
        return f"http://{f'[{host}]' if ':' in host else host}:{self.port}{path}"

    def paths(self) -> list[str]:
        with self.lock:
            return [s.path for s in self.seen]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    wbufsize = 1 << 16  # headers and body in one send: no Nagle wait on a kept connection
    server: Server

    def setup(self) -> None:
        super().setup()
        with self.server.lock:
            self.server.connections += 1

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.closed.release()

    def do_GET(self) -> None:
        with self.server.lock:
            self.server.seen.append(Seen(self.requestline, self.path, dict(self.headers)))
        self.server.routes.get(self.path, self.server.default)(self)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def reply(h: Handler, status: int = 200, body: bytes = b"", **headers: str) -> None:
    h.send_response(status)
    h.send_header("Content-Length", str(len(body)))
    for name, value in headers.items():
        h.send_header(name.replace("_", "-"), value)
    h.end_headers()
    h.wfile.write(body)


def redirect(location: str, status: int = 302) -> Route:
    return lambda h: reply(h, status, b"moved", Location=location)


@dataclass
class Servers:
    """Servers started for one test, stopped at its end."""

    started: list[Server] = field(default_factory=list)

    def __call__(self, host: str = "127.0.0.1") -> Server:
        server = Server(host)
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        self.started.append(server)
        return server


@pytest.fixture
def serve() -> Iterator[Servers]:
    servers = Servers()
    yield servers
    for server in servers.started:
        server.release.set()
        server.shutdown()
        server.server_close()


@pytest.fixture
def server(serve: Servers) -> Server:
    return serve()


@pytest.fixture(autouse=True)
def no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    """No proxy of this machine's environment in the way of loopback."""
    for key in list(os.environ):
        if key.lower().endswith("_proxy") or key == "REQUEST_METHOD":
            monkeypatch.delenv(key)


@pytest.fixture
def transports() -> Iterator[Callable[..., Transport]]:
    made: list[Transport] = []

    def make(**kwargs: Any) -> Transport:
        kwargs.setdefault("user_agent", "wh-test/1")
        made.append(Transport(**kwargs))
        return made[-1]

    yield make
    for transport in made:
        transport.close()


@pytest.fixture
def transport(transports: Callable[..., Transport]) -> Transport:
    return transports()


def read_all(transport: Transport, url: str, size: int) -> bytes:
    """The body of ``url`` read with ``readinto`` and a ``size``-byte buffer."""
    chunks = []
    buffer = bytearray(size)
    with transport.get(url) as response:
        assert response.status == 200
        while n := response.readinto(buffer):
            chunks.append(bytes(buffer[:n]))
    return b"".join(chunks)


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


# --- bodies ----------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [7, 4096, 1 << 20])
def test_a_body_read_with_readinto_is_the_bytes_sent(
    server: Server, transport: Transport, size: int
) -> None:
    server.routes["/file"] = lambda h: reply(h, 200, BODY)
    assert read_all(transport, server.url("/file"), size) == BODY
    headers = server.seen[0].headers
    assert headers["User-Agent"] == "wh-test/1"
    assert headers["Accept-Encoding"] == "identity"


def cut_short(h: Handler) -> None:
    h.send_response(200)
    h.send_header("Content-Length", str(len(BODY)))
    h.end_headers()
    h.wfile.write(BODY[:1000])
    h.close_connection = True


def chunked_cut_short(h: Handler) -> None:
    h.send_response(200)
    h.send_header("Transfer-Encoding", "chunked")
    h.end_headers()
    h.wfile.write(b"400\r\n" + BODY[:100])
    h.close_connection = True


@pytest.mark.parametrize("route", [cut_short, chunked_cut_short])
@pytest.mark.parametrize("size", [64, 1 << 20])
def test_a_body_cut_short_raises_not_a_quiet_short_read(
    server: Server, transport: Transport, route: Route, size: int
) -> None:
    server.routes["/file"] = route
    with pytest.raises(TransportError, match=CLOSED_EARLY):
        read_all(transport, server.url("/file"), size)


def test_a_body_cut_short_raises_from_read_too(server: Server, transport: Transport) -> None:
    server.routes["/file"] = cut_short
    with transport.get(server.url("/file")) as response, pytest.raises(TransportError):
        response.read()


def chunked(h: Handler) -> None:
    h.send_response(200)
    h.send_header("Transfer-Encoding", "chunked")
    h.end_headers()
    for start, end in [(0, 1), (1, 5000), (5000, 70_000), (70_000, len(BODY))]:
        h.wfile.write(b"%x\r\n%s\r\n" % (end - start, BODY[start:end]))
    h.wfile.write(b"0\r\n\r\n")


@pytest.mark.parametrize("size", [1000, 1 << 20])
def test_a_chunked_body_is_read_whole(server: Server, transport: Transport, size: int) -> None:
    server.routes["/file"] = chunked
    assert read_all(transport, server.url("/file"), size) == BODY
    with transport.get(server.url("/file")) as response:
        assert response.read() == BODY
    assert server.connections == 1  # a chunked body read to its end keeps the connection


def test_a_body_ended_by_closing_the_connection_is_read_whole(
    server: Server, transport: Transport
) -> None:
    def until_close(h: Handler) -> None:
        h.send_response(200)
        h.send_header("Connection", "close")
        h.end_headers()
        h.wfile.write(BODY)
        h.close_connection = True

    server.routes["/file"] = until_close
    assert read_all(transport, server.url("/file"), 8192) == BODY
    assert read_all(transport, server.url("/file"), 8192) == BODY
    assert server.connections == 2  # not kept: the server said it closes


PAGE = b'{"meta": {"api-version": "1.0"}, "files": []}' * 50


@pytest.mark.parametrize(
    ("encoding", "encode"),
    [
        ("gzip", gzip.compress),
        ("x-gzip", gzip.compress),
        ("deflate", zlib.compress),  # zlib-wrapped, as the RFC says
        ("identity", lambda b: b),
    ],
)
def test_an_encoded_page_body_is_decoded_by_read(
    server: Server, transport: Transport, encoding: str, encode: Callable[[bytes], bytes]
) -> None:
    server.routes["/page"] = lambda h: reply(h, 200, encode(PAGE), Content_Encoding=encoding)
    with transport.get(server.url("/page"), {"Accept-Encoding": "gzip, deflate"}) as response:
        assert response.read() == PAGE
    assert server.seen[0].headers["Accept-Encoding"] == "gzip, deflate"


def test_a_raw_deflate_body_is_decoded_too(server: Server, transport: Transport) -> None:
    """Some servers send "deflate" without the zlib wrapper; clients accept both."""
    raw = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    body = raw.compress(PAGE) + raw.flush()
    server.routes["/page"] = lambda h: reply(h, 200, body, Content_Encoding="deflate")
    with transport.get(server.url("/page")) as response:
        assert response.read() == PAGE


def test_a_gzip_body_that_does_not_decompress_raises(server: Server, transport: Transport) -> None:
    server.routes["/page"] = lambda h: reply(h, 200, b"not gzip", Content_Encoding="gzip")
    with transport.get(server.url("/page")) as response, pytest.raises(TransportError):
        response.read()


# --- redirects and credentials ---------------------------------------------------------------


def test_a_redirect_chain_is_followed_to_the_last_url(server: Server, transport: Transport) -> None:
    server.routes["/simple/a/"] = redirect("../b/")  # relative
    server.routes["/simple/b/"] = redirect(server.url("/c"), 301)  # absolute
    server.routes["/c"] = redirect("/d?x=1", 307)  # absolute path
    server.routes["/d?x=1"] = redirect("e", 308)
    server.routes["/e"] = lambda h: reply(h, 200, b"here")
    with transport.get(server.url("/simple/a/")) as response:
        assert (response.status, response.read()) == (200, b"here")
        assert response.url == server.url("/e")
    assert server.paths() == ["/simple/a/", "/simple/b/", "/c", "/d?x=1", "/e"]


def test_redirects_on_one_server_keep_one_connection(server: Server, transport: Transport) -> None:
    server.routes["/simple/Pure"] = redirect("/simple/pure/", 301)
    server.routes["/simple/pure/"] = redirect("/files/pure.whl")
    server.routes["/files/pure.whl"] = lambda h: reply(h, 200, BODY)
    for _ in range(2):
        assert read_all(transport, server.url("/simple/Pure"), 65536) == BODY
    assert server.connections == 1


def test_a_redirect_loop_raises_too_many_redirects(server: Server, transport: Transport) -> None:
    server.routes["/loop"] = redirect("/loop")
    with pytest.raises(TooManyRedirects):
        transport.get(server.url("/loop"))
    assert len(server.seen) == MAX_REDIRECTS + 1


def test_authorization_is_asked_per_hop_and_follows_only_its_host(
    serve: Servers, transports: Callable[..., Transport]
) -> None:
    first, second = serve(), serve()
    first.routes["/start"] = redirect(second.url("/there", host="localhost"))
    second.routes["/there"] = redirect(first.url("/back"))
    first.routes["/back"] = lambda h: reply(h, 200, b"ok")
    by_host = {"127.0.0.1": basic("alice", "first"), "localhost": basic("bob", "second")}
    asked: list[str] = []

    def auth(url: str) -> str | None:
        asked.append(url)
        return by_host.get(urlsplit(url).hostname or "")

    with transports(auth=auth).get(first.url("/start")) as response:
        assert response.read() == b"ok"
    assert asked == [first.url("/start"), second.url("/there", "localhost"), first.url("/back")]
    assert [s.headers["Authorization"] for s in first.seen] == [by_host["127.0.0.1"]] * 2
    assert [s.headers["Authorization"] for s in second.seen] == [by_host["localhost"]]


def test_credentials_are_not_sent_to_a_host_redirected_to_without_any(
    serve: Servers, transports: Callable[..., Transport]
) -> None:
    first, second = serve(), serve()
    first.routes["/start"] = redirect(second.url("/there", host="localhost"))
    second.routes["/there"] = lambda h: reply(h, 200, b"ok")
    auth = basic("alice", "s3cret")
    transport = transports(auth=lambda url: auth if "127.0.0.1" in url else None)
    with transport.get(first.url("/start")) as response:
        assert response.read() == b"ok"
    assert first.seen[0].headers["Authorization"] == auth
    assert "Authorization" not in second.seen[0].headers


# --- connections -----------------------------------------------------------------------------


def test_sequential_requests_reuse_one_connection(server: Server, transport: Transport) -> None:
    server.routes["/file"] = lambda h: reply(h, 200, BODY)
    server.routes["/page"] = lambda h: reply(h, 404, b"missing")
    assert read_all(transport, server.url("/file"), 65536) == BODY
    with transport.get(server.url("/page")) as response:
        assert (response.status, response.read()) == (404, b"missing")
    assert read_all(transport, server.url("/file"), 65536) == BODY
    assert server.connections == 1


def test_a_body_not_read_to_its_end_does_not_go_back_to_the_pool(
    server: Server, transport: Transport
) -> None:
    server.routes["/file"] = lambda h: reply(h, 200, BODY)
    with transport.get(server.url("/file")) as response:
        response.readinto(bytearray(10))
    assert read_all(transport, server.url("/file"), 65536) == BODY
    assert server.connections == 2


def test_threads_share_the_pool(server: Server, transport: Transport) -> None:
    server.routes["/file"] = lambda h: reply(h, 200, BODY[:50_000])
    bodies: list[bytes] = []

    def work() -> None:
        for _ in range(10):
            bodies.append(read_all(transport, server.url("/file"), 4096))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert bodies == [BODY[:50_000]] * 40
    assert server.connections <= 4


def test_a_kept_alive_connection_the_server_closed_is_retried_on_a_fresh_one(
    server: Server, transport: Transport
) -> None:
    def then_close(h: Handler) -> None:
        reply(h, 200, b"first")  # no "Connection: close": the client keeps it
        h.close_connection = True

    server.routes["/first"] = then_close
    server.routes["/second"] = lambda h: reply(h, 200, b"second")
    with transport.get(server.url("/first")) as response:
        assert response.read() == b"first"
    assert server.closed.acquire(timeout=5)  # the server has closed it now
    with transport.get(server.url("/second")) as response:
        assert response.read() == b"second"
    assert server.connections == 2
    assert server.paths() == ["/first", "/second"]


def test_a_fresh_connection_closed_before_the_response_is_not_retried(
    server: Server, transport: Transport
) -> None:
    def hang_up(h: Handler) -> None:
        h.close_connection = True

    server.routes["/gone"] = hang_up
    with pytest.raises(TransportError, match=CLOSED_EARLY):
        transport.get(server.url("/gone"))
    assert server.paths() == ["/gone"]


def stall(h: Handler) -> None:
    h.server.release.wait(STALL)


def stall_mid_body(h: Handler) -> None:
    h.send_response(200)
    h.send_header("Content-Length", "1000")
    h.end_headers()
    h.wfile.write(b"x" * 10)
    h.wfile.flush()
    h.server.release.wait(STALL)
    h.close_connection = True


def test_a_server_that_stalls_before_answering_raises_read_timeout(
    server: Server, transports: Callable[..., Transport]
) -> None:
    server.routes["/slow"] = stall
    with pytest.raises(ReadTimeout):
        transports(read_timeout=0.3).get(server.url("/slow"))


def test_a_server_that_stalls_mid_body_raises_read_timeout(
    server: Server, transports: Callable[..., Transport]
) -> None:
    server.routes["/slow"] = stall_mid_body
    with pytest.raises(ReadTimeout):
        read_all(transports(read_timeout=0.3), server.url("/slow"), 4096)


def test_a_connect_that_times_out_raises_transport_error_not_read_timeout(
    transports: Callable[..., Transport],
) -> None:
    """A listener that never accepts, its backlog full: the next SYN goes unanswered."""
    listener = socket.socket()
    queued = [socket.socket() for _ in range(4)]
    try:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        for s in queued:
            s.setblocking(False)
            s.connect_ex(listener.getsockname())
        transport = transports(connect_timeout=0.3, read_timeout=0.3)
        with pytest.raises(TransportError, match=r"^connect timed out$") as caught:
            transport.get(f"http://127.0.0.1:{listener.getsockname()[1]}/simple/")
        assert not isinstance(caught.value, ReadTimeout)
        assert describe(caught.value) == "connect timed out"  # not --read-timeout's words
    finally:
        for s in [*queued, listener]:
            s.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_connection_refused_raises_transport_error_naming_it(transport: Transport) -> None:
    with pytest.raises(TransportError, match=r"(?i)refused"):
        transport.get(f"http://127.0.0.1:{free_port()}/simple/")


@pytest.mark.parametrize(
    "url",
    [
        "ftp://127.0.0.1/simple/",
        "127.0.0.1/simple/",
        "http:///simple/",
        "http://127.0.0.1:99999/simple/",
        "http://127.0.0.1:port/simple/",
        "http://[127.0.0.1/simple/",
    ],
)
def test_urls_no_request_can_be_made_for_raise_invalid_url(transport: Transport, url: str) -> None:
    with pytest.raises(InvalidURL):
        transport.get(url)


def test_a_url_with_control_characters_raises_invalid_url_and_sends_nothing(
    server: Server, transport: Transport
) -> None:
    with pytest.raises(InvalidURL):
        transport.get(server.url("/simple/\x00X-Injected: 1"))
    assert server.seen == []


def test_spaces_and_non_ascii_in_a_url_are_percent_encoded_and_escapes_kept(
    server: Server, transport: Transport
) -> None:
    server.routes["/files/a b%2Bc/\u00e9.whl"] = lambda h: reply(h, 200, b"ok")
    with transport.get(server.url("/files/a b%2Bc/\u00e9.whl?x=1 2")) as response:
        response.read()
    assert server.seen[0].path == "/files/a%20b%2Bc/%C3%A9.whl?x=1%202"


@pytest.mark.parametrize("location", ["ftp://127.0.0.1/f.whl", "http://[127.0.0.1/f.whl"])
def test_a_redirect_to_an_invalid_url_raises_invalid_url(
    server: Server, transport: Transport, location: str
) -> None:
    server.routes["/start"] = redirect(location)
    with pytest.raises(InvalidURL):
        transport.get(server.url("/start"))


def test_after_close_a_get_raises_stopped(server: Server, transport: Transport) -> None:
    server.routes["/page"] = lambda h: reply(h, 200, b"ok")
    with transport.get(server.url("/page")) as response:
        response.read()
    transport.close()
    assert transport.stopping.is_set()
    with pytest.raises(Stopped):
        transport.get(server.url("/page"))
    assert server.closed.acquire(timeout=5)  # the idle connection was closed too


# --- proxies from the environment ------------------------------------------------------------


def forward(h: Handler) -> None:
    """A proxy's answer: fetch the absolute-form target from its server, relay the body."""
    target = urlsplit(h.path)
    if not target.scheme:
        reply(h, 400, b"not an absolute-form request")
        return
    upstream = http.client.HTTPConnection(target.hostname or "", target.port, timeout=5)
    try:
        upstream.request("GET", target.path + (f"?{target.query}" if target.query else ""))
        answer = upstream.getresponse()
        reply(h, answer.status, answer.read())
    finally:
        upstream.close()


@pytest.fixture
def proxied(serve: Servers) -> tuple[Server, Server]:
    origin, proxy = serve(), serve()
    origin.routes["/simple/pure/"] = lambda h: reply(h, 200, b"the page")
    proxy.default = forward
    return origin, proxy


@pytest.mark.parametrize("variable", ["http_proxy", "HTTP_PROXY", "all_proxy"])
def test_a_plain_http_request_goes_through_the_proxy_of_the_environment(
    proxied: tuple[Server, Server],
    transports: Callable[..., Transport],
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
) -> None:
    origin, proxy = proxied
    monkeypatch.setenv(variable, f"http://pat:s%40cret@127.0.0.1:{proxy.port}")
    url = origin.url("/simple/pure/")
    transport = transports(auth=lambda u: basic("alice", "index"))
    for _ in range(2):
        with transport.get(url) as response:
            assert response.read() == b"the page"
    assert [s.requestline for s in proxy.seen] == [f"GET {url} HTTP/1.1"] * 2
    headers = proxy.seen[0].headers
    assert headers["Proxy-Authorization"] == basic("pat", "s@cret")
    assert headers["Authorization"] == basic("alice", "index")
    assert headers["Host"] == f"127.0.0.1:{origin.port}"
    assert proxy.connections == 1  # the proxy's connection is kept alive too
    assert origin.paths() == ["/simple/pure/"] * 2


def test_a_proxy_without_user_info_gets_no_proxy_authorization(
    proxied: tuple[Server, Server],
    transport: Transport,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    origin, proxy = proxied
    monkeypatch.setenv("http_proxy", f"127.0.0.1:{proxy.port}")  # no scheme: http
    with transport.get(origin.url("/simple/pure/")) as response:
        assert response.read() == b"the page"
    assert "Proxy-Authorization" not in proxy.seen[0].headers


@pytest.mark.parametrize("variable", ["no_proxy", "NO_PROXY"])
@pytest.mark.parametrize("bypass", ["127.0.0.1", "localhost,127.0.0.1", "*"])
def test_no_proxy_bypasses_the_proxy(
    proxied: tuple[Server, Server],
    transport: Transport,
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
    bypass: str,
) -> None:
    origin, proxy = proxied
    monkeypatch.setenv("http_proxy", f"http://127.0.0.1:{proxy.port}")
    monkeypatch.setenv(variable, bypass)
    with transport.get(origin.url("/simple/pure/")) as response:
        assert response.read() == b"the page"
    assert proxy.seen == []
    assert [s.requestline for s in origin.seen] == ["GET /simple/pure/ HTTP/1.1"]


def test_an_https_proxy_setting_does_not_apply_to_plain_http(
    proxied: tuple[Server, Server],
    transport: Transport,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    origin, proxy = proxied
    monkeypatch.setenv("https_proxy", f"http://127.0.0.1:{proxy.port}")
    with transport.get(origin.url("/simple/pure/")) as response:
        assert response.read() == b"the page"
    assert proxy.seen == []


def test_an_ipv6_server_is_named_in_brackets_to_the_proxy(
    serve: Servers, transport: Transport, monkeypatch: pytest.MonkeyPatch
) -> None:
    try:
        origin = serve("::1")
    except OSError:
        pytest.skip("no IPv6 loopback here")
    origin.routes["/simple/pure/"] = lambda h: reply(h, 200, b"the page")
    proxy = serve()
    proxy.default = forward
    monkeypatch.setenv("http_proxy", f"http://127.0.0.1:{proxy.port}")
    url = origin.url("/simple/pure/")
    with transport.get(url) as response:
        assert response.read() == b"the page"
    assert [s.requestline for s in proxy.seen] == [f"GET {url} HTTP/1.1"]
    assert proxy.seen[0].headers["Host"] == f"[::1]:{origin.port}"
