"""Is a wheel whole and what its name says: RECORD, WHEEL tags, the dist-info directory."""

from __future__ import annotations

from wh.core.wheelcheck import WheelContents, record_digest, wheel_problems

NAME = "speedup-1.0-cp312-cp312-macosx_14_0_arm64.whl"
INFO = "speedup-1.0.dist-info"
METADATA = b"Name: speedup\n"
WHEEL = "Wheel-Version: 1.0\nRoot-Is-Purelib: false\nTag: cp312-cp312-macosx_14_0_arm64\n"


def contents(
    files: dict[str, bytes] | None = None,
    *,
    wheel: str = WHEEL,
    record_rows: list[str] | None = None,
    info: str = INFO,
) -> WheelContents:
    files = files if files is not None else {"speedup/__init__.py": b"x = 1\n"}
    files = {**files, f"{info}/WHEEL": wheel.encode(), f"{info}/METADATA": METADATA}
    rows = record_rows
    if rows is None:
        rows = [f"{p},sha256={record_digest(d)},{len(d)}" for p, d in files.items()]
        rows.append(f"{info}/RECORD,,")
    record = "\n".join(rows) + "\n"
    members = {p: (record_digest(d), len(d)) for p, d in files.items()}
    members[f"{info}/RECORD"] = (record_digest(record.encode()), len(record))
    return WheelContents(members, info, record, wheel, files[f"{info}/METADATA"])


def test_a_whole_wheel_has_no_problem() -> None:
    assert wheel_problems(NAME, contents()) == []


def test_a_member_changed_after_record_was_written() -> None:
    c = contents()
    members = dict(c.members)
    members["speedup/__init__.py"] = (record_digest(b"x = 2\n"), 6)
    broken = WheelContents(members, c.dist_info, c.record, c.wheel, c.metadata)
    assert wheel_problems(NAME, broken) == ["speedup/__init__.py: its sha256 differs from RECORD's"]


def test_members_missing_from_record_and_rows_without_members() -> None:
    rows = [f"{INFO}/RECORD,,", "ghost.py,sha256=abc,3"]
    problems = wheel_problems(NAME, contents(record_rows=rows))
    assert "RECORD lists ghost.py, which the archive lacks" in problems
    assert "speedup/__init__.py is in the archive but not in RECORD" in problems


def test_a_row_without_sha256_or_with_the_wrong_size() -> None:
    data = b"x = 1\n"
    rows = [
        f"speedup/__init__.py,md5=abc,{len(data)}",
        f"{INFO}/WHEEL,sha256={record_digest(WHEEL.encode())},999",
        f"{INFO}/METADATA,sha256={record_digest(METADATA)},{len(METADATA)}",
        f"{INFO}/RECORD,,",
    ]
    problems = wheel_problems(NAME, contents(record_rows=rows))
    assert "RECORD gives speedup/__init__.py no sha256" in problems
    assert f"{INFO}/WHEEL: its size differs from RECORD's" in problems


def test_a_renamed_wheel_keeps_its_old_tags_in_wheel() -> None:
    renamed = "speedup-1.0-cp312-cp312-macosx_14_0_arm64.whl"
    linux = WHEEL.replace("macosx_14_0_arm64", "manylinux_2_17_x86_64")
    (problem,) = wheel_problems(renamed, contents(wheel=linux))
    assert "declares tags cp312-cp312-manylinux_2_17_x86_64" in problem
    assert "a renamed wheel?" in problem


def test_compressed_tag_sets_match_their_expansion() -> None:
    name = "speedup-1.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
    wheel = WHEEL.replace(
        "Tag: cp312-cp312-macosx_14_0_arm64",
        "Tag: cp312-cp312-manylinux_2_17_x86_64\nTag: cp312-cp312-manylinux2014_x86_64",
    )
    assert wheel_problems(name, contents(wheel=wheel)) == []


def test_another_projects_metadata_directory() -> None:
    problems = wheel_problems(NAME, contents(info="other-1.0.dist-info"))
    assert problems == ["its metadata directory other-1.0.dist-info/ is not speedup 1.0's"]


def test_no_dist_info_or_a_bad_name() -> None:
    c = contents()
    bare = WheelContents(c.members, None, None, None, None)
    assert wheel_problems(NAME, bare) == ["not one .dist-info directory at the top of the archive"]
    assert wheel_problems("speedup.whl", c)[0].startswith("not a wheel filename")
