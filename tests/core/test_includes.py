"""Lockfile includes stay inside the project: a hostile ``-r``/``-c`` (or a configured path)
naming a file elsewhere on the machine is refused before it is read, so no error can quote a
line of it (a password file, a netrc)."""

from __future__ import annotations

import pytest

from wh.core.config import parse_config
from wh.core.inputs import check_inputs
from wh.core.lockfile import include_path, inside_project, parse_lockfile
from wh.errors import ConfigError, LockfileError

SECRET = "machine host login me password hunter2"

OUTSIDE = [
    pytest.param("-r /etc/passwd", id="an absolute include"),
    pytest.param("-c /home/me/.netrc", id="an absolute constraint"),
    pytest.param("-r ../../.netrc", id="climbing out of the project"),
    pytest.param("--requirement=../../../etc/passwd", id="the long form"),
    pytest.param("-r sub/../../../x.txt", id="climbing out through a subdirectory"),
    pytest.param("-rC:/Users/me/_netrc", id="a Windows drive"),
]


@pytest.mark.parametrize("line", OUTSIDE)
def test_an_include_outside_the_project_is_refused_unread(line: str) -> None:
    read: list[str] = []

    def reader(path: str) -> str:
        read.append(path)
        return {"lockfiles/req.txt": f"a==1\n{line}\n"}.get(path, SECRET)

    with pytest.raises(LockfileError) as caught:
        parse_lockfile("lockfiles/req.txt", reader)
    assert caught.value.exit_code == 2
    assert "lockfiles/req.txt:2" in str(caught.value)
    assert "outside the project" in str(caught.value)
    assert SECRET not in str(caught.value)
    assert read == ["lockfiles/req.txt"]  # the outside file was never read


INSIDE = [
    pytest.param("lockfiles/req.txt", "base.txt", "lockfiles/base.txt", id="a sibling"),
    pytest.param("lockfiles/req.txt", "../base.txt", "base.txt", id="up to the project root"),
    pytest.param("a/b/req.txt", "./../c.txt", "a/c.txt", id="dots"),
    pytest.param("req.txt", "../x.txt", None, id="above the project root"),
    pytest.param("req.txt", "/x.txt", None, id="absolute"),
]


@pytest.mark.parametrize(("including", "target", "expected"), INSIDE)
def test_include_path(including: str, target: str, expected: str | None) -> None:
    assert include_path(including, target) == expected


@pytest.mark.parametrize(
    ("path", "ok"),
    [("lockfiles/x.txt", True), ("x.txt", True), ("/etc/passwd", False), ("../x.txt", False)],
)
def test_inside_project(path: str, ok: bool) -> None:
    assert inside_project(path) is ok


@pytest.mark.parametrize(
    "table",
    [
        {"lockfiles": ["/etc/passwd"]},
        {"lockfiles": ["../../home/me/.netrc"]},
        {"inputs": {"lockfiles/requirements.txt": ["/etc/passwd"]}},
    ],
)
def test_configured_requirement_files_must_be_inside_the_project(table: dict[str, object]) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(table)
    assert "outside the project" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "includes"),
    [
        ("-r base.in\n-c cons.txt\nhttpx\n", ["lockfiles/base.in", "lockfiles/cons.txt"]),
        ("--requirement=../dev.in\n-rsub/x.in\n", ["dev.in", "lockfiles/sub/x.in"]),
        ("--index-url http://127.0.0.1/simple\nhttpx\n", []),
    ],
)
def test_input_files_name_their_includes(text: str, includes: list[str]) -> None:
    assert check_inputs("lockfiles/requirements.in", text) == includes


@pytest.mark.parametrize("line", ["-r /etc/passwd", "-c ../../.netrc", "-r http://x/y.txt"])
def test_an_input_including_a_file_outside_the_project_is_refused(line: str) -> None:
    with pytest.raises(LockfileError) as caught:
        check_inputs("lockfiles/requirements.in", f"httpx\n{line}\n")
    assert "lockfiles/requirements.in:2" in str(caught.value)
    assert "outside the project" in str(caught.value)
