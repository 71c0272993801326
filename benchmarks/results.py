"""One machine-readable line per benchmark, so that `make bench` can print one table.

Each benchmark prints its own readable report, then `emit(name, figures, goals)` writes a
line `WH-BENCH {"bench": name, "figures": {...}, "goals": {...}}`; `benchmarks/all.py` runs
every benchmark and collects them. A goal is an upper bound: the figure must stay at or
below it (every goal of issue 14 is "at most this ratio" or "under this time/size").
"""

from __future__ import annotations

import json
from typing import Any

MARK = "WH-BENCH "


def emit(bench: str, figures: dict[str, float], goals: dict[str, float] | None = None) -> None:
    rounded = {k: round(v, 3) for k, v in figures.items()}
    print(MARK + json.dumps({"bench": bench, "figures": rounded, "goals": goals or {}}))


def parse(output: str) -> list[dict[str, Any]]:
    return [json.loads(line[len(MARK) :]) for line in output.splitlines() if line.startswith(MARK)]


def table(rows: list[dict[str, Any]]) -> list[str]:
    """The rows as one aligned table: bench, figure, value, goal, met."""
    lines = [f"{'bench':<8} {'figure':<34} {'value':>9}  {'goal':>9}  met"]
    for row in rows:
        goals = row.get("goals", {})
        for key, value in row.get("figures", {}).items():
            goal = goals.get(key)
            met = "" if goal is None else ("yes" if value <= goal else "NO")
            shown = "" if goal is None else f"<= {goal:g}"
            lines.append(f"{row['bench']:<8} {key:<34} {value:>9.3f}  {shown:>9}  {met}")
    return lines
