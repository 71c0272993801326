"""StatCache/HashCache: a value is reused while the file's stat is unchanged, and only then."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import pytest

from wh.adapters.cache import HashCache, StatCache


@pytest.fixture(autouse=True)
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "cache"
    monkeypatch.setenv("WH_CACHE_DIR", str(home))
    return home


@pytest.fixture
def wheel(tmp_path: Path) -> Path:
    path = tmp_path / "pure-1.0-py3-none-any.whl"
    path.write_bytes(b"first contents")
    return path


def rewrite_keeping_size_and_mtime(path: Path, data: bytes) -> os.stat_result:
    """Change ``path``'s bytes, then set its mtime back, as a user can; returns the new stat.
    Rewrites until the ctime moves (it has the kernel's timestamp granularity)."""
    before = path.stat()
    assert len(data) == before.st_size
    while True:
        path.write_bytes(data)
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
        after = path.stat()
        if after.st_ctime_ns != before.st_ctime_ns:
            return after
        time.sleep(0.001)


def test_a_value_is_returned_for_the_same_stat(wheel: Path) -> None:
    cache = StatCache("meta")
    st = wheel.stat()
    assert cache.get(wheel, st) is None
    cache.put(wheel, st, {"name": "pure"})
    assert cache.get(wheel, wheel.stat()) == {"name": "pure"}


def test_a_changed_size_is_a_miss(wheel: Path) -> None:
    cache = StatCache("meta")
    cache.put(wheel, wheel.stat(), "old")
    wheel.write_bytes(b"longer contents now")
    assert cache.get(wheel, wheel.stat()) is None


def test_a_change_with_the_mtime_set_back_is_a_miss(wheel: Path) -> None:
    cache = StatCache("meta")
    cache.put(wheel, wheel.stat(), "old")
    st = rewrite_keeping_size_and_mtime(wheel, b"other contents")
    assert cache.get(wheel, st) is None


def test_a_file_replaced_under_the_same_name_is_a_miss(wheel: Path, tmp_path: Path) -> None:
    cache = StatCache("meta")
    cache.put(wheel, wheel.stat(), "old")
    other = tmp_path / "other"
    other.write_bytes(b"first contents")
    os.utime(other, ns=(wheel.stat().st_atime_ns, wheel.stat().st_mtime_ns))
    other.replace(wheel)  # a new inode
    assert cache.get(wheel, wheel.stat()) is None


def test_a_value_is_kept_by_path_not_by_content(wheel: Path, tmp_path: Path) -> None:
    cache = StatCache("meta")
    cache.put(wheel, wheel.stat(), "old")
    copy = tmp_path / "copy.whl"
    copy.write_bytes(wheel.read_bytes())
    assert cache.get(copy, copy.stat()) is None


def test_saved_values_are_found_by_the_next_run(wheel: Path, cache_home: Path) -> None:
    cache = StatCache("meta")
    cache.put(wheel, wheel.stat(), [1, "two"])
    cache.save()
    assert (cache_home / "meta.json").is_file()
    assert StatCache("meta").get(wheel, wheel.stat()) == [1, "two"]
    assert StatCache("other").get(wheel, wheel.stat()) is None


def test_a_disabled_cache_reads_nothing_and_keeps_nothing(wheel: Path, cache_home: Path) -> None:
    saved = StatCache("meta")
    saved.put(wheel, wheel.stat(), "saved")
    saved.save()
    disabled = StatCache("meta", enabled=False)
    assert disabled.get(wheel, wheel.stat()) is None
    disabled.put(wheel, wheel.stat(), "new")
    assert disabled.get(wheel, wheel.stat()) is None
    disabled.save()
    assert StatCache("meta").get(wheel, wheel.stat()) == "saved"


def test_a_corrupt_cache_file_is_an_empty_cache(wheel: Path, cache_home: Path) -> None:
    cache_home.mkdir()
    (cache_home / "meta.json").write_text("{not json")
    cache = StatCache("meta")
    assert cache.get(wheel, wheel.stat()) is None
    cache.put(wheel, wheel.stat(), "v")
    cache.save()
    assert StatCache("meta").get(wheel, wheel.stat()) == "v"


def test_hash_cache_rehashes_a_file_changed_behind_its_back(wheel: Path) -> None:
    cache = HashCache()
    assert cache.sha256(wheel) == hashlib.sha256(b"first contents").hexdigest()
    rewrite_keeping_size_and_mtime(wheel, b"other contents")
    assert cache.sha256(wheel) == hashlib.sha256(b"other contents").hexdigest()


def test_hash_cache_returns_remembered_digests_without_reading(wheel: Path) -> None:
    cache = HashCache()
    cache.remember(wheel, "f" * 64)  # e.g. the hash computed while downloading
    assert cache.sha256(wheel) == "f" * 64


def test_sha256_many_mixes_remembered_and_read_files(wheel: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.whl"
    other.write_bytes(b"other")
    cache = HashCache()
    cache.remember(wheel, "e" * 64)
    digests = cache.sha256_many([wheel, other], jobs=2)
    assert digests == {wheel: "e" * 64, other: hashlib.sha256(b"other").hexdigest()}
    cache.save()
    assert HashCache().sha256(other) == hashlib.sha256(b"other").hexdigest()
