"""The CI matrix: jobs per runner kind, narrowed cibuildwheel settings, a safe workflow text."""

from __future__ import annotations

import pytest
from packaging.markers import Marker

from wh.core.files import DistFile, parse_dist
from wh.core.lockfile import LockedRequirement
from wh.core.matrix import (
    CIBUILDWHEEL,
    UPLOAD_ARTIFACT,
    MatrixError,
    Need,
    build_environment,
    cibw_identifier,
    plan_matrix,
    public_url,
    render_workflow,
    runner_for,
)
from wh.core.targets import make_target

SDIST_SHA = "a" * 64
WHEEL_SHA = "b" * 64


def _req(name: str = "native", version: str = "2.0", hashes: tuple[str, ...] = (SDIST_SHA,)):
    return LockedRequirement(name, version, frozenset(), None, frozenset(hashes), "lock:1")


def _sdist(sha: str = SDIST_SHA, url: str = "https://files.example/native-2.0.tar.gz") -> DistFile:
    dist = parse_dist("native-2.0.tar.gz", url=url, sha256=sha)
    assert dist is not None
    return dist


def _wheel() -> DistFile:
    dist = parse_dist(
        "native-2.0-cp311-cp311-manylinux_2_17_x86_64.whl",
        url="https://files.example/w.whl",
        sha256=WHEEL_SHA,
    )
    assert dist is not None
    return dist


PAGES = {"native": [_sdist(), _wheel()]}


def _needs(*names: str) -> list[Need]:
    return [Need(make_target(n.split("-")[0], n.split("-", 1)[1]), _req()) for n in names]


@pytest.mark.parametrize(
    ("python", "platform", "job", "label", "identifier"),
    [
        ("3.12", "macosx_14_0_arm64", "macos-arm64", "macos-14", "cp312-macosx_arm64"),
        ("3.11", "macosx_13_0_x86_64", "macos-x86_64", "macos-15-intel", "cp311-macosx_x86_64"),
        ("3.11", "manylinux_2_28_aarch64", "linux-aarch64", "ubuntu-24.04-arm",
         "cp311-manylinux_aarch64"),
        ("3.12", "manylinux_2_17_x86_64", "linux-x86_64", "ubuntu-24.04", "cp312-manylinux_x86_64"),
        ("3.12", "musllinux_1_2_aarch64", "linux-aarch64", "ubuntu-24.04-arm",
         "cp312-musllinux_aarch64"),
        ("3.11", "win_amd64", "windows-amd64", "windows-2022", "cp311-win_amd64"),
    ],
)  # fmt: skip
def test_runner_kind_and_identifier_per_target(
    python: str, platform: str, job: str, label: str, identifier: str
) -> None:
    target = make_target(python, platform)
    runner = runner_for(target)
    assert not isinstance(runner, str)
    assert (runner.job, runner.label) == (job, label)
    assert cibw_identifier(target) == identifier


def test_one_job_per_runner_kind_building_only_what_its_targets_lack() -> None:
    needs = _needs("3.11-macosx_14_0_arm64", "3.12-macosx_14_0_arm64", "3.12-macosx_13_0_x86_64")
    matrix = plan_matrix(needs, PAGES)
    assert [j.runner.label for j in matrix.jobs] == ["macos-14", "macos-15-intel"]
    arm, intel = matrix.jobs
    assert [b.sdist.filename for b in arm.builds] == ["native-2.0.tar.gz"]
    assert build_environment(arm.builds[0]) == {
        "CIBW_ARCHS": "arm64",
        "CIBW_BUILD": "cp311-macosx_arm64 cp312-macosx_arm64",
        "MACOSX_DEPLOYMENT_TARGET": "14.0",
    }
    assert build_environment(intel.builds[0])["CIBW_BUILD"] == "cp312-macosx_x86_64"
    assert build_environment(intel.builds[0])["MACOSX_DEPLOYMENT_TARGET"] == "13.0"
    assert not matrix.unbuildable


def test_the_oldest_os_of_a_job_wins() -> None:
    matrix = plan_matrix(_needs("3.12-macosx_14_0_arm64", "3.11-macosx_11_0_arm64"), PAGES)
    assert build_environment(matrix.jobs[0].builds[0])["MACOSX_DEPLOYMENT_TARGET"] == "11.0"


@pytest.mark.parametrize(
    ("platform", "image"),
    [
        ("manylinux_2_17_x86_64", "manylinux2014"),
        ("manylinux_2_28_x86_64", "manylinux_2_28"),
        ("manylinux_2_31_x86_64", "manylinux_2_28"),
        ("manylinux_2_39_x86_64", "manylinux_2_34"),
    ],
)
def test_manylinux_image_no_newer_than_the_target_glibc(platform: str, image: str) -> None:
    matrix = plan_matrix(_needs(f"3.12-{platform}"), PAGES)
    env = build_environment(matrix.jobs[0].builds[0])
    assert env["CIBW_MANYLINUX_X86_64_IMAGE"] == image
    assert "MACOSX_DEPLOYMENT_TARGET" not in env


def test_gaps_no_runner_can_close_are_named_not_built() -> None:
    needs = [
        Need(make_target("3.12", "manylinux_2_12_x86_64"), _req()),  # older than any image
        Need(make_target("3.12", "musllinux_1_1_x86_64"), _req()),
        Need(make_target("3.12", "manylinux_2_28_ppc64le"), _req()),
        Need(make_target("3.12", "macosx_14_0_arm64"), _req("other", "1.0")),  # no page
        Need(make_target("3.12", "macosx_14_0_arm64"), _req(hashes=())),  # nothing to check
        Need(make_target("3.12", "macosx_14_0_arm64"), _req(hashes=("c" * 64,))),  # other sdist
    ]
    matrix = plan_matrix(needs, PAGES)
    assert not matrix.jobs
    reasons = [u.reason for u in matrix.unbuildable]
    assert any("manylinux image old enough" in r for r in reasons)
    assert any("musllinux image old enough" in r for r in reasons)
    assert any("no GitHub-hosted runner builds for manylinux_2_28_ppc64le" in r for r in reasons)
    assert any("other 1.0: the index has no sdist" in r for r in reasons)
    assert any("lists no hash" in r for r in reasons)
    assert any("no sdist on the index has a hash the lock lists" in r for r in reasons)
    assert all("wh import" in u.hint for u in matrix.unbuildable)


def test_workflow_is_deterministic_pinned_and_expression_free() -> None:
    needs = _needs("3.12-macosx_14_0_arm64", "3.11-manylinux_2_28_aarch64")
    text = render_workflow(plan_matrix(needs, PAGES), "wh-wheels.yml")
    assert text == render_workflow(plan_matrix(list(reversed(needs)), PAGES), "wh-wheels.yml")
    assert "${{" not in text
    assert "permissions: {}" in text
    for action in (CIBUILDWHEEL, UPLOAD_ARTIFACT):
        assert f"uses: {action.repository}@{action.sha} # {action.release}" in text
        assert len(action.sha) == 40
    assert f'WH_SHA256: "{SDIST_SHA}"' in text
    assert '"${sum[@]}" --check -' in text  # the download is checked before the build step
    assert text.index("--check -") < text.index(CIBUILDWHEEL.sha)


def test_credentials_never_reach_the_workflow() -> None:
    assert public_url("https://user:token@files.example/a.tar.gz") == (
        "https://files.example/a.tar.gz"
    )
    pages = {"native": [_sdist(url="https://user:token@files.example/native-2.0.tar.gz")]}
    text = render_workflow(plan_matrix(_needs("3.12-macosx_14_0_arm64"), pages), "w.yml")
    assert "token" not in text


def test_an_expression_in_a_value_is_refused() -> None:
    pages = {"native": [_sdist(url="https://files.example/${{ github.token }}.tar.gz")]}
    with pytest.raises(MatrixError, match="expression"):
        render_workflow(plan_matrix(_needs("3.12-macosx_14_0_arm64"), pages), "w.yml")


def test_a_url_a_runner_cannot_fetch_is_refused() -> None:
    pages = {"native": [_sdist(url="file:///srv/native-2.0.tar.gz")]}
    with pytest.raises(MatrixError, match="http"):
        plan_matrix(_needs("3.12-macosx_14_0_arm64"), pages)


def test_a_marker_line_is_kept_per_target() -> None:
    req = LockedRequirement(
        "native", "2.0", frozenset(), Marker('sys_platform == "darwin"'), frozenset([SDIST_SHA]),
        "lock:2",
    )  # fmt: skip
    matrix = plan_matrix([Need(make_target("3.12", "macosx_14_0_arm64"), req)], PAGES)
    assert [t.name for t in matrix.jobs[0].builds[0].targets] == ["cp312-macosx_14_0_arm64"]
