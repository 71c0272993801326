"""Merging per-target locks into one universal lock: exact markers, unions, stable bytes."""

from __future__ import annotations

import hashlib
import itertools
import random
import re
from collections.abc import Callable, Iterable, Mapping, Sequence

import pytest
from packaging.markers import Marker

from wh.core.lockfile import LockedRequirement, parse_compiled, parse_lockfile, render
from wh.core.merge import MergeError, marker_for, merge, slice_for
from wh.core.targets import Target, make_target

PLATFORMS = (
    "manylinux_2_28_x86_64",
    "manylinux_2_28_aarch64",
    "macosx_14_0_arm64",
    "macosx_13_0_x86_64",
)


def universe(pythons: Iterable[str], platforms: Iterable[str] = PLATFORMS) -> list[Target]:
    return [make_target(p, tag) for p in pythons for tag in platforms]


UNIVERSE = universe(["3.11", "3.12"])
THREE_PYTHONS = universe(["3.10", "3.11", "3.12"])
L11, A11, M11, X11, L12, A12, M12, X12 = UNIVERSE  # Linux x86, aarch64, Mac arm64, Mac x86


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def selects(marker: str | None, targets: Iterable[Target]) -> set[Target]:
    """The targets on which ``marker`` holds, each in its own complete environment."""
    if marker is None:
        return set(targets)
    parsed = Marker(marker)
    return {t for t in targets if parsed.evaluate(dict(t.environment))}


def names(targets: Iterable[Target]) -> list[str]:
    return sorted(t.name for t in targets)


def atoms(marker: str) -> int:
    return len(re.findall(r'\w+ (?:==|<|>=) "[^"]*"', marker))


def only(**facts: str | set[str]) -> Callable[[Target], bool]:
    """A predicate on a target's marker environment: each key equals (or is in) the value."""

    def holds(t: Target) -> bool:
        return all(
            t.environment[key] in (want if isinstance(want, set) else {want})
            for key, want in facts.items()
        )

    return holds


# --- marker_for: the simplest marker, always exact ----------------------------------------------

SIMPLEST = [
    pytest.param(only(), None, id="every target needs no marker"),
    pytest.param(only(sys_platform="darwin"), 'sys_platform == "darwin"', id="macOS only"),
    pytest.param(only(sys_platform="linux"), 'sys_platform == "linux"', id="Linux only"),
    pytest.param(only(python_version="3.11"), 'python_version < "3.12"', id="3.11 only"),
    pytest.param(only(python_version="3.12"), 'python_version >= "3.12"', id="3.12 only"),
    pytest.param(
        only(platform_machine="x86_64"),
        'platform_machine == "x86_64"',
        id="x86_64 on both systems is one machine atom",
    ),
]


@pytest.mark.parametrize(("wanted", "expected"), SIMPLEST)
def test_marker_for_names_the_simplest_marker(
    wanted: Callable[[Target], bool], expected: str | None
) -> None:
    selected = [t for t in UNIVERSE if wanted(t)]
    marker = marker_for(selected, UNIVERSE)
    assert marker == expected
    assert selects(marker, UNIVERSE) == set(selected)


SHAPES = [
    pytest.param([M11, X11], " and ", 2, id="macOS on 3.11 is a conjunction of two atoms"),
    pytest.param(
        [A11, M11, A12, M12], " or ", 2, id="arm64 and aarch64 is a disjunction of two atoms"
    ),
    pytest.param([L11, A11, X12], " or ", None, id="an irregular set still gets a marker"),
    pytest.param([L11, M12, X11, A12, X12], " or ", None, id="a five-target irregular set too"),
    pytest.param([L12], " and ", None, id="a single target is told apart from the rest"),
]


@pytest.mark.parametrize(("selected", "connective", "atom_count"), SHAPES)
def test_marker_for_selects_exactly_the_targets_that_pinned(
    selected: list[Target], connective: str, atom_count: int | None
) -> None:
    marker = marker_for(selected, UNIVERSE)
    assert marker is not None
    assert connective in marker
    if atom_count is not None:
        assert atoms(marker) == atom_count, marker
    if connective == " and ":
        assert " or " not in marker, marker
    assert names(selects(marker, UNIVERSE)) == names(selected), marker


PYTHON_ORDER = [
    pytest.param(THREE_PYTHONS, {"3.10"}, 'python_version < "3.11"', id="3.10 is below 3.11"),
    pytest.param(
        THREE_PYTHONS, {"3.10", "3.11"}, 'python_version < "3.12"', id="3.10 and 3.11 are below"
    ),
    pytest.param(THREE_PYTHONS, {"3.11", "3.12"}, 'python_version >= "3.11"', id="3.11 and up"),
    pytest.param(THREE_PYTHONS, {"3.12"}, 'python_version >= "3.12"', id="3.12 and up"),
    pytest.param(
        THREE_PYTHONS, {"3.11"}, 'python_version == "3.11"', id="the middle one is an equality"
    ),
    pytest.param(
        THREE_PYTHONS,
        {"3.10", "3.12"},
        'python_version < "3.11" or python_version >= "3.12"',
        id="both ends are a disjunction of thresholds",
    ),
    pytest.param(
        universe(["3.9", "3.10"]),
        {"3.9"},
        'python_version < "3.10"',
        id="3.9 is below 3.10 although the string sorts after it",
    ),
    pytest.param(
        universe(["3.9", "3.10"]),
        {"3.10"},
        'python_version >= "3.10"',
        id="3.10 is at or above 3.10 although the string sorts before 3.9",
    ),
]


@pytest.mark.parametrize(("targets", "pythons", "expected"), PYTHON_ORDER)
def test_marker_for_orders_python_versions_as_versions(
    targets: list[Target], pythons: set[str], expected: str
) -> None:
    selected = [t for t in targets if t.python_short in pythons]
    marker = marker_for(selected, targets)
    assert marker == expected
    assert selects(marker, targets) == set(selected)


SWEEPS = [
    pytest.param(UNIVERSE, None, id="every subset of 2 Pythons x 4 platforms"),
    pytest.param(THREE_PYTHONS, 400, id="400 random subsets of 3 Pythons x 4 platforms"),
    pytest.param(
        universe(
            ["3.9", "3.10", "3.11", "3.13"],
            [*PLATFORMS, "win_amd64"],
        ),
        250,
        id="250 random subsets of 4 Pythons x 5 platforms with Windows",
    ),
]


@pytest.mark.parametrize(("targets", "samples"), SWEEPS)
def test_marker_for_is_exact_on_every_subset(targets: list[Target], samples: int | None) -> None:
    if samples is None:
        subsets: Iterable[Sequence[Target]] = (
            combo
            for k in range(1, len(targets) + 1)
            for combo in itertools.combinations(targets, k)
        )
    else:
        rng = random.Random(20240611)
        subsets = [rng.sample(targets, rng.randint(1, len(targets))) for _ in range(samples)]
    for selected in subsets:
        marker = marker_for(selected, targets)
        assert names(selects(marker, targets)) == names(selected), marker


INDISTINGUISHABLE = [
    pytest.param(
        [
            make_target("3.11", "manylinux_2_17_x86_64"),
            make_target("3.11", "manylinux_2_28_x86_64"),
        ],
        id="two glibc baselines on one machine and Python",
    ),
    pytest.param(
        [make_target("3.12", "musllinux_1_2_x86_64"), make_target("3.12", "manylinux_2_28_x86_64")],
        id="musl and glibc on one machine and Python",
    ),
    pytest.param(
        [make_target("3.11", "macosx_11_0_arm64"), make_target("3.11", "macosx_14_0_arm64")],
        id="two macOS releases on one machine and Python",
    ),
]


@pytest.mark.parametrize("pair", INDISTINGUISHABLE)
def test_marker_for_refuses_targets_no_marker_tells_apart(pair: list[Target]) -> None:
    first, second = pair
    with pytest.raises(MergeError) as caught:
        marker_for([first], pair)
    assert first.name in str(caught.value)
    assert second.name in str(caught.value)
    assert marker_for(pair, pair) is None  # together they need no marker


@pytest.mark.parametrize("pair", INDISTINGUISHABLE)
def test_merge_refuses_different_pins_where_no_marker_tells_apart(pair: list[Target]) -> None:
    first, second = pair
    differing = {first: {"foo": locked("foo", "1.0")}, second: {"foo": locked("foo", "2.0")}}
    with pytest.raises(MergeError):
        merge(pair, differing)
    agreeing = {first: {"foo": locked("foo", "1.0")}, second: {"foo": locked("foo", "1.0")}}
    assert [(p.version, m) for p, m in merge(pair, agreeing)] == [("1.0", None)]


# --- parse_compiled: pins, hashes and # via of one target's resolver output --------------------

PIP_COMPILE = f"""\
#
# This file is autogenerated by pip-compile with Python 3.11
# by the following command:
#
#    pip-compile --generate-hashes --output-file=lockfiles/cp311.txt lockfiles/requirements.in
#
--index-url https://index.example/simple

anyio==4.4.0 \\
    --hash=sha256:{sha("anyio-1")} \\
    --hash=sha256:{sha("anyio-2")}
    # via httpx
certifi==2024.7.4 \\
    --hash=sha256:{sha("certifi")}
    # via
    #   httpcore
    #   httpx
httpx==0.27.0 \\
    --hash=sha256:{sha("httpx")}
    # via -r lockfiles/requirements.in
PyYAML==6.0.1 \\
    --hash=sha256:{sha("pyyaml")}
    # via
    #   pre-commit
    #   -r lockfiles/requirements.in
sniffio==1.3.1 \\
    --hash=sha256:{sha("sniffio")}
    # via anyio

# The following packages are considered to be unsafe in a requirements file:
# setuptools
"""

UV = f"""\
# This file was autogenerated by uv via the following command:
#    uv pip compile --generate-hashes --python-platform aarch64-apple-darwin requirements.in
anyio==4.4.0 \\
    --hash=sha256:{sha("anyio-1")} \\
    --hash=sha256:{sha("anyio-2")}
    # via httpx
appnope==0.1.4 \\
    --hash=sha256:{sha("appnope")}
    # via ipykernel
certifi==2024.7.4 \\
    --hash=sha256:{sha("certifi")}
    # via
    #   httpcore
    #   httpx
httpx==0.27.0 \\
    --hash=sha256:{sha("httpx")}
    # via -r lockfiles/requirements.in
"""

NO_HASHES = """\
#
# This file is autogenerated by pip-compile with Python 3.12
#
certifi==2024.7.4
    # via
    #   httpcore
    #   httpx
idna==3.7
    # via anyio
tomli==2.0.1 ; python_version < "3.11"
    # via -r requirements.in
"""

PARSED = [
    pytest.param(
        PIP_COMPILE,
        {
            "anyio": ("4.4.0", {sha("anyio-1"), sha("anyio-2")}, {"httpx"}),
            "certifi": ("2024.7.4", {sha("certifi")}, {"httpcore", "httpx"}),
            "httpx": ("0.27.0", {sha("httpx")}, {"-r lockfiles/requirements.in"}),
            "pyyaml": (
                "6.0.1",
                {sha("pyyaml")},
                {"pre-commit", "-r lockfiles/requirements.in"},
            ),
            "sniffio": ("1.3.1", {sha("sniffio")}, {"anyio"}),
        },
        id="pip-compile split annotations, header, options and the unsafe section",
    ),
    pytest.param(
        UV,
        {
            "anyio": ("4.4.0", {sha("anyio-1"), sha("anyio-2")}, {"httpx"}),
            "appnope": ("0.1.4", {sha("appnope")}, {"ipykernel"}),
            "certifi": ("2024.7.4", {sha("certifi")}, {"httpcore", "httpx"}),
            "httpx": ("0.27.0", {sha("httpx")}, {"-r lockfiles/requirements.in"}),
        },
        id="uv pip compile output",
    ),
    pytest.param(
        NO_HASHES,
        {
            "certifi": ("2024.7.4", set(), {"httpcore", "httpx"}),
            "idna": ("3.7", set(), {"anyio"}),
            "tomli": ("2.0.1", set(), {"-r requirements.in"}),
        },
        id="pins without hashes, one with a marker",
    ),
    pytest.param("", {}, id="an empty output has no pins"),
]


@pytest.mark.parametrize(("text", "expected"), PARSED)
def test_parse_compiled_collects_hashes_and_via_per_pin(
    text: str, expected: dict[str, tuple[str, set[str], set[str]]]
) -> None:
    pins = parse_compiled(text, "lockfiles/cp311.txt")
    got = {key: (p.version, p.hashes, p.via) for key, p in pins.items()}
    assert got == expected
    assert all(key == p.name for key, p in pins.items())


# --- merge + render: one universal lock ---------------------------------------------------------


def locked(
    name: str, version: str, hashes: Iterable[str] = (), via: Iterable[str] = ()
) -> LockedRequirement:
    """A lock line as a resolver's output gives it (no marker, no extras)."""
    return LockedRequirement(
        name, version, frozenset(), None, frozenset(hashes), "", frozenset(via)
    )


def pins(*specs: str, via: Iterable[str] = ()) -> dict[str, LockedRequirement]:
    """``name==version`` specs, each hashed by its own text."""
    out = {}
    for spec in specs:
        name, version = spec.split("==")
        out[name] = locked(name, version, {sha(spec)}, set(via))
    return out


def everywhere(*specs: str) -> dict[Target, dict[str, LockedRequirement]]:
    return {t: pins(*specs) for t in UNIVERSE}


def split_by(
    wanted: Callable[[Target], bool], inside: Sequence[str], outside: Sequence[str]
) -> dict[Target, dict[str, LockedRequirement]]:
    return {t: pins(*(inside if wanted(t) else outside)) for t in UNIVERSE}


MERGED = [
    pytest.param(
        everywhere("anyio==4.4.0", "idna==3.7"),
        [("anyio", "4.4.0", set(UNIVERSE)), ("idna", "3.7", set(UNIVERSE))],
        id="the same pins everywhere are unconditional lines",
    ),
    pytest.param(
        split_by(only(python_version="3.11"), ["numpy==1.26.4"], ["numpy==2.0.0"]),
        [
            ("numpy", "1.26.4", {t for t in UNIVERSE if t.python_short == "3.11"}),
            ("numpy", "2.0.0", {t for t in UNIVERSE if t.python_short == "3.12"}),
        ],
        id="a version per Python is a line per version",
    ),
    pytest.param(
        split_by(only(sys_platform="darwin"), ["appnope==0.1.4", "idna==3.7"], ["idna==3.7"]),
        [
            ("appnope", "0.1.4", {t for t in UNIVERSE if t.platform.sys_platform == "darwin"}),
            ("idna", "3.7", set(UNIVERSE)),
        ],
        id="a macOS-only package gets a macOS marker",
    ),
    pytest.param(
        {t: pins("foo==1.9" if t.python_short == "3.11" else "foo==1.10") for t in UNIVERSE},
        [
            ("foo", "1.9", {t for t in UNIVERSE if t.python_short == "3.11"}),
            ("foo", "1.10", {t for t in UNIVERSE if t.python_short == "3.12"}),
        ],
        id="1.10 sorts after 1.9",
    ),
    pytest.param(
        {
            t: pins(
                "aaa==1.0",
                {L11: "zzz==1.0", A12: "zzz==3.0", M11: "zzz==1.0"}.get(t, "zzz==2.0"),
            )
            for t in UNIVERSE
        },
        [
            ("aaa", "1.0", set(UNIVERSE)),
            ("zzz", "1.0", {L11, M11}),
            ("zzz", "2.0", set(UNIVERSE) - {L11, M11, A12}),
            ("zzz", "3.0", {A12}),
        ],
        id="three versions over irregular target sets, sorted by name then version",
    ),
]


def facts(
    lines: Sequence[tuple[LockedRequirement, str | None]],
) -> list[tuple[str, str, list[str]]]:
    return [(p.name, p.version, names(selects(m, UNIVERSE))) for p, m in lines]


@pytest.mark.parametrize(("results", "expected"), MERGED)
def test_merge_gives_each_version_an_exact_marker(
    results: dict[Target, dict[str, LockedRequirement]],
    expected: list[tuple[str, str, set[Target]]],
) -> None:
    lines = merge(UNIVERSE, results)
    assert facts(lines) == [(n, v, names(ts)) for n, v, ts in expected]
    for (_pin, marker), (_n, _v, targets) in zip(lines, expected, strict=True):
        assert (marker is None) == (targets == set(UNIVERSE))


UNIONS = [
    pytest.param(
        {
            L11: {"cffi": locked("cffi", "1.17.1", {sha("linux-311")}, {"cryptography"})},
            L12: {"cffi": locked("cffi", "1.17.1", {sha("linux-312")}, {"cryptography"})},
        },
        {sha("linux-311"), sha("linux-312")},
        {"cryptography"},
        id="hashes of every target's files are united",
    ),
    pytest.param(
        {
            L11: {"idna": locked("idna", "3.7", {sha("idna")}, {"anyio"})},
            L12: {"idna": locked("idna", "3.7", {sha("idna")}, {"httpx", "-r requirements.in"})},
        },
        {sha("idna")},
        {"anyio", "httpx", "-r requirements.in"},
        id="via annotations are united",
    ),
    pytest.param(
        {
            L11: {"idna": locked("idna", "3.7")},
            L12: {"idna": locked("idna", "3.7", {sha("idna")})},
        },
        {sha("idna")},
        set(),
        id="a target without hashes adds none",
    ),
]


@pytest.mark.parametrize(("results", "hashes", "via"), UNIONS)
def test_merge_unites_hashes_and_via(
    results: dict[Target, dict[str, LockedRequirement]], hashes: set[str], via: set[str]
) -> None:
    targets = list(results)
    ((pin, marker),) = merge(targets, results)
    assert (pin.hashes, pin.via, marker) == (hashes, via, None)


def test_merge_does_not_mutate_its_inputs() -> None:
    results = {
        L11: {"idna": locked("idna", "3.7", {sha("a")}, {"x"})},
        L12: {"idna": locked("idna", "3.7", {sha("b")}, {"y"})},
    }
    merge([L11, L12], results)
    assert results[L11]["idna"] == locked("idna", "3.7", {sha("a")}, {"x"})
    assert results[L12]["idna"] == locked("idna", "3.7", {sha("b")}, {"y"})


def permuted(
    results: Mapping[Target, Mapping[str, LockedRequirement]], seed: int
) -> tuple[list[Target], dict[Target, dict[str, LockedRequirement]]]:
    """The same results with the universe, the targets and every target's pins reordered."""
    rng = random.Random(seed)
    order = list(results)
    rng.shuffle(order)
    shuffled: dict[Target, dict[str, LockedRequirement]] = {}
    for t in order:
        items = list(results[t].items())
        rng.shuffle(items)
        shuffled[t] = {
            k: locked(p.name, p.version, set(sorted(p.hashes, reverse=True)), set(p.via))
            for k, p in items
        }
    targets = list(UNIVERSE)
    rng.shuffle(targets)
    return targets, shuffled


@pytest.mark.parametrize(
    "results", [p.values[0] for p in MERGED], ids=[f"{p.id}, in any order" for p in MERGED]
)
def test_merge_and_render_give_the_same_bytes_in_any_order(
    results: dict[Target, dict[str, LockedRequirement]],
) -> None:
    first = render(merge(UNIVERSE, results), ["wh lock"])
    for seed in range(5):
        targets, shuffled = permuted(results, seed)
        assert render(merge(targets, shuffled), ["wh lock"]) == first


@pytest.mark.parametrize("results", [p.values[0] for p in MERGED], ids=[p.id for p in MERGED])
def test_render_parses_back_to_the_merged_lines(
    results: dict[Target, dict[str, LockedRequirement]],
) -> None:
    lines = merge(UNIVERSE, results)
    text = render(lines, ["This file is autogenerated by wh lock", ""])
    files = {"lockfiles/requirements.txt": text}
    lock = parse_lockfile("lockfiles/requirements.txt", files.__getitem__)
    got = [
        (r.name, r.version, None if r.marker is None else str(r.marker), set(r.hashes))
        for r in lock.requirements
    ]
    want = [(p.name, p.version, None if m is None else str(Marker(m)), p.hashes) for p, m in lines]
    assert got == want


RENDERED = [
    pytest.param(
        [(locked("idna", "3.7", {sha("b"), sha("a")}, {"anyio"}), None)],
        ["autogenerated", ""],
        "# autogenerated\n#\n"
        "idna==3.7 \\\n"
        f"    --hash=sha256:{min(sha('a'), sha('b'))} \\\n"
        f"    --hash=sha256:{max(sha('a'), sha('b'))}\n"
        "    # via anyio\n",
        id="a header, sorted hashes and a one-line via",
    ),
    pytest.param(
        [
            (
                locked("appnope", "0.1.4", set(), {"z", "-r requirements.in"}),
                'sys_platform == "darwin"',
            )
        ],
        [],
        'appnope==0.1.4 ; sys_platform == "darwin"\n'
        "    # via\n"
        "    #   -r requirements.in\n"
        "    #   z\n",
        id="a marker, no hashes and a sorted multi-line via",
    ),
    pytest.param(
        [(locked("idna", "3.7", {sha("a")}), None)],
        [],
        f"idna==3.7 \\\n    --hash=sha256:{sha('a')}\n",
        id="no via writes no via",
    ),
]


@pytest.mark.parametrize(("lines", "header", "expected"), RENDERED)
def test_render_writes_pip_tools_format(
    lines: list[tuple[LockedRequirement, str | None]], header: list[str], expected: str
) -> None:
    assert render(lines, header) == expected


def test_render_reads_back_through_parse_compiled() -> None:
    """Rendered via annotations survive a second merge (wh lock seeding from its own output)."""
    lines = merge(UNIVERSE, {t: parse_compiled(PIP_COMPILE, t.name) for t in UNIVERSE})
    again = parse_compiled(render(lines, []), "lockfiles/requirements.txt")
    assert {k: (p.version, p.hashes, p.via) for k, p in again.items()} == {
        p.name: (p.version, p.hashes, p.via) for p, _m in lines
    }


# --- slice_for: one target's seed from a universal lock ----------------------------------------

UNIVERSAL = f"""\
anyio==4.4.0 \\
    --hash=sha256:{sha("anyio-2")} \\
    --hash=sha256:{sha("anyio-1")}
    # via httpx
appnope==0.1.4 ; sys_platform == "darwin" \\
    --hash=sha256:{sha("appnope")}
numpy==1.26.4 ; python_version < "3.12" \\
    --hash=sha256:{sha("numpy-1")}
numpy==2.0.0 ; python_version >= "3.12" \\
    --hash=sha256:{sha("numpy-2")}
secretstorage==3.3.3 ; sys_platform == "linux" and platform_machine == "aarch64"
"""
ANYIO = (
    f"anyio==4.4.0 \\\n    --hash=sha256:{min(sha('anyio-1'), sha('anyio-2'))}"
    f" \\\n    --hash=sha256:{max(sha('anyio-1'), sha('anyio-2'))}\n"
)

SLICES = [
    pytest.param(
        L11,
        ANYIO + f"numpy==1.26.4 \\\n    --hash=sha256:{sha('numpy-1')}\n",
        id="Linux x86_64 3.11 gets the unconditional and the 3.11 lines",
    ),
    pytest.param(
        A12,
        ANYIO + f"numpy==2.0.0 \\\n    --hash=sha256:{sha('numpy-2')}\n" + "secretstorage==3.3.3\n",
        id="Linux aarch64 3.12 gets the 3.12 and the aarch64 lines",
    ),
    pytest.param(
        M11,
        ANYIO
        + f"appnope==0.1.4 \\\n    --hash=sha256:{sha('appnope')}\n"
        + f"numpy==1.26.4 \\\n    --hash=sha256:{sha('numpy-1')}\n",
        id="macOS 3.11 gets the macOS line, its marker dropped",
    ),
]


@pytest.mark.parametrize(("target", "expected"), SLICES)
def test_slice_for_keeps_applicable_lines_without_markers(target: Target, expected: str) -> None:
    files = {"lockfiles/requirements.txt": UNIVERSAL}
    lock = parse_lockfile("lockfiles/requirements.txt", files.__getitem__)
    text = slice_for(target, lock.requirements)
    assert text == expected
    assert ";" not in text
    reread = parse_lockfile("seed.txt", {"seed.txt": text}.__getitem__).requirements
    assert all(r.marker is None for r in reread)
