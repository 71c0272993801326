"""PEX-INFO read into PexInfo, and which targets each bundled distribution serves."""

from __future__ import annotations

import json
from typing import Any

import pytest

from wh.core.pexinfo import COMPLETE_PLATFORMS, PexInfo, PexInfoError, coverage, parse_pex_info
from wh.core.targets import make_target

LINUX = make_target("3.12", "manylinux_2_28_x86_64")
MAC = make_target("3.12", "macosx_14_0_arm64")
LINUX_WHEEL = "fast-1.0-cp312-cp312-manylinux_2_17_x86_64.whl"
MAC_WHEEL = "fast-1.0-cp312-cp312-macosx_11_0_arm64.whl"
PURE_WHEEL = "pure-2.0-py3-none-any.whl"


def info(requirements: tuple[str, ...], distributions: tuple[str, ...]) -> PexInfo:
    return PexInfo(
        entry_point="app:main",
        script=None,
        pex_version="2.1",
        requirements=requirements,
        distributions={name: "0" * 64 for name in distributions},
    )


def test_parse_reads_entry_point_requirements_distributions_and_build_properties() -> None:
    platform = LINUX.complete_platform()
    text = json.dumps(
        {
            "entry_point": "app.main:run",
            "requirements": ["pure==2.0"],
            "distributions": {PURE_WHEEL: "ab" * 32},
            "build_properties": {"pex_version": "2.20.0", COMPLETE_PLATFORMS: [platform]},
        }
    )
    parsed = parse_pex_info(text)
    assert parsed.entry_point == "app.main:run" and parsed.script is None
    assert parsed.pex_version == "2.20.0"
    assert parsed.requirements == ("pure==2.0",)
    assert parsed.distributions == {PURE_WHEEL: "ab" * 32}
    assert parsed.complete_platforms == (platform,)


def test_parse_of_a_pex_info_without_optional_fields_gives_empty_values() -> None:
    parsed = parse_pex_info('{"script": "app"}')
    assert parsed.script == "app" and parsed.entry_point is None and parsed.pex_version is None
    assert parsed.requirements == () and dict(parsed.distributions) == {}
    assert parsed.complete_platforms == ()  # not built by wh pex


@pytest.mark.parametrize("text", ["", "{", "[1, 2]", '"text"', '{"build_properties": 3}'])
def test_parse_of_something_else_is_a_pex_info_error(text: str) -> None:
    with pytest.raises(PexInfoError, match="not a PEX-INFO document"):
        parse_pex_info(text)


def test_coverage_names_the_targets_each_distribution_serves() -> None:
    found = coverage(
        info(("fast==1.0", "pure==2.0"), (LINUX_WHEEL, MAC_WHEEL, PURE_WHEEL)), [LINUX, MAC]
    )
    assert found.serves == {
        LINUX_WHEEL: [LINUX.name],
        MAC_WHEEL: [MAC.name],
        PURE_WHEEL: [LINUX.name, MAC.name],
    }
    assert found.missing == {}


def test_coverage_names_each_target_lacking_a_requirement() -> None:
    found = coverage(info(("fast==1.0", "pure==2.0"), (LINUX_WHEEL, PURE_WHEEL)), [LINUX, MAC])
    assert found.missing == {MAC.name: ["fast==1.0"]}


def test_a_distribution_of_another_version_does_not_serve_a_requirement() -> None:
    found = coverage(info(("pure==3.0",), (PURE_WHEEL,)), [LINUX])
    assert found.serves == {PURE_WHEEL: [LINUX.name]}
    assert found.missing == {LINUX.name: ["pure==3.0"]}


def test_a_requirement_whose_marker_excludes_a_target_is_not_missing_there() -> None:
    requirement = 'fast==1.0; sys_platform == "linux"'
    found = coverage(info((requirement,), (LINUX_WHEEL,)), [LINUX, MAC])
    assert found.missing == {}
    found = coverage(info((requirement,), ()), [LINUX, MAC])
    assert found.missing == {LINUX.name: [requirement]}


def test_an_unreadable_requirement_is_missing_everywhere() -> None:
    found = coverage(info(("not a requirement !",), (PURE_WHEEL,)), [LINUX, MAC])
    assert found.missing == {LINUX.name: ["not a requirement !"], MAC.name: ["not a requirement !"]}


def test_names_that_are_not_distributions_are_left_out() -> None:
    found: Any = coverage(info(("pure==2.0",), (PURE_WHEEL, "README.txt")), [LINUX])
    assert list(found.serves) == [PURE_WHEEL]
