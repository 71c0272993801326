"""What a cross build is told per target, and how a failed build's output is read. Pure."""

from __future__ import annotations

import pytest

from wh.core.built import BuiltWheel
from wh.core.crossbuild import CrossError, cross_spec, failure_hint, first_error, retagged
from wh.core.files import DistFile, parse_dist
from wh.core.lockfile import parse_lockfile
from wh.core.plan import SyncPlan, plan_sync, sdist_of, with_builds, with_recorded
from wh.core.selection import Choice, Gap
from wh.core.targets import make_target

SPECS = [
    pytest.param(
        "3.12",
        "manylinux_2_28_aarch64",
        ("aarch64-linux-gnu.2.28", "linux-aarch64", ".cpython-312-aarch64-linux-gnu.so"),
        id="manylinux aarch64: glibc from the tag",
    ),
    pytest.param(
        "3.11",
        "manylinux2014_x86_64",
        ("x86_64-linux-gnu.2.17", "linux-x86_64", ".cpython-311-x86_64-linux-gnu.so"),
        id="legacy manylinux alias",
    ),
    pytest.param(
        "3.12",
        "musllinux_1_2_x86_64",
        ("x86_64-linux-musl", "linux-x86_64", ".cpython-312-x86_64-linux-musl.so"),
        id="musllinux",
    ),
    pytest.param(
        "3.12",
        "macosx_11_0_arm64",
        ("aarch64-macos.11.0", "macosx-11.0-arm64", ".cpython-312-darwin.so"),
        id="macOS arm64",
    ),
    pytest.param(
        "3.11",
        "macosx_10_13_x86_64",
        ("x86_64-macos.10.13", "macosx-10.13-x86_64", ".cpython-311-darwin.so"),
        id="macOS x86_64: minimum version from the tag",
    ),
]


@pytest.mark.parametrize(("python", "tag", "expected"), SPECS)
def test_cross_spec(python: str, tag: str, expected: tuple[str, str, str]) -> None:
    spec = cross_spec(make_target(python, tag))
    assert (spec.zig_target, spec.host_platform, spec.ext_suffix) == expected
    assert spec.platform_tag == make_target(python, tag).platform.tag
    assert spec.python == python
    assert ("-Wl,-undefined,dynamic_lookup" in spec.ldflags) == tag.startswith("macosx")


def test_windows_is_not_a_cross_target() -> None:
    with pytest.raises(CrossError, match="Linux and macOS targets only"):
        cross_spec(make_target("3.12", "win_amd64"))


def test_retagged() -> None:
    assert (
        retagged("a_b-1.0-cp312-cp312-linux_aarch64.whl", "manylinux_2_28_aarch64")
        == "a_b-1.0-cp312-cp312-manylinux_2_28_aarch64.whl"
    )


PIP_FAILURE = """\
  Running command Building wheel for xmlish (pyproject.toml)
  running build_ext
  building 'xmlish._native' extension
  /tmp/t/cc -O3 -fPIC -c xmlish/_native.c -o build/temp/_native.o
  xmlish/_native.c:3:10: fatal error: 'libxml/xmlversion.h' file not found
      3 | #include <libxml/xmlversion.h>
  1 error generated.
  error: command '/tmp/t/cc' failed with exit code 1
  error: subprocess-exited-with-error
  \u00d7 Building wheel for xmlish (pyproject.toml) did not run successfully.
  ERROR: Failed building wheel for xmlish
"""

RUST_FAILURE = """\
  running build_rust
  error: can't find Rust compiler
  ERROR: Failed building wheel for fastthing
"""


def test_first_error_skips_pips_wrapping() -> None:
    assert first_error(PIP_FAILURE) == (
        "xmlish/_native.c:3:10: fatal error: 'libxml/xmlversion.h' file not found"
    )
    assert first_error(RUST_FAILURE) == "error: can't find Rust compiler"
    assert first_error("") == "the build failed without a message"


def test_failure_hints_name_what_would_close_the_gap() -> None:
    assert "C library (libxml/xmlversion.h)" in failure_hint(PIP_FAILURE, "macosx_11_0_arm64")
    assert "Rust toolchain" in failure_hint(RUST_FAILURE, "macosx_11_0_arm64")
    assert "on a macosx_11_0_arm64 machine" in failure_hint("error: boom", "macosx_11_0_arm64")
    no_backend = "ERROR: No matching distribution found for setuptools>=70.1\n"
    assert first_error(no_backend) == no_backend.strip()
    assert "the index lacks setuptools>=70.1" in failure_hint(no_backend, "macosx_11_0_arm64")


def test_sdist_of_takes_the_locked_sdist_of_the_pinned_version() -> None:
    text = "p==1.0 --hash=sha256:" + "a" * 64 + "\n"
    lock = parse_lockfile("requirements.txt", {"requirements.txt": text}.__getitem__)
    (req,) = lock.requirements
    files = [
        parse_dist("p-1.0.tar.gz", sha256="a" * 64),
        parse_dist("p-1.0.zip", sha256="b" * 64),
        parse_dist("p-2.0.tar.gz", sha256="a" * 64),
        parse_dist("p-1.0-cp312-cp312-linux_x86_64.whl", sha256="a" * 64),
    ]
    chosen = sdist_of(req, [f for f in files if f is not None])
    assert chosen is not None and chosen.filename == "p-1.0.tar.gz"
    assert sdist_of(req, []) is None


# --- with_recorded: cross-built wheels fill the gaps they fit ---------------------------------

SDIST_SHA = "c" * 64


def _plan_with_gap(target_tag: str) -> tuple[SyncPlan, list[tuple[BuiltWheel, DistFile]]]:
    text = f"cfast==1.0 --hash=sha256:{SDIST_SHA}\n"
    (req,) = parse_lockfile("r.txt", {"r.txt": text}.__getitem__).requirements
    target = make_target("3.12", target_tag)
    sdist = parse_dist("cfast-1.0.tar.gz", sha256=SDIST_SHA)
    assert sdist is not None
    plan = with_builds(plan_sync([target], [req], {"cfast": [sdist]}), {sdist.filename: "no"})
    recorded = []
    for name, sdist_sha in (
        ("cfast-1.0-cp312-cp312-manylinux_2_28_aarch64.whl", SDIST_SHA),
        ("cfast-1.0-cp312-cp312-macosx_11_0_arm64.whl", "d" * 64),  # from another sdist
    ):
        wheel = parse_dist(name, sha256="e" * 64)
        assert wheel is not None
        recorded.append((BuiltWheel(sdist.filename, sdist_sha, name, "e" * 64), wheel))
    return plan, recorded


def test_a_recorded_wheel_fills_the_gap_of_the_target_it_fits() -> None:
    plan, recorded = _plan_with_gap("manylinux_2_28_aarch64")
    assert isinstance(plan.entries[0].outcome, Gap)
    (entry,) = with_recorded(plan, recorded).entries
    assert isinstance(entry.outcome, Choice)
    assert entry.outcome.file.filename == "cfast-1.0-cp312-cp312-manylinux_2_28_aarch64.whl"


@pytest.mark.parametrize(
    "tag",
    [
        pytest.param("manylinux_2_28_x86_64", id="no recorded wheel fits the target"),
        pytest.param("macosx_14_0_arm64", id="the fitting wheel is from an unlocked sdist"),
    ],
)
def test_a_gap_stays_without_a_fitting_locked_wheel(tag: str) -> None:
    plan, recorded = _plan_with_gap(tag)
    (entry,) = with_recorded(plan, recorded).entries
    assert isinstance(entry.outcome, Gap)
