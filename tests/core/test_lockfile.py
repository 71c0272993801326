"""Tests for the pure lockfile reader: every accepted form, every error, real lockfiles."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name

from wh.core.lockfile import LockedRequirement, Lockfile, parse_lockfile
from wh.errors import LockfileError

DATA = Path(__file__).parent / "data" / "lockfiles"
A = "a" * 64
B = "0123456789abcdef" * 4
C = "C" * 64  # upper case in the file, lower case in the model


def parse(files: dict[str, str], path: str = "req.txt") -> Lockfile:
    def read_text(name: str) -> str:
        try:
            return files[name]
        except KeyError:
            raise FileNotFoundError(2, "No such file or directory", name) from None

    return parse_lockfile(path, read_text)


def environment(sys_platform: str = "linux", python: str = "3.12.4") -> dict[str, str]:
    """A complete PEP 508 marker environment (all 11 keys), never the host's."""
    system = {"linux": "Linux", "win32": "Windows", "darwin": "Darwin"}[sys_platform]
    return {
        "implementation_name": "cpython",
        "implementation_version": python,
        "os_name": "nt" if sys_platform == "win32" else "posix",
        "platform_machine": "x86_64",
        "platform_python_implementation": "CPython",
        "platform_release": "",
        "platform_system": system,
        "platform_version": "",
        "python_full_version": python,
        "python_version": ".".join(python.split(".")[:2]),
        "sys_platform": sys_platform,
    }


def facts(req: LockedRequirement) -> tuple[str, str, set[str], str | None, set[str], str]:
    marker = None if req.marker is None else str(req.marker)
    return req.name, req.version, set(req.extras), marker, set(req.hashes), req.source


# --- accepted forms --------------------------------------------------------------------------

ACCEPTED = [
    ("plain pin", "foo==1.0", [("foo", "1.0", set(), None, set(), "req.txt:1")]),
    (
        "name canonicalized",
        "Foo_Bar.baz==2.0",
        [("foo-bar-baz", "2.0", set(), None, set(), "req.txt:1")],
    ),
    ("version as written", "foo == 01.0", [("foo", "01.0", set(), None, set(), "req.txt:1")]),
    (
        "arbitrary equality",
        "foo===1.0+local",
        [("foo", "1.0+local", set(), None, set(), "req.txt:1")],
    ),
    (
        "extras canonicalized",
        "foo[Extra_One, two]==1",
        [("foo", "1", {"extra-one", "two"}, None, set(), "req.txt:1")],
    ),
    (
        "marker",
        'rich==15.0.0 ; python_version < "3.13"',
        [("rich", "15.0.0", set(), 'python_version < "3.13"', set(), "req.txt:1")],
    ),
    (
        "marker without spaces",
        "foo==1;sys_platform=='win32'",
        [("foo", "1", set(), 'sys_platform == "win32"', set(), "req.txt:1")],
    ),
    (
        "hash forms on one line",
        f"foo==1 --hash=sha256:{A} --hash sha256:{B}",
        [("foo", "1", set(), None, {A, B}, "req.txt:1")],
    ),
    (
        "hash lower-cased",
        f"foo==1 --hash=sha256:{C}",
        [("foo", "1", set(), None, {C.lower()}, "req.txt:1")],
    ),
    (
        "continuations, source is the first physical line",
        f"\n# header\nfoo==1 \\\n    --hash=sha256:{A} \\\n    --hash=sha256:{B}\n    # via bar\n",
        [("foo", "1", set(), None, {A, B}, "req.txt:3")],
    ),
    (
        "pip-compile block with marker and via list",
        f"x==1\ncffi==2.1.1 ; platform_python_implementation != 'PyPy' \\\n"
        f"    --hash=sha256:{A}\n    # via\n    #   cryptography\n    #   other\ny==2\n",
        [
            ("x", "1", set(), None, set(), "req.txt:1"),
            (
                "cffi",
                "2.1.1",
                set(),
                'platform_python_implementation != "PyPy"',
                {A},
                "req.txt:2",
            ),
            ("y", "2", set(), None, set(), "req.txt:7"),
        ],
    ),
    (
        "a comment line ends a continuation",
        "foo==1 \\\n# trailing note\nbar==2",
        [
            ("foo", "1", set(), None, set(), "req.txt:1"),
            ("bar", "2", set(), None, set(), "req.txt:3"),
        ],
    ),
    (
        "continuation at end of file",
        f"foo==1 \\\n  --hash=sha256:{A} \\",
        [("foo", "1", set(), None, {A}, "req.txt:1")],
    ),
    (
        "trailing comment, blank lines, CRLF",
        "\r\nfoo==1  # pinned by hand\r\n\r\n   \r\nbar==2\t# tab comment\r\n",
        [
            ("foo", "1", set(), None, set(), "req.txt:2"),
            ("bar", "2", set(), None, set(), "req.txt:5"),
        ],
    ),
    (
        "same name with different markers (universal lock)",
        "numpy==2.2.6 ; python_full_version < '3.11'\nnumpy==2.3.1 ; python_full_version >= '3.11'",
        [
            ("numpy", "2.2.6", set(), 'python_full_version < "3.11"', set(), "req.txt:1"),
            ("numpy", "2.3.1", set(), 'python_full_version >= "3.11"', set(), "req.txt:2"),
        ],
    ),
    (
        "harmless global options are ignored",
        "--trusted-host host.example\n--no-binary :all:\n--only-binary=:all:\n--prefer-binary\n"
        "--pre\n--no-index\n--pre --no-index\nfoo==1",
        [("foo", "1", set(), None, set(), "req.txt:8")],
    ),
    ("byte order mark", "\ufefffoo==1", [("foo", "1", set(), None, set(), "req.txt:1")]),
]


@pytest.mark.parametrize(
    ("text", "expected"), [case[1:] for case in ACCEPTED], ids=[case[0] for case in ACCEPTED]
)
def test_accepted_forms(text: str, expected: list[tuple[object, ...]]) -> None:
    lock = parse({"req.txt": text})
    assert [facts(req) for req in lock.requirements] == expected
    assert lock.path == "req.txt"
    assert lock.constraints == ()


INDEXES = [
    ("none", "foo==1", None, (), ()),
    ("short -i", "-i https://one.example/simple", "https://one.example/simple", (), ()),
    (
        "last index-url wins",
        "-i https://one.example/simple\n--index-url=https://two.example/simple",
        "https://two.example/simple",
        (),
        (),
    ),
    (
        "extra indexes in order, deduplicated",
        "--extra-index-url https://b.example/simple\n--extra-index-url=https://a.example/simple\n"
        "--extra-index-url https://b.example/simple",
        None,
        ("https://b.example/simple", "https://a.example/simple"),
        (),
    ),
    (
        "find-links forms",
        "-f ./wheels\n--find-links=/srv/wheels\n--find-links https://links.example/\n-f./more",
        None,
        (),
        ("./wheels", "/srv/wheels", "https://links.example/", "./more"),
    ),
    (
        "quoted option value",
        "--find-links 'dir with space'  # comment",
        None,
        (),
        ("dir with space",),
    ),
]


@pytest.mark.parametrize(
    ("text", "index_url", "extra", "links"),
    [case[1:] for case in INDEXES],
    ids=[case[0] for case in INDEXES],
)
def test_index_options(
    text: str, index_url: str | None, extra: tuple[str, ...], links: tuple[str, ...]
) -> None:
    lock = parse({"req.txt": text})
    assert (lock.index_url, lock.extra_index_urls, lock.find_links) == (index_url, extra, links)


def test_includes_are_inlined_where_they_appear_and_resolved_relative_to_the_includer() -> None:
    files = {
        "locks/req.txt": "first==1\n-r base.txt\n--requirement=sub/more.txt\n-c cons.txt\nlast==1",
        "locks/base.txt": "base==1\n-i https://base.example/simple",
        "locks/sub/more.txt": "more==1\n-r ../base.txt\n-r../tail.txt",
        "locks/tail.txt": "tail==1 ; sys_platform == 'win32'",
        "locks/cons.txt": "-c sub/deep.txt\nc1==1\n-r sub/req-in-constraints.txt",
        "locks/sub/deep.txt": "c2==2",
        "locks/sub/req-in-constraints.txt": "c3==3",
    }
    lock = parse(files, "locks/req.txt")
    assert [(r.name, r.source) for r in lock.requirements] == [
        ("first", "locks/req.txt:1"),
        ("base", "locks/base.txt:1"),
        ("more", "locks/sub/more.txt:1"),
        ("base", "locks/base.txt:1"),
        ("tail", "locks/tail.txt:1"),
        ("last", "locks/req.txt:5"),
    ]
    assert [(r.name, r.source) for r in lock.constraints] == [
        ("c2", "locks/sub/deep.txt:1"),
        ("c1", "locks/cons.txt:2"),
        ("c3", "locks/sub/req-in-constraints.txt:1"),
    ]
    assert lock.index_url == "https://base.example/simple"


def test_diamond_includes_are_not_cycles() -> None:
    files = {
        "req.txt": "-r a.txt\n-r b.txt",
        "a.txt": "-r c.txt",
        "b.txt": "-r c.txt",
        "c.txt": "c==1",
    }
    assert [r.source for r in parse(files).requirements] == ["c.txt:1", "c.txt:1"]


# --- errors ----------------------------------------------------------------------------------

ERRORS = [
    ("unpinned range", {"req.txt": "ok==1\nfoo>=1"}, "req.txt:2:", "not pinned"),
    ("bare name", {"req.txt": "foo"}, "req.txt:1:", "not pinned (no version)"),
    ("wildcard", {"req.txt": "foo==1.*"}, "req.txt:1:", "not pinned"),
    ("compatible release", {"req.txt": "foo~=1.0"}, "req.txt:1:", "not pinned"),
    ("two specifiers", {"req.txt": "foo==1,<2"}, "req.txt:1:", "not pinned"),
    (
        "unpinned in a continued block",
        {"req.txt": f"\n\nfoo>=1 \\\n    --hash=sha256:{A}"},
        "req.txt:3:",
        "not pinned",
    ),
    (
        "name @ url",
        {"req.txt": "foo @ https://files.example/foo-1.0-py3-none-any.whl"},
        "req.txt:1:",
        "URL, VCS or local path",
    ),
    (
        "vcs url",
        {"req.txt": "git+https://git.example/foo.git@v1#egg=foo"},
        "req.txt:1:",
        "URL, VCS or local path",
    ),
    ("relative path", {"req.txt": "./pkg"}, "req.txt:1:", "URL, VCS or local path"),
    (
        "absolute wheel path",
        {"req.txt": "/wheels/foo-1.0-py3-none-any.whl"},
        "req.txt:1:",
        "URL, VCS or local path",
    ),
    ("bare archive", {"req.txt": "foo-1.0.tar.gz"}, "req.txt:1:", "URL, VCS or local path"),
    ("editable", {"req.txt": "-e ./pkg"}, "req.txt:1:", "editable"),
    (
        "editable long",
        {"req.txt": "--editable=git+https://git.example/x"},
        "req.txt:1:",
        "editable",
    ),
    (
        "incomplete marker",
        {"req.txt": "foo==1 ; python_version <"},
        "req.txt:1:",
        "invalid environment marker",
    ),
    (
        "unknown marker variable",
        {"req.txt": "foo==1 ; nonsense == 'x'"},
        "req.txt:1:",
        "invalid environment marker",
    ),
    ("unparseable", {"req.txt": "foo==1 bar"}, "req.txt:1:", "cannot parse requirement"),
    ("unparseable name", {"req.txt": "[x]==1"}, "req.txt:1:", "cannot parse requirement"),
    ("md5 hash", {"req.txt": "foo==1 --hash=md5:abc"}, "req.txt:1:", "hash 'md5' is not supported"),
    (
        "sha512 hash",
        {"req.txt": f"foo==1 \\\n  --hash=sha256:{A} \\\n  --hash=sha512:{A}{A}"},
        "req.txt:1:",
        "hash 'sha512' is not supported",
    ),
    ("bad digest", {"req.txt": "foo==1 --hash=sha256:xyz"}, "req.txt:1:", "not a sha256 hex"),
    ("hash alone", {"req.txt": f"--hash=sha256:{A}"}, "req.txt:1:", "--hash without"),
    ("unknown long option", {"req.txt": "foo==1\n--foo"}, "req.txt:2:", "unknown option '--foo'"),
    ("unknown short option", {"req.txt": "-x y"}, "req.txt:1:", "unknown option '-x'"),
    (
        "unknown per-requirement option",
        {"req.txt": "foo==1 --config-settings=a=b"},
        "req.txt:1:",
        "unknown option",
    ),
    (
        "global option after requirement",
        {"req.txt": "foo==1 --pre"},
        "req.txt:1:",
        "cannot follow a requirement",
    ),
    ("missing value", {"req.txt": "-r"}, "req.txt:1:", "needs a value"),
    ("flag with value", {"req.txt": "--pre=yes"}, "req.txt:1:", "takes no value"),
    ("stray word", {"req.txt": "--pre foo"}, "req.txt:1:", "unexpected 'foo'"),
    ("bad quoting", {"req.txt": '--find-links "dir'}, "req.txt:1:", "cannot parse options"),
    (
        "remote include",
        {"req.txt": "-r https://files.example/r.txt"},
        "req.txt:1:",
        "remote include",
    ),
    (
        "error inside an include names the included file",
        {"req.txt": "-r sub/base.txt", "sub/base.txt": "ok==1\nbad>=1"},
        "sub/base.txt:2:",
        "not pinned",
    ),
    (
        "unpinned constraint",
        {"req.txt": "foo==1\n-c c.txt", "c.txt": "foo<2"},
        "c.txt:1:",
        "not pinned",
    ),
    (
        "missing include",
        {"req.txt": "foo==1\n-r missing.txt"},
        "req.txt:2:",
        "cannot read included file 'missing.txt': No such file",
    ),
    (
        "include cycle",
        {"req.txt": "-r a.txt", "a.txt": "x==1\n-r req.txt"},
        "a.txt:2:",
        "include cycle req.txt -> a.txt -> req.txt",
    ),
    ("self include", {"req.txt": "\n-r ./req.txt"}, "req.txt:2:", "include cycle"),
]


@pytest.mark.parametrize(
    ("files", "where", "what"), [case[1:] for case in ERRORS], ids=[case[0] for case in ERRORS]
)
def test_errors_name_file_and_line(files: dict[str, str], where: str, what: str) -> None:
    with pytest.raises(LockfileError) as caught:
        parse(files)
    message = caught.value.message
    assert message.startswith(f"{where} ")
    assert what in message
    assert "; " in message.removeprefix(where)  # says what to do, after what is wrong
    assert caught.value.exit_code == 2


def test_missing_top_file_names_the_path() -> None:
    with pytest.raises(LockfileError, match=r"^nowhere\.txt: cannot read: No such file"):
        parse({}, "nowhere.txt")


# --- markers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "env", "expected"),
    [
        ("foo==1", environment(), True),
        ("foo==1 ; sys_platform == 'win32'", environment("win32"), True),
        ("foo==1 ; sys_platform == 'win32'", environment("linux"), False),
        ("foo==1 ; python_full_version < '3.13'", environment(python="3.12.4"), True),
        ("foo==1 ; python_full_version < '3.13'", environment(python="3.13.0"), False),
        ("foo==1 ; platform_release == ''", environment(), True),  # not the host's release
        ("foo==1 ; os_name == 'nt' and python_version >= '3.11'", environment("win32"), True),
    ],
)
def test_applies_evaluates_against_the_given_environment(
    line: str, env: dict[str, str], expected: bool
) -> None:
    (req,) = parse({"req.txt": line}).requirements
    assert req.applies(env) is expected


# --- real lockfiles --------------------------------------------------------------------------

REAL = ["pip-compile.txt", "uv-universal.txt"]


def real(name: str) -> tuple[str, Lockfile]:
    text = (DATA / name).read_text()
    return text, parse({name: text}, name)


@pytest.mark.parametrize("name", REAL)
def test_real_lockfile_every_requirement_pinned_and_hashed(name: str) -> None:
    text, lock = real(name)
    lines = text.splitlines()
    assert len(lock.requirements) == sum(1 for line in lines if re.match(r"[a-z0-9]", line))
    assert sum(len(r.hashes) for r in lock.requirements) == text.count("--hash=sha256:")
    for req in lock.requirements:
        assert req.name == canonicalize_name(req.name)
        assert re.fullmatch(r"[0-9][0-9a-z.+]*", req.version), req
        assert req.hashes and all(re.fullmatch(r"[0-9a-f]{64}", h) for h in req.hashes), req
        path, line = req.source.rsplit(":", 1)
        assert path == name
        assert lines[int(line) - 1].startswith(f"{req.name}=={req.version}")
    names = {r.name for r in lock.requirements}
    assert {"httpx", "keyring", "rich", "certifi", "idna"} <= names
    assert (lock.index_url, lock.extra_index_urls, lock.find_links, lock.constraints) == (
        None,
        (),
        (),
        (),
    )


def test_real_pip_compile_lock() -> None:
    _, lock = real("pip-compile.txt")
    by_name = {r.name: r for r in lock.requirements}
    assert len(lock.requirements) == len(by_name) == 25
    assert str(by_name["rich"].marker) == 'python_version < "3.13"'
    assert "colorama" not in by_name  # resolved on Linux: the win32-only pin is dropped
    assert [r.name for r in lock.requirements if r.marker is not None] == ["rich"]
    assert not by_name["rich"].applies(environment(python="3.13.1"))
    assert by_name["rich"].applies(environment(python="3.11.9"))


def test_real_uv_universal_lock() -> None:
    _, lock = real("uv-universal.txt")
    by_name = {r.name: r for r in lock.requirements}
    assert len(lock.requirements) == len(by_name) == 27
    assert str(by_name["colorama"].marker) == 'sys_platform == "win32"'
    assert str(by_name["rich"].marker) == 'python_full_version < "3.13"'
    assert len(by_name["cffi"].hashes) > 50

    def selected(env: dict[str, str]) -> set[str]:
        return {r.name for r in lock.requirements if r.applies(env)}

    linux, windows = (
        selected(environment("linux", "3.12.4")),
        selected(environment("win32", "3.13.1")),
    )
    assert {"jeepney", "secretstorage", "cryptography", "rich"} <= linux
    assert not {"colorama", "pywin32-ctypes", "backports-tarfile"} & linux
    assert {"colorama", "pywin32-ctypes"} <= windows
    assert not {"jeepney", "secretstorage", "cryptography", "rich"} & windows
    assert {"httpx", "keyring", "anyio"} <= linux & windows
    assert "backports-tarfile" in selected(environment("linux", "3.11.9"))


@pytest.mark.parametrize("name", [*REAL, "requirements.in"])
def test_real_lockfiles_name_no_registry_host(name: str) -> None:
    text = (DATA / name).read_text().lower()
    assert "://" not in text  # no index URL
    assert not re.search(r"\b[a-z0-9-]+\.(org|com|io|net|dev)\b", text)  # nor any host name
