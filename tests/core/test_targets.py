"""The target model: tags, marker environment, complete platform and errors, from facts alone."""

from __future__ import annotations

import json
import platform
import sys
import sysconfig

import pytest
from packaging.markers import Marker, default_environment
from packaging.tags import Tag, mac_platforms, sys_tags

from wh.core.targets import Target, TargetError, make_target


def platforms_in_order(target: Target) -> list[str]:
    """The platform tags of ``target.tags`` in first-seen order, without ``any``."""
    return list(dict.fromkeys(t.platform for t in target.tags if t.platform != "any"))


def tag(text: str) -> Tag:
    interpreter, abi, plat = text.split("-")
    return Tag(interpreter, abi, plat)


# --- manylinux chains ------------------------------------------------------------------------

X86_64_GLIBC_2_28 = [
    *(f"manylinux_2_{m}_x86_64" for m in range(28, 17, -1)),
    "manylinux_2_17_x86_64",
    "manylinux2014_x86_64",
    *(f"manylinux_2_{m}_x86_64" for m in range(16, 11, -1)),
    "manylinux2010_x86_64",
    *(f"manylinux_2_{m}_x86_64" for m in range(11, 4, -1)),
    "manylinux1_x86_64",
]
AARCH64_GLIBC_2_28 = [
    *(f"manylinux_2_{m}_aarch64" for m in range(28, 16, -1)),
    "manylinux2014_aarch64",
]

CHAINS = [
    pytest.param(
        "manylinux_2_28_x86_64",
        X86_64_GLIBC_2_28,
        id="x86_64 glibc 2.28 walks down to 2_5 with the legacy names in place",
    ),
    pytest.param(
        "manylinux_2_28_aarch64",
        AARCH64_GLIBC_2_28,
        id="aarch64 glibc 2.28 stops at 2_17 and manylinux2014",
    ),
    pytest.param(
        "manylinux_2_17_x86_64",
        X86_64_GLIBC_2_28[X86_64_GLIBC_2_28.index("manylinux_2_17_x86_64") :],
        id="x86_64 glibc 2.17 starts at 2_17",
    ),
    pytest.param(
        "manylinux2014_x86_64",
        X86_64_GLIBC_2_28[X86_64_GLIBC_2_28.index("manylinux_2_17_x86_64") :],
        id="legacy manylinux2014 means glibc 2.17",
    ),
    pytest.param(
        "manylinux2010_x86_64",
        X86_64_GLIBC_2_28[X86_64_GLIBC_2_28.index("manylinux_2_12_x86_64") :],
        id="legacy manylinux2010 means glibc 2.12",
    ),
    pytest.param(
        "manylinux1_x86_64",
        ["manylinux_2_5_x86_64", "manylinux1_x86_64"],
        id="legacy manylinux1 means glibc 2.5",
    ),
    pytest.param(
        "manylinux_2_17_aarch64",
        ["manylinux_2_17_aarch64", "manylinux2014_aarch64"],
        id="aarch64 glibc 2.17 is the oldest aarch64 machine",
    ),
    pytest.param(
        "musllinux_1_2_x86_64",
        ["musllinux_1_2_x86_64", "musllinux_1_1_x86_64", "musllinux_1_0_x86_64"],
        id="musl 1.2 accepts musllinux 1_2, 1_1 and 1_0",
    ),
    pytest.param("win_amd64", ["win_amd64"], id="win_amd64 accepts only itself"),
    pytest.param(
        "macosx_14_0_arm64",
        list(mac_platforms((14, 0), "arm64")),
        id="macOS 14 arm64 expands like packaging's mac_platforms",
    ),
    pytest.param(
        "macosx_13_0_x86_64",
        list(mac_platforms((13, 0), "x86_64")),
        id="macOS 13 x86_64 expands like packaging's mac_platforms",
    ),
]


@pytest.mark.parametrize(("platform_tag", "expected"), CHAINS)
def test_platforms_expand_in_order(platform_tag: str, expected: list[str]) -> None:
    assert platforms_in_order(make_target("3.11", platform_tag)) == expected


LEGACY_ALIASES = [
    pytest.param("manylinux2014_x86_64", "manylinux_2_17_x86_64", id="manylinux2014 is 2_17"),
    pytest.param("manylinux2010_x86_64", "manylinux_2_12_x86_64", id="manylinux2010 is 2_12"),
    pytest.param("manylinux1_x86_64", "manylinux_2_5_x86_64", id="manylinux1 is 2_5"),
    pytest.param("manylinux2014_aarch64", "manylinux_2_17_aarch64", id="aarch64 alias is 2_17"),
]


@pytest.mark.parametrize(("alias", "perennial"), LEGACY_ALIASES)
def test_legacy_alias_is_the_same_machine_as_its_perennial_tag(alias: str, perennial: str) -> None:
    aliased, named = make_target("3.11", alias), make_target("3.11", perennial)
    assert aliased.platform.tag == perennial
    assert aliased.tags == named.tags


TARGETS = [
    "manylinux_2_28_x86_64",
    "manylinux_2_28_aarch64",
    "manylinux2014_x86_64",
    "musllinux_1_2_x86_64",
    "macosx_14_0_arm64",
    "macosx_13_0_x86_64",
    "win_amd64",
]


@pytest.mark.parametrize("platform_tag", TARGETS)
def test_no_host_only_linux_tag_anywhere(platform_tag: str) -> None:
    assert not [
        t for t in make_target("3.11", platform_tag).tags if t.platform.startswith("linux_")
    ]


FIRST_TAGS = [
    pytest.param("3.11", "manylinux_2_28_x86_64", "cp311-cp311-manylinux_2_28_x86_64", id="glibc"),
    pytest.param("3.12", "manylinux_2_28_aarch64", "cp312-cp312-manylinux_2_28_aarch64", id="arm"),
    pytest.param("3.11", "musllinux_1_2_x86_64", "cp311-cp311-musllinux_1_2_x86_64", id="musl"),
    pytest.param("3.12.4", "macosx_14_0_arm64", "cp312-cp312-macosx_14_0_arm64", id="macOS"),
    pytest.param("3.13", "win_amd64", "cp313-cp313-win_amd64", id="windows"),
]


@pytest.mark.parametrize(("python", "platform_tag", "first"), FIRST_TAGS)
def test_first_tag_is_own_abi_on_newest_platform(
    python: str, platform_tag: str, first: str
) -> None:
    assert make_target(python, platform_tag).tags[0] == tag(first)


CONTAINS = [
    pytest.param("cp311-abi3-manylinux_2_28_x86_64", id="abi3 of the target's own version"),
    pytest.param("cp310-abi3-manylinux_2_28_x86_64", id="abi3 built for cp310"),
    pytest.param("cp32-abi3-manylinux1_x86_64", id="abi3 built for cp32 on manylinux1"),
    pytest.param("cp311-none-manylinux2014_x86_64", id="cp311 with no abi"),
    pytest.param("py3-none-manylinux_2_17_x86_64", id="py3 platform wheel"),
    pytest.param("py3-none-any", id="pure py3 wheel"),
    pytest.param("py311-none-any", id="pure py311 wheel"),
]


@pytest.mark.parametrize("text", CONTAINS)
def test_glibc_2_28_x86_64_accepts(text: str) -> None:
    assert tag(text) in make_target("3.11", "manylinux_2_28_x86_64").tags


EXCLUDES = [
    pytest.param("cp312-cp312-manylinux_2_28_x86_64", id="another CPython's abi"),
    pytest.param("cp312-abi3-manylinux_2_28_x86_64", id="abi3 built for a newer CPython"),
    pytest.param("cp311-cp311-manylinux_2_29_x86_64", id="a newer glibc"),
    pytest.param("cp311-cp311-manylinux_2_28_aarch64", id="another architecture"),
    pytest.param("cp311-cp311-musllinux_1_2_x86_64", id="musl"),
    pytest.param("cp311-cp311-linux_x86_64", id="the host-only linux tag"),
    pytest.param("pp310-pypy310_pp73-manylinux_2_28_x86_64", id="PyPy"),
    pytest.param("py2-none-any", id="Python 2 only"),
]


@pytest.mark.parametrize("text", EXCLUDES)
def test_glibc_2_28_x86_64_refuses(text: str) -> None:
    assert tag(text) not in make_target("3.11", "manylinux_2_28_x86_64").tags


@pytest.mark.parametrize("platform_tag", TARGETS)
def test_pure_py3_comes_after_every_platform_tag(platform_tag: str) -> None:
    tags = make_target("3.11", platform_tag).tags
    position = tags.index(Tag("py3", "none", "any"))
    assert all(t.platform == "any" for t in tags[position:])
    assert len(tags) - position <= 12  # only py310-none-any ... py30-none-any follow
    assert len(set(tags)) == len(tags)


MAC_VARIANTS = [
    pytest.param("macosx_14_0_arm64", "macosx_14_0_universal2", id="arm64 takes universal2"),
    pytest.param("macosx_14_0_arm64", "macosx_11_0_arm64", id="arm64 takes macOS 11 arm64"),
    pytest.param("macosx_13_0_x86_64", "macosx_13_0_intel", id="x86_64 takes intel"),
    pytest.param("macosx_13_0_x86_64", "macosx_13_0_fat64", id="x86_64 takes fat64"),
    pytest.param("macosx_13_0_x86_64", "macosx_13_0_universal", id="x86_64 takes universal"),
    pytest.param("macosx_13_0_x86_64", "macosx_13_0_universal2", id="x86_64 takes universal2"),
    pytest.param("macosx_13_0_x86_64", "macosx_10_9_x86_64", id="x86_64 takes macOS 10.9"),
    pytest.param("macosx_13_0_x86_64", "macosx_10_15_intel", id="x86_64 takes 10.15 intel"),
]


@pytest.mark.parametrize(("platform_tag", "accepted"), MAC_VARIANTS)
def test_macos_accepts_its_variants(platform_tag: str, accepted: str) -> None:
    assert accepted in platforms_in_order(make_target("3.11", platform_tag))


MAC_REFUSED = [
    pytest.param("macosx_14_0_arm64", "macosx_14_0_x86_64", id="arm64 refuses x86_64"),
    pytest.param("macosx_14_0_arm64", "macosx_15_0_arm64", id="arm64 refuses a newer macOS"),
    pytest.param("macosx_13_0_x86_64", "macosx_13_0_arm64", id="x86_64 refuses arm64"),
    pytest.param("macosx_13_0_x86_64", "macosx_14_0_x86_64", id="x86_64 refuses a newer macOS"),
]


@pytest.mark.parametrize(("platform_tag", "refused"), MAC_REFUSED)
def test_macos_refuses_other_machines(platform_tag: str, refused: str) -> None:
    assert refused not in platforms_in_order(make_target("3.11", platform_tag))


# --- the host check ----------------------------------------------------------------------------


def test_tags_equal_the_running_interpreters_own_tags() -> None:
    """This very interpreter, described by its facts alone, must report its own sys_tags()."""
    if sys.implementation.name != "cpython":
        pytest.skip(f"the target model describes CPython, not {sys.implementation.name}")
    if sysconfig.get_config_var("Py_GIL_DISABLED"):
        pytest.skip("a free-threaded CPython has its own abi (cp3XYt), outside the target model")
    if platform.system() != "Linux":
        pytest.skip(f"the host check needs glibc Linux, not {platform.system()}")
    host_tags = list(sys_tags())
    manylinux = [t.platform for t in host_tags if t.platform.startswith("manylinux_")]
    if not manylinux:
        pytest.skip("the host is not glibc Linux (no manylinux_* tag among sys_tags())")
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    target = make_target(python, manylinux[0])
    assert list(target.tags) == [t for t in host_tags if not t.platform.startswith("linux_")]


# --- marker environment ------------------------------------------------------------------------


def env(**facts: str) -> dict[str, str]:
    python = facts.pop("python")
    return {
        "implementation_name": "cpython",
        "implementation_version": python,
        "platform_python_implementation": "CPython",
        "platform_version": "",
        "python_full_version": python,
        "python_version": ".".join(python.split(".")[:2]),
        **facts,
    }


LINUX = {"os_name": "posix", "platform_system": "Linux", "sys_platform": "linux"}
DARWIN = {"os_name": "posix", "platform_system": "Darwin", "sys_platform": "darwin"}
WINDOWS = {"os_name": "nt", "platform_system": "Windows", "sys_platform": "win32"}

ENVIRONMENTS = [
    pytest.param(
        "3.11",
        "manylinux_2_28_x86_64",
        env(python="3.11.0", platform_machine="x86_64", platform_release="", **LINUX),
        id="glibc x86_64 on 3.11 is 3.11.0",
    ),
    pytest.param(
        "3.12.4",
        "manylinux_2_28_aarch64",
        env(python="3.12.4", platform_machine="aarch64", platform_release="", **LINUX),
        id="glibc aarch64 on 3.12.4 keeps the patch release",
    ),
    pytest.param(
        "3.12",
        "musllinux_1_2_x86_64",
        env(python="3.12.0", platform_machine="x86_64", platform_release="", **LINUX),
        id="musl x86_64 is linux too",
    ),
    pytest.param(
        "3.11",
        "macosx_14_0_arm64",
        env(python="3.11.0", platform_machine="arm64", platform_release="23.0.0", **DARWIN),
        id="macOS 14 arm64 is Darwin 23",
    ),
    pytest.param(
        "3.12",
        "macosx_13_0_x86_64",
        env(python="3.12.0", platform_machine="x86_64", platform_release="22.0.0", **DARWIN),
        id="macOS 13 x86_64 is Darwin 22",
    ),
    pytest.param(
        "3.12",
        "macosx_10_15_x86_64",
        env(python="3.12.0", platform_machine="x86_64", platform_release="19.0.0", **DARWIN),
        id="macOS 10.15 x86_64 is Darwin 19",
    ),
    pytest.param(
        "3.12",
        "macosx_15_6_arm64",
        env(python="3.12.0", platform_machine="arm64", platform_release="24.6.0", **DARWIN),
        id="macOS 15.6 is Darwin 24.6.0, not 24.0.0",
    ),
    pytest.param(
        "3.13",
        "macosx_26_0_arm64",
        env(python="3.13.0", platform_machine="arm64", platform_release="25.0.0", **DARWIN),
        id="macOS 26 is Darwin 25 (the version jump), not 35",
    ),
    pytest.param(
        "3.13",
        "macosx_26_1_arm64",
        env(python="3.13.0", platform_machine="arm64", platform_release="25.1.0", **DARWIN),
        id="macOS 26.1 is Darwin 25.1.0",
    ),
    pytest.param(
        "3.11",
        "win_amd64",
        env(python="3.11.0", platform_machine="AMD64", platform_release="10", **WINDOWS),
        id="win_amd64 is win32 on AMD64",
    ),
    pytest.param(
        "3.12",
        "win_arm64",
        env(python="3.12.0", platform_machine="ARM64", platform_release="10", **WINDOWS),
        id="win_arm64 is win32 on ARM64",
    ),
]


@pytest.mark.parametrize(("python", "platform_tag", "expected"), ENVIRONMENTS)
def test_environment_is_complete_and_right(
    python: str, platform_tag: str, expected: dict[str, str]
) -> None:
    environment = dict(make_target(python, platform_tag).environment)
    assert set(environment) == set(default_environment())
    assert environment == expected


MAC_ARM64 = 'sys_platform == "darwin" and platform_machine == "arm64"'
MARKERS = [
    pytest.param(MAC_ARM64, "3.11", "macosx_14_0_arm64", True, id="mac arm64 on mac arm64"),
    pytest.param(MAC_ARM64, "3.11", "macosx_13_0_x86_64", False, id="mac arm64 not on mac x86"),
    pytest.param(MAC_ARM64, "3.11", "manylinux_2_28_aarch64", False, id="mac arm64 not on linux"),
    pytest.param(MAC_ARM64, "3.11", "manylinux_2_28_x86_64", False, id="mac arm64 not on x86"),
    pytest.param(MAC_ARM64, "3.11", "win_arm64", False, id="mac arm64 not on windows arm"),
    pytest.param('sys_platform == "linux"', "3.11", "musllinux_1_2_x86_64", True, id="musl"),
    pytest.param('sys_platform == "linux"', "3.11", "win_amd64", False, id="not linux on win"),
    pytest.param('os_name == "nt"', "3.11", "win_amd64", True, id="windows is nt"),
    pytest.param('platform_system == "Darwin"', "3.12", "macosx_13_0_x86_64", True, id="darwin"),
    pytest.param('python_version < "3.12"', "3.11", "win_amd64", True, id="3.11 is below 3.12"),
    pytest.param('python_version < "3.12"', "3.12", "win_amd64", False, id="3.12 is not"),
    pytest.param('python_full_version >= "3.12.4"', "3.12.4", "win_amd64", True, id="patch ok"),
    pytest.param('python_full_version >= "3.12.4"', "3.12", "win_amd64", False, id="3.12.0"),
    pytest.param('implementation_name == "cpython"', "3.11", "win_amd64", True, id="cpython"),
]


@pytest.mark.parametrize(("marker", "python", "platform_tag", "expected"), MARKERS)
def test_markers_evaluate_for_the_target_whatever_the_host(
    marker: str, python: str, platform_tag: str, expected: bool
) -> None:
    target = make_target(python, platform_tag)
    assert Marker(marker).evaluate(dict(target.environment)) is expected


# --- complete platform -------------------------------------------------------------------------


@pytest.mark.parametrize("platform_tag", TARGETS)
def test_complete_platform_is_json_with_tags_most_specific_first(platform_tag: str) -> None:
    target = make_target("3.12", platform_tag)
    document = json.loads(json.dumps(target.complete_platform()))
    assert set(document) == {"marker_environment", "compatible_tags"}
    assert document["marker_environment"] == dict(target.environment)
    assert document["compatible_tags"] == [str(t) for t in target.tags]
    assert document["compatible_tags"][0] == f"cp312-cp312-{target.platform.accepted[0]}"


# --- errors ------------------------------------------------------------------------------------

BAD_PLATFORMS = [
    pytest.param("linux_x86_64", "host-only", id="linux_x86_64 is host-only"),
    pytest.param("linux_aarch64", "host-only", id="linux_aarch64 is host-only"),
    pytest.param("manylinux_2_4_x86_64", "glibc 2.4", id="no manylinux tag before glibc 2.5"),
    pytest.param("manylinux_2_16_aarch64", "glibc 2.16", id="no aarch64 tag before glibc 2.17"),
    pytest.param("manylinux_3_0_x86_64", "glibc 3.0", id="no glibc 3"),
    pytest.param("macosx_10_15_arm64", "arm64", id="no arm64 macOS before 11"),
    pytest.param("macosx_14_0_ppc", "not a macOS machine", id="no PowerPC Macs"),
    pytest.param("", "not a platform tag", id="empty string"),
    pytest.param("garbage", "not a platform tag", id="a word"),
    pytest.param("manylinux", "not a platform tag", id="a family name"),
    pytest.param("manylinux_x_y_x86_64", "not a platform tag", id="glibc without numbers"),
    pytest.param(" win_amd64", "not a platform tag", id="leading space"),
    pytest.param("cp311-cp311-win_amd64", "not a platform tag", id="a whole tag"),
]


@pytest.mark.parametrize(("platform_tag", "message"), BAD_PLATFORMS)
def test_bad_platform_is_a_usage_error(platform_tag: str, message: str) -> None:
    with pytest.raises(TargetError) as caught:
        make_target("3.11", platform_tag)
    assert caught.value.exit_code == 2
    assert message in str(caught.value)
    if platform_tag:
        assert platform_tag.strip() in str(caught.value)


def test_host_only_tag_hints_at_a_manylinux_tag() -> None:
    with pytest.raises(TargetError) as caught:
        make_target("3.11", "linux_x86_64")
    assert caught.value.hint is not None
    assert "manylinux_2_28_x86_64" in caught.value.hint


BAD_PYTHONS = [
    pytest.param("2.7", id="Python 2"),
    pytest.param("4.0", id="Python 4"),
    pytest.param("3", id="a major version alone"),
    pytest.param("3.11.4.1", id="four components"),
    pytest.param("abc", id="not a version"),
    pytest.param("", id="empty"),
    pytest.param("3.12.0rc1", id="a release candidate"),
    pytest.param("3.13.0a1", id="an alpha"),
    pytest.param("3.12+local", id="a local version"),
    pytest.param("3.5", id="below 3.6: ABI flags wh does not model"),
]


@pytest.mark.parametrize("python", BAD_PYTHONS)
def test_bad_python_is_a_usage_error(python: str) -> None:
    with pytest.raises(TargetError) as caught:
        make_target(python, "manylinux_2_28_x86_64")
    assert caught.value.exit_code == 2
    assert repr(python) in str(caught.value)


# Found while writing these tests: each is accepted today and yields a machine that cannot exist.
ACCEPTED_BUT_IMPOSSIBLE = [
    pytest.param("3.11", "manylinux1_aarch64", id="legacy manylinux1 on aarch64 (glibc 2.5)"),
    pytest.param("3.11", "manylinux2010_aarch64", id="legacy manylinux2010 on aarch64"),
    pytest.param("3.11", "macosx_10_15_universal2", id="universal2 on 10.15 becomes arm64"),
    pytest.param("3.11.dev0", "win_amd64", id="a dev release of Python"),
    pytest.param("3.11.post1", "win_amd64", id="a post release of Python"),
    pytest.param("3.12", "macosx_16_0_arm64", id="no macOS 16 to 25: after 15 came 26"),
    pytest.param("3.12", "macosx_25_0_arm64", id="no macOS 25"),
]


@pytest.mark.parametrize(("python", "platform_tag"), ACCEPTED_BUT_IMPOSSIBLE)
def test_impossible_machines_are_refused(python: str, platform_tag: str) -> None:
    with pytest.raises(TargetError):
        make_target(python, platform_tag)


# --- rank --------------------------------------------------------------------------------------

X86 = make_target("3.11", "manylinux_2_28_x86_64")

RANK_ORDER = [
    pytest.param(
        {"cp311-cp311-manylinux_2_28_x86_64"},
        {"cp311-cp311-manylinux_2_17_x86_64"},
        id="a newer glibc is more specific",
    ),
    pytest.param(
        {"cp311-cp311-manylinux_2_17_x86_64"},
        {"cp311-cp311-manylinux2014_x86_64"},
        id="the perennial name comes just before its legacy alias",
    ),
    pytest.param(
        {"cp311-cp311-manylinux1_x86_64"},
        {"cp311-abi3-manylinux_2_28_x86_64"},
        id="the own abi beats abi3 on any glibc",
    ),
    pytest.param(
        {"cp311-abi3-manylinux_2_17_x86_64"},
        {"cp310-abi3-manylinux_2_28_x86_64"},
        id="own-version abi3 beats older abi3",
    ),
    pytest.param(
        {"cp38-abi3-manylinux1_x86_64"},
        {"py3-none-any"},
        id="any platform wheel beats a pure one",
    ),
    pytest.param(
        {"py3-none-any", "cp311-cp311-manylinux_2_28_x86_64"},
        {"cp311-cp311-manylinux_2_27_x86_64"},
        id="a set ranks by its best tag",
    ),
]


@pytest.mark.parametrize(("better", "worse"), RANK_ORDER)
def test_rank_is_lower_for_more_specific_tags(better: set[str], worse: set[str]) -> None:
    best, other = X86.rank(frozenset(map(tag, better))), X86.rank(frozenset(map(tag, worse)))
    assert best is not None and other is not None
    assert best < other


FOREIGN = [
    pytest.param(set(), id="no tags at all"),
    pytest.param({"cp311-cp311-win_amd64"}, id="a Windows wheel"),
    pytest.param({"cp311-cp311-linux_x86_64"}, id="a host-only linux wheel"),
    pytest.param({"cp312-cp312-manylinux_2_17_x86_64"}, id="another CPython"),
    pytest.param({"py2-none-any", "cp27-cp27mu-manylinux1_x86_64"}, id="only Python 2 tags"),
]


@pytest.mark.parametrize("tags", FOREIGN)
def test_rank_is_none_for_foreign_tags(tags: set[str]) -> None:
    assert X86.rank(frozenset(map(tag, tags))) is None


def test_rank_of_the_first_tag_is_zero() -> None:
    assert X86.rank(frozenset({X86.tags[0]})) == 0


# --- CPython before 3.8: the pymalloc ABI flag -------------------------------------------------

OLD_ABI = [
    pytest.param(
        "3.7", "manylinux_2_17_x86_64", "cp37m", "cp37-cp37m-manylinux_2_17_x86_64", id="3.7"
    ),
    pytest.param("3.6", "macosx_10_15_x86_64", "cp36m", "cp36-cp36m-macosx_10_15_x86_64", id="3.6"),
    pytest.param("3.8", "win_amd64", "cp38", "cp38-cp38-win_amd64", id="3.8 has no flag"),
]


@pytest.mark.parametrize(("python", "platform_tag", "abi", "first"), OLD_ABI)
def test_cpython_before_3_8_reports_the_m_abi(
    python: str, platform_tag: str, abi: str, first: str
) -> None:
    target = make_target(python, platform_tag)
    assert target.abi == abi
    assert str(target.tags[0]) == first
    if abi.endswith("m"):  # a real 3.7 reports cp37m and never a bare cp37 ABI
        assert all(t.abi != abi[:-1] for t in target.tags)
    assert target.name.startswith(f"cp{python.replace('.', '')}-")


# --- ranks without making every tag ----------------------------------------------------------


@pytest.mark.parametrize("python", ["3.6", "3.7", "3.11", "3.12", "3.14"])
@pytest.mark.parametrize(
    "platform_tag",
    [
        "manylinux_2_28_x86_64",
        "manylinux2014_aarch64",
        "manylinux_2_5_i686",
        "musllinux_1_2_aarch64",
        "macosx_14_0_arm64",
        "macosx_10_9_x86_64",
        "macosx_26_0_x86_64",
        "win_amd64",
    ],
)
def test_rank_orders_tags_as_the_made_list_does(python: str, platform_tag: str) -> None:
    """rank() reads runs of packaging's tags instead of making each; it must agree with the
    list packaging makes: every listed tag in list order, anything else None."""
    target = make_target(python, platform_tag)
    made = list(dict.fromkeys(_made(python, platform_tag)))
    assert list(target.tags) == made
    ranks = [target.rank([t]) for t in made]
    assert None not in ranks and ranks == sorted(ranks) and len(set(ranks)) == len(ranks)
    others = [tag("cp311-cp311-linux_x86_64"), tag("py3-none-win32"), tag("cp39-abi3-any")]
    others += [tag(f"cp32-cp32-{made[0].platform}"), tag(f"pp310-pypy310_pp73-{made[0].platform}")]
    assert all(target.rank([t]) is None for t in others if t not in made)
    some = made[len(made) // 2 :: 7] + others
    ranked = [r for r in (target.rank([t]) for t in some) if r is not None]
    assert target.rank(some) == min(ranked)


def _made(python: str, platform_tag: str) -> list[Tag]:
    """Every tag, made one by one as packaging does (what TagOrder holds when asked)."""
    from packaging.tags import compatible_tags, cpython_tags

    from wh.core.targets import cpython_abi, parse_platform, parse_python

    version = parse_python(python)
    accepted = parse_platform(platform_tag).accepted
    abi = cpython_abi(version)
    short = (version.major, version.minor)
    return [*cpython_tags(short, [abi], accepted), *compatible_tags(short, abi, accepted)]


def test_a_packaging_that_interleaves_platforms_gets_every_tag_made(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """When packaging's tags are not runs of one (interpreter, abi) over the platforms, the
    ranks come from the made list (what a free-threaded abi3t target would look like)."""
    import wh.core.targets as targets

    def interleaved(python: object, platforms: tuple[str, ...]) -> object:
        for p in platforms:
            yield Tag("cp312", "abi3", p)
            yield Tag("cp312", "abi3t", p)
        yield Tag("py3", "none", "any")

    monkeypatch.setattr(targets, "_tags", interleaved)
    order = targets._generated_order(targets.parse_python("3.12"), ("a_x", "b_x"))
    assert type(order) is targets.TagOrder
    assert order.rank([Tag("cp312", "abi3t", "a_x")]) == 1
    assert order.rank([Tag("cp312", "abi3", "b_x")]) == 2
