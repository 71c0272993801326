"""Rendering for the native-runner flow: ``wh build --matrix github`` and ``wh import``.

Prints through :mod:`wh.cli.render` (plain text off a terminal, styled segments on one)."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from wh.cli.render import say

if TYPE_CHECKING:
    from wh.services.imports import ImportResult
    from wh.services.matrix import MatrixResult


def matrix_json(result: MatrixResult) -> str:
    from wh.core.matrix import build_environment, public_url

    data: dict[str, Any] = {
        "ok": result.ok,
        "output": str(result.output) if result.matrix.jobs else None,
        "written": result.written,
        "gaps": result.gaps,
        "jobs": [
            {
                "id": job.runner.job,
                "runs_on": job.runner.label,
                "artifact": job.artifact,
                "builds": [
                    {
                        "sdist": b.sdist.filename,
                        "sha256": b.sdist.sha256,
                        "url": public_url(b.sdist.url),
                        "targets": [t.name for t in b.targets],
                        "environment": build_environment(b),
                    }
                    for b in job.builds
                ],
            }
            for job in result.matrix.jobs
        ],
        "unbuildable": [asdict(u) for u in result.matrix.unbuildable],
        "syncable": list(result.syncable),
    }
    return json.dumps(data, indent=2)


def matrix_text(result: MatrixResult) -> None:
    matrix = result.matrix
    if result.syncable:
        say((f"{len(result.syncable)} gap(s)", "red"), " the index fills: run wh sync first")
        for line in result.syncable:
            say(f"  {line}")
    if not result.gaps:
        if result.syncable:
            say("no workflow written: no gap is left for a runner once wh sync has run")
        else:
            say("no gap: every target has a file for every lock line; no workflow written")
        if result.output.exists():
            say(("note: ", "dim"), f"{result.output} builds what is no longer missing: remove it")
        return
    if matrix.jobs:
        built = sum(len(b.targets) for j in matrix.jobs for b in j.builds)
        state = "wrote" if result.written else "up to date:"
        say(f"{state} {result.output}: {len(matrix.jobs)} job(s) for {built} gap(s)")
        for job in matrix.jobs:
            for b in job.builds:
                say(f"  {job.runner.label}: {b.label} for {' '.join(t.name for t in b.targets)}")
        say(
            ("next: ", "dim"),
            f"commit it, run it (gh workflow run {result.output.name}), download its artifacts"
            " (gh run download RUN_ID --dir wh-wheels), then wh import wh-wheels",
        )
    else:
        say("no workflow written: no gap can be built on a hosted runner")
    if matrix.unbuildable:
        say((f"{len(matrix.unbuildable)} gap(s)", "red"), " no runner can build:")
        for u in matrix.unbuildable:
            say(f"  {u.target}: {u.reason}")
            say("    ", ("hint: ", "dim"), u.hint)


def import_json(result: ImportResult) -> str:
    data: dict[str, Any] = {
        "ok": result.ok,
        "wheelhouse": str(result.wheelhouse),
        "accepted": [asdict(a) for a in result.accepted],
        "refused": [r._asdict() for r in result.refused],
        "present": result.present,
        "gaps_left": result.gaps_left,
    }
    return json.dumps(data, indent=2)


def import_text(result: ImportResult) -> None:
    for a in result.accepted:
        say(("imported ", "green"), f"{a.wheel} for {', '.join(a.targets)} (from {a.source})")
    for name in result.present:
        say(f"already imported: {name}")
    for r in result.refused:
        say(("refused ", "red"), f"{r.wheel} (from {r.source}):")
        for reason in r.reasons:
            say(f"  - {reason}")
    summary = f"{result.wheelhouse}: {len(result.accepted)} imported, {len(result.refused)} refused"
    say(f"{summary}, {result.gaps_left} gap(s) left")
    if result.refused:
        say(("hint: ", "dim"), "nothing of a refused wheel was written; rebuild it, then import")
