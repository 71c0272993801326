"""``wh index`` and ``wh export``: the wheelhouse in the forms other tools read, offline.

- ``wh index``: a static PEP 503 index (PEP 658/714 metadata beside each wheel) that pip, uv
  or any installer reads over ``file://`` or from a static file server;
- ``wh export pylock``: a PEP 751 ``pylock.toml``; validated with ``packaging.pylock``, whose
  ``Pylock.select`` must pick, for every target, the very file verify (hence sync) chose;
- ``wh export requirements``: the lock with the built/imported wheels' hashes added, for
  ``pip install --no-index --find-links WHEELHOUSE --require-hashes``;
- ``wh export pants``: complete platforms, a BUILD file and pants.toml lines.

The lock exports first check the wheelhouse as verify does, for every configured target, and
refuse (with verify's findings) when a target lacks a file: a lock that fails on one target
at install time is worse than none.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.version import Version

from wh.adapters.cache import HashCache
from wh.adapters.fs import TMP_PREFIX, atomic_file, atomic_write, atomic_write_many, sha256_file
from wh.adapters.project import load_config, read_lockfiles
from wh.adapters.wheelfile import read_metadata_bytes
from wh.adapters.wheelhouse import read_disk
from wh.core import pants, pylock, simple_index
from wh.core.config import Config, make_targets, select_platforms
from wh.core.files import DistFile, is_dist_filename, parse_dist
from wh.core.lockfile import Lockfile
from wh.core.metadata import MetadataError
from wh.core.requirements import render_requirements
from wh.core.targets import Target
from wh.core.verify import Report, verify
from wh.errors import ExportCheckError, UsageError
from wh.services.pex import BLOCKING


@dataclass(frozen=True, slots=True)
class ExportOptions:
    project: Path = Path()
    output: Path | None = None  # None: the export's default, in the project
    lockfile: str | None = None  # None: the one configured lockfile


@dataclass(slots=True)
class ExportResult:
    output: Path | None  # None: the text went to ``text`` (stdout)
    targets: list[str] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    packages: int = 0
    files: int = 0
    linked: int = 0
    copied: int = 0
    text: str = ""
    notes: list[str] = field(default_factory=list)
    refused: Report | None = None


@dataclass(frozen=True, slots=True)
class _House:
    """The project as the lock exports see it, checked for every configured target."""

    project: Path
    config: Config
    targets: list[Target]
    lockfile: Lockfile
    wheelhouse: Path
    digests: Mapping[str, str]  # filename -> sha256
    report: Report

    @property
    def chosen(self) -> list[str]:
        return sorted({f for files in self.report.chosen.values() for f in files})


def _configured(config: Config) -> list[Target]:
    return make_targets(config.python, select_platforms(config, None))


def _pick_lockfile(project: Path, config: Config, name: str | None) -> Lockfile:
    locks = [lf for lf, _ in read_lockfiles(project, config)]
    if name is not None:
        wanted = Path(name).as_posix().removeprefix("./")
        for lf in locks:
            if lf.path == wanted:
                return lf
        raise UsageError(
            f"--lockfile {name}: not a configured lockfile",
            hint=f"[tool.wh] lockfiles: {', '.join(lf.path for lf in locks)}",
        )
    if len(locks) != 1:
        raise UsageError(
            f"{len(locks)} lockfiles are configured: name one",
            hint=f"--lockfile {locks[0].path} (or any of {', '.join(lf.path for lf in locks)})",
        )
    return locks[0]


def _house(options: ExportOptions) -> _House:
    project = options.project.resolve()
    config = load_config(project)
    targets = _configured(config)
    lockfile = _pick_lockfile(project, config, options.lockfile)
    wheelhouse = project / config.wheelhouse
    files, records = read_disk(wheelhouse)
    report = verify(targets, targets, lockfile.requirements, files, records)
    report.findings = [f for f in report.findings if f.kind in BLOCKING]
    digests = {f.filename: f.sha256 for f in files}
    return _House(project, config, targets, lockfile, wheelhouse, digests, report)


def _refused(house: _House, output: Path | None) -> ExportResult | None:
    if house.report.ok:
        return None
    return ExportResult(output, [t.name for t in house.targets], refused=house.report)


# --- pylock.toml ---------------------------------------------------------------------------


def valid_pylock_name(name: str) -> bool:
    """PEP 751: ``pylock.toml`` or ``pylock.<name>.toml`` (one dot-free name)."""
    if name == "pylock.toml":
        return True
    if not (name.startswith("pylock.") and name.endswith(".toml")):
        return False
    middle = name[len("pylock.") : -len(".toml")]
    return bool(middle) and "." not in middle


def export_pylock(options: ExportOptions) -> ExportResult:
    house = _house(options)
    output = (options.output or house.project / "pylock.toml").absolute()
    if not valid_pylock_name(output.name):
        raise UsageError(
            f"{output.name}: PEP 751 names a lock pylock.toml or pylock.<name>.toml",
            hint=f"--output {output.with_name('pylock.toml')}",
        )
    if (refused := _refused(house, output)) is not None:
        return refused
    files = {
        name: pylock.LockedFile(name, digest, (house.wheelhouse / name).stat().st_size)
        for name, digest in house.digests.items()
    }
    packages, unused = pylock.packages(house.lockfile.requirements, house.chosen, files)
    wheel_dir = Path(os.path.relpath(house.wheelhouse, output.parent)).as_posix()
    names = [t.name for t in house.targets]
    text = pylock.render_pylock(packages, wheel_dir, names, house.lockfile.path)
    check_pylock(text, house.targets, house.report.chosen)
    output.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(output, text.encode())
    result = ExportResult(output, names, [str(output)], len(packages), len(house.chosen))
    if unused:
        result.notes.append(
            f"left out {len(unused)} lock line(s) no configured target uses: {', '.join(unused)}"
        )
    return result


def check_pylock(text: str, targets: Sequence[Target], chosen: Mapping[str, list[str]]) -> None:
    """Validate ``text`` with packaging's PEP 751 model, and for every target select with its
    tags and marker environment: the result must be exactly the files wh chose there."""
    from packaging.pylock import PackageWheel, Pylock, PylockSelectError, PylockValidationError

    try:
        lock = Pylock.from_dict(tomllib.loads(text))
    except (PylockValidationError, tomllib.TOMLDecodeError) as exc:
        raise ExportCheckError(
            f"the pylock.toml wh rendered does not validate: {exc}", hint="report this"
        ) from None
    for target in targets:
        environment: Any = dict(target.environment)
        try:
            picked = {
                d.filename if isinstance(d, PackageWheel) else f"{p.name} (not a wheel)"
                for p, d in lock.select(tags=target.tags, environment=environment)
            }
        except PylockSelectError as exc:
            raise ExportCheckError(f"{target.name}: {exc}", hint="report this") from None
        want = set(chosen.get(target.name, ()))
        if picked != want:
            diff = sorted(picked ^ want)
            raise ExportCheckError(
                f"{target.name}: packaging.pylock selects other files than wh chose:"
                f" {', '.join(diff)}",
                hint="report this",
            )


# --- requirements --------------------------------------------------------------------------


def export_requirements(options: ExportOptions) -> ExportResult:
    house = _house(options)
    output = options.output.absolute() if options.output else None
    if (refused := _refused(house, output)) is not None:
        return refused
    wheel_hashes: dict[tuple[str, Version], set[str]] = {}
    for name in house.chosen:
        dist = parse_dist(name)
        if dist is not None:
            wheel_hashes.setdefault((dist.name, dist.version), set()).add(house.digests[name])
    header = [
        f"Exported by `wh export requirements` from {house.lockfile.path}: its pins and",
        f"markers, with the hashes of the wheels in {house.config.wheelhouse}/ (built from a",
        "locked sdist or imported) added. Install offline on any configured target with:",
        f"  pip install --no-index --find-links {house.config.wheelhouse}"
        " --require-hashes -r THIS_FILE",
    ]
    text = render_requirements(house.lockfile.requirements, wheel_hashes, header)
    names = [t.name for t in house.targets]
    result = ExportResult(output, names, packages=len(house.lockfile.requirements))
    result.files = len(house.chosen)
    if output is None:
        result.text = text
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(output, text.encode())
        result.written.append(str(output))
    return result


# --- Pants ---------------------------------------------------------------------------------


def export_pants(options: ExportOptions) -> ExportResult:
    project = options.project.resolve()
    config = load_config(project)
    targets = _configured(config)
    output = (options.output or project / "pants").absolute()
    try:
        directory = output.resolve().relative_to(project).as_posix()
    except ValueError:
        raise UsageError(
            f"{output}: Pants reads BUILD files under its build root ({project})",
            hint="choose an --output inside the project",
        ) from None
    output.mkdir(parents=True, exist_ok=True)
    documents = {pants.platform_filename(t): pants.render_platform(t) for t in targets}
    documents["BUILD"] = pants.render_build(targets, directory)
    pythons = sorted({t.python_short for t in targets}, key=Version)
    documents["pants.toml"] = pants.render_pants_toml(
        Path(config.wheelhouse).as_posix(), pythons, "python-default"
    )
    written = []
    for name, text in documents.items():
        atomic_write(output / name, text.encode())
        written.append(str(output / name))
    return ExportResult(output, [t.name for t in targets], written)


# --- the static index ----------------------------------------------------------------------


def build_index(options: ExportOptions) -> ExportResult:
    project = options.project.resolve()
    config = load_config(project)
    wheelhouse = project / config.wheelhouse
    output = (options.output or project / "dist" / "index").absolute()
    root = output / simple_index.INDEX_DIR
    _check_index_dir(root)
    paths = _distributions(wheelhouse)
    hashes = HashCache()
    digests = hashes.sha256_many(paths)
    hashes.save()
    entries: list[simple_index.IndexedFile] = []
    keep: set[Path] = set()
    writes: dict[Path, bytes] = {}
    result = ExportResult(output)
    for path in paths:
        dist = parse_dist(path.name)
        assert dist is not None  # _distributions keeps parseable names only
        entry, metadata = _indexed(path, dist, digests[path])
        dest = output / simple_index.file_path(entry)
        dest.parent.mkdir(parents=True, exist_ok=True)
        if _place(path, dest, digests[path]):
            result.linked += 1
        else:
            result.copied += 1
        keep.add(dest)
        if metadata is not None:
            writes[dest.with_name(dest.name + simple_index.METADATA_SUFFIX)] = metadata
        entries.append(entry)
    atomic_write_many(_changed(writes))  # files and their metadata before the pages
    pages = {output / rel: data for rel, data in simple_index.render_pages(entries).items()}
    atomic_write_many(_changed(pages))
    _remove_stale(root, keep | set(writes) | set(pages))
    result.files = len(entries)
    result.packages = len({e.project for e in entries})
    result.written = [root.as_uri() + "/"]
    return result


def _distributions(wheelhouse: Path) -> list[Path]:
    if not wheelhouse.is_dir():
        raise UsageError(
            f"{wheelhouse}: no wheelhouse", hint="fill it first: wh sync (after wh lock)"
        )
    return [
        p
        for p in sorted(wheelhouse.iterdir())
        if p.is_file() and is_dist_filename(p.name) and parse_dist(p.name) is not None
    ]


def _indexed(
    path: Path, dist: DistFile, sha256: str
) -> tuple[simple_index.IndexedFile, bytes | None]:
    if not dist.is_wheel:
        return simple_index.IndexedFile(dist.name, path.name, sha256), None
    try:
        metadata = read_metadata_bytes(path)
    except MetadataError as exc:
        raise UsageError(
            f"{path}: {exc}", hint="the file is damaged: run wh sync to fetch it again"
        ) from None
    entry = simple_index.IndexedFile(
        dist.name,
        path.name,
        sha256,
        simple_index.requires_python(metadata),
        hashlib.sha256(metadata).hexdigest(),
    )
    return entry, metadata


def _check_index_dir(root: Path) -> None:
    """Only a directory wh wrote (or none) is updated: stale files in it are removed."""
    if not root.exists():
        return
    page = root / "index.html"
    if root.is_dir() and not any(root.iterdir()):
        return
    if not (page.is_file() and simple_index.is_wh_index(page.read_bytes())):
        raise UsageError(
            f"{root}: exists and is not an index wh wrote (wh index removes stale files in it)",
            hint="choose another --output, or remove that directory",
        )


def _place(source: Path, dest: Path, sha256: str) -> bool:
    """Hard-link ``source`` to ``dest`` (True), or copy it where links fail (False)."""
    if dest.exists():
        if os.path.samefile(source, dest):
            return True
        if dest.stat().st_size == source.stat().st_size and sha256_file(dest) == sha256:
            return False
    tmp = dest.with_name(f"{TMP_PREFIX}{dest.name}")
    tmp.unlink(missing_ok=True)
    try:
        os.link(source, tmp)
        os.replace(tmp, dest)
        return True
    except OSError:
        tmp.unlink(missing_ok=True)
    with atomic_file(dest) as out, source.open("rb") as src:
        shutil.copyfileobj(src, out)
    return False


def _changed(files: dict[Path, bytes]) -> dict[Path, bytes]:
    """The files whose bytes on disk differ (a re-run over an unchanged index writes none)."""
    changed: dict[Path, bytes] = {}
    for path, data in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            if path.read_bytes() == data:
                continue
        except OSError:
            pass
        changed[path] = data
    return changed


def _remove_stale(root: Path, keep: set[Path]) -> None:
    for path in sorted(root.rglob("*"), reverse=True):
        if path.is_file() and path not in keep:
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
