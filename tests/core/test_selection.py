"""Wheel selection per target, the sync plan over many targets, builds, and the built record."""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Sequence

import pytest
from packaging.markers import Marker

from wh.core.built import BuiltWheel, RecordError, parse_record, render_record
from wh.core.files import DistFile, parse_dist
from wh.core.lockfile import LockedRequirement, parse_lockfile
from wh.core.plan import Entry, SyncPlan, joined, plan_sync, projects, with_builds
from wh.core.selection import Choice, Gap, choose
from wh.core.targets import Target, make_target

GLIBC = make_target("3.11", "manylinux_2_28_x86_64")
GLIBC_312 = make_target("3.12", "manylinux_2_28_x86_64")
MAC_ARM = make_target("3.11", "macosx_14_0_arm64")
MAC_X86 = make_target("3.11", "macosx_13_0_x86_64")
WIN = make_target("3.12", "win_amd64")


def sha(filename: str) -> str:
    """Every test file's sha256: derived from its name, so a lock line can list it."""
    return hashlib.sha256(filename.encode()).hexdigest()


def dist(
    filename: str,
    *,
    hashed: bool = True,
    requires_python: str | None = None,
    yanked: bool = False,
) -> DistFile:
    """A file as an index lists it; its sha256 is :func:`sha` of its name unless unhashed."""
    file = parse_dist(
        filename,
        url=f"https://files.example/{filename}",
        sha256=sha(filename) if hashed else None,
        requires_python=requires_python,
        yanked=yanked,
    )
    assert file is not None, filename
    return file


def pin(
    name: str = "foo",
    version: str = "1.0",
    marker: str | None = None,
    hashes: Sequence[str] = (),
) -> LockedRequirement:
    """A lock line; ``hashes`` names the files whose sha256 it lists (none: any file)."""
    return LockedRequirement(
        name=name,
        version=version,
        extras=frozenset(),
        marker=Marker(marker) if marker else None,
        hashes=frozenset(sha(h) for h in hashes),
        source="lockfiles/requirements.txt:1",
    )


def chosen(outcome: Choice | Gap) -> str:
    assert isinstance(outcome, Choice), outcome
    return outcome.file.filename


# --- choose: the best file --------------------------------------------------------------------

M228 = "foo-1.0-cp311-cp311-manylinux_2_28_x86_64.whl"
M2014 = "foo-1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
M1 = "foo-1.0-cp311-cp311-manylinux1_x86_64.whl"
ABI3 = "foo-1.0-cp38-abi3-manylinux_2_28_x86_64.whl"
PURE = "foo-1.0-py3-none-any.whl"
SDIST = "foo-1.0.tar.gz"

CHOICES = [
    pytest.param(GLIBC, pin(), [dist(M1), dist(M2014), dist(M228)], M228, id="manylinux_2_28 wins"),
    pytest.param(GLIBC, pin(), [dist(M1), dist(M2014)], M2014, id="manylinux2014 beats manylinux1"),
    pytest.param(
        GLIBC,
        pin(),
        [dist(PURE), dist(ABI3), dist("foo-1.0-cp311-cp311-manylinux1_x86_64.whl")],
        M1,
        id="the cp311 abi beats abi3 and pure, even on an older glibc",
    ),
    pytest.param(GLIBC, pin(), [dist(PURE), dist(ABI3)], ABI3, id="abi3 beats py3-none-any"),
    pytest.param(
        GLIBC, pin(), [dist(SDIST), dist(PURE)], PURE, id="a pure wheel beats building the sdist"
    ),
    pytest.param(
        MAC_ARM,
        pin(),
        [
            dist("foo-1.0-cp311-cp311-macosx_11_0_universal2.whl"),
            dist("foo-1.0-cp311-cp311-macosx_11_0_arm64.whl"),
        ],
        "foo-1.0-cp311-cp311-macosx_11_0_arm64.whl",
        id="macOS arm64 prefers arm64 over universal2",
    ),
    pytest.param(
        MAC_ARM,
        pin(),
        [
            dist("foo-1.0-cp311-cp311-macosx_10_9_x86_64.whl"),
            dist("foo-1.0-cp311-cp311-macosx_10_9_universal2.whl"),
        ],
        "foo-1.0-cp311-cp311-macosx_10_9_universal2.whl",
        id="macOS arm64 takes universal2 when there is no arm64 wheel",
    ),
    pytest.param(
        MAC_X86,
        pin(),
        [dist("foo-1.0-cp311-cp311-macosx_11_0_arm64.whl"), dist(PURE)],
        PURE,
        id="macOS x86_64 never takes an arm64 wheel",
    ),
    pytest.param(
        GLIBC,
        pin(hashes=[M2014]),
        [dist(M228), dist(M2014)],
        M2014,
        id="a wheel whose hash the lock does not list is not chosen",
    ),
    pytest.param(
        GLIBC,
        pin(hashes=[M2014]),
        [dist(M228, hashed=False), dist(M2014)],
        M228,
        id="a wheel listed without a hash stays a candidate, the download checks it",
    ),
    pytest.param(
        GLIBC,
        pin(),
        [dist(M228, yanked=True), dist(M2014)],
        M2014,
        id="a yanked wheel is skipped",
    ),
    pytest.param(
        GLIBC,
        pin(),
        [dist(M228, requires_python=">=3.11.4"), dist(M2014, requires_python=">=3.8")],
        M2014,
        id="a wheel whose requires-python excludes the target is skipped",
    ),
    pytest.param(
        GLIBC,
        pin(),
        [dist("foo-2.0-cp311-cp311-manylinux_2_28_x86_64.whl"), dist(M1)],
        M1,
        id="only files of the pinned version count",
    ),
    pytest.param(
        GLIBC,
        pin(),
        [dist("foo-1.0-2-py3-none-any.whl"), dist("foo-1.0-1-py3-none-any.whl")],
        "foo-1.0-1-py3-none-any.whl",
        id="equal ranks are broken by filename",
    ),
    pytest.param(GLIBC, pin(), [dist(SDIST)], SDIST, id="an sdist alone is chosen for building"),
    pytest.param(
        WIN,
        pin(),
        [dist("foo-1.0.zip"), dist(SDIST)],
        SDIST,
        id="of two sdists the first by filename is built",
    ),
    pytest.param(
        WIN,
        pin(),
        [dist(SDIST), dist("foo-1.0-py2-none-any.whl")],
        SDIST,
        id="a pure wheel that does not fit means the sdist is pure too",
    ),
]


@pytest.mark.parametrize(("target", "lock", "files", "expected"), CHOICES)
def test_choose_the_best_file(
    target: Target, lock: LockedRequirement, files: list[DistFile], expected: str
) -> None:
    outcome = choose(target, lock, files)
    assert chosen(outcome) == expected
    assert isinstance(outcome, Choice)
    assert outcome.needs_build is expected.endswith((".tar.gz", ".zip"))


# --- choose: gaps ------------------------------------------------------------------------------

NATIVE_ELSEWHERE = [dist(SDIST), dist(M228), dist("foo-1.0-cp311-cp311-win_amd64.whl")]
BUILD_HERE = "build a wheel on a macosx_14_0_arm64 machine with CPython 3.11"

GAPS = [
    pytest.param(
        GLIBC,
        pin(version="1.1"),
        [dist(M228), dist(SDIST)],
        "foo 1.1: not on the index",
        "re-lock",
        id="no file of the pinned version is not on the index",
    ),
    pytest.param(
        GLIBC,
        pin(hashes=["something-else"]),
        [dist(M228), dist(SDIST)],
        "no file on the index has a hash the lock lists",
        "re-lock",
        id="no file with a locked hash",
    ),
    pytest.param(
        MAC_ARM,
        pin(),
        NATIVE_ELSEWHERE,
        "foo 1.0: no wheel for macosx_14_0_arm64 cp311, only an sdist that builds native code",
        BUILD_HERE,
        id="only an sdist while platform wheels exist for other targets",
    ),
    pytest.param(
        MAC_ARM,
        pin(),
        [*NATIVE_ELSEWHERE, dist("foo-1.2-cp311-cp311-macosx_11_0_arm64.whl")],
        "only an sdist that builds native code",
        "foo 1.2 has a wheel for macosx_14_0_arm64 cp311",
        id="the hint names a newer version with a wheel for the target",
    ),
    pytest.param(
        MAC_ARM,
        pin(),
        [
            *NATIVE_ELSEWHERE,
            dist("foo-1.2-cp311-cp311-macosx_11_0_arm64.whl"),
            dist("foo-1.3-cp311-cp311-macosx_11_0_arm64.whl"),
            dist("foo-1.4rc1-cp311-cp311-macosx_11_0_arm64.whl"),
        ],
        "only an sdist that builds native code",
        "foo 1.3 has a wheel",
        id="the hint names the newest final release, not a pre-release",
    ),
    pytest.param(
        MAC_ARM,
        pin(),
        [*NATIVE_ELSEWHERE, dist("foo-1.4rc1-cp311-cp311-macosx_11_0_arm64.whl")],
        "only an sdist that builds native code",
        BUILD_HERE,
        id="a pre-release with a wheel is not suggested",
    ),
    pytest.param(
        MAC_ARM,
        pin(),
        [*NATIVE_ELSEWHERE, dist("foo-1.2-cp311-cp311-macosx_11_0_arm64.whl", yanked=True)],
        "only an sdist that builds native code",
        BUILD_HERE,
        id="a yanked newer wheel is not suggested",
    ),
    pytest.param(
        GLIBC,
        pin(),
        [dist(M228, yanked=True)],
        "foo 1.0: the wheel for manylinux_2_28_x86_64 cp311 is yanked",
        "build a wheel on a manylinux_2_28_x86_64 machine",
        id="the only fitting wheel is yanked",
    ),
    pytest.param(
        GLIBC,
        pin(),
        [dist(M228, requires_python=">=3.12")],
        "no wheel for manylinux_2_28_x86_64 cp311 admits Python 3.11",
        "build a wheel",
        id="the only fitting wheel excludes the target's Python",
    ),
    pytest.param(
        GLIBC,
        pin(),
        [dist(SDIST, requires_python=">=3.12")],
        "foo 1.0: no wheel for manylinux_2_28_x86_64 cp311, and its sdist excludes Python 3.11",
        "build a wheel",
        id="the only sdist excludes the target's Python",
    ),
    pytest.param(
        GLIBC,
        pin(),
        [dist(SDIST, yanked=True), dist("foo-1.0-cp311-cp311-win_amd64.whl")],
        "foo 1.0: no wheel for manylinux_2_28_x86_64 cp311",
        "Build a wheel on a manylinux_2_28_x86_64 machine with CPython 3.11",
        id="a yanked sdist is not built",
    ),
]


@pytest.mark.parametrize(("target", "lock", "files", "reason", "hint"), GAPS)
def test_choose_reports_a_gap(
    target: Target, lock: LockedRequirement, files: list[DistFile], reason: str, hint: str
) -> None:
    outcome = choose(target, lock, files)
    assert isinstance(outcome, Gap), outcome
    assert reason in outcome.reason
    assert hint.lower() in outcome.hint.lower()


def test_the_hint_never_suggests_an_older_version() -> None:
    files = [*NATIVE_ELSEWHERE, dist("foo-0.9-cp311-cp311-macosx_11_0_arm64.whl")]
    outcome = choose(MAC_ARM, pin(), files)
    assert isinstance(outcome, Gap)
    assert "foo 0.9" not in outcome.hint
    assert outcome.hint.startswith("Build a wheel on a macosx_14_0_arm64 machine")


# --- plan_sync over several targets --------------------------------------------------------------

LOCK = """\
# universal lock, as pip-compile writes it
foo==1.0 \\
    --hash=sha256:{foo}
appnope==0.1.4 ; sys_platform == "darwin" \\
    --hash=sha256:{appnope}
tomli==2.0.1 ; python_version < "3.12" \\
    --hash=sha256:{tomli}
native==3.0 \\
    --hash=sha256:{native_x86} \\
    --hash=sha256:{native_arm} \\
    --hash=sha256:{native_sdist}
"""
NATIVE_X86 = "native-3.0-cp311-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
NATIVE_ARM = "native-3.0-cp311-abi3-macosx_11_0_arm64.whl"
PAGES = {
    "foo": [dist(PURE)],
    "appnope": [dist("appnope-0.1.4-py2.py3-none-any.whl")],
    "tomli": [dist("tomli-2.0.1-py3-none-any.whl")],
    "native": [dist("native-3.0.tar.gz"), dist(NATIVE_X86), dist(NATIVE_ARM)],
}
REQUIREMENTS = parse_lockfile(
    "lockfiles/requirements.txt",
    {
        "lockfiles/requirements.txt": LOCK.format(
            foo=sha(PURE),
            appnope=sha("appnope-0.1.4-py2.py3-none-any.whl"),
            tomli=sha("tomli-2.0.1-py3-none-any.whl"),
            native_x86=sha(NATIVE_X86),
            native_arm=sha(NATIVE_ARM),
            native_sdist=sha("native-3.0.tar.gz"),
        )
    }.__getitem__,
).requirements
TARGETS = (GLIBC, GLIBC_312, MAC_ARM)
PLAN = plan_sync(TARGETS, REQUIREMENTS, PAGES)

PER_TARGET = [
    pytest.param(
        GLIBC,
        {
            "foo": PURE,
            "tomli": "tomli-2.0.1-py3-none-any.whl",
            "native": NATIVE_X86,
        },
        id="linux 3.11 gets tomli but not appnope",
    ),
    pytest.param(
        GLIBC_312,
        {"foo": PURE, "native": NATIVE_X86},
        id="linux 3.12 gets neither tomli nor appnope",
    ),
    pytest.param(
        MAC_ARM,
        {
            "foo": PURE,
            "appnope": "appnope-0.1.4-py2.py3-none-any.whl",
            "tomli": "tomli-2.0.1-py3-none-any.whl",
            "native": NATIVE_ARM,
        },
        id="macOS arm64 3.11 gets appnope and tomli",
    ),
]


def test_plans_made_per_project_join_into_the_plan_of_the_whole_lock() -> None:
    """Sync plans each project as its page arrives; joined, the parts are the whole plan."""
    parts = [
        plan_sync(TARGETS, [r for r in REQUIREMENTS if r.name == name], PAGES)
        for name in reversed(projects(TARGETS, REQUIREMENTS))  # arrival order is any order
    ]
    assert joined(TARGETS, REQUIREMENTS, parts) == PLAN


@pytest.mark.parametrize(("target", "expected"), PER_TARGET)
def test_plan_sync_applies_markers_per_target(target: Target, expected: dict[str, str]) -> None:
    entries = PLAN.for_target(target)
    assert {e.requirement.name: chosen(e.outcome) for e in entries} == expected


def test_plan_sync_downloads_each_file_once_sorted() -> None:
    assert [f.filename for f in PLAN.downloads] == sorted(
        {PURE, "appnope-0.1.4-py2.py3-none-any.whl", "tomli-2.0.1-py3-none-any.whl"}
        | {NATIVE_X86, NATIVE_ARM}
    )
    assert (PLAN.builds, PLAN.gaps) == ([], [])
    assert len(PLAN.entries) == 3 + 2 + 4


def test_projects_are_those_some_target_needs() -> None:
    assert projects(TARGETS, REQUIREMENTS) == ["appnope", "foo", "native", "tomli"]
    assert projects((GLIBC_312,), REQUIREMENTS) == ["foo", "native"]


def test_a_project_missing_from_the_pages_is_a_gap() -> None:
    plan = plan_sync((GLIBC,), (pin("bar", "1.0"),), PAGES)
    assert [e.outcome for e in plan.gaps] == [
        Gap("bar 1.0: not on the index", "check the index URL, or re-lock (wh lock)")
    ]


def test_a_repeated_lock_line_is_planned_once() -> None:
    plan = plan_sync((GLIBC,), (pin(), pin(marker='os_name == "posix"')), PAGES)
    assert len(plan.entries) == 1


# --- with_builds -------------------------------------------------------------------------------

BUILD_TARGETS = (GLIBC, MAC_ARM)
BAZ = pin("baz", "1.0")
BAZ_SDIST = "baz-1.0.tar.gz"
BUILD_PLAN = plan_sync(BUILD_TARGETS, (BAZ, pin()), {"baz": [dist(BAZ_SDIST)], "foo": [dist(PURE)]})

BUILDS = [
    pytest.param(
        {BAZ_SDIST: dist("baz-1.0-py3-none-any.whl", hashed=False)},
        ["baz-1.0-py3-none-any.whl", "baz-1.0-py3-none-any.whl"],
        id="a pure built wheel serves every target",
    ),
    pytest.param(
        {BAZ_SDIST: dist("baz-1.0-cp311-cp311-linux_x86_64.whl", hashed=False)},
        [
            "baz 1.0: no wheel for manylinux_2_28_x86_64 cp311, only an sdist that builds native"
            " code (built here: baz-1.0-cp311-cp311-linux_x86_64.whl)",
            "baz 1.0: no wheel for macosx_14_0_arm64 cp311, only an sdist that builds native"
            " code (built here: baz-1.0-cp311-cp311-linux_x86_64.whl)",
        ],
        id="a linux_x86_64 built wheel serves no target, not even the x86_64 one",
    ),
    pytest.param(
        {BAZ_SDIST: "pip wheel exited with status 1"},
        [
            "baz 1.0: building baz-1.0.tar.gz failed: pip wheel exited with status 1",
            "baz 1.0: building baz-1.0.tar.gz failed: pip wheel exited with status 1",
        ],
        id="a failure becomes a gap naming the sdist",
    ),
    pytest.param(
        {},
        [
            "baz 1.0: building baz-1.0.tar.gz failed: it was not built",
            "baz 1.0: building baz-1.0.tar.gz failed: it was not built",
        ],
        id="an sdist missing from the results was not built",
    ),
]


def describe(entry: Entry) -> str:
    return chosen(entry.outcome) if isinstance(entry.outcome, Choice) else entry.outcome.reason


@pytest.mark.parametrize(("built", "expected"), BUILDS)
def test_with_builds_settles_each_sdist(
    built: dict[str, DistFile | str], expected: list[str]
) -> None:
    assert [f.filename for f in BUILD_PLAN.builds] == [BAZ_SDIST]
    settled = with_builds(BUILD_PLAN, built)
    assert [describe(e) for e in settled.entries if e.requirement == BAZ] == expected
    assert [describe(e) for e in settled.entries if e.requirement != BAZ] == [PURE, PURE]
    assert settled.builds == []
    assert settled.targets == BUILD_PLAN.targets


def test_with_builds_leaves_a_plan_without_sdists_alone() -> None:
    assert with_builds(PLAN, {}) == SyncPlan(PLAN.targets, PLAN.entries)


# --- the built-wheels record -------------------------------------------------------------------

RECORDS = [
    BuiltWheel("baz-1.0.tar.gz", "a" * 64, "baz-1.0-py3-none-any.whl", "b" * 64),
    BuiltWheel("qux-2.0.tar.gz", "c" * 64, "qux-2.0-cp311-cp311-macosx_11_0_arm64.whl", "d" * 64),
    BuiltWheel("qux-2.0.tar.gz", "c" * 64, "qux-2.0-cp312-cp312-macosx_11_0_arm64.whl", "e" * 64),
]
ORDERS = [
    pytest.param(list(order), id=f"order {'-'.join(str(RECORDS.index(r)) for r in order)}")
    for order in itertools.permutations(RECORDS)
]


@pytest.mark.parametrize("records", ORDERS)
def test_render_record_is_deterministic(records: list[BuiltWheel]) -> None:
    text = render_record(records)
    assert text == render_record(RECORDS)
    assert text == render_record([*records, *records])  # duplicates once
    assert text.endswith("\n")
    assert parse_record(text) == sorted(RECORDS)


ROUND_TRIPS = [
    pytest.param([], id="an empty record"),
    pytest.param(RECORDS[:1], id="one built wheel"),
    pytest.param(RECORDS, id="several built wheels"),
]


@pytest.mark.parametrize("records", ROUND_TRIPS)
def test_parse_record_reads_what_render_record_writes(records: list[BuiltWheel]) -> None:
    assert parse_record(render_record(records)) == sorted(records)


BAD_RECORDS = [
    pytest.param("", id="empty text"),
    pytest.param("not json", id="not JSON"),
    pytest.param("[]", id="a list"),
    pytest.param("null", id="null"),
    pytest.param('{"built": []}', id="no version"),
    pytest.param('{"version": 2, "built": []}', id="an unknown version"),
    pytest.param('{"version": 1}', id="no built list"),
    pytest.param('{"version": 1, "built": [{"sdist": "x.tar.gz"}]}', id="an entry missing keys"),
    pytest.param(
        '{"version": 1, "built": [{"sdist": "a", "sdist_sha256": "b", "wheel": "c",'
        ' "wheel_sha256": "d", "extra": 1}]}',
        id="an entry with an unknown key",
    ),
    pytest.param('{"version": 1, "built": [1]}', id="an entry that is not an object"),
]


@pytest.mark.parametrize("text", BAD_RECORDS)
def test_bad_record_text_raises_record_error(text: str) -> None:
    with pytest.raises(RecordError):
        parse_record(text)
