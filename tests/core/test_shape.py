"""The shape rules of src/wh, checked on every run: no function over 60 lines or with more
than 6 parameters (an options dataclass serves where there are many), and no import that
points up a layer (core <- adapters <- services <- cli)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "wh"
LAYERS = ["core", "adapters", "services", "cli"]  # each may import only those before it


def _modules() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


def _functions(path: Path) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]


def _parameters(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    a = fn.args
    names = [x.arg for x in [*a.posonlyargs, *a.args, *a.kwonlyargs]]
    names += ["*args"] if a.vararg else []
    names += ["**kwargs"] if a.kwarg else []
    return [n for n in names if n not in ("self", "cls")]


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(SRC)))
def test_functions_are_small(path: Path) -> None:
    too_big = [
        f"{fn.name}: {fn.end_lineno - fn.lineno + 1} lines, {len(_parameters(fn))} parameters"
        for fn in _functions(path)
        if fn.end_lineno is not None
        and (fn.end_lineno - fn.lineno + 1 > 60 or len(_parameters(fn)) > 6)
    ]
    assert not too_big


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(SRC)))
def test_imports_point_down(path: Path) -> None:
    layer = path.relative_to(SRC).parts[0]
    if layer not in LAYERS:
        return
    above = LAYERS[LAYERS.index(layer) + 1 :]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    imported += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    upward = [m for m in imported if any(m.startswith(f"wh.{up}") for up in above)]
    assert not upward
