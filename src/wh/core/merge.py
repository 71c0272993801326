"""Merging per-target locks into ONE universal lockfile.

Pure. Each target was resolved alone (in its own marker environment); here every
(package, version) gets the set of targets that pinned it, and a marker that selects exactly
those targets among the configured ones, as simply as the target set allows:
``sys_platform == "darwin"``, ``python_version < "3.12"``, ``platform_machine == "arm64"``,
a conjunction of two, a disjunction of such terms, and only then one term per target kind.
Hashes are the union over targets (each covers every file of the version); ``# via``
annotations are kept. Same per-target results, same bytes (written by
:func:`wh.core.lockfile.render`).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from packaging.version import Version

from wh.core.lockfile import LockedRequirement, render_line
from wh.core.targets import Target

FEATURES = ("sys_platform", "platform_machine", "python_version")


class MergeError(ValueError):
    pass


def slice_for(target: Target, existing: Sequence[LockedRequirement]) -> str:
    """The lines of a universal lock that apply to ``target``, markers dropped: a seed that
    keeps pip-compile's (and uv's) existing pins where they are still valid."""
    applying = [r for r in existing if target.evaluates(r.marker)]
    bare = (replace(r, extras=frozenset(), via=frozenset()) for r in applying)
    return "".join(render_line(r, None) for r in bare)


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
    universe: Sequence[Target], results: Mapping[Target, Mapping[str, LockedRequirement]]
) -> list[tuple[LockedRequirement, str | None]]:
    """One (line, marker) per package version, sorted by name then version: the union of the
    targets' hashes and ``# via``, and the marker selecting the targets that pinned it."""
    hashes: dict[tuple[str, str], set[str]] = {}
    via: dict[tuple[str, str], set[str]] = {}
    pinned_on: dict[tuple[str, str], set[Target]] = {}
    for target in universe:
        for name, req in results[target].items():
            release = (name, req.version)
            hashes.setdefault(release, set()).update(req.hashes)
            via.setdefault(release, set()).update(req.via)
            pinned_on.setdefault(release, set()).add(target)
    ordered = sorted(pinned_on, key=lambda release: (release[0], Version(release[1])))
    return [
        (
            LockedRequirement(
                name,
                version,
                frozenset(),
                None,
                frozenset(hashes[name, version]),
                "",
                frozenset(via[name, version]),
            ),
            marker_for(pinned_on[name, version], universe),
        )
        for name, version in ordered
    ]
