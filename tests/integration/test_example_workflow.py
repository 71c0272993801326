"""examples/wh-wheels.yml is what `wh build --matrix github` writes for a package whose
macOS wheels and Linux aarch64 wheel for 3.12 are missing; GitHub's workflow schema and zizmor
(offline, auditor persona: every audit) accept it.

Regenerate it after changing the renderer:
`.venv/bin/python tests/integration/test_example_workflow.py`.
"""

from __future__ import annotations

from pathlib import Path

from tests.support.workflows import problems
from wh.core.files import parse_dist
from wh.core.lockfile import LockedRequirement
from wh.core.matrix import UPLOAD_ARTIFACT, Need, plan_matrix, render_workflow
from wh.core.targets import make_target

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "wh-wheels.yml"
SHA = "3f1c6a0b9f7e5d2c4b8a6e0d1c3f5a7b9e2d4c6a8b0f1e3d5c7a9b2e4f6a8c0d"


def example() -> str:
    sdist = parse_dist(
        "fastpath-0.9.2.tar.gz",
        url="https://packages.example.com/files/fastpath-0.9.2.tar.gz",
        sha256=SHA,
    )
    assert sdist is not None
    req = LockedRequirement("fastpath", "0.9.2", frozenset(), None, frozenset({SHA}), "lock:7")
    targets = [
        ("3.11", "macosx_14_0_arm64"),
        ("3.12", "macosx_14_0_arm64"),
        ("3.11", "macosx_13_0_x86_64"),
        ("3.12", "macosx_13_0_x86_64"),
        ("3.12", "manylinux_2_28_aarch64"),
    ]
    needs = [Need(make_target(py, tag), req) for py, tag in targets]
    return render_workflow(plan_matrix(needs, {"fastpath": [sdist]}), "wh-wheels.yml")


def test_the_example_is_what_wh_writes() -> None:
    assert EXAMPLE.read_text() == example(), "regenerate: see this module's docstring"


def test_the_example_passes_the_workflow_schema_and_zizmor(tmp_path: Path) -> None:
    assert problems(EXAMPLE, tmp_path) == []


def test_the_validators_do_reject_what_wh_avoids(tmp_path: Path) -> None:
    """Not vacuous: an unpinned action and an expression in a run step are caught."""
    text = EXAMPLE.read_text()
    text = text.replace(UPLOAD_ARTIFACT.uses, "actions/upload-artifact@v7", 1)
    text = text.replace("mkdir -p wh-sdists", 'echo "${{ github.event.head_commit.message }}"', 1)
    bad = tmp_path / "bad.yml"
    bad.write_text(text)
    (found,) = problems(bad, tmp_path)
    assert "unpinned-uses" in found and "template-injection" in found


if __name__ == "__main__":
    EXAMPLE.parent.mkdir(exist_ok=True)
    EXAMPLE.write_text(example())
