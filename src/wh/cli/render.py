"""Rendering: progress, results as text or JSON, errors. The only module that prints.

On a terminal, lines are styled and downloads get a rich progress bar (files and bytes);
anywhere else (CI, pre-commit, pipes) they are plain text and rich is never imported, which
keeps every run that is not interactive ~50 ms quicker. Text goes out as segments (plain
strings, or ``(text, style)`` pairs), never as markup, so no name can be mistaken for a style.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from wh.errors import WhError

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress, TaskID

    from wh.core.targets import Target
    from wh.core.verify import Report
    from wh.services.build import BuildResult
    from wh.services.export import ExportResult
    from wh.services.inspect import Inspection
    from wh.services.lock import LockResult
    from wh.services.pex import PexRun
    from wh.services.sync import SyncResult

Part = str | tuple[str, str]


def _stream(to_err: bool) -> TextIO:
    return sys.stderr if to_err else sys.stdout


@cache
def console(to_err: bool) -> Console:
    from rich.console import Console

    return Console(stderr=to_err, highlight=False, soft_wrap=True)


def say(*parts: Part, to_err: bool = False) -> None:
    """One line, styled on a terminal, plain elsewhere."""
    if _stream(to_err).isatty():
        from rich.text import Text

        text = Text()
        for part in parts:
            text.append(*((part,) if isinstance(part, str) else part))
        console(to_err).print(text)
    else:
        plain = "".join(part if isinstance(part, str) else part[0] for part in parts)
        print(plain, file=_stream(to_err), flush=to_err)


def quiet_stdout() -> None:
    """After a broken pipe: point stdout at /dev/null, so that the interpreter's final flush
    does not fail a second time."""
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    finally:
        os.close(devnull)


def error(exc: WhError) -> None:
    say(("error: ", "red"), exc.message, to_err=True)
    if exc.hint:
        say(("hint: ", "dim"), exc.hint, to_err=True)


class TerminalReporter:
    """The services' Reporter: a rich bar (files and bytes) on a terminal, lines elsewhere."""

    def __init__(self, *, quiet: bool = False) -> None:
        self.quiet = quiet
        self.live = sys.stderr.isatty() and not quiet
        self._progress: Progress | None = None
        self._bytes: TaskID | None = None
        self._done = 0
        self._total = 0

    def info(self, message: str) -> None:
        if not self.quiet:
            say(message, to_err=True)

    def warn(self, message: str) -> None:
        say(("warning: ", "yellow"), message, to_err=True)

    def transfer_start(self, files: int, total_bytes: int) -> None:
        self._done, self._total = 0, files
        if self.live:
            self._progress, self._bytes = transfer_progress(console(True), files, total_bytes)
            self._progress.start()
        elif not self.quiet:
            say("fetching files as the index pages arrive", to_err=True)

    def transfer_more(self, files: int, total_bytes: int) -> None:
        self._total = files
        if self._progress is not None and self._bytes is not None:
            description = _files(self._done, files)
            self._progress.update(self._bytes, total=total_bytes or None, description=description)

    def transfer_bytes(self, n: int) -> None:
        if self._progress is not None and self._bytes is not None:
            self._progress.advance(self._bytes, n)

    def transfer_file(self, name: str) -> None:
        self._done += 1
        if self._progress is not None and self._bytes is not None:
            self._progress.update(self._bytes, description=_files(self._done, self._total))
        elif not self.quiet:
            say(f"  [{self._done}/{self._total}] {name}", to_err=True)

    def transfer_end(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None


def _files(done: int, total: int) -> str:
    return f"files {done}/{total}"


def transfer_progress(out: Console, files: int, total_bytes: int) -> tuple[Progress, TaskID]:
    """One line: files done of all, a bar over bytes, bytes done of the total the index
    listed (human units), speed and time left. ``total_bytes`` 0: the total is unknown."""
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=out,
        transient=True,
    )
    task = progress.add_task(_files(0, files), total=total_bytes or None)
    return progress, task


def _size(n: int) -> str:
    value = float(n)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    raise AssertionError


def _status(bad: bool) -> Part:
    return ("incomplete", "red") if bad else ("ok", "green")


# --- sync ----------------------------------------------------------------------------------


def sync_json(result: SyncResult) -> str:
    data: dict[str, Any] = {
        "ok": result.ok,
        "wheelhouse": str(result.wheelhouse),
        "unchanged": result.unchanged,
        "targets": [asdict(t) for t in result.targets],
        "gaps": [asdict(g) for g in result.gaps],
        "errors": [
            {
                "message": e.message,
                "hint": e.hint,
                "files": list(getattr(e, "files", ())),
                "targets": list(getattr(e, "targets", ())),
            }
            for e in result.errors
        ],
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
        say(f"{result.wheelhouse}: {head}")
        width = max((len(t.name) for t in result.targets), default=6)
        say(f"  {'target':<{width}}  files  gaps  failed")
        for t in result.targets:
            row = f"  {t.name:<{width}}  {len(t.files):>5}  {t.gaps:>4}  {t.failed:>6}  "
            say(row, _status(t.gaps > 0 or t.failed > 0))
    if result.gaps:
        say((f"{len(result.gaps)} gap(s)", "red"), ": these targets lack a file")
        for g in result.gaps:
            say(f"  {g.target}: {g.reason}")
            say("    ", ("hint: ", "dim"), g.hint)
    for e in result.errors:
        error(e)


# --- platforms -----------------------------------------------------------------------------


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
        say(
            (t.name, "bold"),
            f"  CPython {t.python_short} on {t.platform.tag}: {len(t.tags)} tags, best {t.tags[0]}",
        )
        for key, value in t.environment.items():
            say(f"    {key} = {value!r}")


# --- verify --------------------------------------------------------------------------------


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
    say(f"  {'target':<{width}}     ok  gaps  bad")
    for t in report.targets:
        line = f"  {t.name:<{width}}  {t.ok:>5}  {t.gaps:>4}  {t.bad:>3}  "
        say(line, _status(bool(t.gaps or t.bad)))
    for note in report.notes:
        say(f"note: {note}")
    if report.ok:
        say((f"{wheelhouse}: every target complete, every file verified", "green"))
        return
    say((f"{len(report.findings)} finding(s)", "red"))
    for f in report.findings:
        where = f" {f.target}:" if f.target else ""
        say("  ", (f.kind, "bold"), f"{where} {f.message}")
        say("    ", ("hint: ", "dim"), f.hint)


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


# --- lock, pex, inspect --------------------------------------------------------------------


def lock_text(result: LockResult) -> None:
    for f in result.files:
        state = "written" if f.changed else "unchanged"
        say(
            f"{f.path}: {state}: {f.packages} packages, {f.lines} lines"
            f" ({f.conditional} with markers) for {len(result.targets)} targets"
        )
    say(f"resolved with {result.resolver} in {result.seconds:.1f} s")


def pex_text(run: PexRun, wheelhouse: str) -> None:
    for r in run.results:
        if r.refused is not None:
            say(("refused: ", "red"), f"{r.output}: the wheelhouse is not complete", to_err=True)
            verify_text(r.refused, wheelhouse)
            continue
        say(
            f"{r.output}: {_size(r.size)}, {r.distributions} distributions,"
            f" {len(r.targets)} targets, sha256 {r.sha256[:16]}… ({r.seconds:.1f} s)"
        )
        say(f"  targets: {', '.join(r.targets)}")


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
            "targets_from": result.targets_from,
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
    say(f"{result.path}: {_size(result.size)}, pex {info.pex_version}")
    say(f"entry point: {info.entry_point or info.script}")
    say(f"requirements ({len(info.requirements)}): {', '.join(info.requirements)}")
    columns = result.targets
    say(f"targets (from {result.targets_from}):")
    say("  " + "  ".join(f"[{i}] {t}" for i, t in enumerate(columns)))
    width = max((len(n) for n in result.coverage.serves), default=12)
    numbers = " ".join(f"{i:>3}" for i in range(len(columns)))
    say(f"  {'distribution':<{width}}  {numbers}")
    for name, serves in result.coverage.serves.items():
        marks = " ".join(f"{'x' if t in serves else '.':>3}" for t in columns)
        say(f"  {name:<{width}}  {marks}")
    for target, reqs in result.coverage.missing.items():
        say((f"{target}: no distribution for {', '.join(reqs)}", "red"))
    if not result.coverage.missing:
        say(("every requirement has a distribution on every target", "green"))


# --- index, export -------------------------------------------------------------------------


def index_text(result: ExportResult) -> None:
    how = f"{result.linked} hard-linked" + (f", {result.copied} copied" if result.copied else "")
    say(f"{result.output}: {result.packages} projects, {result.files} files ({how})")
    for url in result.written:
        say(f"  pip install --index-url {url} NAME   (uv pip install --index-url {url} NAME)")


def export_text(result: ExportResult, wheelhouse: str) -> None:
    if result.refused is not None:
        where = result.output or "the export"
        say(("refused: ", "red"), f"{where}: the wheelhouse is not complete", to_err=True)
        verify_text(result.refused, wheelhouse)
        return
    if result.output is None:
        sys.stdout.write(result.text)
    elif len(result.written) > 2:
        say(f"wrote {result.output}/: {', '.join(Path(p).name for p in result.written)}")
    else:
        for path in result.written:
            say(f"wrote {path}")
    if result.packages or result.files:
        say(
            f"{result.packages} packages, {result.files} wheels, {len(result.targets)} targets",
            to_err=result.output is None,
        )
    for note in result.notes:
        say(f"note: {note}", to_err=True)


# --- build ---------------------------------------------------------------------------------


def build_json(result: BuildResult) -> str:
    data = json.loads(sync_json(result.sync))
    data["toolchain"] = result.toolchain
    data["cross_built"] = [asdict(b) for b in result.built]
    data["build_failures"] = [asdict(f) for f in result.failures]
    return json.dumps(data, indent=2)


def build_text(result: BuildResult, *, quiet: bool = False) -> None:
    if result.built and not quiet:
        slowest = max(b.seconds for b in result.built)
        say(
            f"cross-built {len(result.built)} wheel(s) with {result.toolchain}"
            f" (slowest {slowest:.1f} s)"
        )
    sync_text(result.sync, quiet=quiet)
