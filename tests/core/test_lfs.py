"""The LFS findings and rule, from git facts given as values (no git here)."""

from __future__ import annotations

from wh.core.lfs import GitFacts, Pointer, lfs_findings, lfs_rule, parse_pointer, pointer_bytes
from wh.core.verify import ATTRIBUTES, NOT_LFS

OID = "a" * 64


def test_rule_routes_the_wheelhouse_wheels_whatever_the_trailing_slash() -> None:
    assert lfs_rule("wheelhouse/") == "wheelhouse/*.whl filter=lfs diff=lfs merge=lfs -text"
    assert lfs_rule("deps/wheels") == "deps/wheels/*.whl filter=lfs diff=lfs merge=lfs -text"


def test_outside_git_there_are_no_findings_and_one_note() -> None:
    findings, notes = lfs_findings(None, "wheelhouse")
    assert findings == []
    assert notes == ["not a git repository: the LFS checks were skipped"]


def test_routed_pointers_give_nothing() -> None:
    facts = GitFacts((), {"wheelhouse/a-1-py3-none-any.whl": True})
    assert lfs_findings(facts, "wheelhouse") == ([], [])


def test_a_raw_blob_is_named_with_the_command_that_fixes_it() -> None:
    path = "wheelhouse/demo-1.0-py3-none-any.whl"
    findings, _ = lfs_findings(GitFacts((path,), {path: True}), "wheelhouse")
    [finding] = findings
    assert finding.kind == NOT_LFS
    assert finding.package == "demo"
    assert finding.file == "demo-1.0-py3-none-any.whl"
    assert f"git rm --cached {path} && git add {path}" in finding.hint


def test_unrouted_wheels_are_one_finding_naming_the_first_and_counting_the_rest() -> None:
    routed = {"wh/a-1-py3-none-any.whl": False, "wh/b-1-py3-none-any.whl": False}
    findings, _ = lfs_findings(GitFacts((), routed), "wh")
    [finding] = findings
    assert finding.kind == ATTRIBUTES
    assert finding.file == ".gitattributes"
    assert "wh/a-1-py3-none-any.whl" in finding.message
    assert "(nor 1 more)" in finding.message
    assert lfs_rule("wh") in finding.hint


def test_a_pointer_gives_its_oid_and_size_and_a_blob_none() -> None:
    text = f"version https://git-lfs.github.com/spec/v1\noid sha256:{OID}\nsize 12\n"
    pointer = parse_pointer(text.encode())
    assert pointer is not None and (pointer.oid, pointer.size) == (OID, 12)
    assert parse_pointer(b"PK\x03\x04 a zip") is None


def test_a_pointer_file_reads_back_as_its_pointer() -> None:
    pointer = Pointer("ab" * 32, 123456)
    assert parse_pointer(pointer_bytes(pointer)) == pointer
    assert pointer_bytes(pointer).endswith(b"\nsize 123456\n")
