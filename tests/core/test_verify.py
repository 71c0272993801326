"""verify's findings from an in-memory wheelhouse, plus LFS pointers and wheel METADATA."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest

from wh.core.built import BuiltWheel
from wh.core.files import parse_dist
from wh.core.lfs import POINTER_MAX, Pointer, parse_pointer
from wh.core.lockfile import LockedRequirement, parse_lockfile
from wh.core.metadata import MetadataError, WheelMetadata, parse_metadata
from wh.core.targets import Target, make_target
from wh.core.verify import (
    CLOSURE,
    HASH,
    METADATA,
    MISSING,
    UNUSED,
    HouseFile,
    Report,
    TargetStatus,
    verify,
)

OID = "4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393"

# --- parse_pointer -----------------------------------------------------------------------------

SPEC = b"version https://git-lfs.github.com/spec/v1\n"
POINTERS = [
    pytest.param(
        SPEC + f"oid sha256:{OID}\nsize 12345\n".encode(),
        Pointer(OID, 12345),
        id="a git-lfs v1 pointer",
    ),
    pytest.param(
        SPEC + f"ext-0-foo sha256:{'0' * 64}\noid sha256:{OID}\nsize 0\n".encode(),
        Pointer(OID, 0),
        id="a pointer with an extension line and an empty file",
    ),
    pytest.param(
        SPEC + f"oid sha256:{OID}\nsize 7".encode(), Pointer(OID, 7), id="no final newline"
    ),
    pytest.param(b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\x00" * 40, None, id="a raw wheel"),
    pytest.param(b"", None, id="an empty blob"),
    pytest.param(SPEC + b"size 123\n", None, id="no oid"),
    pytest.param(SPEC + f"oid sha256:{OID}\n".encode(), None, id="no size"),
    pytest.param(SPEC + f"oid sha256:{OID[:-1]}\nsize 1\n".encode(), None, id="a short oid"),
    pytest.param(SPEC + f"oid sha256:{OID}0\nsize 1\n".encode(), None, id="a long oid"),
    pytest.param(SPEC + f"oid sha256:{OID.upper()}\nsize 1\n".encode(), None, id="upper hex"),
    pytest.param(SPEC + f"oid md5:{OID}\nsize 1\n".encode(), None, id="another algorithm"),
    pytest.param(SPEC + f"oid sha256:{OID}\nsize -1\n".encode(), None, id="a negative size"),
    pytest.param(SPEC + f"oid sha256:{OID}\nsize lots\n".encode(), None, id="a word for a size"),
    pytest.param(f"oid sha256:{OID}\nsize 1\n".encode(), None, id="no version line: not a pointer"),
    pytest.param(
        SPEC + f"oid sha256:{OID}\nsize 1\n".encode() + b"x" * POINTER_MAX,
        None,
        id="oversized: a real file that starts like a pointer",
    ),
]


@pytest.mark.parametrize(("data", "expected"), POINTERS)
def test_parse_pointer(data: bytes, expected: Pointer | None) -> None:
    assert parse_pointer(data) == expected


# --- parse_metadata ----------------------------------------------------------------------------


def requirements(meta: WheelMetadata) -> list[str]:
    return [str(r) for r in meta.requires_dist]


METADATA_OK = [
    pytest.param(
        b"Metadata-Version: 2.1\nName: httpx\nVersion: 0.27.0\n",
        ("httpx", "0.27.0", []),
        id="name and version, no requirements",
    ),
    pytest.param(
        b"Metadata-Version: 2.3\nName: Foo_Bar.baz\nVersion: 1.0\n",
        ("foo-bar-baz", "1.0", []),
        id="the name is canonicalized",
    ),
    pytest.param(
        b"Metadata-Version: 2.1\nName: keyring\nVersion: 25.2.1\n"
        b'Requires-Dist: SecretStorage>=3.2; sys_platform == "linux"\n'
        b"Requires-Dist: jaraco.classes\n"
        b'Requires-Dist: pytest>=6; extra == "test"\n'
        b'Requires-Dist: httpx[http2,socks] (>=0.27) ; python_version < "3.12"\n',
        (
            "keyring",
            "25.2.1",
            [
                'SecretStorage>=3.2; sys_platform == "linux"',
                "jaraco.classes",
                'pytest>=6; extra == "test"',
                'httpx[http2,socks]>=0.27; python_version < "3.12"',
            ],
        ),
        id="Requires-Dist with markers, extras and old-style parentheses",
    ),
    pytest.param(
        b"Metadata-Version: 2.1\nName: foo\nVersion: 1.0\n\nName: evil\nRequires-Dist: x\n",
        ("foo", "1.0", []),
        id="the body after the headers is description, not fields",
    ),
]


@pytest.mark.parametrize(("data", "expected"), METADATA_OK)
def test_parse_metadata(data: bytes, expected: tuple[str, str, list[str]]) -> None:
    meta = parse_metadata(data)
    assert (meta.name, meta.version, requirements(meta)) == expected


METADATA_BAD = [
    pytest.param(b"", "lacks Name or Version", id="empty"),
    pytest.param(b"\x00\x01\x02garbage", "lacks Name or Version", id="binary garbage"),
    pytest.param(b"Metadata-Version: 2.1\nVersion: 1.0\n", "lacks Name", id="no Name"),
    pytest.param(b"Metadata-Version: 2.1\nName: foo\n", "Version", id="no Version"),
    pytest.param(b"Name: foo\nName: bar\nVersion: 1.0\n", "lacks Name", id="two Names are no Name"),
    pytest.param(
        b"Name: foo\nVersion: 1.0\nRequires-Dist: bar >>> 1\n",
        "bad Requires-Dist",
        id="an unparsable Requires-Dist",
    ),
    pytest.param(
        b"Name: foo\nVersion: 1.0\nRequires-Dist: bar; os_name === 'posix' and\n",
        "bad Requires-Dist",
        id="a broken Requires-Dist marker",
    ),
    pytest.param(
        b"Name: foo\nVersion: not a version\n",
        "Version",
        id="an invalid Version",
    ),
]


@pytest.mark.parametrize(("data", "words"), METADATA_BAD)
def test_parse_metadata_refuses(data: bytes, words: str) -> None:
    with pytest.raises(MetadataError, match=words):
        parse_metadata(data)


# --- verify: an in-memory wheelhouse -----------------------------------------------------------

L11 = make_target("3.11", "manylinux_2_28_x86_64")
L12 = make_target("3.12", "manylinux_2_28_x86_64")
M11 = make_target("3.11", "macosx_14_0_arm64")
M12 = make_target("3.12", "macosx_14_0_arm64")
TARGETS = (L11, L12, M11, M12)
LINUX = (L11, L12)
MACOS = (M11, M12)

FOO = "foo-1.0-py3-none-any.whl"
NATIVE = {
    L11: "native-2.0-cp311-cp311-manylinux_2_28_x86_64.whl",
    L12: "native-2.0-cp312-cp312-manylinux_2_28_x86_64.whl",
    M11: "native-2.0-cp311-cp311-macosx_11_0_arm64.whl",
    M12: "native-2.0-cp312-cp312-macosx_11_0_arm64.whl",
}
JEEPNEY = "jeepney-0.8.0-py3-none-any.whl"
SECRET = "secretstorage-3.3.3-py3-none-any.whl"
BAZ = "baz-1.0-py3-none-any.whl"
X1, X2 = "x-1.0-py3-none-any.whl", "x-2.0-py3-none-any.whl"
BUILT_SDIST, BUILT = "built-1.0.tar.gz", "built-1.0-py3-none-any.whl"
LOCK = "lockfiles/requirements.txt"


def sha(filename: str) -> str:
    """Each file's sha256: derived from its name, so a lock line can list it."""
    return hashlib.sha256(filename.encode()).hexdigest()


def pin(spec: str, *files: str) -> str:
    """A lock line listing the hashes of ``files``."""
    return " ".join([spec, *(f"--hash=sha256:{sha(f)}" for f in files)])


def lock(*lines: str) -> list[LockedRequirement]:
    text = "".join(f"{line}\n" for line in lines)
    return list(parse_lockfile(LOCK, {LOCK: text}.__getitem__).requirements)


def meta(name: str, version: str, *requires: str) -> WheelMetadata:
    text = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    text += "".join(f"Requires-Dist: {r}\n" for r in requires)
    return parse_metadata(text.encode())


def wheel(
    filename: str,
    *requires: str,
    sha256: str | None = None,
    name: str | None = None,
    version: str | None = None,
) -> HouseFile:
    """A wheelhouse file with its contents at hand: METADATA as the filename says by default."""
    dist = parse_dist(filename)
    assert dist is not None, filename
    metadata = meta(name or dist.name, version or str(dist.version), *requires)
    return HouseFile(filename, sha256 or sha(filename), metadata)


def pointer(filename: str) -> HouseFile:
    """A file known only by its LFS pointer: hash, no contents."""
    return HouseFile(filename, sha(filename))


BASE_LOCK = (
    pin("foo==1.0", FOO),  # :1
    pin("native==2.0", *NATIVE.values()),  # :2
    pin('jeepney==0.8.0 ; sys_platform == "linux"', JEEPNEY),  # :3
)
BASE_FILES = (wheel(FOO), *(wheel(f) for f in NATIVE.values()), wheel(JEEPNEY))


def native_listing(*extra: str) -> tuple[str, ...]:
    """The base lock whose native line lists more files of the version, as real locks do."""
    return (BASE_LOCK[0], pin("native==2.0", *NATIVE.values(), *extra), BASE_LOCK[2])


def base_files(*without: str) -> list[HouseFile]:
    return [f for f in BASE_FILES if f.filename not in without]


@dataclass
class Case:
    lock: Sequence[str] = BASE_LOCK
    files: Sequence[HouseFile] = BASE_FILES
    records: Sequence[BuiltWheel] = ()
    selected: Sequence[Target] = TARGETS
    closure: bool = True
    expected: list[tuple[str, str, str, str]] = field(default_factory=list)

    def run(self) -> Report:
        return verify(
            self.selected,
            TARGETS,
            lock(*self.lock),
            self.files,
            self.records,
            closure=self.closure,
        )


def findings(report: Report, *, ignore: Sequence[str] = ()) -> list[tuple[str, str, str, str]]:
    return sorted(
        (f.kind, f.target, f.package, f.file) for f in report.findings if f.kind not in ignore
    )


def on(
    kind: str, targets: Sequence[Target], package: str, file: str
) -> list[tuple[str, str, str, str]]:
    return [(kind, t.name, package, file) for t in targets]


def test_a_complete_wheelhouse_has_no_findings() -> None:
    report = Case().run()
    assert report.findings == []
    assert report.ok
    assert report.notes == []
    assert report.targets == [
        TargetStatus(L11.name, 3, 0, 0),
        TargetStatus(L12.name, 3, 0, 0),
        TargetStatus(M11.name, 2, 0, 0),
        TargetStatus(M12.name, 2, 0, 0),
    ]


SECRET_REQ = 'secretstorage>=3.2; sys_platform == "linux"'
BUILT_RECORD = BuiltWheel(BUILT_SDIST, sha(BUILT_SDIST), BUILT, sha(BUILT))

FINDINGS = [
    pytest.param(
        Case(files=base_files(NATIVE[M12])),
        on(MISSING, [M12], "native", f"{LOCK}:2"),
        id="a missing native wheel is a gap on its one target, naming the lock line",
    ),
    pytest.param(
        Case(files=base_files(FOO)),
        on(MISSING, TARGETS, "foo", f"{LOCK}:1"),
        id="a missing pure wheel is one gap per target",
    ),
    pytest.param(
        Case(files=base_files(JEEPNEY)),
        on(MISSING, LINUX, "jeepney", f"{LOCK}:3"),
        id="a missing Linux-only wheel is a gap on the Linux targets only",
    ),
    pytest.param(
        Case(files=[*base_files(FOO), wheel(FOO, sha256="0" * 64)]),
        [(HASH, "", "foo", FOO)],
        id="a file whose sha256 the lock lacks is a hash mismatch",
    ),
    pytest.param(
        Case(files=[*base_files(FOO), wheel(FOO, name="bar")]),
        [(METADATA, "", "foo", FOO)],
        id="METADATA naming another project is a metadata finding",
    ),
    pytest.param(
        Case(files=[*base_files(FOO), wheel(FOO, version="1.1")]),
        [(METADATA, "", "foo", FOO)],
        id="METADATA naming another version is a metadata finding",
    ),
    pytest.param(
        Case(files=[*base_files(FOO), wheel(FOO, name="Foo", version="1.0.0")]),
        [],
        id="METADATA equal after normalization is fine",
    ),
    pytest.param(
        Case(files=[*base_files(FOO), HouseFile(FOO, sha(FOO), None, "not a readable wheel")]),
        [(METADATA, "", "foo", FOO)],
        id="an unreadable METADATA is a metadata finding",
    ),
    pytest.param(
        Case(files=[*base_files(FOO), wheel(FOO, SECRET_REQ)]),
        on(CLOSURE, LINUX, "foo", FOO),
        id="a Linux-only dependency the lock lacks fails closure on Linux only",
    ),
    pytest.param(
        Case(
            lock=[*BASE_LOCK, pin('secretstorage==3.3.3 ; sys_platform == "linux"', SECRET)],
            files=[*base_files(FOO), wheel(FOO, SECRET_REQ), wheel(SECRET)],
        ),
        [],
        id="a Linux-only dependency the lock pins on Linux passes closure",
    ),
    pytest.param(
        Case(
            lock=[*BASE_LOCK, pin('secretstorage==3.3.3 ; sys_platform == "darwin"', SECRET)],
            files=[*base_files(FOO), wheel(FOO, SECRET_REQ), wheel(SECRET)],
        ),
        on(CLOSURE, LINUX, "foo", FOO),
        id="a dependency pinned only for the wrong platform fails closure",
    ),
    pytest.param(
        Case(
            lock=[pin("foo[bar]==1.0", FOO), *BASE_LOCK[1:]],
            files=[*base_files(FOO), wheel(FOO, 'baz; extra == "bar"')],
        ),
        on(CLOSURE, TARGETS, "foo", FOO),
        id="an extra the lock asks for brings its dependencies into closure",
    ),
    pytest.param(
        Case(files=[*base_files(FOO), wheel(FOO, 'baz; extra == "bar"')]),
        [],
        id="an extra nobody asks for brings nothing",
    ),
    pytest.param(
        Case(
            lock=[pin("foo[Bar_Baz]==1.0", FOO), *BASE_LOCK[1:]],
            files=[*base_files(FOO), wheel(FOO, 'baz; extra == "bar.baz"')],
        ),
        on(CLOSURE, TARGETS, "foo", FOO),
        id="extras match after name normalization",
    ),
    pytest.param(
        Case(
            lock=[pin("foo[bar]==1.0", FOO), *BASE_LOCK[1:], pin("baz==1.0", BAZ)],
            files=[*base_files(FOO), wheel(FOO, 'baz; extra == "bar"'), wheel(BAZ)],
        ),
        [],
        id="an extra's dependency the lock pins passes closure",
    ),
    pytest.param(
        Case(
            files=[
                *base_files(FOO, *NATIVE.values()),
                wheel(FOO, 'baz; extra == "bar"'),
                *(wheel(f, "foo[bar]>=1") for f in NATIVE.values()),
            ],
        ),
        on(CLOSURE, TARGETS, "foo", FOO),
        id="an extra another wheel asks for brings its dependencies into closure",
    ),
    pytest.param(
        Case(
            lock=[*BASE_LOCK, pin("x==1.0", X1)],
            files=[*base_files(FOO), wheel(FOO, "x>=2"), wheel(X1)],
        ),
        on(CLOSURE, TARGETS, "foo", FOO),
        id="a pin outside the required range fails closure",
    ),
    pytest.param(
        Case(
            lock=[*BASE_LOCK, pin("x==2.0", X2)],
            files=[*base_files(FOO), wheel(FOO, "x>=2"), wheel(X2)],
        ),
        [],
        id="a pin inside the required range passes closure",
    ),
    pytest.param(
        Case(files=[*base_files(FOO), wheel(FOO, 'x; python_version < "3.8"')]),
        [],
        id="a dependency whose marker holds on no target is not needed",
    ),
    pytest.param(
        Case(files=[*base_files(FOO), pointer(FOO)]),
        [],
        id="a file without contents is not checked for closure",
    ),
    pytest.param(
        Case(files=[*base_files(FOO), wheel(FOO, SECRET_REQ)], closure=False),
        [],
        id="closure off reports no closure findings",
    ),
    pytest.param(
        Case(
            lock=[*BASE_LOCK, pin("built==1.0", BUILT_SDIST)],
            files=[*BASE_FILES, wheel(BUILT)],
            records=[BUILT_RECORD],
        ),
        [],
        id="a built wheel is accepted through its record of a locked sdist",
    ),
    pytest.param(
        Case(
            lock=[*BASE_LOCK, pin("built==1.0", BUILT_SDIST)],
            files=[*BASE_FILES, wheel(BUILT)],
        ),
        [(HASH, "", "built", BUILT)],
        id="a built wheel without a record is a hash mismatch",
    ),
    pytest.param(
        Case(
            lock=[*BASE_LOCK, pin("built==1.0", BUILT_SDIST)],
            files=[*BASE_FILES, wheel(BUILT, sha256="1" * 64)],
            records=[BUILT_RECORD],
        ),
        [(HASH, "", "built", BUILT)],
        id="a built wheel that differs from its record is a hash mismatch",
    ),
    pytest.param(
        Case(
            lock=[*BASE_LOCK, pin("built==1.0", "built-1.0.zip")],
            files=[*BASE_FILES, wheel(BUILT)],
            records=[BUILT_RECORD],
        ),
        [(HASH, "", "built", BUILT)],
        id="a record of an sdist the lock does not list accepts nothing",
    ),
    pytest.param(
        Case(files=base_files(NATIVE[M12], FOO), selected=[L11]),
        on(MISSING, [L11], "foo", f"{LOCK}:1"),
        id="only selected targets are reported",
    ),
]


@pytest.mark.parametrize(("case", "expected"), FINDINGS)
def test_verify_findings(case: Case, expected: list[tuple[str, str, str, str]]) -> None:
    assert findings(case.run(), ignore=[UNUSED]) == sorted(expected)


STATUSES = [
    pytest.param(
        Case(files=base_files(NATIVE[M12])),
        {M12: (1, 1, 0)},
        id="a gap is counted against its target",
    ),
    pytest.param(
        Case(files=[*base_files(FOO), wheel(FOO, sha256="0" * 64)]),
        {L11: (2, 0, 1), L12: (2, 0, 1), M11: (1, 0, 1), M12: (1, 0, 1)},
        id="a file with the wrong hash counts bad on every target that needs it",
    ),
    pytest.param(
        Case(files=[*base_files(FOO), wheel(FOO, SECRET_REQ)]),
        {L11: (3, 0, 1), L12: (3, 0, 1)},
        id="a closure finding counts bad on its target",
    ),
    pytest.param(
        Case(
            lock=[*BASE_LOCK, pin("built==1.0", BUILT_SDIST)],
            files=[*BASE_FILES, wheel(BUILT)],
            records=[BUILT_RECORD],
        ),
        {L11: (4, 0, 0), L12: (4, 0, 0), M11: (3, 0, 0), M12: (3, 0, 0)},
        id="a recorded built wheel counts ok",
    ),
    pytest.param(
        Case(selected=[M12, L11]),
        {M12: (2, 0, 0), L11: (3, 0, 0)},
        id="selected targets only, in the order selected",
    ),
]


@pytest.mark.parametrize(("case", "changed"), STATUSES)
def test_verify_counts_per_target(case: Case, changed: dict[Target, tuple[int, int, int]]) -> None:
    base = {L11: (3, 0, 0), L12: (3, 0, 0), M11: (2, 0, 0), M12: (2, 0, 0)}
    expected = [TargetStatus(t.name, *changed.get(t, base[t])) for t in case.selected]
    assert case.run().targets == expected


UNUSED_CASES = [
    pytest.param(
        Case(files=[*BASE_FILES, wheel("foo-0.9-py3-none-any.whl")]),
        ["foo-0.9-py3-none-any.whl"],
        id="a version the lock no longer pins is unused",
    ),
    pytest.param(
        Case(
            lock=native_listing("native-2.0-cp313-cp313-manylinux_2_28_x86_64.whl"),
            files=[*BASE_FILES, wheel("native-2.0-cp313-cp313-manylinux_2_28_x86_64.whl")],
        ),
        ["native-2.0-cp313-cp313-manylinux_2_28_x86_64.whl"],
        id="a wheel for a Python no target has is unused",
    ),
    pytest.param(
        Case(
            lock=native_listing("native-2.0-cp311-cp311-win_amd64.whl"),
            files=[*BASE_FILES, wheel("native-2.0-cp311-cp311-win_amd64.whl")],
        ),
        ["native-2.0-cp311-cp311-win_amd64.whl"],
        id="a wheel for a platform no target has is unused",
    ),
    pytest.param(
        Case(
            lock=native_listing("native-2.0-cp311-cp311-manylinux_2_17_x86_64.whl"),
            files=[*BASE_FILES, wheel("native-2.0-cp311-cp311-manylinux_2_17_x86_64.whl")],
        ),
        ["native-2.0-cp311-cp311-manylinux_2_17_x86_64.whl"],
        id="a wheel that fits but loses to a better one is unused",
    ),
    pytest.param(
        Case(
            lock=native_listing("native-2.0.tar.gz"),
            files=[*BASE_FILES, pointer("native-2.0.tar.gz")],
        ),
        ["native-2.0.tar.gz"],
        id="a kept sdist is unused",
    ),
    pytest.param(
        Case(selected=[L11]),
        [],
        id="files of configured but unselected targets are used",
    ),
    pytest.param(
        Case(files=[*BASE_FILES, pointer("wh-built.json"), pointer("README")]),
        [],
        id="files that are no distributions are not judged",
    ),
]


@pytest.mark.parametrize(("case", "expected"), UNUSED_CASES)
def test_verify_reports_unused_files(case: Case, expected: list[str]) -> None:
    report = case.run()
    unused = [f for f in report.findings if f.kind == UNUSED]
    assert [f.file for f in unused] == expected
    assert all(f.target == "" for f in unused)
    assert [f for f in report.findings if f.kind != UNUSED] == []


MESSAGES = [
    pytest.param(
        Case(files=base_files(NATIVE[M12])),
        MISSING,
        ["native 2.0", "macosx_14_0_arm64 cp312"],
        ["wh sync --platforms macosx_14_0_arm64 --python 3.12"],
        id="a gap names the version and the target, and the sync that fills it",
    ),
    pytest.param(
        Case(files=[*base_files(FOO), wheel(FOO, sha256="0" * 64)]),
        HASH,
        [FOO, "0" * 64, "the lock"],
        ["wh sync"],
        id="a hash mismatch names the file and its sha256",
    ),
    pytest.param(
        Case(
            lock=[*BASE_LOCK, pin("built==1.0", BUILT_SDIST)],
            files=[*BASE_FILES, wheel(BUILT, sha256="1" * 64)],
            records=[BUILT_RECORD],
        ),
        HASH,
        [BUILT, "1" * 64, "built-wheels record", sha(BUILT)],
        ["wh sync"],
        id="a mismatch with the built record names the recorded sha256",
    ),
    pytest.param(
        Case(files=[*base_files(FOO), wheel(FOO, version="1.1")]),
        METADATA,
        [FOO, "foo 1.1"],
        ["wh sync"],
        id="a metadata finding says what METADATA claims",
    ),
    pytest.param(
        Case(files=[*base_files(FOO), wheel(FOO, SECRET_REQ)]),
        CLOSURE,
        ["foo 1.0 requires", "secretstorage", "no line"],
        ["wh lock"],
        id="a closure finding names the requirement and what the lock has",
    ),
    pytest.param(
        Case(
            lock=[*BASE_LOCK, pin("x==1.0", X1)],
            files=[*base_files(FOO), wheel(FOO, "x>=2"), wheel(X1)],
        ),
        CLOSURE,
        ["x>=2", "x==1.0"],
        ["wh lock"],
        id="a version conflict names both sides",
    ),
]


@pytest.mark.parametrize(("case", "kind", "in_message", "in_hint"), MESSAGES)
def test_verify_findings_say_what_and_how_to_fix(
    case: Case, kind: str, in_message: list[str], in_hint: list[str]
) -> None:
    found = [f for f in case.run().findings if f.kind == kind]
    assert found
    for finding in found:
        for words in in_message:
            assert words in finding.message
        for words in in_hint:
            assert words in finding.hint


NOTES = [
    pytest.param(True, [], id="closure checked leaves no note"),
    pytest.param(
        False,
        ["dependency closure not checked: it needs wheel contents"],
        id="closure off says so in a note",
    ),
]


@pytest.mark.parametrize(("closure", "notes"), NOTES)
def test_verify_notes_a_skipped_closure(closure: bool, notes: list[str]) -> None:
    assert Case(closure=closure).run().notes == notes


def test_verify_reports_an_invalid_metadata_version_as_a_finding() -> None:
    bad = HouseFile(FOO, sha(FOO), WheelMetadata(meta("foo", "1.0").name, "not a version", ()))
    report = Case(files=[*base_files(FOO), bad]).run()
    assert findings(report, ignore=[UNUSED]) == [(METADATA, "", "foo", FOO)]
