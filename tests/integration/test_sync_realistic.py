"""A realistic lock of ~70 packages synced for 8 targets: exactly the best file per target.

The expected file for each target is written out per kind of package (by hand, from the
platform rules), not computed by wh's own code."""

from __future__ import annotations

import json

from tests.integration.conftest import TARGETS_8, Project, by_target
from tests.support.index import SimpleIndex
from tests.support.wheels import sha256_of

LINUX17 = {
    "x86_64": "manylinux_2_17_x86_64.manylinux2014_x86_64",
    "aarch64": "manylinux_2_17_aarch64.manylinux2014_aarch64",
}
MAC = {"arm64": "macosx_11_0_arm64", "x86_64": "macosx_10_9_x86_64"}
NOT_PICKED = ("win_amd64", "musllinux_1_1_x86_64")


def arch_of(target: str) -> tuple[str, str, str]:
    """('cp311', 'linux'|'mac', arch) for a target name."""
    py, plat = target.split("-", 1)
    if plat.startswith("macosx"):
        return py, "mac", "arm64" if plat.endswith("arm64") else "x86_64"
    return py, "linux", "aarch64" if plat.endswith("aarch64") else "x86_64"


def test_realistic_lock_for_eight_targets(project: Project, index: SimpleIndex) -> None:
    expect: dict[str, set[str]] = {t: set() for t in TARGETS_8}

    def every(filename: str, when: str = "") -> None:
        for t in TARGETS_8:
            py, family, _ = arch_of(t)
            if when in ("", family, py):
                expect[t].add(filename)

    for i in range(40):  # pure, some py2.py3
        tag = "py2.py3-none-any" if i % 4 == 0 else "py3-none-any"
        project.add(f"pure{i}", "1.0", tag)
        every(f"pure{i}-1.0-{tag}.whl")
    for i in range(10):  # native, manylinux2014 + macOS, plus files no target may pick
        tags = [
            f"{py}-{py}-{p}"
            for py in ("cp311", "cp312")
            for p in (*LINUX17.values(), *MAC.values(), *NOT_PICKED)
        ]
        project.add(f"native{i}", "2.0", *tags)
        for t in TARGETS_8:
            py, family, arch = arch_of(t)
            plat = LINUX17[arch] if family == "linux" else MAC[arch]
            expect[t].add(f"native{i}-2.0-{py}-{py}-{plat}.whl")
    for i in range(5):  # native with manylinux_2_28 wheels too: the 2_28 targets prefer them
        tags = [
            f"{py}-{py}-{p}"
            for py in ("cp311", "cp312")
            for p in (
                *LINUX17.values(),
                "manylinux_2_28_x86_64",
                "manylinux_2_28_aarch64",
                *MAC.values(),
            )
        ]
        project.add(f"modern{i}", "3.0", *tags)
        for t in TARGETS_8:
            py, family, arch = arch_of(t)
            plat = f"manylinux_2_28_{arch}" if family == "linux" else MAC[arch]
            expect[t].add(f"modern{i}-3.0-{py}-{py}-{plat}.whl")
    for i in range(5):  # abi3: one file serves both Pythons
        project.add(
            f"abi{i}", "1.5", *(f"cp38-abi3-{p}" for p in (*LINUX17.values(), *MAC.values()))
        )
        for t in TARGETS_8:
            _, family, arch = arch_of(t)
            plat = LINUX17[arch] if family == "linux" else MAC[arch]
            expect[t].add(f"abi{i}-1.5-cp38-abi3-{plat}.whl")
    for i in range(2):  # universal2 beside arm64: arm64 prefers its own, x86_64 takes universal2
        tags = [
            f"{py}-{py}-{p}"
            for py in ("cp311", "cp312")
            for p in (
                "macosx_10_9_universal2",
                "macosx_11_0_arm64",
                LINUX17["x86_64"],
                LINUX17["aarch64"],
            )
        ]
        project.add(f"uni{i}", "1.0", *tags)
        for t in TARGETS_8:
            py, family, arch = arch_of(t)
            plat = (
                LINUX17[arch]
                if family == "linux"
                else ("macosx_11_0_arm64" if arch == "arm64" else "macosx_10_9_universal2")
            )
            expect[t].add(f"uni{i}-1.0-{py}-{py}-{plat}.whl")
    for name in ("appnope", "pyobjc-core"):  # macOS only
        project.add(name, "1.0", marker='sys_platform == "darwin"')
        every(f"{name.replace('-', '_')}-1.0-py3-none-any.whl", "mac")
    for name in ("secretstorage", "jeepney"):  # Linux only
        project.add(name, "3.3", marker='sys_platform == "linux"')
        every(f"{name}-3.3-py3-none-any.whl", "linux")
    project.add("tomli", "2.0.1", marker='python_version < "3.12"')  # 3.11 only
    every("tomli-2.0.1-py3-none-any.whl", "cp311")
    for version, marker, py in (
        ("1.26.4", 'python_version < "3.12"', "cp311"),
        ("2.1.0", 'python_version >= "3.12"', "cp312"),
    ):
        tags = [f"{py}-{py}-{p}" for p in (*LINUX17.values(), *MAC.values())]
        project.add("numpy", version, *tags, marker=marker)  # pinned differently per Python
        for t in TARGETS_8:
            tpy, family, arch = arch_of(t)
            if tpy == py:
                plat = LINUX17[arch] if family == "linux" else MAC[arch]
                expect[t].add(f"numpy-{version}-{py}-{py}-{plat}.whl")
    project.add("sdistonly", "0.9", sdist_only=True)  # pure sdist: built once, serves all
    every("sdistonly-0.9-py3-none-any.whl")
    linux_only = [f"{py}-{py}-{p}" for py in ("cp311", "cp312") for p in LINUX17.values()]
    mac_arm = [f"{py}-{py}-{MAC['arm64']}" for py in ("cp311", "cp312")]
    project.add("cryptography", "50.0.2", *linux_only, *mac_arm, sdist=True, native=True)
    for t in TARGETS_8:
        py, family, arch = arch_of(t)
        if family == "linux":
            expect[t].add(f"cryptography-50.0.2-{py}-{py}-{LINUX17[arch]}.whl")
        elif arch == "arm64":
            expect[t].add(f"cryptography-50.0.2-{py}-{py}-{MAC['arm64']}.whl")
    project.write(index.url)
    assert len(project.lines) >= 70

    run = project.sync("--platforms", "macosx,linux")

    assert run.code == 1, run.output  # the cryptography gap
    got = by_target(run)
    for target in TARGETS_8:
        assert got[target] == expect[target], target
    gaps = run.json["gaps"]
    assert {(g["target"], g["package"]) for g in gaps} == {
        ("cp311-macosx_13_0_x86_64", "cryptography"),
        ("cp312-macosx_13_0_x86_64", "cryptography"),
    }
    assert all("only an sdist that builds native code" in g["reason"] for g in gaps)
    assert run.json["built"] == ["sdistonly-0.9-py3-none-any.whl"]  # built once
    record = json.loads((project.wheelhouse / "wh-built.json").read_text())
    assert [r["sdist"] for r in record["built"]] == ["sdistonly-0.9.tar.gz"]
    on_disk = {p.name for p in project.wheelhouse.glob("*.whl")}
    assert on_disk == set.union(*expect.values())
    lock = (project.dir / "requirements.txt").read_text()
    sdist_sha = sha256_of(project.dists / "sdistonly-0.9.tar.gz")
    for name in on_disk:
        digest = sha256_of(project.wheelhouse / name)
        if name.startswith("sdistonly"):
            assert sdist_sha in lock and record["built"][0]["wheel_sha256"] == digest
        else:
            assert digest in lock, name
    # every index file was fetched at most once, whatever the number of targets using it
    assert max(n for p, n in index.hits.items() if p.startswith("/files/")) == 1
