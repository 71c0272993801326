"""The pip-compile shim puts a foreign target in force: inside a shim job, pip's marker
environment, tag list and Python version (for candidates and for a wheel's Requires-Python)
are the target's, not this machine's. Each job runs in a real shim process
(``python -m wh.adapters.piptools_shim BATCH``) whose pip-compile is replaced by a probe that
reports what pip sees."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.support.netenv import isolated_env
from wh.core.targets import Target, make_target

# Runs the shim's own main(); pip-compile's entry point is swapped for a probe that reports
# pip's view of the world (printed to the job's log) and exits 0.
PROBE = """
import json, optparse, sys

import piptools.scripts.compile as compile_module


def probe(args, prog_name):
    import pip._internal.resolution.resolvelib.resolver as resolvelib
    from pip._internal.cli.req_command import RequirementCommand
    from pip._internal.models.format_control import FormatControl
    from pip._internal.models.link import Link
    from pip._internal.models.target_python import TargetPython
    from pip._vendor.packaging.markers import Marker, default_environment
    from piptools.repositories.pypi import PyPIRepository

    resolver_args = {}
    resolvelib.Resolver = lambda **kwargs: resolver_args.update(kwargs)
    options = optparse.Values(
        {"isolated_mode": False, "ignore_dependencies": False, "only_dependencies": False,
         "deprecated_features_enabled": [], "features_enabled": []}
    )
    RequirementCommand.make_resolver(preparer=None, finder=None, options=options)
    target = TargetPython()
    link = Link("http://127.0.0.1/simple/pure/pure-1.0-py3-none-any.whl#sha256=" + "ab" * 32)
    report = {
        "args": args,
        "environment": default_environment(),
        "darwin marker": Marker('sys_platform == "darwin"').evaluate(),
        "sorted tags": [str(t) for t in target.get_sorted_tags()],
        "unsorted tags": sorted(str(t) for t in target.get_unsorted_tags()),
        "py_version_info": list(target.py_version_info),
        "py_version": target.py_version,
        "resolver py_version_info": resolver_args.get("py_version_info"),
        "file hash": PyPIRepository._get_file_hash(None, link),
        "formats": {
            name: sorted(FormatControl().get_allowed_formats(name)) for name in ("pure", "lxml")
        },
    }
    print(json.dumps(report))
    raise SystemExit(0)


compile_module.cli.main = probe
from wh.adapters.piptools_shim import main

sys.exit(main(sys.argv[1:]))
"""

# Python versions other than this interpreter's, so neither target can be the host.
HOST = f"{sys.version_info.major}.{sys.version_info.minor}"
OTHER, ANOTHER = [v for v in ("3.13", "3.12", "3.11") if v != HOST][:2]
MAC = make_target(OTHER, "macosx_14_0_arm64")
LINUX_ARM = make_target(ANOTHER, "manylinux_2_28_aarch64")


def job(tmp_path: Path, target: Target, **extra: Any) -> dict[str, Any]:
    return {
        "name": target.name,
        "target": target.complete_platform(),
        "args": ["--dry-run", "requirements.in"],
        "log": str(tmp_path / f"{target.name}.log"),
        **extra,
    }


def run_batch(tmp_path: Path, jobs: list[dict[str, Any]]) -> subprocess.CompletedProcess[str]:
    batch = tmp_path / "batch.json"
    batch.write_text(json.dumps({"parallel": 2, "jobs": jobs}))
    return subprocess.run(
        [sys.executable, "-c", PROBE, str(batch)],
        cwd=tmp_path,
        env=isolated_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def report(job: dict[str, Any]) -> dict[str, Any]:
    log = Path(job["log"]).read_text()
    lines = [line for line in log.splitlines() if line.startswith("{")]
    assert lines, f"the probe did not run:\n{log}"
    return dict(json.loads(lines[-1]))


@pytest.fixture(scope="module")
def seen(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """What pip saw in each of two jobs, run in parallel by one shim process."""
    tmp_path = tmp_path_factory.mktemp("shim")
    jobs = [
        job(tmp_path, MAC, only_wheels=True, allow_sdist=["lxml"]),
        job(tmp_path, LINUX_ARM),
    ]
    run = run_batch(tmp_path, jobs)
    assert run.returncode == 0, run.stdout + run.stderr + Path(jobs[0]["log"]).read_text()
    assert sorted(line.split()[1] for line in run.stdout.splitlines()) == sorted(
        [MAC.name, LINUX_ARM.name]
    )
    return {j["name"]: report(j) for j in jobs}


@pytest.mark.parametrize("target", [MAC, LINUX_ARM], ids=lambda t: t.name)
def test_pip_marker_environment_is_the_target_s(
    seen: dict[str, dict[str, Any]], target: Target
) -> None:
    assert seen[target.name]["environment"] == dict(target.environment)
    assert seen[target.name]["darwin marker"] is (target.environment["sys_platform"] == "darwin")


@pytest.mark.parametrize("target", [MAC, LINUX_ARM], ids=lambda t: t.name)
def test_pip_tags_are_the_target_s_in_its_order(
    seen: dict[str, dict[str, Any]], target: Target
) -> None:
    tags = [str(t) for t in target.tags]
    assert seen[target.name]["sorted tags"] == tags
    assert seen[target.name]["unsorted tags"] == sorted(tags)


@pytest.mark.parametrize("target", [MAC, LINUX_ARM], ids=lambda t: t.name)
def test_pip_python_version_is_the_target_s(
    seen: dict[str, dict[str, Any]], target: Target
) -> None:
    version = [target.python.major, target.python.minor, target.python.micro]
    assert seen[target.name]["py_version_info"] == version
    assert seen[target.name]["py_version"] == f"{target.python.major}.{target.python.minor}"
    # a wheel's own Requires-Python is checked by the resolver against this version
    assert seen[target.name]["resolver py_version_info"] == version


def test_the_index_s_sha256_is_taken_without_downloading(seen: dict[str, dict[str, Any]]) -> None:
    assert seen[LINUX_ARM.name]["file hash"] == "sha256:" + "ab" * 32


def test_only_wheels_allows_sdists_for_the_named_projects_only(
    seen: dict[str, dict[str, Any]],
) -> None:
    assert seen[MAC.name]["formats"] == {"pure": ["binary"], "lxml": ["binary", "source"]}
    assert seen[LINUX_ARM.name]["formats"]["pure"] == ["binary", "source"]


def test_pip_compile_gets_the_job_s_arguments(seen: dict[str, dict[str, Any]]) -> None:
    assert seen[MAC.name]["args"][-2:] == ["--dry-run", "requirements.in"]


def test_a_partial_marker_environment_fails_the_job_naming_the_missing_keys(
    tmp_path: Path,
) -> None:
    broken = job(tmp_path, MAC)
    del broken["target"]["marker_environment"]["platform_release"]
    run = run_batch(tmp_path, [broken])
    assert run.returncode == 1
    assert run.stdout.split()[:3] == ["done", MAC.name, "1"]
    assert "marker_environment lacks platform_release" in Path(broken["log"]).read_text()
