"""HTTP plumbing in-process: retries with backoff, failures in words, credentials by host, and
URLs and messages without user-info. httpx talks to a MockTransport; the real-server tests
(tests/integration/test_sync_faults.py) stay."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from wh.adapters import http
from wh.adapters.http import (
    Credentials,
    RequestFailed,
    RetryableStatus,
    describe,
    retrying,
    with_retries,
)
from wh.adapters.index import IndexClient
from wh.core.urls import redact
from wh.errors import IndexUnreachable

Handler = Callable[[httpx.Request], httpx.Response]


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


def status_attempt(client: httpx.AsyncClient, url: str) -> Callable[[], Awaitable[str]]:
    """What the adapters do: a retryable status becomes RetryableStatus."""

    async def attempt() -> str:
        response = await client.get(url)
        if response.status_code in http.RETRY_STATUS:
            raise RetryableStatus(response.status_code)
        response.raise_for_status()
        return response.text

    return attempt


def mock_client(handler: Handler) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.MockTransport(handler))


# --- with_retries ----------------------------------------------------------------------------


def test_transport_errors_are_retried_until_success(sleeps: list[float]) -> None:
    retried: list[tuple[int, str]] = []
    errors: list[BaseException] = [httpx.ConnectError("refused"), httpx.ReadError("reset")]
    result = run(with_retries(flaky(errors), on_retry=lambda n, e: retried.append((n, str(e)))))
    assert result == "ok"
    assert retried == [(1, "refused"), (2, "reset")]


def test_backoff_doubles_after_each_failed_attempt(sleeps: list[float]) -> None:
    errors: list[BaseException] = [httpx.ConnectError("x")] * 3
    run(with_retries(flaky(errors), attempts=4, backoff=0.5))
    assert sleeps == [0.5, 1.0, 2.0]


def test_the_last_error_is_raised_after_the_last_attempt(sleeps: list[float]) -> None:
    errors: list[BaseException] = [httpx.ConnectError(f"try {n}") for n in range(1, 4)]
    retried: list[int] = []
    with pytest.raises(httpx.ConnectError, match="try 3"):
        run(with_retries(flaky(errors), attempts=3, on_retry=lambda n, e: retried.append(n)))
    assert retried == [1, 2]  # no notice for the attempt that gave up
    assert len(sleeps) == 2


@pytest.mark.parametrize(
    "error",
    [ValueError("bad hash"), httpx.TooManyRedirects("loop"), httpx.InvalidURL("bad")],
)
def test_errors_that_are_not_the_network_are_not_retried(
    sleeps: list[float], error: Exception
) -> None:
    with pytest.raises(type(error)):
        run(with_retries(flaky([error])))
    assert sleeps == []


def test_server_errors_from_the_transport_are_retried(sleeps: list[float]) -> None:
    statuses = [503, 502, 200]

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(statuses.pop(0), text="page")

    async def go() -> str:
        async with mock_client(handler) as client:
            return await with_retries(status_attempt(client, "http://127.0.0.1/simple/"))

    assert run(go()) == "page"
    assert statuses == [] and len(sleeps) == 2


# --- retrying: RequestFailed with the cause in words -----------------------------------------


def test_retrying_tells_each_retry_by_subject_and_cause(sleeps: list[float]) -> None:
    told: list[tuple[str, str]] = []
    attempt = flaky([RetryableStatus(503)])
    assert run(retrying(attempt, "pure-1.0.whl", lambda s, c: told.append((s, c)))) == "ok"
    assert told == [("pure-1.0.whl", "HTTP 503")]


def test_retrying_gives_up_with_request_failed_marked_retried(sleeps: list[float]) -> None:
    attempt = flaky([httpx.ConnectError("refused")] * http.ATTEMPTS)
    with pytest.raises(RequestFailed) as caught:
        run(retrying(attempt, "page", None))
    assert caught.value.cause == "refused" and caught.value.retried
    assert len(sleeps) == http.ATTEMPTS - 1


def test_a_redirect_loop_fails_at_once_not_marked_retried(sleeps: list[float]) -> None:
    with pytest.raises(RequestFailed) as caught:
        run(retrying(flaky([httpx.TooManyRedirects("loop")]), "page", None))
    assert caught.value.cause == "too many redirects (a redirect loop)"
    assert not caught.value.retried and sleeps == []


def test_retrying_never_names_credentials(sleeps: list[float]) -> None:
    error = httpx.ConnectError("cannot reach https://alice:s3cret@127.0.0.1:9/simple/")
    told: list[str] = []
    with pytest.raises(RequestFailed) as caught:
        run(retrying(flaky([error] * http.ATTEMPTS), "page", lambda s, c: told.append(c)))
    for text in (caught.value.cause, *told):
        assert "s3cret" not in text and "alice" not in text
        assert "https://127.0.0.1:9/simple/" in text


# --- describe --------------------------------------------------------------------------------


def test_describe_a_read_timeout_names_the_option_and_seconds() -> None:
    assert describe(httpx.ReadTimeout(""), 7.5) == "timed out: no data for 7.5 s (--read-timeout)"


def test_describe_other_timeouts_by_kind() -> None:
    assert describe(httpx.ConnectTimeout("")) == "timed out (ConnectTimeout)"


def test_describe_invalid_urls() -> None:
    assert describe(OverflowError("port out of range")) == "invalid URL: port out of range"
    assert describe(httpx.UnsupportedProtocol("no scheme")) == "invalid URL: no scheme"


def test_describe_an_invalid_url_error_without_a_message_names_its_kind() -> None:
    assert describe(httpx.UnsupportedProtocol("")) == "invalid URL: UnsupportedProtocol"


def test_describe_an_empty_error_by_its_socket_cause() -> None:
    error = httpx.ReadError("")
    error.__cause__ = ConnectionResetError(104, "Connection reset by peer")
    assert describe(error) == "Connection reset by peer"


def test_describe_an_empty_error_without_a_cause_is_never_empty() -> None:
    assert describe(httpx.RemoteProtocolError("")) == (
        "the server closed the connection before the whole response"
    )
    assert describe(httpx.PoolTimeout("")) != ""
    assert describe(RuntimeError()) == "RuntimeError"


def test_describe_a_group_by_its_first_error() -> None:
    group = ExceptionGroup("many", [OverflowError("port"), ValueError("other")])
    assert describe(group) == "invalid URL: port"


def test_describe_strips_user_info() -> None:
    error = httpx.ConnectError("to https://bob:pw@127.0.0.1/x and http://tok@127.0.0.1/y")
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


# --- credentials -----------------------------------------------------------------------------


@pytest.fixture
def netrc(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "netrc"
    path.write_text("machine 127.0.0.2 login nora password from-netrc\n")
    path.chmod(0o600)
    monkeypatch.setenv("NETRC", str(path))
    return path


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def sent_authorization(credentials: Credentials, url: str) -> str | None:
    """The Authorization header a request to ``url`` carries with ``credentials``."""
    seen: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("Authorization"))
        return httpx.Response(200)

    async def go() -> None:
        async with mock_client(handler) as client:
            await client.get(url, auth=credentials.for_url(url) or None)

    run(go())
    return seen[0]


def test_credentials_from_url_user_info_are_sent_to_that_host(netrc: Path) -> None:
    credentials = Credentials(["https://alice:s%40cret@127.0.0.1/simple/"])
    url = "https://127.0.0.1/simple/pure/"
    assert sent_authorization(credentials, url) == basic("alice", "s@cret")  # percent-decoded


def test_credentials_from_netrc_when_the_url_has_none(netrc: Path) -> None:
    credentials = Credentials(["https://127.0.0.2/simple/"])
    assert sent_authorization(credentials, "https://127.0.0.2/f.whl") == basic("nora", "from-netrc")


def test_url_user_info_wins_over_netrc(netrc: Path) -> None:
    credentials = Credentials(["https://alice:pw@127.0.0.2/simple/"])
    assert sent_authorization(credentials, "https://127.0.0.2/f.whl") == basic("alice", "pw")


def test_no_credentials_for_an_unknown_host(netrc: Path) -> None:
    credentials = Credentials(["https://alice:pw@127.0.0.1/simple/"])
    assert credentials.for_url("https://127.0.0.3/f.whl") is None
    assert sent_authorization(credentials, "https://127.0.0.3/f.whl") is None


@pytest.mark.parametrize("content", [None, "nonsense 127.0.0.2\n"])
def test_a_missing_or_broken_netrc_gives_no_credentials(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: str | None
) -> None:
    path = tmp_path / "netrc"
    if content is not None:
        path.write_text(content)
    monkeypatch.setenv("NETRC", str(path))
    assert Credentials().for_url("https://127.0.0.2/f.whl") is None


# --- all together: an index page behind credentials, with a flaky server ---------------------


def test_index_page_retries_sends_credentials_and_never_shows_them(sleeps: list[float]) -> None:
    statuses = [503, 503, 503, 503]
    auth: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        auth.append(request.headers.get("Authorization"))
        return httpx.Response(statuses.pop(0))

    told: list[str] = []

    async def go() -> None:
        urls = ["https://alice:s3cret@127.0.0.1/simple"]
        async with mock_client(handler) as client:
            index = IndexClient(client, urls, Credentials(urls), lambda s, c: told.append(c))
            await index.project("pure")

    with pytest.raises(IndexUnreachable) as caught:
        run(go())
    assert auth == [basic("alice", "s3cret")] * http.ATTEMPTS
    message = str(caught.value)
    assert "https://127.0.0.1/simple/pure/" in message and "HTTP 503" in message
    assert "s3cret" not in message and "alice" not in message
    assert told == ["HTTP 503"] * (http.ATTEMPTS - 1)
