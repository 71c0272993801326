"""One target assembly (``Config.targets``), one marker evaluation (``Target.evaluates``),
and the parsed platform facts the resolvers read (no tag re-parsed by splitting strings)."""

from __future__ import annotations

import pytest
from packaging.markers import Marker

from wh.adapters.piptools_shim import MARKER_KEYS as SHIM_KEYS
from wh.adapters.resolvers import uv_platform
from wh.core.config import Config, parse_config
from wh.core.targets import MARKER_KEYS, from_complete_platform, make_target
from wh.errors import UsageError

CONFIG = parse_config(
    {
        "python": ["3.11", "3.12"],
        "platforms": {
            "linux": ["manylinux_2_28_x86_64"],
            "macosx": ["macosx_14_0_arm64"],
        },
    }
)


def names(targets: object) -> list[str]:
    return [t.name for t in targets]  # type: ignore[attr-defined]


def test_targets_default_to_every_configured_one() -> None:
    targets = CONFIG.targets()
    expected = [
        "cp311-manylinux_2_28_x86_64",
        "cp311-macosx_14_0_arm64",
        "cp312-manylinux_2_28_x86_64",
        "cp312-macosx_14_0_arm64",
    ]
    assert names(targets.selected) == names(targets.configured) == expected
    assert targets.others == []


def test_targets_select_by_family_and_python_and_keep_the_configured_ones() -> None:
    targets = CONFIG.targets(["macosx"], ["3.12"])
    assert names(targets.selected) == ["cp312-macosx_14_0_arm64"]
    assert len(targets.configured) == 4
    assert names(targets.others) == [
        "cp311-manylinux_2_28_x86_64",
        "cp311-macosx_14_0_arm64",
        "cp312-manylinux_2_28_x86_64",
    ]


def test_targets_take_a_bare_tag_and_an_empty_python_list_means_configured() -> None:
    targets = Config().targets(["win_amd64"], [])
    assert names(targets.selected) == ["cp311-win_amd64", "cp312-win_amd64"]


EVALUATED = [
    pytest.param(None, (), True, id="no marker holds everywhere"),
    pytest.param('sys_platform == "darwin"', (), False, id="a false marker"),
    pytest.param('python_version >= "3.12"', (), True, id="a true marker"),
    pytest.param('extra == "socks"', (), False, id="an extra not asked for"),
    pytest.param('extra == "socks"', ("socks",), True, id="an extra asked for"),
    pytest.param(
        'extra == "socks" and sys_platform == "darwin"', ("socks",), False, id="both must hold"
    ),
]


@pytest.mark.parametrize(("marker", "extras", "expected"), EVALUATED)
def test_evaluates(marker: str | None, extras: tuple[str, ...], expected: bool) -> None:
    target = make_target("3.12", "manylinux_2_28_x86_64")
    assert target.evaluates(Marker(marker) if marker else None, extras) is expected


def test_evaluates_uses_the_targets_environment_not_the_hosts() -> None:
    windows = make_target("3.11", "win_amd64")
    assert windows.evaluates(Marker('os_name == "nt" and platform_machine == "AMD64"'))


def test_the_shim_and_the_environment_share_the_marker_keys() -> None:
    assert SHIM_KEYS is MARKER_KEYS
    assert sorted(make_target("3.12", "macosx_14_0_arm64").environment) == sorted(MARKER_KEYS)


@pytest.mark.parametrize(
    ("tag", "version"),
    [
        ("manylinux_2_28_x86_64", (2, 28)),
        ("manylinux2014_aarch64", (2, 17)),
        ("musllinux_1_2_x86_64", (1, 2)),
        ("macosx_14_0_arm64", (14, 0)),
        ("macosx_10_13_x86_64", (10, 13)),
        ("win_amd64", (0, 0)),
    ],
)
def test_platform_version_is_parsed_once(tag: str, version: tuple[int, int]) -> None:
    target = make_target("3.12", tag)
    assert target.platform.version == version
    assert from_complete_platform(target.complete_platform()).platform.version == version


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("manylinux_2_28_x86_64", ("x86_64-manylinux_2_28", {})),
        ("manylinux2014_aarch64", ("aarch64-manylinux_2_17", {})),
        ("musllinux_1_2_aarch64", ("aarch64-unknown-linux-musl", {})),
        ("macosx_14_0_arm64", ("aarch64-apple-darwin", {"MACOSX_DEPLOYMENT_TARGET": "14.0"})),
        ("macosx_10_13_x86_64", ("x86_64-apple-darwin", {"MACOSX_DEPLOYMENT_TARGET": "10.13"})),
        ("win_amd64", ("x86_64-pc-windows-msvc", {})),
    ],
)
def test_uv_platform_reads_the_parsed_platform(
    tag: str, expected: tuple[str, dict[str, str]]
) -> None:
    assert uv_platform(make_target("3.12", tag)) == expected


@pytest.mark.parametrize("tag", ["manylinux_2_26_x86_64", "musllinux_1_1_x86_64"])
def test_uv_platform_refuses_what_uv_cannot_name(tag: str) -> None:
    with pytest.raises(UsageError, match="uv has no --python-platform"):
        uv_platform(make_target("3.12", tag))
