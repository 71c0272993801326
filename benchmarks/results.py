"""One machine-readable line per benchmark, so that `make bench` can print one table.

Each benchmark prints its own readable report, then `emit(name, figures)` writes a line
`WH-BENCH {"bench": name, ...}`; `benchmarks/all.py` runs every benchmark and collects them.
"""

from __future__ import annotations

import json

MARK = "WH-BENCH "


def emit(bench: str, figures: dict[str, float]) -> None:
    print(MARK + json.dumps({"bench": bench, **{k: round(v, 3) for k, v in figures.items()}}))


def parse(output: str) -> list[dict[str, object]]:
    return [json.loads(line[len(MARK) :]) for line in output.splitlines() if line.startswith(MARK)]
