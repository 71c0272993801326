"""The export renderers, pure: the static index pages, pylock.toml (checked with packaging's
own PEP 751 model against verify's choice per target), the hashed requirements, Pants."""

from __future__ import annotations

import ast
import hashlib
import html
import json
import re
import tomllib
from collections.abc import Sequence

import pytest
from packaging.pylock import PackageWheel, Pylock
from packaging.utils import canonicalize_name

from wh.core import pants, pylock, simple_index
from wh.core.built import BuiltWheel
from wh.core.lockfile import LockedRequirement, parse_lockfile
from wh.core.requirements import render_requirements, requirement_text
from wh.core.targets import Target, make_target
from wh.core.verify import HouseFile, verify

TARGETS = [
    make_target(py, plat)
    for py in ("3.11", "3.12")
    for plat in (
        "manylinux_2_28_x86_64",
        "manylinux_2_28_aarch64",
        "macosx_14_0_arm64",
        "macosx_13_0_x86_64",
        "musllinux_1_2_x86_64",
        "win_amd64",
    )
]


def sha(filename: str) -> str:
    return hashlib.sha256(filename.encode()).hexdigest()


# Every target gets something different: 2_28 outranks manylinux2014 on glibc 2.28, a
# universal2 wheel serves both Macs but an arm64 one outranks it there, abi3 serves 3.12.
WHEELS = [
    "pure-1.0-py3-none-any.whl",
    "pure-1.0-1-py3-none-any.whl",  # same tags, a build number: ties break by filename
    "native-2.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
    "native-2.0-cp311-cp311-manylinux_2_28_x86_64.whl",
    "native-2.0-cp311-cp311-manylinux_2_17_aarch64.manylinux2014_aarch64.whl",
    "native-2.0-cp311-cp311-macosx_10_9_universal2.whl",
    "native-2.0-cp311-cp311-macosx_11_0_arm64.whl",
    "native-2.0-cp311-cp311-musllinux_1_1_x86_64.whl",
    "native-2.0-cp311-cp311-win_amd64.whl",
    "native-2.0-cp312-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
    "native-2.0-cp312-abi3-manylinux_2_17_aarch64.manylinux2014_aarch64.whl",
    "native-2.0-cp312-abi3-macosx_10_9_universal2.whl",
    "native-2.0-cp312-abi3-musllinux_1_2_x86_64.whl",
    "native-2.0-cp312-abi3-win_amd64.whl",
    "appnope-0.1.4-py3-none-any.whl",
    "split-1.0-py3-none-any.whl",
    "split-2.0-py3-none-any.whl",
    "tomli-2.0.1-py3-none-any.whl",
    "built-1.0-py3-none-any.whl",  # built here from the locked sdist
]
SDIST_SHA = sha("built-1.0.tar.gz")
RECORDS = [BuiltWheel("built-1.0.tar.gz", SDIST_SHA, "built-1.0-py3-none-any.whl", sha(WHEELS[-1]))]


def _hashes(*names: str) -> str:
    return "".join(f" --hash=sha256:{sha(n)}" for n in names)


LOCK = "\n".join(
    [
        "pure==1.0" + _hashes(*[w for w in WHEELS if w.startswith("pure-")]),
        "native==2.0" + _hashes(*[w for w in WHEELS if w.startswith("native-")]),
        'appnope==0.1.4 ; sys_platform == "darwin"' + _hashes("appnope-0.1.4-py3-none-any.whl"),
        'split==1.0 ; sys_platform == "darwin"' + _hashes("split-1.0-py3-none-any.whl"),
        'split==2.0 ; sys_platform != "darwin"' + _hashes("split-2.0-py3-none-any.whl"),
        'tomli==2.0.1 ; python_version < "3.12"' + _hashes("tomli-2.0.1-py3-none-any.whl"),
        f"built==1.0 --hash=sha256:{SDIST_SHA}",
        'winonly==9.0 ; sys_platform == "emscripten"' + _hashes("winonly-9.0-py3-none-any.whl"),
    ]
)


def requirements() -> list[LockedRequirement]:
    return list(parse_lockfile("requirements.txt", lambda _: LOCK).requirements)


def chosen() -> dict[str, list[str]]:
    files = [HouseFile(w, sha(w)) for w in WHEELS]
    report = verify(TARGETS, TARGETS, requirements(), files, RECORDS, closure=False)
    assert {(f.kind, f.file) for f in report.findings} == {
        ("unused", "pure-1.0-py3-none-any.whl"),  # the tie's loser
        ("unused", WHEELS[2]),  # manylinux2014 x86_64: 2_28 outranks it on every x86_64 glibc
    }
    return report.chosen


def rendered() -> tuple[str, dict[str, list[str]]]:
    choice = chosen()
    files = {w: pylock.LockedFile(w, sha(w), 1000 + i) for i, w in enumerate(WHEELS)}
    every = sorted({f for names in choice.values() for f in names})
    packages, unused = pylock.packages(requirements(), every, files)
    assert unused == ["winonly==9.0"]  # no configured target uses it: no file to list
    names = [t.name for t in TARGETS]
    return pylock.render_pylock(packages, "../wheelhouse", names, "requirements.txt"), choice


# --- pylock.toml -----------------------------------------------------------------------------


def test_pylock_validates_and_selects_what_verify_chose_on_every_target() -> None:
    text, choice = rendered()
    lock = Pylock.from_dict(tomllib.loads(text))
    lock.validate()
    for target in TARGETS:
        env: dict[str, str] = dict(target.environment)
        picked = {d.filename for _, d in lock.select(tags=target.tags, environment=env)}  # type: ignore[arg-type]
        assert picked == set(choice[target.name]), target.name


def test_pylock_entries_paths_markers_and_hashes() -> None:
    text, _ = rendered()
    data = tomllib.loads(text)
    assert data["lock-version"] == "1.0" and data["created-by"] == "wh"
    entries = {(p["name"], p["version"]): p for p in data["packages"]}
    assert ("winonly", "9.0") not in entries
    assert entries[("split", "1.0")]["marker"] == 'sys_platform == "darwin"'
    assert entries[("split", "2.0")]["marker"] == 'sys_platform != "darwin"'
    assert "marker" not in entries[("native", "2.0")]
    built = entries[("built", "1.0")]["wheels"]
    assert built == [
        {
            "name": "built-1.0-py3-none-any.whl",
            "path": "../wheelhouse/built-1.0-py3-none-any.whl",
            "size": 1018,
            "hashes": {"sha256": sha("built-1.0-py3-none-any.whl")},
        }
    ]
    assert [w["name"] for w in entries[("pure", "1.0")]["wheels"]] == [
        "pure-1.0-1-py3-none-any.whl"
    ]
    assert data["tool"]["wh"]["targets"] == [t.name for t in TARGETS]


def test_pylock_joins_the_markers_of_one_version_and_drops_them_when_one_line_has_none() -> None:
    lines = "\n".join(
        [
            'a==1.0 ; sys_platform == "darwin"',
            'a==1.0 ; sys_platform == "linux"',
            'b==1.0 ; sys_platform == "darwin"',
            "b==1.0",
        ]
    )
    reqs = parse_lockfile("r.txt", lambda _: lines).requirements
    files = {
        n: pylock.LockedFile(n, sha(n), 1)
        for n in ("a-1.0-py3-none-any.whl", "b-1.0-py3-none-any.whl")
    }
    packages, _ = pylock.packages(reqs, list(files), files)
    markers = {p.name: p.marker for p in packages}
    assert markers == {"a": '(sys_platform == "darwin") or (sys_platform == "linux")', "b": None}


@pytest.mark.parametrize(
    "value", ["plain", 'a "quoted" \\ path', "tab\there", "new\nline", "ünïcødé", "del\x7f"]
)
def test_toml_string_round_trips(value: str) -> None:
    assert tomllib.loads(f"v = {pylock.toml_string(value)}")["v"] == value


def test_pylock_in_the_lock_directory_has_plain_relative_paths() -> None:
    files = {"a-1.0-py3-none-any.whl": pylock.LockedFile("a-1.0-py3-none-any.whl", sha("a"), 1)}
    reqs = parse_lockfile("r.txt", lambda _: "a==1.0").requirements
    packages, _ = pylock.packages(reqs, list(files), files)
    for wheel_dir, path in [
        (".", "a-1.0-py3-none-any.whl"),
        ("wheelhouse", "wheelhouse/a-1.0-py3-none-any.whl"),
    ]:
        data = tomllib.loads(pylock.render_pylock(packages, wheel_dir, [], "r.txt"))
        assert data["packages"][0]["wheels"][0]["path"] == path


# --- requirements ----------------------------------------------------------------------------


def test_requirements_add_built_wheel_hashes_and_keep_markers_and_extras() -> None:
    text = "\n".join(
        [
            f"built==1.0 --hash=sha256:{SDIST_SHA}",
            f'web[http2,cli]==3.0 ; python_version >= "3.12" --hash=sha256:{sha("w")}',
            f"built==1.0 --hash=sha256:{SDIST_SHA}",  # twice through an include: written once
        ]
    )
    reqs = parse_lockfile("r.txt", lambda _: text).requirements
    from packaging.version import Version

    out = render_requirements(
        reqs, {("built", Version("1.0")): {sha("built-1.0-py3-none-any.whl")}}, ["a header"]
    )
    assert out.splitlines()[0] == "# a header"
    assert out.count("built==1.0") == 1
    entry = out.split("built==1.0", 1)[1].split("web", 1)[0]
    assert sorted(re.findall(r"sha256:([0-9a-f]{64})", entry)) == sorted(
        [SDIST_SHA, sha("built-1.0-py3-none-any.whl")]
    )
    assert 'web[cli,http2]==3.0 ; python_version >= "3.12" \\\n' in out
    again = parse_lockfile("out.txt", lambda _: out).requirements
    assert {r.name: r.hashes for r in again}["built"] == {
        SDIST_SHA,
        sha("built-1.0-py3-none-any.whl"),
    }
    assert requirement_text(reqs[1]) == 'web[cli,http2]==3.0 ; python_version >= "3.12"'


# --- the static index ------------------------------------------------------------------------


FILES = [
    simple_index.IndexedFile(
        canonicalize_name("Zope.Interface"),
        "zope.interface-6.0-cp311-cp311-manylinux_2_17_x86_64.whl",
        "a" * 64,
        ">=3.7, <4",
        "b" * 64,
    ),
    simple_index.IndexedFile(canonicalize_name("pkg"), "pkg-1.0+local-py3-none-any.whl", "c" * 64),
    simple_index.IndexedFile(canonicalize_name("pkg"), "pkg-0.9.tar.gz", "d" * 64),
]


def test_index_pages_link_files_with_hash_requires_python_and_metadata() -> None:
    pages = simple_index.render_pages(FILES)
    assert sorted(pages) == [
        "simple/index.html",
        "simple/pkg/index.html",
        "simple/zope-interface/index.html",
    ]
    root = pages["simple/index.html"].decode()
    assert root.index('href="pkg/"') < root.index('href="zope-interface/"')
    assert simple_index.is_wh_index(pages["simple/index.html"])
    zope = pages["simple/zope-interface/index.html"].decode()
    assert (
        f'href="zope.interface-6.0-cp311-cp311-manylinux_2_17_x86_64.whl#sha256={"a" * 64}"' in zope
    )
    assert 'data-requires-python="&gt;=3.7, &lt;4"' in zope
    assert f'data-core-metadata="sha256={"b" * 64}"' in zope
    assert f'data-dist-info-metadata="sha256={"b" * 64}"' in zope
    pkg = pages["simple/pkg/index.html"].decode()
    assert "pkg-0.9.tar.gz#sha256=" in pkg and "data-core-metadata" not in pkg
    assert 'href="pkg-1.0%2Blocal-py3-none-any.whl#sha256=' in pkg  # quoted: '+' is not a space
    assert pkg.index("pkg-0.9.tar.gz") < pkg.index("pkg-1.0")  # sorted by filename
    assert simple_index.file_path(FILES[1]) == "simple/pkg/pkg-1.0+local-py3-none-any.whl"


def test_index_pages_are_deterministic_whatever_the_order() -> None:
    assert simple_index.render_pages(FILES) == simple_index.render_pages(FILES[::-1])


def test_index_pages_parse_as_html_links() -> None:
    page = simple_index.render_pages(FILES)["simple/zope-interface/index.html"].decode()
    hrefs = [html.unescape(h) for h in re.findall(r'href="([^"]+)"', page)]
    assert hrefs == [f"zope.interface-6.0-cp311-cp311-manylinux_2_17_x86_64.whl#sha256={'a' * 64}"]


@pytest.mark.parametrize(
    ("metadata", "expected"),
    [
        (b"Metadata-Version: 2.1\nName: a\nVersion: 1\nRequires-Python: >=3.9\n\n", ">=3.9"),
        (b"Metadata-Version: 2.1\nName: a\nVersion: 1\n\nbody", None),
        (b"Metadata-Version: 2.1\nName: a\nVersion: 1\nRequires-Python:  \n\n", None),
    ],
)
def test_requires_python_from_metadata(metadata: bytes, expected: str | None) -> None:
    assert simple_index.requires_python(metadata) == expected


def test_a_foreign_root_page_is_not_ours() -> None:
    assert not simple_index.is_wh_index(b"<html><a href='x/'>x</a></html>")


# --- Pants -----------------------------------------------------------------------------------


def test_pants_platforms_are_the_documents_wh_gives_pex() -> None:
    for target in TARGETS:
        assert json.loads(pants.render_platform(target)) == target.complete_platform()
        assert pants.platform_filename(target) == f"{target.name}.json"


def test_pants_build_file_declares_a_file_per_platform_and_a_pex_binary_example() -> None:
    targets: Sequence[Target] = TARGETS[:3]
    text = pants.render_build(targets, "3rdparty/platforms")
    tree = ast.parse(text)
    calls = [n.value for n in tree.body if isinstance(n, ast.Expr)]
    assert [ast.literal_eval(c.keywords[1].value) for c in calls] == [  # type: ignore[attr-defined]
        f"{t.name}.json" for t in targets
    ]
    example = "\n".join(
        line.removeprefix("# ") for line in text.splitlines() if line.startswith("# ")
    )
    assert "pex_binary(" in example
    assert all(f'"//3rdparty/platforms:{t.name}",' in example for t in targets)


def test_pants_toml_points_at_the_wheelhouse_with_no_index_and_wheels_only() -> None:
    data = tomllib.loads(
        pants.render_pants_toml("third/wheelhouse", ["3.11", "3.12"], "python-default")
    )
    assert data["python-repos"]["find_links"] == ["file://%(buildroot)s/third/wheelhouse"]
    assert data["python-repos"]["indexes"] == []
    assert data["python"]["resolves_to_only_binary"] == {"python-default": [":all:"]}
    assert data["python"]["enable_resolves"] is True
    assert data["python"]["interpreter_constraints"] == ["CPython==3.11.*", "CPython==3.12.*"]


def test_select_returns_wheels() -> None:
    text, _ = rendered()
    lock = Pylock.from_dict(tomllib.loads(text))
    target = TARGETS[0]
    env: dict[str, str] = dict(target.environment)
    assert all(
        isinstance(d, PackageWheel) for _, d in lock.select(tags=target.tags, environment=env)
    )  # type: ignore[arg-type]
