"""The CI matrix: a GitHub Actions workflow that builds, on native runners, exactly the wheels
the wheelhouse still lacks.

Pure. :func:`plan_matrix` takes the gaps (a target and the lock line it has no file for) and
the index pages, and groups them into one job per runner kind (``macos-14`` for macOS arm64,
``macos-15-intel`` for macOS x86_64, ``ubuntu-24.04-arm`` for Linux aarch64, ...); each job
builds each pinned sdist only for the CPython versions its targets lack, with cibuildwheel.
:func:`render_workflow` writes the YAML text by hand, deterministically (same gaps, same bytes).

What makes the workflow safe to run:
- every action pinned by full commit SHA, its release in a comment (:data:`ACTIONS`);
- ``permissions: {}``: the jobs need no token (artifact uploads use the runtime token);
- no ``${{ }}`` expression anywhere: every value is a literal wh wrote, passed to shell steps
  through ``env:`` and quoted there; a value that holds ``${{`` is refused, never written;
- each sdist is fetched from its index URL and checked against the sha256 the lock lists
  before anything builds it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple
from urllib.parse import urlsplit

from packaging.utils import canonicalize_name

from wh.core.files import DistFile
from wh.core.lockfile import LockedRequirement
from wh.core.plan import sdist_of
from wh.core.selection import pinned
from wh.core.targets import Target
from wh.core.urls import redact


class MatrixError(ValueError):
    """A value that cannot be written into a workflow safely."""


@dataclass(frozen=True, slots=True)
class Action:
    repository: str
    sha: str
    release: str

    @property
    def uses(self) -> str:
        return f"{self.repository}@{self.sha} # {self.release}"


# Pinned by commit (the tag's commit in the action's own repository), release in a comment.
CIBUILDWHEEL = Action("pypa/cibuildwheel", "1828c10ab37f080699c7b81cea34097c684a7074", "v4.2.0")
UPLOAD_ARTIFACT = Action(
    "actions/upload-artifact", "bbbca2ddaa5d8feaa63e36b76fdaad77386f024f", "v7.0.0"
)
ACTIONS = (CIBUILDWHEEL, UPLOAD_ARTIFACT)

SDIST_DIR = "wh-sdists"
OUTPUT_DIR = "wh-wheels"
ARTIFACT_PREFIX = "wh-wheels-"


@dataclass(frozen=True, slots=True)
class Runner:
    job: str  # the job id, also the artifact's suffix
    label: str  # runs-on


# (family, machine) -> the GitHub-hosted runner that builds natively for it.
RUNNERS: Mapping[tuple[str, str], Runner] = {
    ("macosx", "arm64"): Runner("macos-arm64", "macos-14"),
    ("macosx", "x86_64"): Runner("macos-x86_64", "macos-15-intel"),
    ("linux", "x86_64"): Runner("linux-x86_64", "ubuntu-24.04"),
    ("linux", "i686"): Runner("linux-x86_64", "ubuntu-24.04"),
    ("linux", "aarch64"): Runner("linux-aarch64", "ubuntu-24.04-arm"),
    ("musllinux", "x86_64"): Runner("linux-x86_64", "ubuntu-24.04"),
    ("musllinux", "i686"): Runner("linux-x86_64", "ubuntu-24.04"),
    ("musllinux", "aarch64"): Runner("linux-aarch64", "ubuntu-24.04-arm"),
    ("windows", "AMD64"): Runner("windows-amd64", "windows-2022"),
    ("windows", "x86"): Runner("windows-amd64", "windows-2022"),
    ("windows", "ARM64"): Runner("windows-arm64", "windows-11-arm"),
}

# cibuildwheel's manylinux images by glibc: a wheel built on glibc G runs where glibc >= G.
_MANYLINUX_IMAGES = (
    ((2, 34), "manylinux_2_34"),
    ((2, 28), "manylinux_2_28"),
    ((2, 17), "manylinux2014"),
)
_MUSLLINUX_IMAGES = (((1, 2), "musllinux_1_2"),)


class Need(NamedTuple):
    """A target without a file for a lock line: what the matrix is made of."""

    target: Target
    requirement: LockedRequirement


@dataclass(frozen=True, slots=True)
class Build:
    """One pinned sdist built in one job, for the targets there that lack it."""

    sdist: DistFile
    targets: tuple[Target, ...]

    @property
    def label(self) -> str:
        return f"{self.sdist.name} {self.sdist.version}"


@dataclass(frozen=True, slots=True)
class Job:
    runner: Runner
    builds: tuple[Build, ...]

    @property
    def artifact(self) -> str:
        return ARTIFACT_PREFIX + self.runner.job

    @property
    def targets(self) -> list[str]:
        return sorted({t.name for b in self.builds for t in b.targets})


@dataclass(frozen=True, slots=True)
class Unbuildable:
    target: str
    package: str
    version: str
    reason: str
    hint: str


@dataclass(frozen=True, slots=True)
class Matrix:
    jobs: tuple[Job, ...]
    unbuildable: tuple[Unbuildable, ...]


def locked_sdist(req: LockedRequirement, files: Sequence[DistFile]) -> DistFile | str:
    """The sdist of ``req``'s pinned version whose sha256 the lock lists, or why there is none.

    A runner builds from it after checking that hash, and ``wh import`` records it, so a lock
    line without hashes (nothing to check the download against) has none either."""
    if not req.hashes:
        return f"{req.name} {req.version}: the lock lists no hash to check its sdist against"
    sdist = sdist_of(req, files)
    if sdist is not None and sdist.sha256 in req.hashes:
        return sdist
    if any(not f.is_wheel for f in pinned(req, files)):
        return f"{req.name} {req.version}: no sdist on the index has a hash the lock lists"
    return f"{req.name} {req.version}: the index has no sdist to build from"


def runner_for(target: Target) -> Runner | str:
    """The runner kind that builds for ``target`` natively, or why no hosted runner can."""
    platform = target.platform
    runner = RUNNERS.get((platform.family, platform.machine))
    if runner is None:
        return f"no GitHub-hosted runner builds for {platform.tag}"
    if platform.family in ("linux", "musllinux") and _linux_image(target) is None:
        kind = "manylinux" if platform.family == "linux" else platform.family
        return f"cibuildwheel has no {kind} image old enough for {platform.tag}"
    return runner


def plan_matrix(needs: Iterable[Need], pages: Mapping[str, Sequence[DistFile]]) -> Matrix:
    """Group the gaps into jobs; ``pages`` maps canonical project names to their files."""
    grouped: dict[tuple[Runner, str], tuple[DistFile, list[Target]]] = {}
    unbuildable: set[Unbuildable] = set()
    for need in needs:
        req, target = need.requirement, need.target
        runner = runner_for(target)
        sdist = locked_sdist(req, pages.get(canonicalize_name(req.name), ()))
        if isinstance(runner, str) or isinstance(sdist, str):
            why = runner if isinstance(runner, str) else str(sdist)
            unbuildable.add(_unbuildable(target, req, why))
            continue
        _check_url(sdist)
        grouped.setdefault((runner, sdist.filename), (sdist, []))[1].append(target)
    jobs: dict[Runner, list[Build]] = {}
    for (runner, _), (sdist, targets) in sorted(grouped.items(), key=lambda kv: kv[0][1]):
        unique = sorted(set(targets), key=lambda t: (t.python, t.platform.tag))
        jobs.setdefault(runner, []).append(Build(sdist, tuple(unique)))
    ordered = tuple(Job(r, tuple(jobs[r])) for r in sorted(jobs, key=lambda r: r.job))
    return Matrix(ordered, tuple(sorted(unbuildable, key=_unbuildable_key)))


def _unbuildable(target: Target, req: LockedRequirement, reason: str) -> Unbuildable:
    return Unbuildable(
        target.name,
        req.name,
        req.version,
        reason,
        f"build {req.name}=={req.version} on a {target.platform.tag} machine with CPython"
        f" {target.python_short}, then wh import the wheel",
    )


def _unbuildable_key(u: Unbuildable) -> tuple[str, str, str]:
    return (u.package, u.version, u.target)


def _check_url(sdist: DistFile) -> None:
    parts = urlsplit(sdist.url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise MatrixError(
            f"{sdist.filename}: the index gives {sdist.url!r}, not an http(s) address a runner"
            " can fetch"
        )


def public_url(url: str) -> str:
    """``url`` without user-info: credentials never go into a workflow file."""
    return redact(url)


def cibw_identifier(target: Target) -> str:
    """cibuildwheel's build identifier for ``target`` (``cp312-macosx_arm64``)."""
    platform = target.platform
    if platform.family == "windows":
        return f"{target.abi}-{platform.tag}"
    family = "manylinux" if platform.family == "linux" else platform.family
    return f"{target.abi}-{family}_{_arch(target)}"


def _arch(target: Target) -> str:
    """The architecture word of the platform tag (``arm64``, ``x86_64``, ``aarch64``)."""
    return target.platform.tag.split("_", 3)[3]


def _version(target: Target) -> tuple[int, int]:
    """The glibc, musl or macOS version the platform tag names."""
    _, major, minor, _ = target.platform.tag.split("_", 3)
    return int(major), int(minor)


def _linux_image(target: Target) -> str | None:
    """The newest cibuildwheel image whose libc is no newer than ``target``'s."""
    images = _MANYLINUX_IMAGES if target.platform.family == "linux" else _MUSLLINUX_IMAGES
    version = _version(target)
    return next((image for floor, image in images if floor <= version), None)


def build_environment(build: Build) -> dict[str, str]:
    """cibuildwheel's settings for one build: only the identifiers its targets lack, and per
    platform kind the oldest OS they name (a wheel for macOS 11 serves macOS 14 too)."""
    targets = build.targets
    env = {
        "CIBW_BUILD": " ".join(sorted({cibw_identifier(t) for t in targets})),
        "CIBW_ARCHS": " ".join(sorted({t.platform.machine for t in targets})),
    }
    macs = [t for t in targets if t.platform.family == "macosx"]
    if macs:
        major, minor = min(_version(t) for t in macs)
        env["MACOSX_DEPLOYMENT_TARGET"] = f"{major}.{minor}"
    for family, prefix in (("linux", "MANYLINUX"), ("musllinux", "MUSLLINUX")):
        of_family = [t for t in targets if t.platform.family == family]
        for arch in sorted({_arch(t) for t in of_family}):
            oldest = min((t for t in of_family if _arch(t) == arch), key=_version)
            env[f"CIBW_{prefix}_{arch.upper()}_IMAGE"] = str(_linux_image(oldest))
    return dict(sorted(env.items()))


def render_workflow(matrix: Matrix, workflow: str) -> str:
    """The workflow file's text; ``workflow`` is its file name (for the how-to comment)."""
    lines = [
        "# Written by `wh build --matrix github`: builds, on native runners with cibuildwheel,",
        "# the wheels this wheelhouse lacks that wh cannot cross-build. Regenerate it; do not",
        "# edit it. Then run it and take its wheels in:",
        f"#   gh workflow run {workflow}",
        f"#   gh run download RUN_ID --dir {OUTPUT_DIR} && wh import {OUTPUT_DIR}",
        "name: wh wheels",
        "on:",
        "  workflow_dispatch: {}",
        "permissions: {}",
        "concurrency:",
        f"  group: {_q(workflow)}",
        "  cancel-in-progress: true",
        "jobs:",
    ]
    for job in matrix.jobs:
        lines += _job(job)
    return "\n".join(lines) + "\n"


_FETCH = f"""\
set -euo pipefail
mkdir -p {SDIST_DIR}
curl --fail --silent --show-error --location --retry 3 --proto '=https,http' \\
  --output "{SDIST_DIR}/$WH_SDIST" "$WH_URL"
if command -v sha256sum >/dev/null; then sum=(sha256sum); else sum=(shasum -a 256); fi
echo "$WH_SHA256  {SDIST_DIR}/$WH_SDIST" | "${{sum[@]}}" --check -
"""


def _job(job: Job) -> list[str]:
    lines = [
        f"  {job.runner.job}:",
        f"    name: {_q(job.runner.label + ': ' + ' '.join(job.targets))}",
        f"    runs-on: {_q(job.runner.label)}",
        "    permissions: {}",
        "    timeout-minutes: 120",
        "    steps:",
    ]
    for build in job.builds:
        lines += _build_steps(build)
    return [
        *lines,
        f"      - name: {_q('upload the wheels')}",
        f"        uses: {UPLOAD_ARTIFACT.uses}",
        "        with:",
        f"          name: {_q(job.artifact)}",
        f"          path: {_q(OUTPUT_DIR + '/*.whl')}",
        "          if-no-files-found: error",
    ]


def _build_steps(build: Build) -> list[str]:
    sdist = build.sdist
    targets = " ".join(t.name for t in build.targets)
    return [
        f"      - name: {_q(f'fetch {sdist.filename}, check the locked sha256')}",
        "        shell: bash",
        "        env:",
        f"          WH_SDIST: {_q(sdist.filename)}",
        f"          WH_URL: {_q(public_url(sdist.url))}",
        f"          WH_SHA256: {_q(str(sdist.sha256))}",
        "        run: |",
        *(f"          {line}" for line in _FETCH.splitlines()),
        f"      - name: {_q(f'build {build.label} for {targets}')}",
        f"        uses: {CIBUILDWHEEL.uses}",
        "        env:",
        *(f"          {k}: {_q(v)}" for k, v in build_environment(build).items()),
        "        with:",
        f"          package-dir: {_q(f'{SDIST_DIR}/{sdist.filename}')}",
        f"          output-dir: {_q(OUTPUT_DIR)}",
    ]


def _q(value: str) -> str:
    """A YAML scalar for ``value`` (a JSON string is one); never an Actions expression."""
    if "${{" in value or "\n" in value:
        raise MatrixError(f"{value!r}: refused in a workflow (an expression or a line break)")
    return json.dumps(value)
