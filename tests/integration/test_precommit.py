"""The wh-verify hook with real pre-commit: a commit that removes a wheel is refused, and
accepted once fixed.

Two ways in: the hook exactly as `.pre-commit-hooks.yaml` declares it, installed by
pre-commit from this repository (pre-commit pip-installs wh into its own environment, so this
one needs a reachable package index: marked `network`); and the same hook definition run as
a `local` hook with this venv's wh (no network)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import yaml

from tests.integration.conftest import NATIVE_WHEEL, WH, Project
from tests.support.gitrepo import commit_all, git, git_env

REPO = Path(__file__).resolve().parents[2]
PRE_COMMIT = str(Path(sys.executable).with_name("pre-commit"))


def hook_definition() -> dict[str, object]:
    (hook,) = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "wh-verify"
    return dict(hook)


def commit(repo: Path, message: str, home: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "commit", "-q", "-m", message],
        cwd=repo,
        env=git_env(PRE_COMMIT_HOME=str(home), WH_CACHE_DIR=str(home / "wh")),
        capture_output=True,
        text=True,
        check=False,
    )


def refuse_then_accept(project: Project, config: dict[str, object], home: Path) -> None:
    repo = project.dir
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config))
    commit_all(repo, "add the hook")
    env = git_env(PRE_COMMIT_HOME=str(home))
    subprocess.run([PRE_COMMIT, "install"], cwd=repo, env=env, check=True, capture_output=True)

    git(repo, "rm", "-q", f"wheelhouse/{NATIVE_WHEEL}")
    refused = commit(repo, "drop a wheel", home)

    assert refused.returncode != 0, refused.stdout
    output = refused.stdout + refused.stderr
    assert "wh verify" in output
    assert "missing" in output and "native 2.0" in output

    git(repo, "reset", "-q", "HEAD", "--", f"wheelhouse/{NATIVE_WHEEL}")
    git(repo, "checkout", "--", f"wheelhouse/{NATIVE_WHEEL}")
    (repo / "pyproject.toml").write_text((repo / "pyproject.toml").read_text() + "# fixed\n")
    git(repo, "add", "pyproject.toml")
    accepted = commit(repo, "fixed", home)
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr


def test_hook_definition_as_a_local_hook(committed: Project, tmp_path: Path) -> None:
    hook = hook_definition()
    entry = str(hook["entry"]).replace("wh ", f"{WH} ", 1)
    local = {**hook, "language": "system", "entry": entry}
    config = {"repos": [{"repo": "local", "hooks": [local]}]}
    refuse_then_accept(committed, config, tmp_path / "pre-commit-home")


def _index_reachable() -> str | None:
    from wh.adapters.pipconfig import pip_index_url

    url = pip_index_url()
    try:
        httpx.get(url.rstrip("/") + "/pip/", timeout=5, follow_redirects=True)
    except httpx.HTTPError as exc:
        return f"no package index reachable at the configured index ({type(exc).__name__})"
    return None


@pytest.mark.network
def test_hook_installed_by_pre_commit_from_this_repository(
    committed: Project, tmp_path: Path
) -> None:
    why = _index_reachable()
    if why:
        pytest.skip(why)
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, check=False
    )
    if head.returncode != 0:
        pytest.skip("this checkout of wh has no commit for pre-commit to install from")
    config = {
        "repos": [{"repo": str(REPO), "rev": head.stdout.strip(), "hooks": [{"id": "wh-verify"}]}]
    }
    refuse_then_accept(committed, config, tmp_path / "pre-commit-home")
