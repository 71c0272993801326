"""verify's findings for what a new user and a fault campaign found: unhashed lock lines, junk
files no target uses, hints that say what fills a gap."""

from __future__ import annotations

from tests.core.test_verify import (
    BASE_FILES,
    BASE_LOCK,
    FOO,
    LOCK,
    M12,
    NATIVE,
    Case,
    base_files,
    findings,
)
from wh.core.verify import HASH, METADATA, MISSING, UNHASHED, UNUSED, HouseFile


def test_a_line_without_hashes_is_a_finding_not_a_pass() -> None:
    report = Case(lock=[*BASE_LOCK, "bar==1.0"], files=[*BASE_FILES]).run()
    unhashed = [f for f in report.findings if f.kind == UNHASHED]
    assert [(f.package, f.file) for f in unhashed] == [("bar", f"{LOCK}:4")]
    assert "cannot be verified" in unhashed[0].message
    assert "--generate-hashes" in unhashed[0].hint or "wh lock" in unhashed[0].hint
    assert not report.ok


def test_an_unhashed_line_is_reported_once_not_per_target() -> None:
    report = Case(lock=["foo==1.0", *BASE_LOCK[1:]]).run()
    assert findings(report) == [(UNHASHED, "", "foo", f"{LOCK}:1")]


def test_a_junk_wheel_no_target_uses_is_unused_not_damaged() -> None:
    junk = HouseFile("junk-1.0-py3-none-any.whl", "0" * 64, metadata_error="not a zip file")
    report = Case(files=[*BASE_FILES, junk]).run()
    assert findings(report) == [(UNUSED, "", "junk", junk.filename)]
    assert "wh sync" not in report.findings[0].hint or "prune" in report.findings[0].hint


def test_a_damaged_wheel_a_target_needs_is_still_damaged() -> None:
    damaged = HouseFile(FOO, "0" * 64, metadata_error="not a zip file")
    report = Case(files=[*base_files(FOO), damaged]).run()
    kinds = {kind for kind, *_ in findings(report)}
    assert kinds == {HASH, METADATA}


def test_a_gap_hint_says_what_fills_it_when_sync_cannot() -> None:
    report = Case(files=base_files(NATIVE[M12])).run()
    (gap,) = [f for f in report.findings if f.kind == MISSING]
    assert "wh sync --platforms macosx_14_0_arm64 --python 3.12" in gap.hint
    assert "wh lock --upgrade-package native" in gap.hint
    assert "build a wheel on a macosx_14_0_arm64 machine with CPython 3.12" in gap.hint
