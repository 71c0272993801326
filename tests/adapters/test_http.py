"""HTTP plumbing in-process: retries with backoff, failures in words, credentials by host, and
URLs and messages without user-info. Requests go through the real transport
(wh.adapters.transport) to a tiny threaded server on loopback; the transport itself is
tested in test_transport.py, the whole sync against hostile servers in
tests/integration/test_sync_faults.py."""

from __future__ import annotations

import asyncio
import base64
import os
import socket
import sys
import threading
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from wh.adapters import http
from wh.adapters.http import (
    Credentials,
    RequestFailed,
    RetryableStatus,
    describe,
    make_transport,
    retrying,
    with_retries,
)
from wh.adapters.index import IndexClient
from wh.adapters.transport import (
    CLOSED_EARLY,
    InvalidURL,
    ReadTimeout,
    Stopped,
    TooManyRedirects,
    Transport,
    TransportError,
)
from wh.core.urls import redact
from wh.errors import IndexUnreachable

HANG_UP = 0  # a status the server answers by closing the connection without a response


class Server(ThreadingHTTPServer):
    """Answers GETs with the statuses queued in ``statuses`` (then 200), recording each
    request's path and Authorization header."""

    daemon_threads = True
    block_on_close = False

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.statuses: list[int] = []
        self.seen: list[tuple[str, str | None]] = []

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):  # a client gone is no news
            super().handle_error(request, client_address)

    def url(self, path: str, host: str = "127.0.0.1", userinfo: str = "") -> str:
        return f"http://{userinfo}{'@' if userinfo else ''}{host}:{self.server_port}{path}"

    def authorizations(self) -> list[str | None]:
        with self.lock:
            return [auth for _, auth in self.seen]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    wbufsize = 1 << 16  # headers and body in one send: no Nagle wait on a kept connection
    server: Server

    def do_GET(self) -> None:
        with self.server.lock:
            self.server.seen.append((self.path, self.headers.get("Authorization")))
            status = self.server.statuses.pop(0) if self.server.statuses else 200
        if status == HANG_UP:
            self.close_connection = True
            return
        body = b"page" if status == 200 else b"no"
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[Server]:
    for key in list(os.environ):  # loopback straight, whatever this machine's proxies
        if key.lower().endswith("_proxy"):
            monkeypatch.delenv(key)
    started = Server()
    threading.Thread(target=started.serve_forever, args=(0.05,), daemon=True).start()
    yield started
    started.shutdown()
    started.server_close()


@pytest.fixture
def transport() -> Iterator[Transport]:
    made = Transport(user_agent="wh-test/1")
    yield made
    made.close()


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The backoff delays asked for, without waiting them out."""
    asked: list[float] = []

    async def sleep(delay: float, *args: Any) -> None:
        asked.append(delay)

    monkeypatch.setattr(http.asyncio, "sleep", sleep)
    return asked


def run(coro: Awaitable[Any]) -> Any:
    async def main() -> Any:
        return await coro

    return asyncio.run(main())


def flaky(failures: list[BaseException], result: str = "ok") -> Callable[[], Awaitable[str]]:
    """An attempt that raises each of ``failures`` in turn, then returns ``result``."""
    pending = list(failures)

    async def attempt() -> str:
        if pending:
            raise pending.pop(0)
        return result

    return attempt


def status_attempt(transport: Transport, url: str) -> Callable[[], Awaitable[str]]:
    """What the adapters do: a retryable status becomes RetryableStatus."""

    async def attempt() -> str:
        with transport.get(url) as response:
            body = response.read()
        if response.status in http.RETRY_STATUS:
            raise RetryableStatus(response.status)
        assert response.status == 200
        return body.decode()

    return attempt


def caught(call: Callable[[], object]) -> BaseException:
    """The exception ``call`` raises."""
    with pytest.raises(BaseException) as info:
        call()
    return info.value


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- with_retries ----------------------------------------------------------------------------


def test_transport_errors_are_retried_until_success(sleeps: list[float]) -> None:
    retried: list[tuple[int, str]] = []
    errors: list[BaseException] = [TransportError("refused"), ReadTimeout("read timed out")]
    result = run(with_retries(flaky(errors), on_retry=lambda n, e: retried.append((n, str(e)))))
    assert result == "ok"
    assert retried == [(1, "refused"), (2, "read timed out")]


def test_backoff_doubles_after_each_failed_attempt(sleeps: list[float]) -> None:
    errors: list[BaseException] = [TransportError("x")] * 3
    run(with_retries(flaky(errors), attempts=4, backoff=0.5))
    assert sleeps == [0.5, 1.0, 2.0]


def test_the_last_error_is_raised_after_the_last_attempt(sleeps: list[float]) -> None:
    errors: list[BaseException] = [TransportError(f"try {n}") for n in range(1, 4)]
    retried: list[int] = []
    with pytest.raises(TransportError, match="try 3"):
        run(with_retries(flaky(errors), attempts=3, on_retry=lambda n, e: retried.append(n)))
    assert retried == [1, 2]  # no notice for the attempt that gave up
    assert len(sleeps) == 2


@pytest.mark.parametrize(
    "error",
    [ValueError("bad hash"), TooManyRedirects("loop"), InvalidURL("bad"), Stopped("url")],
)
def test_errors_that_are_not_the_network_are_not_retried(
    sleeps: list[float], error: Exception
) -> None:
    with pytest.raises(type(error)):
        run(with_retries(flaky([error])))
    assert sleeps == []


def test_server_errors_from_the_transport_are_retried(
    sleeps: list[float], server: Server, transport: Transport
) -> None:
    server.statuses = [503, 502]
    assert run(with_retries(status_attempt(transport, server.url("/simple/")))) == "page"
    assert len(server.seen) == 3 and len(sleeps) == 2


def test_a_refused_connection_is_retried_then_given_up(
    sleeps: list[float], transport: Transport
) -> None:
    url = f"http://127.0.0.1:{free_port()}/simple/"
    told: list[str] = []
    with pytest.raises(RequestFailed) as failed:
        run(retrying(status_attempt(transport, url), "page", lambda s, c: told.append(c)))
    assert "refused" in failed.value.cause.lower() and failed.value.retried
    assert told == [failed.value.cause] * (http.ATTEMPTS - 1)


# --- retrying: RequestFailed with the cause in words -----------------------------------------


def test_retrying_tells_each_retry_by_subject_and_cause(sleeps: list[float]) -> None:
    told: list[tuple[str, str]] = []
    attempt = flaky([RetryableStatus(503)])
    assert run(retrying(attempt, "pure-1.0.whl", lambda s, c: told.append((s, c)))) == "ok"
    assert told == [("pure-1.0.whl", "HTTP 503")]


def test_retrying_gives_up_with_request_failed_marked_retried(sleeps: list[float]) -> None:
    attempt = flaky([TransportError("refused")] * http.ATTEMPTS)
    with pytest.raises(RequestFailed) as failed:
        run(retrying(attempt, "page", None))
    assert failed.value.cause == "refused" and failed.value.retried
    assert len(sleeps) == http.ATTEMPTS - 1


def test_retrying_names_the_read_timeout_it_was_given(sleeps: list[float]) -> None:
    attempt = flaky([ReadTimeout("read timed out")] * http.ATTEMPTS)
    with pytest.raises(RequestFailed) as failed:
        run(retrying(attempt, "page", None, read_timeout=2))
    assert failed.value.cause == "timed out: no data for 2 s (--read-timeout)"


@pytest.mark.parametrize(
    ("error", "cause"),
    [
        (TooManyRedirects("loop"), "too many redirects (a redirect loop)"),
        (InvalidURL("Port out of range 0-65535"), "invalid URL: Port out of range 0-65535"),
    ],
)
def test_a_redirect_loop_or_bad_url_fails_at_once_not_marked_retried(
    sleeps: list[float], error: Exception, cause: str
) -> None:
    with pytest.raises(RequestFailed) as failed:
        run(retrying(flaky([error]), "page", None))
    assert failed.value.cause == cause
    assert not failed.value.retried and sleeps == []


def test_retrying_never_names_credentials(sleeps: list[float]) -> None:
    error = TransportError("cannot reach https://alice:s3cret@127.0.0.1:9/simple/")
    told: list[str] = []
    with pytest.raises(RequestFailed) as failed:
        run(retrying(flaky([error] * http.ATTEMPTS), "page", lambda s, c: told.append(c)))
    for text in (failed.value.cause, *told):
        assert "s3cret" not in text and "alice" not in text
        assert "https://127.0.0.1:9/simple/" in text


# --- describe --------------------------------------------------------------------------------


def test_describe_a_read_timeout_names_the_option_and_seconds() -> None:
    text = "timed out: no data for 7.5 s (--read-timeout)"
    assert describe(ReadTimeout("read timed out"), 7.5) == text
    assert describe(ReadTimeout(""), 7.5) == text


def test_describe_a_connect_timeout_as_such_not_as_the_read_timeout() -> None:
    # what the transport raises when the TCP connection is not made in time
    # (test_transport.py makes one happen)
    assert describe(TransportError("connect timed out")) == "connect timed out"


def test_describe_invalid_urls(transport: Transport) -> None:
    assert describe(OverflowError("port out of range")) == "invalid URL: port out of range"
    bad_port = caught(lambda: transport.get("http://127.0.0.1:99999/simple/"))
    assert describe(bad_port) == "invalid URL: Port out of range 0-65535"
    no_scheme = caught(lambda: transport.get("127.0.0.1/simple/"))
    assert describe(no_scheme) == "invalid URL: not an http(s) URL: (no scheme)://"


def test_describe_an_invalid_url_error_without_a_message_names_its_kind() -> None:
    assert describe(InvalidURL("")) == "invalid URL: InvalidURL"


def test_describe_an_empty_error_by_its_socket_cause() -> None:
    error = TransportError("")
    error.__cause__ = ConnectionResetError(104, "Connection reset by peer")
    assert describe(error) == "Connection reset by peer"


def test_describe_an_empty_error_without_a_cause_is_never_empty() -> None:
    assert describe(TransportError()) == "TransportError"
    assert describe(RuntimeError()) == "RuntimeError"
    assert describe(Stopped()) == "stopped: the run was ending"
    assert describe(TooManyRedirects()) == "too many redirects (a redirect loop)"


def test_describe_a_server_hanging_up_before_answering(
    server: Server, transport: Transport
) -> None:
    server.statuses = [HANG_UP]
    assert describe(caught(lambda: transport.get(server.url("/simple/")))) == CLOSED_EARLY


def test_describe_a_group_by_its_first_error() -> None:
    group = ExceptionGroup("many", [OverflowError("port"), ValueError("other")])
    assert describe(group) == "invalid URL: port"


def test_describe_strips_user_info() -> None:
    error = TransportError("to https://bob:pw@127.0.0.1/x and http://tok@127.0.0.1/y")
    assert describe(error) == "to https://127.0.0.1/x and http://127.0.0.1/y"


# --- redact ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://alice:s3cret@127.0.0.1:8080/simple/", "https://127.0.0.1:8080/simple/"),
        ("https://token@127.0.0.1/simple/", "https://127.0.0.1/simple/"),
        ("https://alice:p@ss@127.0.0.1/simple/", "https://127.0.0.1/simple/"),
        ("https://127.0.0.1/simple/?q=a@b", "https://127.0.0.1/simple/?q=a@b"),
        ("file:///srv/wheels/", "file:///srv/wheels/"),
    ],
)
def test_redact_removes_user_info_and_nothing_else(url: str, shown: str) -> None:
    assert redact(url) == shown


@pytest.mark.parametrize("char", ["#", "?", "/"])
def test_redact_hides_a_password_holding_an_unescaped_delimiter(char: str) -> None:
    shown = redact(f"https://alice:s3{char}cret@127.0.0.1/simple/")
    assert "alice" not in shown and "cret" not in shown


# --- credentials: two names of one server, 127.0.0.1 and localhost, are two hosts ------------


@pytest.fixture
def netrc(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "netrc"
    path.write_text("machine localhost login nora password from-netrc\n")
    path.chmod(0o600)
    monkeypatch.setenv("NETRC", str(path))
    return path


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def sent_authorization(server: Server, credentials: Credentials, url: str) -> str | None:
    """The Authorization header the server got for ``url`` with ``credentials``."""
    transport = make_transport(credentials)
    try:
        with transport.get(url) as response:
            assert response.read() == b"page"
    finally:
        transport.close()
    return server.authorizations()[-1]


def test_credentials_from_url_user_info_are_sent_to_that_host(netrc: Path, server: Server) -> None:
    credentials = Credentials([server.url("/simple/", userinfo="alice:s%40cret")])
    url = server.url("/simple/pure/")
    assert sent_authorization(server, credentials, url) == basic("alice", "s@cret")  # decoded


def test_credentials_from_netrc_when_the_url_has_none(netrc: Path, server: Server) -> None:
    credentials = Credentials([server.url("/simple/", "localhost")])
    url = server.url("/f.whl", "localhost")
    assert sent_authorization(server, credentials, url) == basic("nora", "from-netrc")


def test_url_user_info_wins_over_netrc(netrc: Path, server: Server) -> None:
    credentials = Credentials([server.url("/simple/", "localhost", "alice:pw")])
    url = server.url("/f.whl", "localhost")
    assert sent_authorization(server, credentials, url) == basic("alice", "pw")


def test_no_credentials_for_an_unknown_host(netrc: Path, server: Server) -> None:
    credentials = Credentials([server.url("/simple/", "localhost", "alice:pw")])
    url = server.url("/f.whl")  # 127.0.0.1: neither in the URLs nor in netrc
    assert credentials.for_url(url) is None
    assert sent_authorization(server, credentials, url) is None


@pytest.mark.parametrize("content", [None, "nonsense localhost\n"])
def test_a_missing_or_broken_netrc_gives_no_credentials(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: str | None
) -> None:
    path = tmp_path / "netrc"
    if content is not None:
        path.write_text(content)
    monkeypatch.setenv("NETRC", str(path))
    assert Credentials().for_url("http://localhost/f.whl") is None


# --- all together: an index page behind credentials, with a flaky server ---------------------


def test_index_page_retries_sends_credentials_and_never_shows_them(
    sleeps: list[float], netrc: Path, server: Server
) -> None:
    server.statuses = [503] * http.ATTEMPTS
    told: list[str] = []
    urls = [server.url("/simple", userinfo="alice:s3cret")]

    async def go() -> None:
        transport = make_transport(Credentials(urls))
        try:
            with ThreadPoolExecutor(max_workers=2) as pool:
                index = IndexClient(transport, pool, urls, lambda s, c: told.append(c))
                await index.project("pure")
        finally:
            transport.close()

    with pytest.raises(IndexUnreachable) as failed:
        run(go())
    assert server.seen == [("/simple/pure/", basic("alice", "s3cret"))] * http.ATTEMPTS
    message = str(failed.value)
    assert server.url("/simple/pure/") in message and "HTTP 503" in message
    assert "s3cret" not in message and "alice" not in message
    assert told == ["HTTP 503"] * (http.ATTEMPTS - 1)
