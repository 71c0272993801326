"""The download progress line (rendered by rich, no IO): files done of all, then the bytes
done of the total the index listed, in human units; never files counted as bytes."""

from __future__ import annotations

from rich.console import Console

from wh.cli.render import TerminalReporter, transfer_progress


def render(files: int, total: int, done_files: int, done_bytes: int) -> str:
    out = Console(record=True, force_terminal=False, width=160, color_system=None)
    progress, task = transfer_progress(out, files, total)
    reporter = TerminalReporter(quiet=True)
    reporter._progress, reporter._bytes, reporter._total = progress, task, files
    for _ in range(done_files):
        reporter.transfer_file("x.whl")
    reporter.transfer_bytes(done_bytes)
    out.print(progress.get_renderable())
    return out.export_text()


def test_line_shows_files_and_the_known_byte_total_in_human_units() -> None:
    line = render(92, 195_000_000, 14, 30_000_000)
    assert "files 14/92" in line
    assert "30.0/195.0 MB" in line
    assert "bytes" not in line.replace("files", "")


def test_unknown_total_shows_the_bytes_so_far() -> None:
    line = render(3, 0, 1, 2_500_000)
    assert "files 1/3" in line
    assert "2.5/? MB" in line
