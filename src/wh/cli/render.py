"""Rendering for the terminal: progress (rich on a terminal, plain lines otherwise), results
as text or JSON, and errors. The only module that prints."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from wh.errors import WhError

if TYPE_CHECKING:
    from wh.core.targets import Target
    from wh.core.verify import Report
    from wh.services.inspect import Inspection
    from wh.services.lock import LockResult
    from wh.services.pex import PexRun
    from wh.services.sync import SyncResult

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


class TerminalReporter:
    """The services' Reporter: a rich bar (files and bytes) on a terminal, lines elsewhere."""

    def __init__(self, *, quiet: bool = False) -> None:
        self.quiet = quiet
        self.live = err.is_terminal and not quiet
        self._progress: Progress | None = None
        self._files: TaskID | None = None
        self._bytes: TaskID | None = None
        self._done = 0
        self._total = 0

    def info(self, message: str) -> None:
        if not self.quiet:
            err.print(message, markup=False)

    def warn(self, message: str) -> None:
        err.print(f"[yellow]warning:[/] {escape(message)}")

    def transfer_start(self, files: int, total_bytes: int) -> None:
        self._done, self._total = 0, files
        if self.live:
            self._progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                DownloadColumn(),
                TransferSpeedColumn(),
                TimeRemainingColumn(),
                console=err,
                transient=True,
            )
            self._progress.start()
            self._files = self._progress.add_task("files", total=files)
            self._bytes = self._progress.add_task("bytes", total=total_bytes or None)
        elif not self.quiet:
            err.print(f"fetching {files} files")

    def transfer_bytes(self, n: int) -> None:
        if self._progress is not None and self._bytes is not None:
            self._progress.advance(self._bytes, n)

    def transfer_file(self, name: str) -> None:
        self._done += 1
        if self._progress is not None and self._files is not None:
            self._progress.advance(self._files, 1)
        elif not self.quiet:
            err.print(f"  [{self._done}/{self._total}] {name}", markup=False)

    def transfer_end(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None


def error(exc: WhError) -> None:
    err.print(f"[red]error:[/] {escape(exc.message)}")
    if exc.hint:
        err.print(f"[dim]hint:[/] {escape(exc.hint)}")


def _size(n: int) -> str:
    value = float(n)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    raise AssertionError


def sync_json(result: SyncResult) -> str:
    data: dict[str, Any] = {
        "ok": result.ok,
        "wheelhouse": str(result.wheelhouse),
        "unchanged": result.unchanged,
        "targets": [asdict(t) for t in result.targets],
        "gaps": [asdict(g) for g in result.gaps],
        "errors": [{"message": e.message, "hint": e.hint} for e in result.errors],
        "downloaded": result.downloaded,
        "downloaded_bytes": result.downloaded_bytes,
        "present": result.present,
        "built": result.built,
        "removed": result.removed,
    }
    return json.dumps(data, indent=2)


def sync_text(result: SyncResult, *, quiet: bool) -> None:
    if not quiet:
        if result.unchanged:
            head = f"up to date: {result.present} files, nothing asked of the index"
        else:
            parts = [f"downloaded {len(result.downloaded)} ({_size(result.downloaded_bytes)})"]
            parts.append(f"{result.present} already present")
            if result.built:
                parts.append(f"built {len(result.built)}")
            if result.removed:
                parts.append(f"removed {len(result.removed)}")
            head = ", ".join(parts)
        out.print(f"{result.wheelhouse}: {head}", markup=False)
        width = max((len(t.name) for t in result.targets), default=6)
        out.print(f"  {'target':<{width}}  files  gaps")
        for t in result.targets:
            mark = "[green]ok[/]" if not t.gaps else "[red]incomplete[/]"
            out.print(f"  {t.name:<{width}}  {len(t.files):>5}  {t.gaps:>4}  {mark}")
    if result.gaps:
        out.print(f"[red]{len(result.gaps)} gap(s)[/]: these targets lack a file")
        for g in result.gaps:
            out.print(f"  {g.target}: {escape(g.reason)}")
            out.print(f"    [dim]hint:[/] {escape(g.hint)}")
    for e in result.errors:
        error(e)


def platforms_json(targets: list[Target]) -> str:
    return json.dumps(
        [
            {
                "name": t.name,
                "python": t.python_short,
                "platform": t.platform.tag,
                "tag_count": len(t.tags),
                "environment": dict(t.environment),
                "compatible_tags": [str(tag) for tag in t.tags],
            }
            for t in targets
        ],
        indent=2,
    )


def platforms_text(targets: list[Target]) -> None:
    for t in targets:
        out.print(
            f"[bold]{t.name}[/]  CPython {t.python_short} on {t.platform.tag}:"
            f" {len(t.tags)} tags, best {t.tags[0]}"
        )
        for key, value in t.environment.items():
            out.print(f"    {key} = {value!r}", markup=False)


def stdout_is_terminal() -> bool:
    return sys.stdout.isatty()


def verify_json(report: Report) -> str:
    return json.dumps(
        {
            "ok": report.ok,
            "targets": [asdict(t) for t in report.targets],
            "findings": [asdict(f) for f in report.findings],
            "notes": report.notes,
        },
        indent=2,
    )


def verify_text(report: Report, wheelhouse: str) -> None:
    width = max((len(t.name) for t in report.targets), default=6)
    out.print(f"  {'target':<{width}}     ok  gaps  bad")
    for t in report.targets:
        mark = "[green]ok[/]" if not (t.gaps or t.bad) else "[red]incomplete[/]"
        out.print(f"  {t.name:<{width}}  {t.ok:>5}  {t.gaps:>4}  {t.bad:>3}  {mark}")
    for note in report.notes:
        out.print(f"note: {note}", markup=False)
    if report.ok:
        out.print(f"[green]{wheelhouse}: every target complete, every file verified[/]")
        return
    out.print(f"[red]{len(report.findings)} finding(s)[/]")
    for f in report.findings:
        where = f" {f.target}:" if f.target else ""
        out.print(f"  [bold]{f.kind}[/]{escape(where)} {escape(f.message)}")
        out.print(f"    [dim]hint:[/] {escape(f.hint)}")


def _gh(value: str) -> str:
    """Escape a value for a GitHub workflow command."""
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def verify_github(report: Report, wheelhouse: str) -> None:
    for f in report.findings:
        location = ""
        if f.file:
            path, _, line = f.file.partition(":")
            if path.endswith((".whl", ".tar.gz", ".zip")):
                path = f"{wheelhouse}/{path}"
            location = f"file={_gh(path)}" + (f",line={line}" if line.isdigit() else "") + ","
        title = f"wh verify: {f.kind}" + (f" on {f.target}" if f.target else "")
        print(f"::error {location}title={_gh(title)}::{_gh(f.message)} (hint: {_gh(f.hint)})")
    for note in report.notes:
        print(f"::notice title=wh verify::{_gh(note)}")
    bad = sum(1 for t in report.targets if t.gaps or t.bad)
    total = len(report.targets)
    print(f"wh verify: {total} targets, {bad} incomplete, {len(report.findings)} findings")


def lock_text(result: LockResult) -> None:
    for f in result.files:
        state = "written" if f.changed else "unchanged"
        out.print(
            f"{f.path}: {state}: {f.packages} packages, {f.lines} lines"
            f" ({f.conditional} with markers) for {len(result.targets)} targets",
            markup=False,
        )
    out.print(f"resolved with {result.resolver} in {result.seconds:.1f} s", markup=False)


def pex_text(run: PexRun, wheelhouse: str) -> None:
    for r in run.results:
        if r.refused is not None:
            err.print(f"[red]refused:[/] {escape(str(r.output))}: the wheelhouse is not complete")
            verify_text(r.refused, wheelhouse)
            continue
        out.print(
            f"{r.output}: {_size(r.size)}, {r.distributions} distributions,"
            f" {len(r.targets)} targets, sha256 {r.sha256[:16]}… ({r.seconds:.1f} s)",
            markup=False,
        )
        out.print(f"  targets: {', '.join(r.targets)}", markup=False)


def inspect_json(result: Inspection) -> str:
    info = result.info
    return json.dumps(
        {
            "file": str(result.path),
            "size": result.size,
            "entry_point": info.entry_point,
            "script": info.script,
            "pex_version": info.pex_version,
            "requirements": list(info.requirements),
            "targets": result.targets,
            "distributions": [
                {"file": name, "sha256": info.distributions[name], "targets": serves}
                for name, serves in result.coverage.serves.items()
            ],
            "missing": result.coverage.missing,
        },
        indent=2,
    )


def inspect_text(result: Inspection) -> None:
    info = result.info
    out.print(f"{result.path}: {_size(result.size)}, pex {info.pex_version}", markup=False)
    out.print(f"entry point: {info.entry_point or info.script}", markup=False)
    out.print(
        f"requirements ({len(info.requirements)}): {', '.join(info.requirements)}", markup=False
    )
    width = max((len(n) for n in result.coverage.serves), default=12)
    columns = result.targets
    out.print("targets: " + "  ".join(f"[{i}] {t}" for i, t in enumerate(columns)), markup=False)
    out.print(
        f"  {'distribution':<{width}}  " + " ".join(f"{i:>3}" for i in range(len(columns))),
        markup=False,
    )
    for name, serves in result.coverage.serves.items():
        marks = " ".join(f"{'x' if t in serves else '.':>3}" for t in columns)
        out.print(f"  {name:<{width}}  {marks}", markup=False)
    for target, reqs in result.coverage.missing.items():
        out.print(f"[red]{escape(target)}: no distribution for {escape(', '.join(reqs))}[/]")
    if not result.coverage.missing:
        out.print("[green]every requirement has a distribution on every target[/]")
