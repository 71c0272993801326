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
batch (:mod:`wh.adapters.piptools_share`): each index page, each wheel pip downloads, and
each wheel's METADATA, which is all pip reads of a wheel to resolve. METADATA is also kept
across runs in ``metadata_cache`` (optional), by the sha256 the index lists for the wheel:
a later lock downloads no wheel whose bytes it has read before.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import os
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

from wh.adapters.piptools_share import (
    MetadataStore,
    share_downloads,
    share_metadata,
    share_pages,
)
from wh.core.targets import MARKER_KEYS


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


def _run_job(job: dict[str, Any], shared: str, metadata: MetadataStore) -> int:
    """One target, in this process: patch, check, run pip-compile; its exit code."""
    env, tags, version = _load(job["target"])
    _apply(env, tags, version, bool(job.get("only_wheels")), set(job.get("allow_sdist", ())))
    share_downloads(shared, metadata)
    share_pages(os.path.join(shared, "pages"))
    share_metadata(metadata)
    _self_check(env, tags, version)
    from piptools.scripts.compile import cli

    from wh.adapters.pipindex import take_extras

    try:
        cli.main(args=[*take_extras(), *job["args"]], prog_name="pip-compile")
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0


def _child(job: dict[str, Any], shared: str, metadata: MetadataStore) -> int:
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
    metadata = MetadataStore(os.path.join(shared, "metadata"), batch.get("metadata_cache"))
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


def _run_batch(batch: dict[str, Any], shared: str, metadata: MetadataStore) -> int:
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
