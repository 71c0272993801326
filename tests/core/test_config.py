"""The [tool.wh] table: validation, defaults, platform selection and target expansion."""

from __future__ import annotations

from typing import Any

import pytest

from wh.core.config import (
    DEFAULT_PLATFORMS,
    Config,
    make_targets,
    parse_config,
    select_platforms,
    split_list,
)
from wh.errors import ConfigError

DOCUMENTED = {
    "lockfiles": ["lockfiles/requirements.txt", "lockfiles/dev.txt"],
    "wheelhouse": "vendor/wheels",
    "python": ["3.11", "3.12.4"],
    "index-url": "https://pypi.example/simple/",
    "extra-index-urls": ["http://mirror.example/simple/"],
    "platforms": {
        "linux": ["manylinux_2_28_x86_64", "manylinux_2_28_aarch64"],
        "macosx": ["macosx_14_0_arm64", "macosx_13_0_x86_64"],
    },
}


def test_documented_table_is_accepted_as_written() -> None:
    config = parse_config(DOCUMENTED)
    assert config.lockfiles == ("lockfiles/requirements.txt", "lockfiles/dev.txt")
    assert config.wheelhouse == "vendor/wheels"
    assert config.python == ("3.11", "3.12.4")
    assert config.index_url == "https://pypi.example/simple/"
    assert config.extra_index_urls == ("http://mirror.example/simple/",)
    assert dict(config.platforms) == {
        "linux": ("manylinux_2_28_x86_64", "manylinux_2_28_aarch64"),
        "macosx": ("macosx_14_0_arm64", "macosx_13_0_x86_64"),
    }


DEFAULTS = [
    pytest.param("lockfiles", ("lockfiles/requirements.txt",), id="one universal lockfile"),
    pytest.param("wheelhouse", "wheelhouse", id="a wheelhouse folder"),
    pytest.param("python", ("3.11", "3.12"), id="CPython 3.11 and 3.12"),
    pytest.param("index_url", None, id="no index url, so pip's own"),
    pytest.param("extra_index_urls", (), id="no extra index"),
    pytest.param("platforms", DEFAULT_PLATFORMS, id="the default platform families"),
]


@pytest.mark.parametrize(("attribute", "expected"), DEFAULTS)
def test_absent_keys_take_defaults(attribute: str, expected: Any) -> None:
    assert getattr(parse_config({}), attribute) == expected
    assert getattr(Config(), attribute) == expected


def test_default_platforms_name_every_family() -> None:
    assert set(DEFAULT_PLATFORMS) == {"linux", "macosx", "musllinux", "windows"}
    assert all(DEFAULT_PLATFORMS.values())


def test_a_partial_table_keeps_the_other_defaults() -> None:
    assert parse_config({"python": ["3.13"]}) == Config(python=("3.13",))


BAD_TABLES = [
    pytest.param({"lockfile": ["a.txt"]}, "lockfile", id="an unknown key is named"),
    pytest.param({"index_url": "https://x/"}, "index_url", id="the underscore spelling is unknown"),
    pytest.param({"lockfiles": "a.txt"}, "lockfiles", id="lockfiles not a list"),
    pytest.param({"lockfiles": [1]}, "lockfiles", id="lockfiles with a number"),
    pytest.param({"lockfiles": [""]}, "lockfiles", id="lockfiles with an empty name"),
    pytest.param({"wheelhouse": ""}, "wheelhouse", id="wheelhouse empty"),
    pytest.param({"wheelhouse": ["w"]}, "wheelhouse", id="wheelhouse a list"),
    pytest.param({"python": ["2.7"]}, "python", id="python 2.7"),
    pytest.param({"python": ["3.11", "abc"]}, "python", id="python not a version"),
    pytest.param({"python": "3.12"}, "python", id="python not a list"),
    pytest.param({"index-url": "ftp://x/simple/"}, "index-url", id="index-url not http(s)"),
    pytest.param({"index-url": "index.example/simple"}, "index-url", id="index-url with no scheme"),
    pytest.param({"index-url": 3}, "index-url", id="index-url not a string"),
    pytest.param({"extra-index-urls": ["file:///x"]}, "extra-index-urls", id="extra not http"),
    pytest.param({"extra-index-urls": "https://x/"}, "extra-index-urls", id="extra not a list"),
    pytest.param(
        {"platforms": {"linux": ["linux_x86_64"]}}, "platforms.linux", id="platforms.linux bad tag"
    ),
    pytest.param(
        {"platforms": {"linux": "manylinux_2_28_x86_64"}},
        "platforms.linux",
        id="platforms.linux not a list",
    ),
    pytest.param(
        {"platforms": {"mac": ["macosx_10_15_arm64"]}}, "platforms.mac", id="platforms.mac bad tag"
    ),
    pytest.param({"platforms": {}}, "platforms", id="an empty platforms table"),
    pytest.param({"platforms": ["win_amd64"]}, "platforms", id="platforms not a table"),
]


@pytest.mark.parametrize(("table", "key"), BAD_TABLES)
def test_wrong_key_or_value_is_a_config_error_naming_the_key(
    table: dict[str, Any], key: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(table)
    assert caught.value.exit_code == 2
    assert key in str(caught.value)


def test_unknown_key_hints_at_the_known_ones() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config({"lockfile": []})
    assert caught.value.hint is not None
    assert "lockfiles" in caught.value.hint


def test_a_bad_platform_tag_keeps_the_target_hint() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config({"platforms": {"linux": ["linux_x86_64"]}})
    assert caught.value.hint is not None
    assert "manylinux_2_28_x86_64" in caught.value.hint


# --- select_platforms --------------------------------------------------------------------------

CUSTOM = Config(platforms={"linux": ("manylinux_2_17_x86_64",), "arm": ("manylinux_2_28_aarch64",)})

SELECTIONS = [
    pytest.param(
        Config(),
        None,
        [tag for tags in DEFAULT_PLATFORMS.values() for tag in tags],
        id="no spec means every default family",
    ),
    pytest.param(
        CUSTOM,
        None,
        ["manylinux_2_17_x86_64", "manylinux_2_28_aarch64"],
        id="no spec means every configured family",
    ),
    pytest.param(
        Config(), ["macosx"], list(DEFAULT_PLATFORMS["macosx"]), id="a family gives its tags"
    ),
    pytest.param(CUSTOM, ["arm"], ["manylinux_2_28_aarch64"], id="a configured family"),
    pytest.param(
        CUSTOM, ["linux"], ["manylinux_2_17_x86_64"], id="a configured family hides the default"
    ),
    pytest.param(
        CUSTOM, ["windows"], ["win_amd64"], id="a default family is still known when unconfigured"
    ),
    pytest.param(
        Config(), ["manylinux_2_17_x86_64"], ["manylinux_2_17_x86_64"], id="a bare tag is itself"
    ),
    pytest.param(
        Config(),
        ["manylinux2014_x86_64"],
        ["manylinux_2_17_x86_64"],
        id="a legacy alias becomes its perennial tag",
    ),
    pytest.param(
        Config(),
        ["windows", "musllinux_1_1_x86_64"],
        ["win_amd64", "musllinux_1_1_x86_64"],
        id="families and bare tags mix in order",
    ),
    pytest.param(
        Config(),
        ["windows", "win_amd64", "windows"],
        ["win_amd64"],
        id="duplicates are dropped",
    ),
    pytest.param(
        Config(),
        ["manylinux_2_17_x86_64", "manylinux2014_x86_64"],
        ["manylinux_2_17_x86_64"],
        id="an alias and its perennial tag are one platform",
    ),
]


@pytest.mark.parametrize(("config", "spec", "expected"), SELECTIONS)
def test_select_platforms(config: Config, spec: list[str] | None, expected: list[str]) -> None:
    assert select_platforms(config, spec) == expected


BAD_SELECTIONS = [
    pytest.param(["bogus"], "'bogus'", id="an unknown name is named"),
    pytest.param(["linux", "lnux"], "'lnux'", id="a typo among good names is named"),
    pytest.param(["linux_x86_64"], "linux_x86_64: a host-only tag", id="a host-only tag is named"),
    pytest.param([], "--platforms", id="an empty selection"),
]


@pytest.mark.parametrize(("spec", "message"), BAD_SELECTIONS)
def test_bad_selection_is_a_config_error(spec: list[str], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        select_platforms(Config(), spec)
    assert caught.value.exit_code == 2
    assert message in str(caught.value)


# --- make_targets ------------------------------------------------------------------------------

EXPANSIONS = [
    pytest.param(
        ["3.11", "3.12"],
        ["manylinux_2_28_x86_64", "win_amd64"],
        [
            "cp311-manylinux_2_28_x86_64",
            "cp311-win_amd64",
            "cp312-manylinux_2_28_x86_64",
            "cp312-win_amd64",
        ],
        id="every python times every tag, python first",
    ),
    pytest.param(["3.12", "3.12"], ["win_amd64"], ["cp312-win_amd64"], id="a repeated python once"),
    pytest.param(["3.11"], [], [], id="no tags gives no targets"),
]


@pytest.mark.parametrize(("pythons", "tags", "names"), EXPANSIONS)
def test_make_targets(pythons: list[str], tags: list[str], names: list[str]) -> None:
    assert [t.name for t in make_targets(pythons, tags)] == names


BAD_EXPANSIONS = [
    pytest.param(["2.7"], ["win_amd64"], "'2.7'", id="a bad python"),
    pytest.param(["3.11"], ["linux_x86_64"], "linux_x86_64", id="a bad platform"),
]


@pytest.mark.parametrize(("pythons", "tags", "message"), BAD_EXPANSIONS)
def test_make_targets_errors_are_config_errors(
    pythons: list[str], tags: list[str], message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        make_targets(pythons, tags)
    assert caught.value.exit_code == 2
    assert message in str(caught.value)


# --- split_list --------------------------------------------------------------------------------

SPLITS = [
    pytest.param("a,b", ["a", "b"], id="two names"),
    pytest.param(" a , b ", ["a", "b"], id="spaces trimmed"),
    pytest.param("a, b,,c,", ["a", "b", "c"], id="empty parts dropped"),
    pytest.param("linux", ["linux"], id="one name"),
    pytest.param("", [], id="nothing"),
    pytest.param(" , ,", [], id="only separators"),
]


@pytest.mark.parametrize(("text", "expected"), SPLITS)
def test_split_list(text: str, expected: list[str]) -> None:
    assert split_list(text) == expected


# Found while writing these tests: an empty list passes and silently yields zero targets.
EMPTY_LISTS = [
    pytest.param({"python": []}, "python", id="python = [] leaves no target"),
    pytest.param({"platforms": {"linux": []}}, "platforms.linux", id="an empty family"),
]


@pytest.mark.parametrize(("table", "key"), EMPTY_LISTS)
def test_empty_lists_that_leave_no_target_are_refused(table: dict[str, Any], key: str) -> None:
    with pytest.raises(ConfigError, match=key):
        parse_config(table)
