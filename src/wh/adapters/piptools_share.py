"""What the per-target pip-compile runs of one ``wh lock`` share (see
:mod:`wh.adapters.piptools_shim`, which installs these into pip before the children fork):
each index page, each wheel pip downloads, and each wheel's METADATA (kept across runs too,
by the sha256 the index lists for the wheel). Imported only inside the shim's process."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from wh.adapters.fs import sha256_file

SHA256 = re.compile("[0-9a-f]{64}")


def wheel_sha256(link: Any) -> str | None:
    """The sha256 the index lists for a wheel link, if it lists one (a name for files)."""
    digest = link.hash if getattr(link, "hash_name", None) == "sha256" else None
    ok = link.is_wheel and isinstance(digest, str) and SHA256.fullmatch(digest)
    return digest if ok else None


def share_downloads(directory: str, metadata: MetadataStore) -> None:
    """A wheel one target's resolution downloaded (pip reads its METADATA from the file)
    serves the others: kept in ``directory`` (this batch's own, new and empty) under the
    index's sha256 and its name, hashed before it is kept and again before it is used. Its
    METADATA goes to ``metadata`` as it is kept."""
    import pip._internal.operations.prepare as prepare

    original = prepare.get_http_url

    def get_http_url(link: Any, download: Any, download_dir: Any = None, hashes: Any = None) -> Any:
        expected = wheel_sha256(link)
        if download_dir is not None or not expected:
            return original(link, download, download_dir, hashes)
        kept = os.path.join(directory, f"{expected}-{link.filename}")
        with one_at_a_time(f"{kept}.lock"):  # a child wanting the same file waits, then reuses
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
                if (data := wheel_metadata(kept, link.filename)) is not None:
                    metadata.put(expected, data)
            return file

    setattr(prepare, "get_http_url", get_http_url)  # noqa: B010


def wheel_metadata(path: str, filename: str) -> bytes | None:
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


class MetadataStore:
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
            kept = self._kept(name) if SHA256.fullmatch(name) else None
            if kept and not os.path.exists(kept):
                new[Path(kept)] = Path(self.run, name).read_bytes()
        with contextlib.suppress(OSError):  # a cache that cannot be written is only slower
            for path in new:
                path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_many(new)


def share_metadata(store: MetadataStore) -> None:
    """pip asks for a wheel's METADATA before it downloads the wheel (PEP 658): answered from
    ``store`` where it holds the wheel's sha256, so the wheel is not downloaded; an index's
    PEP 658 file, fetched once, is kept there too."""
    import pip._internal.operations.prepare as prepare
    from pip._internal.metadata import get_metadata_distribution

    preparer = prepare.RequirementPreparer
    original = preparer._fetch_metadata_only

    def fetch_metadata_only(self: Any, req: Any) -> Any:
        digest = wheel_sha256(req.link)
        if digest is None or req.req is None or self.require_hashes or self.legacy_resolver:
            return original(self, req)  # pip's own reasons not to read METADATA alone
        with one_at_a_time(store.lock(digest)):
            data = store.get(digest)
            if data is None:
                dist = original(self, req)  # the index's PEP 658 file, where it offers one
                if dist is not None:
                    with contextlib.suppress(Exception):  # unreadable: pip says so, reading it
                        store.put(digest, dist.read_text("METADATA").encode())
                return dist
        return get_metadata_distribution(data, req.link.filename, req.req.name)

    setattr(preparer, "_fetch_metadata_only", fetch_metadata_only)  # noqa: B010


def share_pages(directory: str) -> None:
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
        with one_at_a_time(f"{kept}.lock"):  # a child wanting the same page waits, then reads
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
def one_at_a_time(path: str) -> Iterator[None]:
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
