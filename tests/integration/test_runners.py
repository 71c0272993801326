"""Native runners for what cannot be cross-built: the CI matrix out, verified wheels in.

A package whose pinned version has Linux wheels (real ELF extensions) and an sdist but no
macOS wheel: sync names the macOS gaps; `wh build --matrix github` writes a workflow that
GitHub's schema and zizmor accept and that builds exactly those gaps; importing correctly
built macOS wheels (real Mach-O extensions cross-compiled by zig, as a macOS runner's
cibuildwheel would make them) makes verify pass; a Linux wheel renamed to a macOS tag, a
wheel of another version and a wheel with a broken RECORD are refused, leaving the
wheelhouse as it was, byte for byte.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.integration.conftest import Project
from tests.support.index import SimpleIndex
from tests.support.native import compile_extension, zig_binary
from tests.support.wh_test_backend import metadata_text, write_wheel
from tests.support.wheels import sha256_of
from tests.support.workflows import problems

PYTHONS = ("311", "312")
LINUX = {"x86_64": "x86_64-linux-gnu.2.17", "aarch64": "aarch64-linux-gnu.2.17"}
MACOS = {"arm64": "aarch64-macos.14.0", "x86_64": "x86_64-macos.13.0"}
MAC_TAGS = {"arm64": "macosx_14_0_arm64", "x86_64": "macosx_13_0_x86_64"}
MAC_GAPS = {f"cp{py}-{tag}" for py in PYTHONS for tag in MAC_TAGS.values()}


@pytest.fixture(scope="session")
def binaries(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """One extension binary per zig target, compiled once per session."""
    if zig_binary() is None:
        pytest.skip("zig is missing: pip install ziglang (the wh[build] extra; make test does)")
    work = tmp_path_factory.mktemp("zig")
    return {
        target: compile_extension(target, work / "out", work / "cache")
        for target in (*LINUX.values(), *MACOS.values())
    }


def speedup_wheel(
    directory: Path, version: str, py: str, platform: str, binary: bytes, suffix: str
) -> Path:
    files = {
        "speedup/__init__.py": f"__version__ = {version!r}\n".encode(),
        f"speedup/_speedup.cpython-{py}-{suffix}.so": binary,
    }
    tags = f"cp{py}-cp{py}-{platform}"
    metadata = metadata_text("speedup", version, (), None)
    return write_wheel(directory, "speedup", version, tags, files, metadata)


def mac_wheel(directory: Path, binaries: dict[str, bytes], py: str, arch: str) -> Path:
    return speedup_wheel(directory, "1.0", py, MAC_TAGS[arch], binaries[MACOS[arch]], "darwin")


@pytest.fixture
def gap(project: Project, binaries: dict[str, bytes]) -> Iterator[tuple[Project, SimpleIndex]]:
    """speedup 1.0 on the index: manylinux wheels for both CPUs and Pythons, its sdist, no
    macOS wheel. Synced: the macOS targets lack it."""
    with SimpleIndex(project.dists) as index:
        project.add("pure", "1.0")
        files = [
            speedup_wheel(
                project.dists,
                "1.0",
                py,
                f"manylinux_2_17_{arch}.manylinux2014_{arch}",
                binaries[zig],
                f"{arch}-linux-gnu",
            )
            for py in PYTHONS
            for arch, zig in LINUX.items()
        ]
        files += project.publish("speedup", "1.0", (), sdist=True, native=True)
        project.lock("speedup", "1.0", files)
        project.write(index.url)
        yield project, index


def snapshot(directory: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(directory.iterdir())
        if p.is_file()
    }


def test_sync_names_the_macos_gap(gap: tuple[Project, SimpleIndex]) -> None:
    project, _ = gap
    run = project.sync()
    assert run.code == 1, run.output
    gaps = {(g["target"], g["package"]) for g in run.json["gaps"]}
    assert gaps == {(t, "speedup") for t in MAC_GAPS}


def test_the_matrix_builds_exactly_the_gap_and_passes_schema_and_zizmor(
    gap: tuple[Project, SimpleIndex],
) -> None:
    project, index = gap
    out = project.dir / ".github" / "workflows" / "wh-wheels.yml"
    unsynced = project.wh("build", "--matrix", "github", "--format", "json")
    assert unsynced.code == 0, unsynced.output  # what the index serves is left to sync
    assert "cp311-manylinux_2_28_x86_64: pure 1.0" in unsynced.json["syncable"]
    assert "cp312-manylinux_2_28_aarch64: speedup 1.0" in unsynced.json["syncable"]
    first = out.read_bytes()
    project.sync()
    run = project.wh("build", "--matrix", "github", "--format", "json")
    assert run.code == 0, run.output
    assert out.read_bytes() == first and run.json["syncable"] == []
    assert run.json["output"] == str(out) and run.json["written"] is False  # same bytes
    assert problems(out, project.dir) == []

    workflow = yaml.safe_load(out.read_text())
    assert workflow["permissions"] == {}
    assert set(workflow["jobs"]) == {"macos-arm64", "macos-x86_64"}
    sdist = project.dists / "speedup-1.0.tar.gz"
    for job_id, label, tag in (
        ("macos-arm64", "macos-14", "macosx_14_0_arm64"),
        ("macos-x86_64", "macos-15-intel", "macosx_13_0_x86_64"),
    ):
        job = workflow["jobs"][job_id]
        assert job["runs-on"] == label
        fetch, build, upload = job["steps"]
        assert fetch["env"]["WH_URL"] == f"{index.url.removesuffix('/simple')}/files/{sdist.name}"
        assert fetch["env"]["WH_SHA256"] == sha256_of(sdist)
        assert "--check" in fetch["run"]
        arch = tag.rsplit("_", 1)[-1] if "arm64" in tag else "x86_64"
        assert build["env"]["CIBW_BUILD"] == f"cp311-macosx_{arch} cp312-macosx_{arch}"
        assert build["env"]["MACOSX_DEPLOYMENT_TARGET"] == tag.split("_")[1] + ".0"
        assert build["with"]["package-dir"] == f"wh-sdists/{sdist.name}"
        assert build["uses"].startswith("pypa/cibuildwheel@")
        assert upload["with"]["name"] == f"wh-wheels-{job_id}"
    assert "pure" not in out.read_text()  # not a gap: nothing to build for it

    before = out.read_bytes()
    again = project.wh("build", "--matrix", "github")
    assert again.code == 0, again.output
    assert "up to date" in again.stdout
    assert out.read_bytes() == before


def test_importing_correct_macos_wheels_makes_verify_pass(
    gap: tuple[Project, SimpleIndex], binaries: dict[str, bytes], tmp_path: Path
) -> None:
    project, index = gap
    project.sync()
    artifacts = tmp_path / "wh-wheels"
    for arch in MACOS:
        for py in PYTHONS:
            mac_wheel(artifacts / f"wh-wheels-macos-{arch}", binaries, py, arch)
    assert project.wh("verify").code == 1
    run = project.wh("import", str(artifacts), "--format", "json")
    assert run.code == 0, run.output
    assert {t for a in run.json["accepted"] for t in a["targets"]} == MAC_GAPS
    assert run.json["refused"] == [] and run.json["gaps_left"] == 0
    verified = project.wh("verify")
    assert verified.code == 0, verified.output

    record = json.loads((project.wheelhouse / "wh-built.json").read_text())
    imported = {e["wheel"]: e for e in record["built"]}
    name = "speedup-1.0-cp312-cp312-macosx_14_0_arm64.whl"
    entry = imported[name]
    assert entry["builder"] == "imported"
    assert entry["sdist"] == "speedup-1.0.tar.gz"
    assert entry["sdist_sha256"] == sha256_of(project.dists / "speedup-1.0.tar.gz")
    assert entry["wheel_sha256"] == sha256_of(project.wheelhouse / name)
    assert entry["targets"] == ["cp312-macosx_14_0_arm64"]
    assert entry["source"] == f"wh-wheels/wh-wheels-macos-arm64/{name}"

    again = project.wh("import", str(artifacts))  # the same bytes again: nothing to do
    assert again.code == 0, again.output
    assert "already imported" in again.stdout

    pex = 'output = "dist/app.pex"\n'
    project.write(index.url, extra=f'[tool.wh.pex.app]\nentry-point = "speedup:main"\n{pex}')
    built = project.wh("pex")  # pex takes them as it takes any locked wheel
    assert built.code == 0, built.output
    inspected = project.wh("inspect", str(project.dir / "dist" / "app.pex"))
    assert inspected.code == 0, inspected.output
    assert "macosx_14_0_arm64.whl" in inspected.stdout

    synced = project.sync()  # sync keeps them and sees no gap
    assert synced.code == 0, synced.output
    assert name in project.files()
    no_gap = project.wh("build", "--matrix", "github", "--output", str(tmp_path / "w.yml"))
    assert no_gap.code == 0 and "no gap" in no_gap.stdout
    assert not (tmp_path / "w.yml").exists()


def test_an_artifact_zip_is_imported(
    gap: tuple[Project, SimpleIndex], binaries: dict[str, bytes], tmp_path: Path
) -> None:
    project, _ = gap
    project.sync()
    wheel = mac_wheel(tmp_path / "built", binaries, "311", "arm64")
    artifact = tmp_path / "wh-wheels-macos-arm64.zip"
    with zipfile.ZipFile(artifact, "w") as zf:
        zf.write(wheel, wheel.name)
    run = project.wh("import", str(artifact), "--format", "json")
    assert run.code == 0, run.output
    (accepted,) = run.json["accepted"]
    assert accepted["source"] == f"{artifact}:{wheel.name}"
    assert accepted["targets"] == ["cp311-macosx_14_0_arm64"]


def _linux_renamed(directory: Path, project: Project) -> Path:
    """The index's Linux wheel under a macOS name: the file renamed, nothing else."""
    linux = project.dists / "speedup-1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
    renamed = directory / "speedup-1.0-cp311-cp311-macosx_14_0_arm64.whl"
    directory.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(linux, renamed)
    return renamed


def _other_version(directory: Path, binaries: dict[str, bytes]) -> Path:
    return speedup_wheel(
        directory, "1.1", "311", "macosx_14_0_arm64", binaries[MACOS["arm64"]], "darwin"
    )


def _broken_record(directory: Path, binaries: dict[str, bytes]) -> Path:
    """A correct macOS wheel whose extension was swapped after RECORD was written."""
    good = mac_wheel(directory / "good", binaries, "311", "arm64")
    broken = directory / good.name
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(broken, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.endswith("darwin.so"):
                data = data[:-1] + bytes([data[-1] ^ 0xFF])
            dst.writestr(info, data)
    return broken


def _truncated_binary(directory: Path) -> Path:
    """A Mach-O header cut short: refused with a reason, never a traceback."""
    stub = bytes.fromhex("cffaedfe0c000001") + b"\0" * 8
    return speedup_wheel(directory, "1.0", "311", "macosx_14_0_arm64", stub, "darwin")


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda d, p, b: _linux_renamed(d, p), "is not a Mach-O binary"),
        (lambda d, p, b: _other_version(d, b), "the lock pins speedup 1.0, not 1.1"),
        (lambda d, p, b: _broken_record(d, b), "sha256 differs from RECORD"),
        (lambda d, p, b: _truncated_binary(d), "unreadable binary headers"),
    ],
    ids=["linux-binary-under-macos-name", "another-version", "broken-record", "truncated"],
)
def test_refused_wheels_leave_the_wheelhouse_unchanged(
    gap: tuple[Project, SimpleIndex],
    binaries: dict[str, bytes],
    tmp_path: Path,
    make: object,
    reason: str,
) -> None:
    project, _ = gap
    project.sync()
    before = snapshot(project.wheelhouse)
    assert callable(make)
    wheel = make(tmp_path / "in", project, binaries)
    run = project.wh("import", str(wheel), "--format", "json")
    assert run.code == 1, run.output
    (refused,) = run.json["refused"]
    assert refused["wheel"] == wheel.name
    assert any(reason in r for r in refused["reasons"]), refused["reasons"]
    assert run.json["accepted"] == []
    assert snapshot(project.wheelhouse) == before
    text = project.wh("import", str(wheel))
    assert text.code == 1 and reason in text.stdout


def test_nothing_to_import_is_a_usage_error(
    gap: tuple[Project, SimpleIndex], tmp_path: Path
) -> None:
    project, _ = gap
    missing = project.wh("import", str(tmp_path / "nowhere"))
    assert missing.code == 2 and "no such file or directory" in missing.stderr
    (tmp_path / "empty").mkdir()
    empty = project.wh("import", str(tmp_path / "empty"))
    assert empty.code == 2 and "no wheel (*.whl) there" in empty.stderr
    assert not project.wheelhouse.exists()
