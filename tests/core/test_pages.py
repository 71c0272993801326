"""Distribution filenames and Simple API pages (PEP 691 JSON, PEP 503 HTML), text in, files out."""

from __future__ import annotations

import json
from typing import Any

import pytest

from wh.core.files import DistFile, parse_dist, safe_filename
from wh.core.pages import JSON_TYPE, Page, PageError, parse_page

PAGE_URL = "https://index.example/simple/foo/"
HEX = "0123456789abcdef" * 4


def facts(dist: DistFile) -> dict[str, Any]:
    return {
        "filename": dist.filename,
        "url": dist.url,
        "sha256": dist.sha256,
        "requires_python": dist.requires_python,
        "yanked": dist.yanked,
        "size": dist.size,
    }


# --- safe_filename -----------------------------------------------------------------------------

FILENAMES = [
    pytest.param("foo-1.0-py3-none-any.whl", True, id="a wheel name is safe"),
    pytest.param("foo-1.0.tar.gz", True, id="an sdist name is safe"),
    pytest.param("foo..bar-1.0.tar.gz", True, id="two dots inside a name are safe"),
    pytest.param("foo%2F-1.0.tar.gz", True, id="a literal percent sequence is safe"),
    pytest.param("../x.whl", False, id="parent traversal is refused"),
    pytest.param("a/b.whl", False, id="a directory part is refused"),
    pytest.param("/abs.whl", False, id="an absolute path is refused"),
    pytest.param("a\\b.whl", False, id="a backslash is refused"),
    pytest.param("x\x00.whl", False, id="a NUL byte is refused"),
    pytest.param("x\n.whl", False, id="a newline is refused"),
    pytest.param(".hidden.whl", False, id="a hidden file is refused"),
    pytest.param("..", False, id="dot dot is refused"),
    pytest.param(".", False, id="dot is refused"),
    pytest.param("", False, id="the empty name is refused"),
]


@pytest.mark.parametrize(("name", "safe"), FILENAMES)
def test_safe_filename(name: str, safe: bool) -> None:
    assert safe_filename(name) is safe


# --- parse_dist --------------------------------------------------------------------------------

DISTS = [
    pytest.param("foo-1.0-py3-none-any.whl", ("foo", "1.0", {"py3-none-any"}), id="a pure wheel"),
    pytest.param(
        "six-1.16.0-py2.py3-none-any.whl",
        ("six", "1.16.0", {"py2-none-any", "py3-none-any"}),
        id="a compressed python tag set expands",
    ),
    pytest.param(
        "numpy-2.1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        (
            "numpy",
            "2.1.0",
            {"cp311-cp311-manylinux_2_17_x86_64", "cp311-cp311-manylinux2014_x86_64"},
        ),
        id="a compressed platform tag set expands",
    ),
    pytest.param(
        "Foo_Bar-2.0rc1-1-cp38-abi3-win_amd64.whl",
        ("foo-bar", "2.0rc1", {"cp38-abi3-win_amd64"}),
        id="a build tag and an unnormalized name",
    ),
    pytest.param("foo-1.0.tar.gz", ("foo", "1.0", set()), id="a tar.gz sdist has no tags"),
    pytest.param("Foo_Bar-1.0.zip", ("foo-bar", "1.0", set()), id="a zip sdist"),
    pytest.param("foo-1.0.tar.bz2", None, id="a tar.bz2 is not a dist"),
    pytest.param("foo-1.0.tgz", None, id="a tgz is not a dist"),
    pytest.param("foo-1.0.exe", None, id="an installer is not a dist"),
    pytest.param("foo-1.0-py3-none-any.whl.metadata", None, id="PEP 658 metadata is not a dist"),
    pytest.param("foo-1.0-py3-none.whl", None, id="a wheel missing a tag part"),
    pytest.param("foo-notaversion-py3-none-any.whl", None, id="a wheel with a bad version"),
    pytest.param("foo-bar.tar.gz", None, id="an sdist with no version"),
    pytest.param("../foo-1.0.tar.gz", None, id="an unsafe name is no dist"),
    pytest.param("readme.txt", None, id="junk"),
]


@pytest.mark.parametrize(("filename", "expected"), DISTS)
def test_parse_dist(filename: str, expected: tuple[str, str, set[str]] | None) -> None:
    dist = parse_dist(filename)
    if expected is None:
        assert dist is None
        return
    assert dist is not None
    assert (dist.name, str(dist.version), {str(t) for t in dist.tags}) == expected
    assert dist.is_wheel is bool(expected[2])


def test_parse_dist_keeps_metadata_and_lowercases_the_hash() -> None:
    url = "https://files.example/foo-1.0-py3-none-any.whl"
    dist = parse_dist(
        "foo-1.0-py3-none-any.whl",
        url=url,
        sha256=HEX.upper(),
        requires_python=">=3.8",
        yanked=True,
        size=1234,
    )
    assert dist is not None
    assert facts(dist) == {
        "filename": "foo-1.0-py3-none-any.whl",
        "url": url,
        "sha256": HEX,
        "requires_python": ">=3.8",
        "yanked": True,
        "size": 1234,
    }


PURITY = [
    pytest.param("foo-1.0-py3-none-any.whl", True, id="py3-none-any is pure"),
    pytest.param("six-1.16.0-py2.py3-none-any.whl", True, id="py2.py3-none-any is pure"),
    pytest.param("foo-1.0-cp38-abi3-manylinux1_x86_64.whl", False, id="abi3 is not pure"),
    pytest.param("foo-1.0-py3-none-win_amd64.whl", False, id="a platform wheel is not pure"),
]


@pytest.mark.parametrize(("filename", "pure"), PURITY)
def test_is_pure(filename: str, pure: bool) -> None:
    dist = parse_dist(filename)
    assert dist is not None
    assert dist.is_pure is pure


REQUIRES_PYTHON = [
    pytest.param(None, "3.11.0", True, id="no requirement admits all"),
    pytest.param("", "3.11.0", True, id="an empty requirement admits all"),
    pytest.param(">=3.8", "3.11.0", True, id="a floor below admits"),
    pytest.param(">=3.12", "3.11.0", False, id="a floor above excludes"),
    pytest.param(">=3.11.4", "3.11.0", False, id="a patch floor excludes 3.11.0"),
    pytest.param(">=3.11.4", "3.11.4", True, id="a patch floor admits itself"),
    pytest.param("<3.12,>=3.8", "3.12.0", False, id="a ceiling excludes"),
    pytest.param("!=3.11.*", "3.11.2", False, id="a wildcard exclusion"),
    pytest.param(">=3.13.0a1", "3.13.0", True, id="a pre-release floor admits the final"),
    pytest.param("~=3", "3.11.0", True, id="a broken specifier is ignored, as pip does"),
    pytest.param("python>=3", "3.11.0", True, id="garbage is ignored, as pip does"),
]


@pytest.mark.parametrize(("requires_python", "python", "allowed"), REQUIRES_PYTHON)
def test_allows_python(requires_python: str | None, python: str, allowed: bool) -> None:
    dist = parse_dist("foo-1.0.tar.gz", requires_python=requires_python)
    assert dist is not None
    assert dist.allows_python(python) is allowed


# --- PEP 691 JSON ------------------------------------------------------------------------------


def expect(filename: str, url: str, **meta: Any) -> dict[str, Any]:
    defaults = {"sha256": None, "requires_python": None, "yanked": False, "size": None}
    return {"filename": filename, "url": url, **defaults, **meta}


def json_page(*entries: dict[str, Any]) -> bytes:
    return json.dumps({"meta": {"api-version": "1.1"}, "name": "foo", "files": entries}).encode()


WHEEL = "foo-1.0-py3-none-any.whl"

JSON_ENTRIES = [
    pytest.param(
        {"filename": WHEEL, "url": "../../files/" + WHEEL, "hashes": {"sha256": HEX}},
        expect(WHEEL, "https://index.example/files/" + WHEEL, sha256=HEX),
        id="a relative url resolves against the page url",
    ),
    pytest.param(
        {"filename": WHEEL, "url": "https://cdn.example/f/" + WHEEL, "hashes": {}},
        expect(WHEEL, "https://cdn.example/f/" + WHEEL),
        id="an absolute url is kept, no hash is None",
    ),
    pytest.param(
        {"filename": WHEEL, "url": WHEEL, "hashes": {"sha256": HEX.upper(), "md5": "x"}},
        expect(WHEEL, PAGE_URL + WHEEL, sha256=HEX),
        id="the sha256 is lowercased and other hashes ignored",
    ),
    pytest.param(
        {"filename": WHEEL, "url": WHEEL, "requires-python": ">=3.8", "size": 42},
        expect(WHEEL, PAGE_URL + WHEEL, requires_python=">=3.8", size=42),
        id="requires-python and size are kept",
    ),
    pytest.param(
        {"filename": WHEEL, "url": WHEEL, "requires-python": "", "size": "42"},
        expect(WHEEL, PAGE_URL + WHEEL),
        id="an empty requires-python and a non-integer size are dropped",
    ),
    pytest.param(
        {"filename": WHEEL, "url": WHEEL, "yanked": True},
        expect(WHEEL, PAGE_URL + WHEEL, yanked=True),
        id="yanked true",
    ),
    pytest.param(
        {"filename": WHEEL, "url": WHEEL, "yanked": "broken on 3.12"},
        expect(WHEEL, PAGE_URL + WHEEL, yanked=True),
        id="a yank reason means yanked",
    ),
    pytest.param(
        {"filename": WHEEL, "url": WHEEL, "yanked": False},
        expect(WHEEL, PAGE_URL + WHEEL),
        id="yanked false",
    ),
    pytest.param(
        {"filename": "foo-1.0.tar.gz", "url": "/packages/foo-1.0.tar.gz"},
        expect("foo-1.0.tar.gz", "https://index.example/packages/foo-1.0.tar.gz"),
        id="a root-relative sdist url",
    ),
]


@pytest.mark.parametrize(("entry", "expected"), JSON_ENTRIES)
def test_json_entry(entry: dict[str, Any], expected: dict[str, Any]) -> None:
    page = parse_page(json_page(entry), JSON_TYPE, PAGE_URL)
    assert page.refused == []
    assert [facts(f) for f in page.files] == [expected]


JSON_SKIPPED_OR_REFUSED = [
    pytest.param({"filename": "foo-1.0.exe", "url": "x"}, [], id="a non-dist is skipped"),
    pytest.param({"filename": "foo-1.0.tar.bz2", "url": "x"}, [], id="a tar.bz2 is skipped"),
    pytest.param({"filename": 7, "url": "x"}, [], id="a non-string filename is skipped"),
    pytest.param({"url": "x"}, [], id="no filename is skipped"),
    pytest.param(
        {"filename": "../evil-1.0-py3-none-any.whl", "url": "x"},
        ["../evil-1.0-py3-none-any.whl"],
        id="a traversal name is refused",
    ),
    pytest.param(
        {"filename": "a/foo-1.0.tar.gz", "url": "x"},
        ["a/foo-1.0.tar.gz"],
        id="a directory name is refused",
    ),
    pytest.param(
        {"filename": ".foo-1.0.tar.gz", "url": "x"},
        [".foo-1.0.tar.gz"],
        id="a hidden name is refused",
    ),
]


@pytest.mark.parametrize(("entry", "refused"), JSON_SKIPPED_OR_REFUSED)
def test_json_entry_that_is_no_file(entry: dict[str, Any], refused: list[str]) -> None:
    page = parse_page(json_page(entry), JSON_TYPE, PAGE_URL)
    assert (page.files, page.refused) == ([], refused)


CONTENT_TYPES = [
    pytest.param(JSON_TYPE, id="the PEP 691 type"),
    pytest.param(f"{JSON_TYPE}; charset=utf-8", id="the PEP 691 type with a parameter"),
    pytest.param(f" {JSON_TYPE} ;q=1", id="the PEP 691 type with spaces"),
]


@pytest.mark.parametrize("content_type", CONTENT_TYPES)
def test_json_content_types(content_type: str) -> None:
    page = parse_page(json_page({"filename": WHEEL, "url": WHEEL}), content_type, PAGE_URL)
    assert [f.filename for f in page.files] == [WHEEL]


BAD_JSON = [
    pytest.param(b"not json", id="not JSON at all"),
    pytest.param(b"{}", id="no files key"),
    pytest.param(b"[]", id="a list, not an object"),
    pytest.param(b"null", id="null"),
]


@pytest.mark.parametrize("body", BAD_JSON)
def test_bad_json_page_is_a_page_error(body: bytes) -> None:
    with pytest.raises(PageError):
        parse_page(body, JSON_TYPE, PAGE_URL)


# Malformed entries are page errors, not crashes.
MALFORMED_JSON = [
    pytest.param(b'{"files": [1]}', id="an entry that is not an object"),
    pytest.param(b'{"files": {"a": 1}}', id="files that is an object"),
    pytest.param(
        b'{"files": [{"filename": "foo-1.0.tar.gz", "url": "x", "hashes": {"sha256": 5}}]}',
        id="a sha256 that is not a string",
    ),
]


@pytest.mark.parametrize("body", MALFORMED_JSON)
def test_malformed_json_entries_are_page_errors(body: bytes) -> None:
    with pytest.raises(PageError):
        parse_page(body, JSON_TYPE, PAGE_URL)


# --- PEP 503 HTML ------------------------------------------------------------------------------


def html_page(*anchors: str, head: str = "") -> bytes:
    links = "\n".join(f"    {a}<br/>" for a in anchors)
    return (
        f"<!DOCTYPE html>\n<html><head>{head}<title>Links for foo</title></head>\n"
        f"  <body><h1>Links for foo</h1>\n{links}\n  </body>\n</html>\n"
    ).encode()


HTML_ANCHORS = [
    pytest.param(
        f'<a href="{WHEEL}#sha256={HEX}">{WHEEL}</a>',
        expect(WHEEL, PAGE_URL + WHEEL, sha256=HEX),
        id="a relative href with a sha256 fragment",
    ),
    pytest.param(
        f'<a href="../../packages/ab/{WHEEL}#sha256={HEX.upper()}">{WHEEL}</a>',
        expect(WHEEL, f"https://index.example/packages/ab/{WHEEL}", sha256=HEX),
        id="a parent-relative href resolves and the hash is lowercased",
    ),
    pytest.param(
        f'<a href="https://files.example/p/{WHEEL}#md5=abc">{WHEEL}</a>',
        expect(WHEEL, f"https://files.example/p/{WHEEL}"),
        id="an absolute href with only an md5 fragment has no sha256",
    ),
    pytest.param(
        f'<a href="/p/{WHEEL}#md5=abc&amp;sha256={HEX}">{WHEEL}</a>',
        expect(WHEEL, f"https://index.example/p/{WHEEL}", sha256=HEX),
        id="a sha256 among several fragment keys",
    ),
    pytest.param(
        f'<a href="{WHEEL}" data-requires-python="&gt;=3.8">{WHEEL}</a>',
        expect(WHEEL, PAGE_URL + WHEEL, requires_python=">=3.8"),
        id="an HTML-escaped requires-python is unescaped",
    ),
    pytest.param(
        f'<a href="{WHEEL}" data-requires-python="&gt;=3.8,&lt;4">{WHEEL}</a>',
        expect(WHEEL, PAGE_URL + WHEEL, requires_python=">=3.8,<4"),
        id="a requires-python range is unescaped",
    ),
    pytest.param(
        f'<a href="{WHEEL}" data-yanked="">{WHEEL}</a>',
        expect(WHEEL, PAGE_URL + WHEEL, yanked=True),
        id="an empty data-yanked means yanked",
    ),
    pytest.param(
        f'<a href="{WHEEL}" data-yanked>{WHEEL}</a>',
        expect(WHEEL, PAGE_URL + WHEEL, yanked=True),
        id="a bare data-yanked means yanked",
    ),
    pytest.param(
        f'<a href="{WHEEL}" data-yanked="security hole">{WHEEL}</a>',
        expect(WHEEL, PAGE_URL + WHEEL, yanked=True),
        id="a yank reason means yanked",
    ),
    pytest.param(
        '<a href="foo-1.0.tar.gz?download=1#sha256=' + HEX + '">foo-1.0.tar.gz</a>',
        expect("foo-1.0.tar.gz", PAGE_URL + "foo-1.0.tar.gz?download=1", sha256=HEX),
        id="a query string stays in the url, not in the filename",
    ),
    pytest.param(
        '<a href="foo-1.0%2Blocal.tar.gz">foo-1.0+local.tar.gz</a>',
        expect("foo-1.0+local.tar.gz", PAGE_URL + "foo-1.0%2Blocal.tar.gz"),
        id="a percent-encoded name is decoded, its url is not",
    ),
]


@pytest.mark.parametrize(("anchor", "expected"), HTML_ANCHORS)
def test_html_anchor(anchor: str, expected: dict[str, Any]) -> None:
    page = parse_page(html_page(anchor), "text/html; charset=utf-8", PAGE_URL)
    assert page.refused == []
    assert [facts(f) for f in page.files] == [expected]


HTML_SKIPPED_OR_REFUSED = [
    pytest.param('<a href="../">parent</a>', [], id="a directory link is skipped"),
    pytest.param("<a>no href</a>", [], id="an anchor without href is skipped"),
    pytest.param('<a href="">empty</a>', [], id="an empty href is skipped"),
    pytest.param('<a href="foo-1.0.exe">exe</a>', [], id="a non-dist is skipped"),
    pytest.param(
        '<a href="..%2Fevil-1.0-py3-none-any.whl">x</a>',
        ["../evil-1.0-py3-none-any.whl"],
        id="an encoded traversal name is refused",
    ),
    pytest.param(
        '<a href="..%2F..%2Fevil-1.0.tar.gz">x</a>',
        ["../../evil-1.0.tar.gz"],
        id="a doubly encoded traversal is refused",
    ),
    pytest.param(
        '<a href="a%5Cevil-1.0.tar.gz">x</a>',
        ["a\\evil-1.0.tar.gz"],
        id="an encoded backslash is refused",
    ),
    pytest.param(
        '<a href="%2Eevil-1.0.tar.gz">x</a>',
        [".evil-1.0.tar.gz"],
        id="an encoded hidden name is refused",
    ),
]


@pytest.mark.parametrize(("anchor", "refused"), HTML_SKIPPED_OR_REFUSED)
def test_html_anchor_that_is_no_file(anchor: str, refused: list[str]) -> None:
    page = parse_page(html_page(anchor), "text/html", PAGE_URL)
    assert (page.files, page.refused) == ([], refused)


BASES = [
    pytest.param(
        '<base href="https://mirror.example/p/">',
        f"https://mirror.example/p/{WHEEL}",
        id="an absolute base replaces the page url",
    ),
    pytest.param(
        '<base href="/files/">',
        f"https://index.example/files/{WHEEL}",
        id="a relative base resolves against the page url",
    ),
    pytest.param(
        '<base href="https://a.example/"><base href="https://b.example/">',
        f"https://a.example/{WHEEL}",
        id="the first base wins",
    ),
    pytest.param("", PAGE_URL + WHEEL, id="no base means the page url"),
]


@pytest.mark.parametrize(("head", "url"), BASES)
def test_html_base_href(head: str, url: str) -> None:
    page = parse_page(html_page(f'<a href="{WHEEL}">{WHEEL}</a>', head=head), "text/html", PAGE_URL)
    assert [f.url for f in page.files] == [url]


def test_html_page_keeps_every_file_in_order() -> None:
    body = html_page(
        f'<a href="foo-1.0.tar.gz#sha256={HEX}">foo-1.0.tar.gz</a>',
        '<a href="..%2Fbad-1.0.tar.gz">x</a>',
        f'<a href="{WHEEL}" data-yanked="">{WHEEL}</a>',
        '<a href="foo-2.0-cp311-cp311-manylinux_2_28_x86_64.whl">w</a>',
    )
    page = parse_page(body, "text/html", PAGE_URL)
    assert [f.filename for f in page.files] == [
        "foo-1.0.tar.gz",
        WHEEL,
        "foo-2.0-cp311-cp311-manylinux_2_28_x86_64.whl",
    ]
    assert page.refused == ["../bad-1.0.tar.gz"]
    assert isinstance(page, Page)
