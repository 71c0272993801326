"""The wh command itself: help that teaches, version, platforms, usage errors as exit 2."""

from __future__ import annotations

import json
import subprocess
from importlib.metadata import version
from pathlib import Path

from tests.integration.conftest import WH
from tests.support.netenv import isolated_env
from wh import __version__


def wh(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [WH, *args], cwd=cwd, env=isolated_env(COLUMNS="120"), capture_output=True, text=True
    )


def test_help_names_every_command_and_the_exit_codes() -> None:
    top = wh("--help")
    assert top.returncode == 0
    for command in ("sync", "verify", "platforms", "init"):
        assert command in top.stdout
    sync = wh("sync", "--help")
    assert "--platforms" in sync.stdout and "Exit 0 complete, 1 gaps" in sync.stdout


def test_version_prints_the_installed_version_alone() -> None:
    run = wh("--version")
    assert run.returncode == 0
    assert run.stdout == f"wh {version('wh')}\n" and run.stderr == ""
    assert version("wh") == __version__  # the package and its metadata agree


def test_platforms_json_for_families_and_bare_tags(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.wh]\npython = ["3.12"]\n')
    run = wh(
        "platforms", "--platforms", "macosx,manylinux_2_17_x86_64", "--format", "json", cwd=tmp_path
    )
    assert run.returncode == 0, run.stderr
    targets = json.loads(run.stdout)
    assert [t["name"] for t in targets] == [
        "cp312-macosx_14_0_arm64",
        "cp312-macosx_13_0_x86_64",
        "cp312-manylinux_2_17_x86_64",
    ]
    linux = targets[2]
    assert linux["environment"]["sys_platform"] == "linux"
    assert len(linux["environment"]) == 11
    assert linux["compatible_tags"][0] == "cp312-cp312-manylinux_2_17_x86_64"
    assert linux["tag_count"] == len(linux["compatible_tags"])


def test_usage_errors_exit_2_without_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.wh]\npython = "3.12"\n')
    bad_config = wh("platforms", cwd=tmp_path)
    assert bad_config.returncode == 2
    assert "[tool.wh] python: expected a list of strings" in bad_config.stderr
    bad_option = wh("sync", "--jobs", "zero", cwd=tmp_path)
    assert bad_option.returncode == 2
    (tmp_path / "pyproject.toml").write_text('[tool.wh]\npython = ["3.12"]\n')
    host_tag = wh("platforms", "--platforms", "linux_x86_64", "--project", str(tmp_path))
    assert host_tag.returncode == 2 and "host-only" in host_tag.stderr
    for run in (bad_config, bad_option, host_tag):
        assert "Traceback" not in run.stderr


def test_a_command_alone_parses_and_helps_as_in_the_whole_app() -> None:
    """main() builds only the command its first word names (typer builds the click object of
    every command before parsing): alone, each has the same options, help and errors."""
    from typer.core import TyperGroup
    from typer.main import get_command
    from typer.testing import CliRunner

    from wh.cli.app import app, narrowed

    whole = get_command(app)
    assert isinstance(whole, TyperGroup)
    runner = CliRunner()
    for name, command in whole.commands.items():
        narrow = narrowed([name, "--help"])
        alone = get_command(narrow)
        assert isinstance(alone, TyperGroup)
        assert list(alone.commands) == [name]
        assert [p.opts for p in alone.commands[name].params] == [p.opts for p in command.params]
        assert [p.opts for p in alone.params] == [p.opts for p in whole.params]  # --version
        for argv in ([name, "--help"], [name, "--no-such-option"]):
            expected = runner.invoke(app, argv, prog_name="wh")
            got = runner.invoke(narrow, argv, prog_name="wh")
            assert (got.exit_code, got.output) == (expected.exit_code, expected.output), argv
    for argv in ([], ["--version"], ["--help"], ["verfy"], ["--project", ".", "verify"]):
        assert narrowed(argv) is app  # the whole app: its own help and "did you mean"
