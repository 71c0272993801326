"""Run pip-compile as if on a foreign target, from this machine.

    python -m wh.adapters.piptools_shim TARGET.json [--only-wheels] [--allow-sdist a,b] \
        -- <pip-compile arguments>

TARGET.json is pex's ``--complete-platform`` document (``Target.complete_platform()``):
``{"marker_environment": {all 11 PEP 508 keys}, "compatible_tags": [most specific first]}``.

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
"""

from __future__ import annotations

import inspect
import json
import sys
from pathlib import Path
from typing import Any

MARKER_KEYS = (
    "implementation_name",
    "implementation_version",
    "os_name",
    "platform_machine",
    "platform_python_implementation",
    "platform_release",
    "platform_system",
    "platform_version",
    "python_full_version",
    "python_version",
    "sys_platform",
)


def _load(path: str) -> tuple[dict[str, str], list[str], tuple[int, int, int]]:
    doc = json.loads(Path(path).read_text(encoding="utf-8"))
    env, tags = doc["marker_environment"], doc["compatible_tags"]
    missing = [k for k in MARKER_KEYS if k not in env]
    if missing:  # a partial environment would silently take the host's values
        raise SystemExit(f"{path}: marker_environment lacks {', '.join(missing)}")
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

    original_hash = PyPIRepository._get_file_hash

    def file_hash(self: Any, link: Any) -> str:
        if getattr(link, "hash_name", None) == "sha256" and link.hash:
            return f"sha256:{link.hash}"
        return str(original_hash(self, link))

    setattr(PyPIRepository, "_get_file_hash", file_hash)  # noqa: B010

    if only_wheels:

        def allowed(self: Any, canonical_name: str) -> frozenset[str]:
            if canonical_name in allow_sdist:
                return frozenset({"binary", "source"})
            return frozenset({"binary"})

        setattr(FormatControl, "get_allowed_formats", allowed)  # noqa: B010


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


def main(argv: list[str]) -> None:
    if "--" not in argv or not argv or argv[0].startswith("-"):
        raise SystemExit(__doc__.split("\n\n")[1] if __doc__ else "usage")
    head, args = argv[: argv.index("--")], argv[argv.index("--") + 1 :]
    only_wheels = "--only-wheels" in head
    allow = head[head.index("--allow-sdist") + 1] if "--allow-sdist" in head else ""
    env, tags, version = _load(head[0])
    _apply(env, tags, version, only_wheels, {a for a in allow.split(",") if a})
    _self_check(env, tags, version)
    from piptools.scripts.compile import cli

    cli.main(args=args, prog_name="pip-compile")


if __name__ == "__main__":
    main(sys.argv[1:])
