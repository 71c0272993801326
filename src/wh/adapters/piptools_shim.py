"""Run pip-compile as if on foreign targets, from this machine.

    python -m wh.adapters.piptools_shim BATCH.json

BATCH.json: ``{"parallel": N, "metadata_cache": DIR, "jobs": [{"name", "target", "args",
"only_wheels", "allow_sdist", "log"}]}`` where ``target`` is pex's ``--complete-platform`` document
(``Target.complete_platform()``: ``{"marker_environment": {all 11 PEP 508 keys},
"compatible_tags": [most specific first]}``) and ``args`` are pip-compile's arguments. Each
job's output goes to its ``log``; a line ``done NAME EXIT SECONDS`` is printed as each ends.

pip and pip-tools are imported ONCE; each job then runs in a forked child (``parallel`` at
a time), which puts its target in force and runs pip-compile: ~0.4 s of imports saved per
target. Where fork is missing, the caller runs one batch per target.

pip-compile resolves for the interpreter it runs in, and pip's ``--platform`` options are
no way out: pip-tools builds its PackageFinder without a TargetPython (the options are parsed,
then ignored), and pip evaluates markers for the host anyway (pip #11664, #4304). So this
module puts the target in force inside the pip-compile process, at four points of pip 2x /
pip-tools 7 (each re-checked by :func:`_self_check`, so an upgrade that moves one fails
loudly instead of locking for the host):

1. ``pip._vendor.packaging.markers.default_environment`` returns the target's environment.
   ``Marker.evaluate`` reads it on every call: top-level ``.in`` lines (pip-tools'
   ``match_markers``), every dependency in pip's resolver, Requires-Dist of wheels and of
   sdists whose metadata was built here. (Top-level ``packaging`` is only used by pypa/build
   for build requirements, a question about the host: left alone.)
2. ``TargetPython`` reports the target's version and exact ordered tag list: which wheels
   are candidates, which file is preferred, the index's ``requires-python``. The tags are
   pip's vendored ``Tag`` objects, which never equal top-level ``packaging`` ones.
3. ``RequirementCommand.make_resolver`` defaults ``py_version_info`` to the target's, so a
   wheel's own METADATA ``Requires-Python`` is checked against the target, not the host.
4. ``PyPIRepository._get_file_hash`` takes the sha256 the index lists instead of
   downloading every file of every pinned version to hash it (which pip-tools does on any
   index without PyPI's JSON API).

With ``--only-wheels``, pip's FormatControl allows only wheels, except for the names given
to ``--allow-sdist``. Build dependencies of sdists install in a separate pip process, for
the host, as they must.

What the targets' resolutions read from the index is theirs in common, and read once per
batch: each index page (:func:`_share_pages`), each wheel pip downloads
(:func:`_share_downloads`), and each wheel's METADATA, which is all pip reads of a wheel to
resolve (:func:`_share_metadata`). METADATA is also kept across runs in ``metadata_cache``
(optional), by the sha256 the index lists for the wheel: a later lock downloads no wheel
whose bytes it has read before.
"""

from __future__ import annotations

import contextlib
import hashlib
import inspect
import json
import os
import re
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from wh.adapters.fs import sha256_file
from wh.core.targets import MARKER_KEYS

_SHA256 = re.compile("[0-9a-f]{64}")


def _load(doc: dict[str, Any]) -> tuple[dict[str, str], list[str], tuple[int, int, int]]:
    env, tags = doc["marker_environment"], doc["compatible_tags"]
    missing = [k for k in MARKER_KEYS if k not in env]
    if missing:  # a partial environment would silently take the host's values
        raise SystemExit(f"marker_environment lacks {', '.join(missing)}")
    parts = [int(p) for p in str(env["python_full_version"]).split(".")[:3]]
    major, minor, micro = (*parts, 0, 0)[:3]
    return {k: str(env[k]) for k in MARKER_KEYS}, [str(t) for t in tags], (major, minor, micro)


def _apply(
    env: dict[str, str],
    tag_strings: list[str],
    version: tuple[int, int, int],
    only_wheels: bool,
    allow_sdist: set[str],
) -> None:
    import pip._vendor.packaging.markers as markers
    from pip._internal.cli.req_command import RequirementCommand
    from pip._internal.models.format_control import FormatControl
    from pip._internal.models.target_python import TargetPython
    from pip._vendor.packaging.tags import parse_tag
    from piptools.repositories.pypi import PyPIRepository

    markers.default_environment = lambda: dict(env)  # type: ignore[assignment,return-value]

    tags = list(dict.fromkeys(t for text in tag_strings for t in parse_tag(text)))
    tag_set = set(tags)
    original_init = TargetPython.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        self._given_py_version_info = version
        self.py_version_info = version
        self.py_version = f"{version[0]}.{version[1]}"
        self._valid_tags = list(tags)
        self._valid_tags_set = set(tag_set)

    setattr(TargetPython, "__init__", init)  # noqa: B010 - patching a class on purpose
    setattr(TargetPython, "get_sorted_tags", lambda self: list(tags))  # noqa: B010
    setattr(TargetPython, "get_unsorted_tags", lambda self: tag_set)  # noqa: B010

    make_resolver = RequirementCommand.__dict__["make_resolver"].__func__
    signature = inspect.signature(make_resolver)

    def patched_make_resolver(cls: Any, *args: Any, **kwargs: Any) -> Any:
        bound = signature.bind(cls, *args, **kwargs)
        if bound.arguments.get("py_version_info") is None:
            bound.arguments["py_version_info"] = version
        return make_resolver(*bound.args, **bound.kwargs)

    setattr(RequirementCommand, "make_resolver", classmethod(patched_make_resolver))  # noqa: B010

    _index_hashes(PyPIRepository)

    if only_wheels:

        def allowed(self: Any, canonical_name: str) -> frozenset[str]:
            if canonical_name in allow_sdist:
                return frozenset({"binary", "source"})
            return frozenset({"binary"})

        setattr(FormatControl, "get_allowed_formats", allowed)  # noqa: B010


def _index_hashes(repository: Any) -> None:
    """Hashes from the index page, where it gives a file's sha256 (pip-tools would download
    the file to hash it). When it gives every matching file's, the project's JSON API is not
    asked either: one request per project per target saved, a 404 on most indexes, a
    document listing every release on others (pip-tools keeps only the files matched here)."""
    original_hash = repository._get_file_hash
    original_req_hashes = repository._get_req_hashes

    def sha256_of(link: Any) -> str | None:
        ok = getattr(link, "hash_name", None) == "sha256" and link.hash
        return f"sha256:{link.hash}" if ok else None

    def file_hash(self: Any, link: Any) -> str:
        return sha256_of(link) or str(original_hash(self, link))

    def req_hashes(self: Any, ireq: Any) -> set[str]:
        known = {sha256_of(c.link) for c in self._get_matching_candidates(ireq)}
        if known and None not in known:
            return {str(h) for h in known}
        return set(original_req_hashes(self, ireq))

    setattr(repository, "_get_file_hash", file_hash)  # noqa: B010
    setattr(repository, "_get_req_hashes", req_hashes)  # noqa: B010


def _wheel_sha256(link: Any) -> str | None:
    """The sha256 the index lists for a wheel link, if it lists one (a name for files)."""
    digest = link.hash if getattr(link, "hash_name", None) == "sha256" else None
    ok = link.is_wheel and isinstance(digest, str) and _SHA256.fullmatch(digest)
    return digest if ok else None


def _share_downloads(directory: str, metadata: _MetadataStore) -> None:
    """A wheel one target's resolution downloaded (pip reads its METADATA from the file)
    serves the others: kept in ``directory`` (this batch's own, new and empty) under the
    index's sha256 and its name, hashed before it is kept and again before it is used. Its
    METADATA goes to ``metadata`` as it is kept."""
    import pip._internal.operations.prepare as prepare

    original = prepare.get_http_url

    def get_http_url(link: Any, download: Any, download_dir: Any = None, hashes: Any = None) -> Any:
        expected = _wheel_sha256(link)
        if download_dir is not None or not expected:
            return original(link, download, download_dir, hashes)
        kept = os.path.join(directory, f"{expected}-{link.filename}")
        with _one_at_a_time(f"{kept}.lock"):  # a child wanting the same file waits, then reuses
            if os.path.isfile(kept) and sha256_file(Path(kept)) == expected:
                if hashes:
                    hashes.check_against_path(kept)
                return prepare.File(kept)
            file = original(link, download, download_dir, hashes)
            if (
                sha256_file(Path(file.path)) == expected
            ):  # a wrong file is pip's to report, never kept
                tmp = f"{kept}.{os.getpid()}.tmp"
                shutil.copyfile(file.path, tmp)
                os.replace(tmp, kept)  # whole or not at all: another child may read it next
                if (data := _wheel_metadata(kept, link.filename)) is not None:
                    metadata.put(expected, data)
            return file

    setattr(prepare, "get_http_url", get_http_url)  # noqa: B010


def _wheel_metadata(path: str, filename: str) -> bytes | None:
    """The METADATA of the wheel at ``path``, found and read as pip finds and reads it; None
    where pip would refuse it (pip then says why, reading the wheel itself)."""
    import zipfile

    from pip._internal.models.wheel import Wheel
    from pip._internal.utils.wheel import read_wheel_metadata_file, wheel_dist_info_dir
    from pip._vendor.packaging.utils import canonicalize_name

    try:
        with zipfile.ZipFile(path) as zf:
            info_dir = wheel_dist_info_dir(zf, canonicalize_name(Wheel(filename).name))
            data = bytes(read_wheel_metadata_file(zf, f"{info_dir}/METADATA"))
        data.decode("utf-8")
    except Exception:  # any refusal: pip reports it when it reads the wheel itself
        return None
    return data


class _MetadataStore:
    """Wheels' METADATA by the sha256 the index lists for the wheel: what pip resolves with
    (it reads nothing else of a wheel to resolve, and takes an index's PEP 658 file as that
    METADATA). The key is the file's content, so an entry cannot stand for other bytes: a
    changed file has another sha256, and misses.

    New entries go to ``run`` (this batch's own directory, shared by its children); ``kept``
    (wh's cache, across runs; None: none) is read too, and gains the run's entries when the
    batch ends (:meth:`persist`, by the parent, each write atomic and fsynced)."""

    def __init__(self, run: str, kept: str | None) -> None:
        self.run, self.kept = run, kept

    def _kept(self, digest: str) -> str | None:
        return os.path.join(self.kept, digest[:2], digest) if self.kept else None

    def lock(self, digest: str) -> str:
        return os.path.join(self.run, f"{digest}.lock")

    def get(self, digest: str) -> bytes | None:
        for path in (os.path.join(self.run, digest), self._kept(digest)):
            if path:
                with contextlib.suppress(OSError), open(path, "rb") as f:
                    return f.read()
        return None

    def put(self, digest: str, data: bytes) -> None:
        """Into this run's directory: whole or not at all (another child may read it next)."""
        tmp = os.path.join(self.run, f"{digest}.{os.getpid()}.tmp")
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, os.path.join(self.run, digest))

    def persist(self) -> None:
        from wh.adapters.fs import atomic_write_many

        new: dict[Path, bytes] = {}
        for name in os.listdir(self.run):
            kept = self._kept(name) if _SHA256.fullmatch(name) else None
            if kept and not os.path.exists(kept):
                new[Path(kept)] = Path(self.run, name).read_bytes()
        with contextlib.suppress(OSError):  # a cache that cannot be written is only slower
            for path in new:
                path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_many(new)


def _share_metadata(store: _MetadataStore) -> None:
    """pip asks for a wheel's METADATA before it downloads the wheel (PEP 658): answered from
    ``store`` where it holds the wheel's sha256, so the wheel is not downloaded; an index's
    PEP 658 file, fetched once, is kept there too."""
    import pip._internal.operations.prepare as prepare
    from pip._internal.metadata import get_metadata_distribution

    preparer = prepare.RequirementPreparer
    original = preparer._fetch_metadata_only

    def fetch_metadata_only(self: Any, req: Any) -> Any:
        digest = _wheel_sha256(req.link)
        if digest is None or req.req is None or self.require_hashes or self.legacy_resolver:
            return original(self, req)  # pip's own reasons not to read METADATA alone
        with _one_at_a_time(store.lock(digest)):
            data = store.get(digest)
            if data is None:
                dist = original(self, req)  # the index's PEP 658 file, where it offers one
                if dist is not None:
                    with contextlib.suppress(Exception):  # unreadable: pip says so, reading it
                        store.put(digest, dist.read_text("METADATA").encode())
                return dist
        return get_metadata_distribution(data, req.link.filename, req.req.name)

    setattr(preparer, "_fetch_metadata_only", fetch_metadata_only)  # noqa: B010


def _share_pages(directory: str) -> None:
    """Each index page is fetched once per lock run: the first target's resolution to ask for
    a URL fetches it and keeps the response in ``directory`` (this batch's own, new and empty,
    removed when the batch ends); every later request for that URL, from any target and from
    pip-tools' second pass for the hashes, reads it there. So one run sees one state of the
    index, whatever cache headers it sends. Failures are not kept: each asker meets them."""
    import pip._internal.index.collector as collector

    original = collector._get_index_content

    def get_index_content(link: Any, *, session: Any, force_revalidate: bool = False) -> Any:
        url = link.url.split("#", 1)[0]
        if not url.startswith(("http://", "https://")):
            return original(link, session=session, force_revalidate=force_revalidate)
        kept = os.path.join(directory, hashlib.sha256(url.encode()).hexdigest())
        with _one_at_a_time(f"{kept}.lock"):  # a child wanting the same page waits, then reads
            with contextlib.suppress(FileNotFoundError), open(kept, "rb") as f:
                head, content = f.read().split(b"\n", 1)
                fields = json.loads(head)
                return collector.IndexContent(
                    content, **fields, cache_link_parsing=link.cache_link_parsing
                )
            page = original(link, session=session, force_revalidate=force_revalidate)
            if page is not None:
                fields = {"content_type": page.content_type, "encoding": page.encoding}
                head = json.dumps({**fields, "url": page.url}).encode()
                tmp = f"{kept}.{os.getpid()}.tmp"
                with open(tmp, "wb") as f:
                    f.write(head + b"\n" + page.content)
                os.replace(tmp, kept)  # whole or not at all
            return page

    setattr(collector, "_get_index_content", get_index_content)  # noqa: B010


@contextlib.contextmanager
def _one_at_a_time(path: str) -> Iterator[None]:
    """An exclusive lock on ``path`` between the forked children (none where fcntl is not)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - no fork there either: one target per process
        yield
        return
    with open(path, "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _self_check(env: dict[str, str], tag_strings: list[str], version: tuple[int, ...]) -> None:
    from pip._internal.models.target_python import TargetPython
    from pip._internal.models.wheel import Wheel
    from pip._vendor.packaging.markers import Marker

    probe = (
        f'sys_platform == "{env["sys_platform"]}" and python_version == "{env["python_version"]}"'
    )
    target = TargetPython()
    checks = {
        "markers": Marker(probe).evaluate({"extra": ""}),
        "tags": str(target.get_sorted_tags()[0]) == str(next(iter(tag_strings))),
        "version": target.py_version_info == version,
        "wheel match": Wheel(f"x-1-{tag_strings[0]}.whl").supported(target.get_unsorted_tags()),
    }
    failed = [name for name, ok in checks.items() if not ok]
    if failed:
        raise SystemExit(f"wh: pip/pip-tools internals moved; patch failed: {', '.join(failed)}")


def _run_job(job: dict[str, Any], shared: str, metadata: _MetadataStore) -> int:
    """One target, in this process: patch, check, run pip-compile; its exit code."""
    env, tags, version = _load(job["target"])
    _apply(env, tags, version, bool(job.get("only_wheels")), set(job.get("allow_sdist", ())))
    _share_downloads(shared, metadata)
    _share_pages(os.path.join(shared, "pages"))
    _share_metadata(metadata)
    _self_check(env, tags, version)
    from piptools.scripts.compile import cli

    from wh.adapters.pipindex import take_extras

    try:
        cli.main(args=[*take_extras(), *job["args"]], prog_name="pip-compile")
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0


def _child(job: dict[str, Any], shared: str, metadata: _MetadataStore) -> int:
    fd = os.open(job["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    try:
        return _run_job(job, shared, metadata)
    except BaseException:  # report, never fall back into the parent's loop
        traceback.print_exc()
        return 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()


def main(argv: list[str]) -> int:
    batch = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    shared = tempfile.mkdtemp(prefix="wh-lock-wheels-")
    os.mkdir(os.path.join(shared, "pages"))
    os.mkdir(os.path.join(shared, "metadata"))
    metadata = _MetadataStore(os.path.join(shared, "metadata"), batch.get("metadata_cache"))
    try:
        return _run_batch(batch, shared, metadata)
    finally:
        metadata.persist()
        shutil.rmtree(shared, ignore_errors=True)


def _warm() -> None:
    """What pip computes once per process (lru_cache), computed before the children fork
    rather than once in each: the User-Agent (lsb_release, uname and rustc run for it) and the
    SSL context (the system's and certifi's certificates loaded)."""
    with contextlib.suppress(ImportError):  # moved in a later pip: only this saving is lost
        from pip._internal.cli.index_command import _create_truststore_ssl_context
        from pip._internal.network.session import user_agent

        user_agent()
        _create_truststore_ssl_context()


def _run_batch(batch: dict[str, Any], shared: str, metadata: _MetadataStore) -> int:
    jobs: list[dict[str, Any]] = batch["jobs"]
    import piptools.scripts.compile  # noqa: F401  - the heavy imports, shared by every child

    _warm()

    if len(jobs) == 1 or not hasattr(os, "fork"):  # one job: no child needed
        worst = 0
        for job in jobs:
            started = time.perf_counter()
            saved = os.dup(1), os.dup(2)
            code = _child(job, shared, metadata)
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            worst = max(worst, 1 if code else 0)
            print(f"done {job['name']} {code} {time.perf_counter() - started:.2f}", flush=True)
        return worst
    running: dict[int, tuple[str, float]] = {}
    worst = 0

    def reap() -> None:
        nonlocal worst
        pid, status = os.wait()
        name, started = running.pop(pid)
        code = os.waitstatus_to_exitcode(status)
        worst = max(worst, 1 if code else 0)
        print(f"done {name} {code} {time.perf_counter() - started:.2f}", flush=True)

    for job in jobs:
        while len(running) >= max(1, int(batch.get("parallel", 1))):
            reap()
        sys.stdout.flush()
        pid = os.fork()
        if pid == 0:  # the child: never returns into this loop
            os._exit(_child(job, shared, metadata))
        running[pid] = (job["name"], time.perf_counter())
    while running:
        reap()
    return worst


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
