"""Real C and C++ extension sdists (setuptools), and setuptools itself as a wheel an index can
serve, for the cross-build tests and benchmark. Deterministic bytes; nothing downloaded."""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import io
import tarfile
import zipfile
from pathlib import Path

from tests.support.wh_test_backend import ZIP_DATE, dist_name

_C = r"""
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <string.h>

static PyObject* add(PyObject* self, PyObject* args) {
    long a, b;
    if (!PyArg_ParseTuple(args, "ll", &a, &b)) return NULL;
    return PyLong_FromLong(a + b);
}

static PyObject* hypot2(PyObject* self, PyObject* args) {
    double x, y;
    if (!PyArg_ParseTuple(args, "dd", &x, &y)) return NULL;
    return PyFloat_FromDouble(sqrt(x * x + y * y));
}

/* FNV-1a over the bytes: the same answer on every CPU, computed natively. */
static PyObject* fnv(PyObject* self, PyObject* args) {
    const char* s; Py_ssize_t n; unsigned long long h = 1469598103934665603ULL;
    if (!PyArg_ParseTuple(args, "s#", &s, &n)) return NULL;
    for (Py_ssize_t i = 0; i < n; i++) { h ^= (unsigned char)s[i]; h *= 1099511628211ULL; }
    return PyLong_FromUnsignedLongLong(h);
}

static PyMethodDef methods[] = {
    {"add", add, METH_VARARGS, "a + b"},
    {"hypot2", hypot2, METH_VARARGS, "sqrt(x*x + y*y)"},
    {"fnv", fnv, METH_VARARGS, "FNV-1a 64 of a string"},
    {NULL, NULL, 0, NULL}
};
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_native", NULL, -1, methods};
PyMODINIT_FUNC PyInit__native(void) { return PyModule_Create(&module); }
"""

_CPP = r"""
#include <Python.h>
#include <algorithm>
#include <string>
#include <vector>

static PyObject* sorted_words(PyObject* self, PyObject* args) {
    const char* text;
    if (!PyArg_ParseTuple(args, "s", &text)) return NULL;
    std::vector<std::string> words;
    std::string word;
    for (const char* p = text;; ++p) {
        if (*p == ' ' || *p == '\0') {
            if (!word.empty()) words.push_back(word);
            word.clear();
            if (*p == '\0') break;
        } else {
            word += *p;
        }
    }
    std::sort(words.begin(), words.end());
    std::string joined;
    for (size_t i = 0; i < words.size(); ++i) joined += (i ? "," : "") + words[i];
    return PyUnicode_FromString(joined.c_str());
}

static PyMethodDef methods[] = {
    {"sorted_words", sorted_words, METH_VARARGS, "the words of a text, sorted"},
    {NULL, NULL, 0, NULL}
};
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_native", NULL, -1, methods};
extern "C" PyMODINIT_FUNC PyInit__native(void) { return PyModule_Create(&module); }
"""

_MISSING_HEADER = r"""
#include <Python.h>
#include <libxml/xmlversion.h>
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_native", NULL, -1, NULL};
PyMODINIT_FUNC PyInit__native(void) { return PyModule_Create(&module); }
"""

SOURCES = {
    "hang": ("_native.c", _C),
    "c": ("_native.c", _C),
    "c++": ("_native.cpp", _CPP),
    "libxml": ("_native.c", _MISSING_HEADER),
}


def make_c_sdist(directory: Path, name: str, version: str, language: str = "c") -> Path:
    """``{name}-{version}.tar.gz``: a setuptools project with one extension ``{pkg}._native``
    written in ``language`` ("c", "c++", "libxml": C that needs libxml2's headers, or "hang":
    a setup.py that never finishes)."""
    package = dist_name(name)
    source_name, source = SOURCES[language]
    extra = ', extra_compile_args=["-std=c++17"]' if language == "c++" else ""
    files = {
        "pyproject.toml": (
            '[build-system]\nrequires = ["setuptools>=70.1"]\n'
            'build-backend = "setuptools.build_meta"\n\n'
            f'[project]\nname = "{name}"\nversion = "{version}"\n'
        ),
        "setup.py": (
            ("import time\n\ntime.sleep(3600)\n" if language == "hang" else "")
            + "from setuptools import Extension, setup\n\n"
            f'setup(ext_modules=[Extension("{package}._native",'
            f' ["{package}/{source_name}"]{extra})])\n'
        ),
        "PKG-INFO": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        f"{package}/__init__.py": "from ._native import *  # noqa: F403\n",
        f"{package}/{source_name}": source,
    }
    stem = f"{package}-{version}"
    path = directory / f"{stem}.tar.gz"
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for rel, text in sorted(files.items()):
            data = text.encode()
            info = tarfile.TarInfo(f"{stem}/{rel}")
            info.size, info.mtime, info.mode = len(data), 315532800, 0o644
            tar.addfile(info, io.BytesIO(data))
    import gzip

    path.write_bytes(gzip.compress(buffer.getvalue(), mtime=0))
    return path


def setuptools_wheel(directory: Path) -> Path:
    """The setuptools installed beside the tests, packed as a wheel an index can serve (so
    isolated builds fetch their backend from the loopback index, never from outside)."""
    dist = importlib.metadata.distribution("setuptools")
    version = dist.version
    root = Path(str(dist.locate_file("")))
    skip = ("INSTALLER", "REQUESTED", "RECORD", "direct_url.json")
    entries: dict[str, bytes] = {}
    for file in dist.files or ():
        rel = file.as_posix()
        if rel.startswith("..") or "__pycache__" in rel or rel.endswith(".pyc"):
            continue
        if ".dist-info/" in rel and rel.rsplit("/", 1)[-1] in skip:
            continue
        entries[rel] = (root / rel).read_bytes()
    info = f"setuptools-{version}.dist-info"
    record = [
        f"{rel},sha256={base64.urlsafe_b64encode(hashlib.sha256(d).digest()).rstrip(b'=').decode()},{len(d)}"
        for rel, d in entries.items()
    ]
    entries[f"{info}/RECORD"] = ("\n".join([*record, f"{info}/RECORD,,"]) + "\n").encode()
    path = directory / f"setuptools-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for rel, data in sorted(entries.items()):
            zinfo = zipfile.ZipInfo(rel, ZIP_DATE)
            zinfo.external_attr = 0o644 << 16
            zinfo.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(zinfo, data)
    return path
