"""A probed host becomes a target through the one target model. Pure, table-driven."""

from __future__ import annotations

from typing import Any

import pytest
from packaging.tags import Tag

from wh.core.hostprobe import ProbeError, platform_tag, probed_target
from wh.core.targets import make_target


def facts(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "implementation": "cpython",
        "version": [3, 12, 4],
        "gil_disabled": False,
        "is64bit": True,
        "system": "Linux",
        "machine": "x86_64",
        "libc": ["glibc", "2.36"],
        "musl": None,
        "mac": "",
        "environment": {"python_full_version": "3.12.4", "platform_release": "6.1.0"},
    }
    return {**base, **over}


@pytest.mark.parametrize(
    ("over", "tag"),
    [
        ({}, "manylinux_2_36_x86_64"),
        ({"machine": "aarch64", "libc": ["glibc", "2.31"]}, "manylinux_2_31_aarch64"),
        ({"libc": ["", ""], "musl": "1.2"}, "musllinux_1_2_x86_64"),
        ({"system": "Darwin", "machine": "arm64", "mac": "14.2.1"}, "macosx_14_0_arm64"),
        ({"system": "Darwin", "machine": "x86_64", "mac": "10.15.7"}, "macosx_10_15_x86_64"),
        ({"is64bit": False}, "manylinux_2_36_i686"),
    ],
)
def test_platform_tag_from_the_facts(over: dict[str, Any], tag: str) -> None:
    assert platform_tag(facts(**over)) == tag


def test_the_target_has_the_model_tags_and_the_host_environment() -> None:
    target = probed_target(facts())

    assert target.name == "cp312-manylinux_2_36_x86_64"
    assert Tag("cp312", "cp312", "manylinux_2_17_x86_64") in target.tags
    assert Tag("py3", "none", "any") in target.tags
    assert set(target.environment) == set(make_target("3.12", "manylinux_2_36_x86_64").environment)
    assert target.environment["python_full_version"] == "3.12.4"  # the host's, not 3.12.0
    assert target.environment["platform_release"] == "6.1.0"
    assert target.environment["sys_platform"] == "linux"  # filled from the model


@pytest.mark.parametrize(
    ("over", "message"),
    [
        ({"implementation": "pypy"}, "the interpreter is pypy"),
        ({"gil_disabled": True}, "free-threaded"),
        ({"system": "Windows"}, "a Windows host"),
        ({"libc": ["", ""], "musl": None}, "neither glibc nor musl"),
        ({"machine": "x86_64", "libc": ["glibc", "1.0"]}, "no target for this interpreter"),
    ],
)
def test_hosts_wh_cannot_serve_are_named(over: dict[str, Any], message: str) -> None:
    with pytest.raises(ProbeError, match=message):
        probed_target(facts(**over))
