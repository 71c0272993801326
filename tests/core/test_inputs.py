"""Checking ``.in`` files before a resolver sees them: what passes, what is named file:line."""

from __future__ import annotations

import pytest

from wh.core.inputs import check_inputs
from wh.errors import LockfileError, UsageError

ACCEPTED = [
    pytest.param("", id="an empty file"),
    pytest.param("\n\n   \n", id="blank lines"),
    pytest.param("# top-level dependencies\n  # indented comment\n", id="comment lines"),
    pytest.param("httpx\n", id="a bare name"),
    pytest.param("httpx>=0.27\n", id="a lower bound"),
    pytest.param("httpx>=0.27,<1\n", id="a range"),
    pytest.param("httpx ~= 0.27.0\n", id="a compatible release with spaces"),
    pytest.param("Django==5.0.*\n", id="a wildcard pin"),
    pytest.param("uvicorn[standard]>=0.30\n", id="extras with a specifier"),
    pytest.param("requests[socks, security]\n", id="several extras"),
    pytest.param("appnope ; sys_platform == 'darwin'\n", id="a marker"),
    pytest.param(
        'tomli>=2 ; python_version < "3.11" and platform_machine != "arm64"\n',
        id="a compound marker",
    ),
    pytest.param("httpx>=0.27  # the HTTP client\n", id="a trailing comment"),
    pytest.param("-r base.in\n-c constraints.txt\n", id="short include options"),
    pytest.param(
        "--requirement base.in\n--constraint constraints.txt\n", id="long include options"
    ),
    pytest.param(
        "--index-url https://index.example/simple\n--extra-index-url https://example.org/simple\n",
        id="index options",
    ),
    pytest.param("--find-links wheelhouse\n--pre\n--prefer-binary\n", id="other pip options"),
    pytest.param("-e .\n", id="an editable option is left to the resolver"),
    pytest.param(
        "cryptography>=42 \\\n    ; sys_platform == 'linux'\n", id="a backslash continuation"
    ),
    pytest.param(
        "uvicorn[standard] \\\n  >=0.30 \\\n  ; python_version >= '3.11'\n",
        id="a requirement continued over three lines",
    ),
    pytest.param("httpx>=0.27\r\nanyio\r\n", id="CRLF line endings"),
    pytest.param(
        "httpx>=0.27\t# the HTTP client\n",
        id="a trailing comment after a tab",
    ),
    pytest.param(
        "httpx>=0.27 \\\n",
        id="a backslash on the last line",
    ),
]


@pytest.mark.parametrize("text", ACCEPTED)
def test_check_inputs_accepts(text: str) -> None:
    check_inputs("requirements.in", text)


REFUSED = [
    pytest.param("this is not a requirement\n", 1, "not a requirement", id="garbage"),
    pytest.param("httpx\n\n# c\nhttpx >> 1\n", 4, "not a requirement", id="a bad specifier"),
    pytest.param("httpx[\n", 1, "not a requirement", id="an unclosed extra"),
    pytest.param("appnope ; sys_platform = 'darwin'\n", 1, "not a requirement", id="a bad marker"),
    pytest.param("./vendor/mypkg\n", 1, "not a requirement", id="a local path"),
    pytest.param(
        "https://example.org/foo-1.0-py3-none-any.whl\n",
        1,
        "not a requirement",
        id="a bare URL",
    ),
    pytest.param(
        "httpx\nmypkg @ https://example.org/mypkg-1.0.tar.gz\n",
        2,
        "URL",
        id="a name @ URL requirement",
    ),
    pytest.param(
        "mypkg[extra] @ git+https://example.org/mypkg.git@v1 ; python_version >= '3.11'\n",
        1,
        "URL",
        id="a VCS URL requirement with extras and a marker",
    ),
    pytest.param(
        "httpx\n# next\nmypkg \\\n  @ https://example.org/mypkg.whl \\\n"
        "  ; sys_platform == 'linux'\n",
        3,
        "URL",
        id="a continued URL requirement is named by its first physical line",
    ),
    pytest.param(
        "httpx \\\n  >= 0.27 \\\n  garbage\n",
        1,
        "not a requirement",
        id="continued garbage is named by its first physical line",
    ),
    pytest.param(
        "# see below \\\nmypkg @ https://example.org/mypkg.whl\n",
        2,
        "URL",
        id="a URL requirement after a comment ending in a backslash",
    ),
]


@pytest.mark.parametrize(("text", "line", "words"), REFUSED)
def test_check_inputs_refuses_naming_file_and_line(text: str, line: int, words: str) -> None:
    with pytest.raises(LockfileError) as caught:
        check_inputs("lockfiles/requirements.in", text)
    error = caught.value
    assert str(error).startswith(f"lockfiles/requirements.in:{line}: ")
    assert words in str(error)
    assert error.hint
    assert isinstance(error, UsageError)
    assert error.exit_code == 2
