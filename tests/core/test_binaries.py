"""The binary rules: does each compiled member fit the wheel's platform and interpreter tags."""

from __future__ import annotations

import pytest

from wh.core.binaries import Binary, binary_problems
from wh.core.built import BuiltWheel, parse_record, render_record


def elf(
    path: str,
    arch: str = "x86_64",
    glibc: tuple[int, int] | None = (2, 17),
    needed: tuple[str, ...] = ("libc.so.6",),
) -> Binary:
    return Binary(path, "elf", (arch,), None, glibc, needed)


def macho(
    path: str,
    *arches: str,
    minimum: tuple[int, int] = (11, 0),
    needed: tuple[str, ...] = ("/usr/lib/libSystem.B.dylib",),
) -> Binary:
    slices = tuple((a, minimum) for a in arches)
    return Binary(path, "macho", arches, minimum, None, needed, macos_slices=slices)


LINUX_SO = "pkg/m.cpython-312-x86_64-linux-gnu.so"
ARM_SO = "pkg/m.cpython-312-aarch64-linux-gnu.so"
MAC_SO = "pkg/m.cpython-312-darwin.so"

FITS = [
    pytest.param("p-1-cp312-cp312-manylinux_2_17_x86_64.whl", [elf(LINUX_SO)], id="manylinux"),
    pytest.param(
        "p-1-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        [elf(LINUX_SO, needed=("libstdc++.so.6", "libm.so.6", "libc.so.6"))],
        id="legacy alias, C++ runtime allowed",
    ),
    pytest.param(
        "p-1-cp312-cp312-manylinux_2_28_aarch64.whl", [elf(ARM_SO, "aarch64")], id="aarch64"
    ),
    pytest.param(
        "p-1-cp312-cp312-manylinux_2_17_x86_64.whl",
        [
            elf(LINUX_SO, needed=("libfoo-1a2b.so.1", "libc.so.6")),
            elf("p.libs/libfoo-1a2b.so.1"),
        ],
        id="a library the wheel carries",
    ),
    pytest.param("p-1-cp312-cp312-macosx_11_0_arm64.whl", [macho(MAC_SO, "arm64")], id="mac arm"),
    pytest.param(
        "p-1-cp312-cp312-macosx_10_13_x86_64.whl",
        [macho(MAC_SO, "x86_64", minimum=(10, 13))],
        id="mac x86_64 10.13",
    ),
    pytest.param(
        "p-1-cp312-cp312-macosx_10_9_universal2.whl",
        [
            Binary(
                MAC_SO,
                "macho",
                ("arm64", "x86_64"),
                (11, 0),
                None,
                ("/usr/lib/libSystem.B.dylib",),
                macos_slices=(("arm64", (11, 0)), ("x86_64", (10, 9))),
            )
        ],
        id="universal2: the arm64 slice may say 11.0",
    ),
    pytest.param(
        "p-1-cp38-abi3-manylinux_2_17_x86_64.whl", [elf("pkg/m.abi3.so")], id="abi3 module"
    ),
    pytest.param(
        "p-1-py3-none-any.whl", [Binary("p/x.so", "other", (), None, None, ())], id="data"
    ),
]


@pytest.mark.parametrize(("wheel", "binaries"), FITS)
def test_a_fitting_binary_has_no_problems(wheel: str, binaries: list[Binary]) -> None:
    assert binary_problems(wheel, binaries) == []


PROBLEMS = [
    pytest.param(
        "p-1-cp312-cp312-macosx_11_0_arm64.whl",
        [elf("pkg/m.cpython-312-x86_64-linux-gnu.so")],
        ["is not a Mach-O binary", "extension suffix of another OS"],
        id="a macOS wheel holding a Linux .so",
    ),
    pytest.param(
        "p-1-cp312-cp312-manylinux_2_17_x86_64.whl",
        [elf(ARM_SO, "aarch64")],
        ["has no x86_64 code", "extension suffix of another OS"],
        id="wrong ELF machine",
    ),
    pytest.param(
        "p-1-cp312-cp312-manylinux_2_17_x86_64.whl",
        [elf(LINUX_SO, glibc=(2, 28))],
        ["needs glibc 2.28 symbols; manylinux_2_17_x86_64 promises only glibc 2.17"],
        id="glibc too new",
    ),
    pytest.param(
        "p-1-cp312-cp312-manylinux_2_17_x86_64.whl",
        [elf(LINUX_SO, needed=("libxml2.so.2", "libc.so.6"))],
        ["links libxml2.so.2"],
        id="a library outside the policy",
    ),
    pytest.param(
        "p-1-cp312-cp312-musllinux_1_2_x86_64.whl",
        [elf("pkg/m.cpython-312-x86_64-linux-musl.so")],
        ["machines run musl"],
        id="glibc code in a musllinux wheel",
    ),
    pytest.param(
        "p-1-cp312-cp312-macosx_11_0_arm64.whl",
        [macho(MAC_SO, "x86_64", minimum=(10, 13))],
        ["has no arm64 code"],
        id="wrong Mach-O CPU",
    ),
    pytest.param(
        "p-1-cp312-cp312-macosx_10_9_universal2.whl",
        [macho(MAC_SO, "arm64")],
        ["has no x86_64 code for macosx_10_9_universal2"],
        id="universal2 needs both slices",
    ),
    pytest.param(
        "p-1-cp312-cp312-macosx_10_13_x86_64.whl",
        [macho(MAC_SO, "x86_64", minimum=(13, 0))],
        ["needs macOS 13.0 on x86_64; macosx_10_13_x86_64 promises macOS 10.13"],
        id="minimum macOS too new",
    ),
    pytest.param(
        "p-1-cp312-cp312-macosx_11_0_arm64.whl",
        [macho(MAC_SO, "arm64", needed=("/opt/homebrew/lib/libxml2.2.dylib",))],
        ["loads /opt/homebrew/lib/libxml2.2.dylib"],
        id="a dylib outside the system",
    ),
    pytest.param(
        "p-1-cp311-cp311-manylinux_2_17_x86_64.whl",
        [elf(LINUX_SO)],
        ["is built for cp312; the wheel is tagged cp311"],
        id="suffix names another Python",
    ),
    pytest.param(
        "p-1-cp312-cp312-macosx_11_0_arm64.whl",
        [macho("pkg/m.abi3.so", "arm64")],
        ["stable-ABI (abi3) module in a wheel tagged cp312"],
        id="abi3 module in a version-specific wheel",
    ),
    pytest.param(
        "p-1-py3-none-any.whl",
        [elf("p/m.so")],
        ["compiled code in a wheel tagged for any platform"],
        id="pure wheel with a binary",
    ),
]


@pytest.mark.parametrize(("wheel", "binaries", "expected"), PROBLEMS)
def test_a_misfit_is_named(wheel: str, binaries: list[Binary], expected: list[str]) -> None:
    problems = binary_problems(wheel, binaries)
    assert len(problems) == len(expected), problems
    for problem, fragment in zip(problems, expected, strict=True):
        assert fragment in problem
        assert binaries[0].path in problem


def test_a_bad_filename_is_one_problem() -> None:
    assert "not a wheel filename" in binary_problems("nonsense.whl", [])[0]


# --- the built-wheels record --------------------------------------------------------------------

OLD = """{
  "version": 1,
  "built": [
    {
      "sdist": "p-1.tar.gz",
      "sdist_sha256": "aa",
      "wheel": "p-1-cp312-cp312-linux_x86_64.whl",
      "wheel_sha256": "bb"
    }
  ]
}
"""


def test_an_old_record_parses_and_renders_to_the_same_bytes() -> None:
    records = parse_record(OLD)
    assert records == [BuiltWheel("p-1.tar.gz", "aa", "p-1-cp312-cp312-linux_x86_64.whl", "bb")]
    assert render_record(records) == OLD


def test_optional_fields_round_trip() -> None:
    record = BuiltWheel(
        "p-1.tar.gz",
        "aa",
        "p-1-cp312-cp312-manylinux_2_17_x86_64.whl",
        "bb",
        targets=("cp312-manylinux_2_17_x86_64",),
        builder="zig",
        toolchain="zig 0.17.1",
    )
    text = render_record([record])
    assert '"source"' not in text
    assert '"targets": [\n        "cp312-manylinux_2_17_x86_64"\n      ]' in text
    assert parse_record(text) == [record]


def test_an_under_declared_minimum_fits_when_every_taker_is_new_enough() -> None:
    """A universal2 wheel tagged 10.9 whose x86_64 slice needs 10.13 (as real wheels are):
    against its tag it is a misfit; verify judges it against the oldest machine that takes
    it, and a macOS 13 fleet is new enough. A fleet with a 10.9 Mac is not."""
    slices = (("arm64", (11, 0)), ("x86_64", (10, 13)))
    binary = Binary(
        "c/_rust.abi3.so", "macho", ("arm64", "x86_64"), (10, 13), None,
        ("/usr/lib/libSystem.B.dylib",), macos_slices=slices,
    )  # fmt: skip
    wheel = "c-1-cp311-abi3-macosx_10_9_universal2.whl"
    assert binary_problems(wheel, [binary]) != []
    assert binary_problems(wheel, [binary], oldest=(13, 0)) == []
    assert binary_problems(wheel, [binary], oldest=(10, 9)) != []


def test_glibc_newer_than_the_tag_fits_when_every_taker_has_it() -> None:
    binary = elf("p/x.so", "x86_64", glibc=(2, 28))
    wheel = "p-1-cp311-cp311-manylinux_2_17_x86_64.whl"
    assert binary_problems(wheel, [binary]) != []
    assert binary_problems(wheel, [binary], oldest=(2, 28)) == []
    assert binary_problems(wheel, [binary], oldest=(2, 27)) != []


def test_the_oldest_taker_never_excuses_a_wrong_format() -> None:
    linux = elf("p/x.cpython-311-darwin.so", "x86_64")
    assert binary_problems("p-1-cp311-cp311-macosx_11_0_x86_64.whl", [linux], oldest=(14, 0))
