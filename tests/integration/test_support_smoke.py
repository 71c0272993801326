"""The test support library works: made distributions are valid, the indexes serve them."""

from __future__ import annotations

import base64
import hashlib
import os
import re
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest

from tests.support.index import JSON_TYPE, Faults, PypiServer, SimpleIndex
from tests.support.netenv import isolated_env
from tests.support.wheels import make_sdist, make_wheel, sha256_of

MANYLINUX = "cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64"


def pip(*args: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "pip", *args]
    result = subprocess.run(cmd, env=isolated_env(), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


class Links(HTMLParser):
    """(text, attributes) of every <a> on a page."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, dict[str, str | None]]] = []
        self._attrs: dict[str, str | None] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._attrs = dict(attrs)

    def handle_data(self, data: str) -> None:
        if self._attrs is not None:
            self.links.append((data, self._attrs))
            self._attrs = None


def links_of(page: str) -> dict[str, dict[str, str | None]]:
    parser = Links()
    parser.feed(page)
    return dict(parser.links)


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(trust_env=False, follow_redirects=True, timeout=10) as c:
        yield c


@pytest.fixture
def files(tmp_path: Path) -> list[Path]:
    root = tmp_path / "index"
    return [
        make_wheel(root, "Foo.Bar", "1.0"),
        make_wheel(root, "foo-bar", "1.1", MANYLINUX, requires_python=">=3.8,<4"),
        make_sdist(root, "foo_bar", "1.1"),
        make_wheel(root, "other", "2.0"),
    ]


# --- wheels -------------------------------------------------------------------------------


def test_make_wheel_is_valid_and_deterministic(tmp_path: Path) -> None:
    def make(directory: Path) -> Path:
        requires = ["a>=1", 'b; python_version < "3.12"']
        return make_wheel(directory, "Foo.Bar", "1.0", MANYLINUX, requires_dist=requires,
                          requires_python=">=3.8", size=100_000)  # fmt: skip

    first = make(tmp_path / "a")
    assert first.name == f"foo_bar-1.0-{MANYLINUX}.whl"
    assert sha256_of(first) == sha256_of(make(tmp_path / "b"))
    assert 100_000 < first.stat().st_size < 102_000  # padding is incompressible

    with zipfile.ZipFile(first) as wheel:
        names = wheel.namelist()
        assert names[-1] == "foo_bar-1.0.dist-info/RECORD"
        record = wheel.read(names[-1]).decode().splitlines()
        for line in record[:-1]:
            path, digest, size = line.split(",")
            data = wheel.read(path)
            expected = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
            assert (digest, int(size)) == (f"sha256={expected.decode()}", len(data))
        assert record[-1] == "foo_bar-1.0.dist-info/RECORD,,"
        meta = wheel.read("foo_bar-1.0.dist-info/METADATA").decode()
        tags = wheel.read("foo_bar-1.0.dist-info/WHEEL").decode()
    assert "Name: Foo.Bar\nVersion: 1.0\nRequires-Dist: a>=1\n" in meta
    assert "Requires-Python: >=3.8" in meta
    assert "Root-Is-Purelib: false" in tags
    assert re.findall(r"^Tag: (.*)$", tags, re.M) == [
        "cp311-cp311-manylinux_2_17_x86_64",
        "cp311-cp311-manylinux2014_x86_64",
    ]


def test_made_wheel_installs_and_imports(tmp_path: Path) -> None:
    modules = {"hello_pkg/__init__.py": "GREETING = 'hi'\n", "hello_pkg/sub.py": "X = 1\n"}
    make_wheel(tmp_path / "wheels", "hello-pkg", "0.3", "py2.py3-none-any", modules=modules)
    target = tmp_path / "target"
    pip("install", "--no-deps", "--no-index", "--find-links", str(tmp_path / "wheels"),
        "--target", str(target), "hello-pkg==0.3")  # fmt: skip
    code = "import hello_pkg, hello_pkg.sub; print(hello_pkg.GREETING, hello_pkg.sub.X)"
    env = isolated_env(PYTHONPATH=str(target))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.stdout.strip() == "hi 1", out.stderr
    assert (target / "hello_pkg-0.3.dist-info" / "RECORD").is_file()


@pytest.mark.parametrize("native", [False, True])
def test_sdist_builds_offline(tmp_path: Path, native: bool) -> None:
    sdist = make_sdist(tmp_path, "My.Lib", "2.0", native=native, requires_dist=["dep>=1"])
    assert sdist.name == "my_lib-2.0.tar.gz"
    again = make_sdist(tmp_path / "again", "My.Lib", "2.0", native=native, requires_dist=["dep>=1"])
    assert sha256_of(again) == sha256_of(sdist)
    out = tmp_path / "out"
    pip("wheel", "--no-deps", "--no-index", "--wheel-dir", str(out), str(sdist))
    (wheel,) = out.iterdir()
    if native:
        py = f"cp{sys.version_info.major}{sys.version_info.minor}"
        assert re.fullmatch(rf"my_lib-2\.0-{py}-{py}-linux_[a-z0-9_]+\.whl", wheel.name)
    else:
        assert wheel.name == "my_lib-2.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as archive:
        assert "Requires-Dist: dep>=1" in archive.read("my_lib-2.0.dist-info/METADATA").decode()
        assert f"NATIVE = {native}" in archive.read("my_lib/__init__.py").decode()


# --- indexes ------------------------------------------------------------------------------


def test_pypiserver_serves_sha256_links(files: list[Path], client: httpx.Client) -> None:
    with PypiServer(files[0].parent) as index:
        assert index.url.startswith("http://127.0.0.1:") and index.url.endswith("/simple")
        page = client.get(f"{index.url}/Foo_Bar/")
        links = links_of(page.text)
        assert sorted(links) == sorted(p.name for p in files[:3])
        for path in files[:3]:
            href = str(links[path.name]["href"])
            assert href.endswith(f"#sha256={sha256_of(path)}")
            assert client.get(page.url.join(href)).content == path.read_bytes()
        assert client.get(f"{index.url}/missing/").status_code == 404  # no fallback redirect
        assert index.hits[f"/packages/{files[0].name}"] == 1


def test_simple_index_json_and_html(files: list[Path], client: httpx.Client) -> None:
    with SimpleIndex(files[0].parent) as index:
        index.set_file_meta(files[0].name, yanked="broken")
        index.set_file_meta(files[1].name, requires_python=">=3.8,<4")
        accept = {"Accept": f"{JSON_TYPE}, text/html;q=0.1"}
        response = client.get(f"{index.url}/FOO.bar", headers=accept)
        assert response.headers["content-type"] == JSON_TYPE
        page = response.json()
        assert page["meta"]["api-version"].startswith("1.") and page["name"] == "foo-bar"
        by_name = {f["filename"]: f for f in page["files"]}
        assert sorted(by_name) == sorted(p.name for p in files[:3])
        for path in files[:3]:
            entry = by_name[path.name]
            assert entry["hashes"] == {"sha256": sha256_of(path)}
            assert entry["size"] == path.stat().st_size
            assert client.get(entry["url"]).content == path.read_bytes()
        assert by_name[files[0].name]["yanked"] == "broken"
        assert by_name[files[1].name]["requires-python"] == ">=3.8,<4"
        assert by_name[files[2].name]["yanked"] is False

        html_page = client.get(f"{index.url}/foo-bar/", headers={"Accept": "text/html"})
        assert html_page.headers["content-type"].startswith("text/html")
        assert "&gt;=3.8,&lt;4" in html_page.text
        links = links_of(html_page.text)
        assert sorted(links) == sorted(p.name for p in files[:3])
        assert links[files[0].name]["data-yanked"] == "broken"
        assert links[files[1].name]["data-requires-python"] == ">=3.8,<4"
        assert str(links[files[2].name]["href"]).endswith(f"#sha256={sha256_of(files[2])}")

        assert sorted(links_of(client.get(f"{index.url}/").text)) == ["foo-bar", "other"]
        assert client.get(f"{index.url}/missing/").status_code == 404
    with SimpleIndex(files[0].parent, json=False) as index:
        response = client.get(f"{index.url}/other/", headers=accept)
        assert response.headers["content-type"].startswith("text/html")


def test_pip_downloads_from_simple_index(files: list[Path], tmp_path: Path) -> None:
    with SimpleIndex(files[0].parent) as index:
        pip("download", "--no-deps", "--index-url", index.url, "-d", str(tmp_path / "dl"),
            "--only-binary", ":all:", "--python-version", "3.11", "--platform",
            "manylinux2014_x86_64", "foo-bar")  # fmt: skip
        assert index.downloads(files[1].name) == 1
    assert sha256_of(tmp_path / "dl" / files[1].name) == sha256_of(files[1])


def test_faults(files: list[Path], client: httpx.Client) -> None:
    wheel = files[0]
    faults = Faults()
    with SimpleIndex(wheel.parent, faults=faults) as index:
        url = index.file_url(wheel.name)
        faults.wrong_bytes.add(wheel.name)
        served = client.get(url).content
        assert len(served) == wheel.stat().st_size
        assert hashlib.sha256(served).hexdigest() != sha256_of(wheel)
        faults.wrong_bytes.clear()

        faults.truncate.add(wheel.name)
        with pytest.raises(httpx.RemoteProtocolError):
            client.get(url)
        faults.truncate.clear()

        faults.reset.add(wheel.name)
        with pytest.raises(httpx.TransportError):
            client.get(url)
        faults.reset.clear()

        faults.fail_times[wheel.name] = 2
        assert [client.get(url).status_code for _ in range(3)] == [500, 500, 200]
        assert index.downloads(wheel.name) == 6

        faults.page_status["foo-bar"] = 503
        assert [client.get(f"{index.url}/foo-bar/").status_code for _ in range(2)] == [503] * 2
        del faults.page_status["foo-bar"]

        evil = "../evil-1.0-py3-none-any.whl"
        faults.listed_as[files[3].name] = evil
        page = client.get(f"{index.url}/other/", headers={"Accept": JSON_TYPE}).json()
        assert [f["filename"] for f in page["files"]] == [evil]
        assert page["files"][0]["url"].endswith("/files/..%2Fevil-1.0-py3-none-any.whl")
        assert evil in links_of(client.get(f"{index.url}/other/").text)
        assert client.get(page["files"][0]["url"]).content == files[3].read_bytes()


def test_basic_auth(files: list[Path], client: httpx.Client) -> None:
    with SimpleIndex(files[0].parent, auth=("alice", "s3cret")) as index:
        refused = client.get(f"{index.url}/other/")
        assert refused.status_code == 401 and "Basic" in refused.headers["www-authenticate"]
        assert client.get(f"{index.url}/other/", auth=("alice", "wrong")).status_code == 401
        assert client.get(f"{index.url}/other/", auth=("alice", "s3cret")).status_code == 200
        assert client.get(f"{index.auth_url}/other/").status_code == 200


def test_isolated_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIP_INDEX_URL", "https://example.invalid/simple")
    env = isolated_env(EXTRA="1")
    assert not {k for k in env if k.startswith("PIP_")} - {
        "PIP_CONFIG_FILE",
        "PIP_DISABLE_PIP_VERSION_CHECK",
        "PIP_NO_INPUT",
    }
    assert env["PIP_CONFIG_FILE"] == os.devnull and env["EXTRA"] == "1"
    config = subprocess.run(
        [sys.executable, "-m", "pip", "config", "list"], env=env, capture_output=True, text=True
    )
    assert config.returncode == 0
    assert all(line.startswith(":env:.") for line in config.stdout.splitlines())
    assert "index" not in config.stdout and "find-links" not in config.stdout
