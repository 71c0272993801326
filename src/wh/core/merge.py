"""Merging per-target locks into ONE universal lockfile.

Pure. Each target was resolved alone (in its own marker environment); here every
(package, version) gets the set of targets that pinned it, and a marker that selects exactly
those targets among the configured ones, as simply as the target set allows:
``sys_platform == "darwin"``, ``python_version < "3.12"``, ``platform_machine == "arm64"``,
a conjunction of two, a disjunction of such terms, and only then one term per target kind.
Hashes are the union over targets (each covers every file of the version); ``# via``
annotations are kept. Same per-target results, same bytes.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from packaging.utils import canonicalize_name
from packaging.version import Version

from wh.core.lockfile import LockedRequirement, parse_lockfile
from wh.core.targets import Target

FEATURES = ("sys_platform", "platform_machine", "python_version")


class MergeError(ValueError):
    pass


@dataclass(slots=True)
class Pin:
    name: str
    version: str
    hashes: set[str] = field(default_factory=set)
    via: set[str] = field(default_factory=set)


def parse_compiled(text: str, label: str) -> dict[str, Pin]:
    """A per-target pip-compile / uv output: every pin with its hashes and ``# via``."""
    pins: dict[str, Pin] = {}
    for req in parse_lockfile(label, lambda path: text).requirements:
        pins[req.name] = Pin(req.name, req.version, set(req.hashes))
    current: Pin | None = None
    in_via = False
    for line in text.splitlines():
        stripped = line.strip()
        if line and not line[0].isspace() and not line.startswith(("#", "-")):
            name = line.split("==", 1)[0].split(";")[0].split("[")[0].strip()
            current, in_via = pins.get(canonicalize_name(name)), False
        elif current is not None and stripped.startswith("# via"):
            rest = stripped.removeprefix("# via").strip()
            in_via = not rest
            if rest:
                current.via.add(rest)
        elif current is not None and in_via and stripped.startswith("#   "):
            current.via.add(stripped.removeprefix("#").strip())
        elif not stripped.startswith("--hash"):
            in_via = False
    return pins


def slice_for(target: Target, existing: Sequence[LockedRequirement]) -> str:
    """The lines of a universal lock that apply to ``target``, markers dropped: a seed that
    keeps pip-compile's (and uv's) existing pins where they are still valid."""
    lines = []
    for req in existing:
        if req.applies(target.environment):
            hashes = "".join(f" \\\n    --hash=sha256:{h}" for h in sorted(req.hashes))
            lines.append(f"{req.name}=={req.version}{hashes}\n")
    return "".join(lines)


# --- markers -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Term:
    text: str
    truth: frozenset[int]  # indexes of the target classes it holds for
    size: int  # atoms in it


def _key(t: Target) -> tuple[str, ...]:
    return tuple(t.environment[k] for k in FEATURES)


def _classes(universe: Sequence[Target]) -> list[tuple[str, ...]]:
    return sorted({_key(t) for t in universe})


def _where(classes: list[tuple[str, ...]], column: int, op: str, value: str) -> frozenset[int]:
    """Indexes of the classes where ``FEATURES[column] op value`` holds."""
    if op == "==":
        return frozenset(i for i, c in enumerate(classes) if c[column] == value)
    bound = Version(value)
    below = {i for i, c in enumerate(classes) if Version(c[column]) < bound}
    return frozenset(below if op == "<" else set(range(len(classes))) - below)


def _atoms(classes: list[tuple[str, ...]]) -> list[_Term]:
    """Single comparisons, in the order they are preferred: platform, Python, machine."""
    found: list[tuple[int, str, str]] = []
    found += [(0, "==", v) for v in sorted({c[0] for c in classes})]
    pythons = sorted({c[2] for c in classes}, key=Version)
    found += [(2, op, v) for v in pythons[1:] for op in ("<", ">=")]
    found += [(2, "==", v) for v in pythons]
    found += [(1, "==", v) for v in sorted({c[1] for c in classes})]
    atoms = [
        _Term(f'{FEATURES[col]} {op} "{v}"', _where(classes, col, op, v), 1) for col, op, v in found
    ]
    return [a for a in atoms if 0 < len(a.truth) < len(classes)]


def marker_for(selected: Iterable[Target], universe: Sequence[Target]) -> str | None:
    """The simplest marker true on exactly ``selected`` among ``universe`` (None: all)."""
    classes = _classes(universe)
    index = {c: i for i, c in enumerate(classes)}
    picked = set(selected)
    chosen = {_key(t) for t in picked}
    wanted = frozenset(index[c] for c in chosen)
    for t in universe:
        key = _key(t)
        if key in chosen and t not in picked:
            peers = sorted(u.name for u in picked if _key(u) == key)
            raise MergeError(
                f"{t.name} and {', '.join(peers)} need different pins but no marker tells"
                " them apart (same sys_platform, platform_machine and python_version)"
            )
    if len(wanted) == len(classes):
        return None
    atoms = _atoms(classes)
    terms = list(atoms)
    for a, b in itertools.combinations(atoms, 2):
        if a.text.split()[0] != b.text.split()[0]:
            terms.append(_Term(f"{a.text} and {b.text}", a.truth & b.truth, 2))
    for term in terms:
        if term.truth == wanted:
            return term.text
    for a, b in itertools.combinations(terms, 2):
        if a.truth | b.truth == wanted and a.size + b.size <= 4:
            return f"{_group(a)} or {_group(b)}"
    parts = [
        " and ".join(f'{k} == "{v}"' for k, v in zip(FEATURES, classes[i], strict=True))
        for i in sorted(wanted)
    ]
    return " or ".join(f"({p})" for p in parts)


def _group(term: _Term) -> str:
    return f"({term.text})" if term.size > 1 else term.text


# --- the merged file -----------------------------------------------------------------------


def merge(
    universe: Sequence[Target], results: Mapping[Target, Mapping[str, Pin]]
) -> list[tuple[Pin, str | None]]:
    """One (pin, marker) per package version, sorted by name then version."""
    by_version: dict[tuple[str, str], tuple[Pin, set[Target]]] = {}
    for target in universe:
        for name, pin in results[target].items():
            key = (name, pin.version)
            merged, targets = by_version.setdefault(key, (Pin(name, pin.version), set()))
            merged.hashes |= pin.hashes
            merged.via |= pin.via
            targets.add(target)
    ordered = sorted(by_version.items(), key=lambda item: (item[0][0], Version(item[0][1])))
    return [(pin, marker_for(targets, universe)) for _key, (pin, targets) in ordered]


def render(lines: Sequence[tuple[Pin, str | None]], header: Sequence[str]) -> str:
    out = [f"#{' ' + h if h else ''}\n" for h in header]
    for pin, marker in lines:
        head = f"{pin.name}=={pin.version}" + (f" ; {marker}" if marker else "")
        hashes = sorted(pin.hashes)
        out.append(head + (" \\\n" if hashes else "\n"))
        for i, digest in enumerate(hashes):
            out.append(f"    --hash=sha256:{digest}" + (" \\\n" if i < len(hashes) - 1 else "\n"))
        via = sorted(pin.via)
        if len(via) == 1:
            out.append(f"    # via {via[0]}\n")
        elif via:
            out.append("    # via\n" + "".join(f"    #   {v}\n" for v in via))
    return "".join(out)
