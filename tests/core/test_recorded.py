"""Wheels the built-wheels record names (built here or imported from a runner): the gaps they
close, for verify (:func:`lacking`) and sync (:func:`with_recorded`) alike."""

from __future__ import annotations

from wh.core.built import BuiltWheel
from wh.core.files import DistFile, parse_dist
from wh.core.lockfile import LockedRequirement
from wh.core.plan import plan_sync, with_recorded
from wh.core.selection import Choice, Gap
from wh.core.targets import make_target
from wh.core.verify import HouseFile, lacking

SDIST = "a" * 64
LINUX_SHA = "b" * 64
MAC_SHA = "c" * 64
REQ = LockedRequirement(
    "speedup", "1.0", frozenset(), None, frozenset({SDIST, LINUX_SHA}), "requirements.txt:1"
)
LINUX_WHEEL = "speedup-1.0-cp312-cp312-manylinux_2_17_x86_64.whl"
MAC_WHEEL = "speedup-1.0-cp312-cp312-macosx_11_0_arm64.whl"
LINUX = make_target("3.12", "manylinux_2_28_x86_64")
MAC = make_target("3.12", "macosx_14_0_arm64")
RECORD = BuiltWheel("speedup-1.0.tar.gz", SDIST, MAC_WHEEL, MAC_SHA, builder="imported")


def dist(name: str, sha: str, url: str = "") -> DistFile:
    d = parse_dist(name, sha256=sha, url=url)
    assert d is not None
    return d


def test_lacking_names_each_target_without_a_file() -> None:
    files = [HouseFile(LINUX_WHEEL, LINUX_SHA)]
    assert lacking([LINUX, MAC], [REQ], files, []) == [(MAC, REQ)]


def test_a_recorded_wheel_closes_the_gap_for_verify() -> None:
    files = [HouseFile(LINUX_WHEEL, LINUX_SHA), HouseFile(MAC_WHEEL, MAC_SHA)]
    assert lacking([LINUX, MAC], [REQ], files, [RECORD]) == []


def test_a_file_there_but_not_the_locked_one_is_not_a_gap_to_fill() -> None:
    files = [HouseFile(MAC_WHEEL, "d" * 64)]  # an integrity finding, not a missing file
    assert lacking([MAC], [REQ], files, []) == []


def test_sync_keeps_a_recorded_wheel_where_the_index_has_none() -> None:
    pages = {"speedup": [dist(LINUX_WHEEL, LINUX_SHA, "u"), dist("speedup-1.0.tar.gz", SDIST)]}
    plan = plan_sync([LINUX, MAC], [REQ], pages)
    assert isinstance(plan.for_target(MAC)[0].outcome, Gap)
    settled = with_recorded(plan, [(RECORD, dist(MAC_WHEEL, MAC_SHA))])
    outcome = settled.for_target(MAC)[0].outcome
    assert isinstance(outcome, Choice) and outcome.file.filename == MAC_WHEEL
    assert settled.for_target(LINUX) == plan.for_target(LINUX)
    assert not settled.gaps


def test_a_recorded_wheel_from_another_sdist_closes_nothing() -> None:
    pages = {"speedup": [dist(LINUX_WHEEL, LINUX_SHA, "u")]}
    plan = plan_sync([MAC], [REQ], pages)
    other = BuiltWheel("speedup-1.0.tar.gz", "e" * 64, MAC_WHEEL, MAC_SHA)
    settled = with_recorded(plan, [(other, dist(MAC_WHEEL, MAC_SHA))])
    assert settled.gaps == plan.gaps
