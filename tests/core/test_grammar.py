"""The requirements-file grammar (core/lockfile): logical lines as pip reads them, the same
for ``.in`` files and locks; ``# via`` annotations; the header wh lock writes."""

from __future__ import annotations

from dataclasses import replace

import pytest

from wh.core.inputs import check_inputs, requirement_names
from wh.core.lockfile import (
    LockedRequirement,
    Recorded,
    include_target,
    logical_lines,
    parse_compiled,
    parse_lockfile,
    read_recorded,
    render_line,
    render_recorded,
)

H1, H2 = "1" * 64, "2" * 64

# text -> the (first line number, code) of every logical line with code, as pip gives them
LINES = [
    pytest.param("foo==1\nbar==2\n", [(1, "foo==1"), (2, "bar==2")], id="two lines"),
    pytest.param("foo==1 \\\n  --hash=x\n", [(1, "foo==1   --hash=x")], id="a continuation"),
    pytest.param("foo\\\n==1\n", [(1, "foo==1")], id="joined without a space, as pip does"),
    pytest.param("foo==1 # note \\\nbar==2\n", [(1, "foo==1")], id="a comment continues too"),
    pytest.param(
        "foo==1 \\\n# a comment line\nbar==2\n",
        [(1, "foo==1"), (3, "bar==2")],
        id="a comment line ends a continuation",
    ),
    pytest.param("# only \\\nbar==2\n", [(2, "bar==2")], id="a comment line never continues"),
    pytest.param("foo==1#egg\n", [(1, "foo==1#egg")], id="a # inside a word is no comment"),
    pytest.param("  foo==1  # why\n", [(1, "foo==1")], id="a trailing comment is cut"),
    pytest.param("foo==1 \\\n", [(1, "foo==1")], id="a continuation at the end of the file"),
    pytest.param("foo==1 \\ \nbar\n", [(1, "foo==1 \\"), (2, "bar")], id="space after \\"),
    pytest.param("\ufefffoo==1\r\nbar==2\r\n", [(1, "foo==1"), (2, "bar==2")], id="BOM, CRLF"),
    pytest.param("\n\n  \n# c\n", [], id="blank and comment lines only"),
    pytest.param(
        "a \\\n b \\\n c\nd\n", [(1, "a  b  c"), (4, "d")], id="numbered from the first line"
    ),
]


@pytest.mark.parametrize(("text", "expected"), LINES)
def test_logical_lines(text: str, expected: list[tuple[int, str]]) -> None:
    assert [(line.number, line.code) for line in logical_lines(text) if line.code] == expected


@pytest.mark.parametrize(("text", "expected"), LINES)
def test_logical_lines_match_pips_own_reader(text: str, expected: list[tuple[int, str]]) -> None:
    req_file = pytest.importorskip(
        "pip._internal.req.req_file", reason="pip (installed with pip-tools) is not importable"
    )
    pip_lines = [(n, line) for n, line in req_file.preprocess(text.removeprefix("\ufeff"))]
    assert pip_lines == expected


def test_in_files_and_locks_read_the_same_lines() -> None:
    text = f"foo==1 # note \\\nbar==2 --hash=sha256:{H1}\n"
    lock = parse_lockfile("lock.txt", lambda _path: text)
    assert [r.name for r in lock.requirements] == ["foo"]
    assert check_inputs("requirements.in", text) == []
    assert requirement_names(text) == ["foo"]


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("-r base.in", "base.in"),
        ("-rbase.in", "base.in"),
        ("--requirement=base.in", "base.in"),
        ("-c constraints.txt", "constraints.txt"),
        ("--constraint constraints.txt", "constraints.txt"),
        ("--index-url https://example.invalid/simple", None),
        ("--pre", None),
    ],
)
def test_include_target(code: str, expected: str | None) -> None:
    assert include_target(code) == expected


VIA = [
    pytest.param("foo==1\n    # via bar\n", {"foo": {"bar"}}, id="one via"),
    pytest.param(
        "foo==1\n    # via\n    #   -r requirements.in\n    #   bar\n",
        {"foo": {"-r requirements.in", "bar"}},
        id="a via list",
    ),
    pytest.param(
        f"foo==1 \\\n    --hash=sha256:{H1}\n    # via bar\nbaz==2\n    # via foo\n",
        {"foo": {"bar"}, "baz": {"foo"}},
        id="after hashes, each to its own line",
    ),
    pytest.param(
        "foo==1\n    # via\n    #   bar\n    # some note\n    #   not-via\n",
        {"foo": {"bar"}},
        id="another comment ends a via list",
    ),
    pytest.param("# via nothing\nfoo==1\n", {"foo": set()}, id="a via before any line"),
]


@pytest.mark.parametrize(("text", "expected"), VIA)
def test_via_annotations_belong_to_the_line_above(text: str, expected: dict[str, set[str]]) -> None:
    assert {name: set(r.via) for name, r in parse_compiled(text, "out").items()} == expected


def test_render_line_reads_back_with_hashes_and_via() -> None:
    req = LockedRequirement(
        "foo", "1.0", frozenset(), None, frozenset({H2, H1}), "", frozenset({"b", "a"})
    )
    text = render_line(req, 'sys_platform == "linux"')
    assert text == (
        'foo==1.0 ; sys_platform == "linux" \\\n'
        f"    --hash=sha256:{H1} \\\n"
        f"    --hash=sha256:{H2}\n"
        "    # via\n    #   a\n    #   b\n"
    )
    (back,) = parse_lockfile("lock.txt", lambda _path: text).requirements
    assert (back.name, back.version, back.hashes, back.via) == ("foo", "1.0", {H1, H2}, {"a", "b"})
    assert str(back.marker) == 'sys_platform == "linux"'
    assert render_line(replace(req, via=frozenset()), None) == (
        f"foo==1.0 \\\n    --hash=sha256:{H1} \\\n    --hash=sha256:{H2}\n"
    )


def test_recorded_header_round_trips_and_ends_at_the_first_requirement() -> None:
    recorded = Recorded({"requirements.in": H1, "base.in": H2}, "3" * 64)
    header = render_recorded(recorded)
    assert read_recorded(header + "foo==1\n") == recorded
    assert read_recorded("foo==1\n" + header) is None
    assert read_recorded("# a lock another tool wrote\nfoo==1\n") is None
