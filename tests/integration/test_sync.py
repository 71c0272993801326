"""wh sync end to end: a real index on loopback, real downloads, real pip builds."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest

from tests.integration.conftest import TARGETS_8, Project, by_target
from tests.support.index import PypiServer, SimpleIndex
from tests.support.wheels import sha256_of

NATIVE = (
    "cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64",
    "cp311-cp311-manylinux_2_28_x86_64",
    "cp311-cp311-manylinux_2_17_aarch64.manylinux2014_aarch64",
    "cp311-cp311-macosx_11_0_arm64",
    "cp311-cp311-macosx_10_9_x86_64",
    "cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64",
    "cp312-cp312-manylinux_2_17_aarch64.manylinux2014_aarch64",
    "cp312-cp312-macosx_11_0_arm64",
    "cp312-cp312-macosx_10_9_x86_64",
    "cp312-cp312-win_amd64",
)


def lock_hashes(project: Project) -> set[str]:
    text = (project.dir / "requirements.txt").read_text()
    return {part.split(":", 1)[1].split()[0] for part in text.split("--hash=")[1:]}


def test_best_file_per_target_with_markers(project: Project, index: SimpleIndex) -> None:
    project.add("pure", "1.0")
    project.add("native", "2.0", *NATIVE)
    project.add("appnope", "0.1.4", marker='sys_platform == "darwin"')
    project.add("linuxonly", "3.0", marker='sys_platform == "linux"')
    project.add("tomli", "2.0.1", marker='python_version < "3.12"')
    project.write(index.url)

    run = project.sync("--platforms", "macosx,linux")

    assert run.code == 0, run.output
    got = by_target(run)
    assert sorted(got) == sorted(TARGETS_8)
    assert got["cp311-manylinux_2_28_x86_64"] == {
        "pure-1.0-py3-none-any.whl",
        "native-2.0-cp311-cp311-manylinux_2_28_x86_64.whl",  # 2_28 outranks manylinux2014
        "linuxonly-3.0-py3-none-any.whl",
        "tomli-2.0.1-py3-none-any.whl",
    }
    assert got["cp312-manylinux_2_28_aarch64"] == {
        "pure-1.0-py3-none-any.whl",
        "native-2.0-cp312-cp312-manylinux_2_17_aarch64.manylinux2014_aarch64.whl",
        "linuxonly-3.0-py3-none-any.whl",
    }
    assert got["cp311-macosx_13_0_x86_64"] == {
        "pure-1.0-py3-none-any.whl",
        "native-2.0-cp311-cp311-macosx_10_9_x86_64.whl",
        "appnope-0.1.4-py3-none-any.whl",
        "tomli-2.0.1-py3-none-any.whl",
    }
    assert "appnope-0.1.4-py3-none-any.whl" not in set.union(
        *(files for name, files in got.items() if "linux" in name)
    )
    on_disk = project.files() - {".gitkeep"}
    assert on_disk == set.union(*got.values())  # win_amd64 and manylinux2014 x86_64 not fetched
    hashes = lock_hashes(project)
    assert all(sha256_of(project.wheelhouse / name) in hashes for name in on_disk)
    # every file fetched once, however many targets use it
    assert index.downloads("pure-1.0-py3-none-any.whl") == 1


def test_unchanged_wheelhouse_syncs_without_a_download(
    project: Project, index: SimpleIndex
) -> None:
    project.add("pure", "1.0")
    project.add("native", "2.0", *NATIVE)
    project.write(index.url)
    assert project.sync().code == 0
    before = sum(index.hits.values())

    again = project.sync()

    assert again.code == 0, again.output
    assert again.json["unchanged"] is True
    assert again.json["downloaded"] == []
    assert sum(index.hits.values()) == before  # not even an index page
    # without the plan cache: pages are read, but still no file is downloaded
    for plan in (project.cache / "plans").iterdir():
        plan.unlink()
    third = project.sync()
    assert third.code == 0 and third.json["downloaded"] == []
    assert third.json["present"] == len(project.files() - {".gitkeep"})
    assert not [p for p in index.hits if p.startswith("/files/") and index.hits[p] > 1]


def test_gap_is_named_with_reason_and_hint(project: Project, index: SimpleIndex) -> None:
    linux = [t for t in NATIVE if "manylinux" in t]
    project.add("cryptography", "50.0.2", *linux, sdist=True, native=True)
    project.publish("cryptography", "51.0.0", ["cp311-cp311-macosx_10_9_x86_64"])
    project.add("pure", "1.0")
    project.write(index.url)

    run = project.sync("--platforms", "macosx,linux")

    assert run.code == 1, run.output
    gaps = run.json["gaps"]
    assert {g["target"] for g in gaps} == {
        "cp311-macosx_14_0_arm64",
        "cp311-macosx_13_0_x86_64",
        "cp312-macosx_14_0_arm64",
        "cp312-macosx_13_0_x86_64",
    }
    gap = next(g for g in gaps if g["target"] == "cp311-macosx_13_0_x86_64")
    assert gap["package"] == "cryptography"
    assert (
        "no wheel for macosx_13_0_x86_64 cp311, only an sdist that builds native code"
        in (gap["reason"])
    )
    assert "cryptography 51.0.0 has a wheel" in gap["hint"]
    other = next(g for g in gaps if g["target"] == "cp312-macosx_13_0_x86_64")
    assert "build a wheel on a macosx_13_0_x86_64 machine" in other["hint"].lower()
    # everything else was still fetched
    assert "pure-1.0-py3-none-any.whl" in project.files()
    text = project.wh("sync")
    assert text.code == 1
    assert "cp311-macosx_13_0_x86_64: cryptography 50.0.2: no wheel for" in text.stdout


def test_pure_sdist_is_built_once_for_every_target(project: Project, index: SimpleIndex) -> None:
    project.add("sdistonly", "1.2", sdist_only=True)
    project.write(index.url)

    run = project.sync()

    assert run.code == 0, run.output
    assert run.json["built"] == ["sdistonly-1.2-py3-none-any.whl"]
    assert all("sdistonly-1.2-py3-none-any.whl" in t["files"] for t in run.json["targets"])
    record = json.loads((project.wheelhouse / "wh-built.json").read_text())
    (entry,) = record["built"]
    assert entry["sdist"] == "sdistonly-1.2.tar.gz"
    assert entry["sdist_sha256"] == sha256_of(project.dists / "sdistonly-1.2.tar.gz")
    assert entry["wheel_sha256"] == sha256_of(project.wheelhouse / entry["wheel"])
    assert not (project.wheelhouse / "sdistonly-1.2.tar.gz").exists()
    # a later sync (cache gone) reuses the recorded wheel: no second build
    for plan in (project.cache / "plans").iterdir():
        plan.unlink()
    again = project.sync()
    assert again.code == 0 and again.json["built"] == []


def test_native_sdist_built_here_fits_no_target(project: Project, index: SimpleIndex) -> None:
    project.add("cext", "0.5", sdist_only=True, native=True)
    project.write(index.url)

    run = project.sync("--platforms", "linux", "--python", "3.11")

    assert run.code == 1, run.output
    gaps = run.json["gaps"]
    assert {g["target"] for g in gaps} == {
        "cp311-manylinux_2_28_x86_64",
        "cp311-manylinux_2_28_aarch64",
    }
    assert all("only an sdist that builds native code (built here: " in g["reason"] for g in gaps)
    # the linux_<arch> wheel built here fits no target: it is neither kept nor recorded
    assert project.files() <= {".gitkeep"}


def test_prune_removes_files_no_target_uses(project: Project, index: SimpleIndex) -> None:
    project.add("pure", "1.0")
    project.add("old", "1.0")
    project.write(index.url)
    assert project.sync().code == 0
    project.lines.pop()
    project.write(index.url)
    (project.wheelhouse / "stray-9-py3-none-any.whl").write_bytes(b"x")

    kept = project.sync("--no-prune")
    assert kept.code == 0 and "old-1.0-py3-none-any.whl" in project.files()

    pruned = project.sync()
    assert pruned.code == 0
    assert sorted(pruned.json["removed"]) == [
        "old-1.0-py3-none-any.whl",
        "stray-9-py3-none-any.whl",
    ]
    assert project.files() - {".gitkeep"} == {"pure-1.0-py3-none-any.whl"}


def test_prune_keeps_files_of_configured_targets_not_synced(
    project: Project, index: SimpleIndex
) -> None:
    project.add("native", "2.0", *NATIVE)
    project.write(index.url)
    assert project.sync().code == 0
    mac = "native-2.0-cp311-cp311-macosx_11_0_arm64.whl"
    assert mac in project.files()

    linux_only = project.sync("--platforms", "linux")

    assert linux_only.code == 0
    assert mac in project.files()  # the macosx targets are configured: their files stay


def test_html_index_served_by_pypiserver(project: Project) -> None:
    project.add("pure", "1.0")
    project.add("native", "2.0", *NATIVE)
    with PypiServer(project.dists) as server:
        project.write(server.url)
        run = project.sync("--platforms", "linux")
    assert run.code == 0, run.output
    assert "native-2.0-cp312-cp312-manylinux_2_17_aarch64.manylinux2014_aarch64.whl" in (
        project.files()
    )


def test_html_pages_from_our_index(project: Project) -> None:
    project.add("pure", "1.0", marker='python_version >= "3.11"')
    with SimpleIndex(project.dists, json=False) as server:
        project.write(server.url)
        run = project.sync()
    assert run.code == 0, run.output
    assert "pure-1.0-py3-none-any.whl" in project.files()


def test_yanked_and_requires_python(project: Project, index: SimpleIndex) -> None:
    files = project.add("modern", "1.0", "py3-none-any", "cp311-cp311-manylinux_2_28_x86_64")
    index.set_file_meta(files[1].name, yanked="broken build")
    newer = project.add("onlynew", "1.0")
    index.set_file_meta(newer[0].name, requires_python=">=3.12")
    project.write(index.url)

    run = project.sync("--platforms", "manylinux_2_28_x86_64")

    got = by_target(run)
    assert got["cp311-manylinux_2_28_x86_64"] == {"modern-1.0-py3-none-any.whl"}
    assert "onlynew-1.0-py3-none-any.whl" in got["cp312-manylinux_2_28_x86_64"]
    gap = next(g for g in run.json["gaps"])
    assert gap["target"] == "cp311-manylinux_2_28_x86_64" and gap["package"] == "onlynew"
    assert "admits Python 3.11" in gap["reason"]


def test_credentials_from_the_url_are_used_and_never_printed(project: Project) -> None:
    project.add("pure", "1.0")
    with SimpleIndex(project.dists, auth=("alice", "s3cret-pw")) as server:
        project.write(server.url)
        refused = project.sync()
        assert refused.code == 3
        assert "refused access" in refused.output
        project.write(server.auth_url)
        run = project.sync()
        failed = project.wh("sync", "--platforms", "nope")
    assert run.code == 0, run.output
    for out in (refused, run, failed):
        assert "s3cret-pw" not in out.output
    assert "s3cret-pw" not in "".join(
        p.read_text(errors="replace") for p in project.cache.rglob("*") if p.is_file()
    )


def test_netrc_credentials(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    project.add("pure", "1.0")
    netrc = project.dir / "netrc"
    netrc.write_text("machine 127.0.0.1 login bob password hunter2\n")
    netrc.chmod(0o600)
    with SimpleIndex(project.dists, auth=("bob", "hunter2")) as server:
        project.write(server.url)
        monkeypatch.setenv("NETRC", str(netrc))
        run = project.sync()
    assert run.code == 0, run.output


def _setuptools_sdist(directory: Path, name: str, version: str) -> Path:
    """An sdist whose build backend (setuptools) the test index does not serve."""
    files = {
        "pyproject.toml": (
            '[build-system]\nrequires = ["setuptools>=61"]\n'
            'build-backend = "setuptools.build_meta"\n'
            f'[project]\nname = "{name}"\nversion = "{version}"\n'
            "[tool.setuptools]\npackages = []\n"
            f'py-modules = ["{name}"]\n'
        ),
        f"{name}.py": "VALUE = 1\n",
        "PKG-INFO": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
    }
    path = directory / f"{name}-{version}.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        for relative, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(f"{name}-{version}/{relative}")
            info.size, info.mtime = len(data), 315532800
            tar.addfile(info, io.BytesIO(data))
    return path


def test_sdist_whose_backend_the_index_lacks_builds_with_wh_own(
    project: Project, index: SimpleIndex
) -> None:
    sdist = _setuptools_sdist(project.dists, "legacy", "0.3")
    project.lock("legacy", "0.3", [sdist])
    project.write(index.url)

    run = project.sync("--platforms", "linux")

    assert run.code == 0, run.output
    assert run.json["built"] == ["legacy-0.3-py3-none-any.whl"]
    assert "the index lacks its build backend" in run.stderr
