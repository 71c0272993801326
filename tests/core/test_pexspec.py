"""``[tool.wh.pex.<name>]`` read into PexSpec, and which files provide an entry point's module."""

from __future__ import annotations

from typing import Any

import pytest

from wh.core.pexspec import DEFAULT_SHEBANG, module_paths, parse_pex_specs, provides
from wh.errors import ConfigError

ONE_LOCK = ("requirements.txt",)


def parse(spec: dict[str, Any], lockfiles: tuple[str, ...] = ONE_LOCK) -> Any:
    return parse_pex_specs({"app": spec}, lockfiles)["app"]


def test_a_minimal_spec_takes_the_only_lockfile_and_the_defaults() -> None:
    spec = parse({"output": "dist/app.pex", "entry-point": "app.main:run"})
    assert spec.name == "app"
    assert spec.lockfile == "requirements.txt"
    assert spec.output == "dist/app.pex"
    assert spec.entry_point == "app.main:run" and spec.script is None
    assert spec.sources == ()
    assert spec.platforms is None and spec.python is None  # every configured one
    assert spec.shebang == DEFAULT_SHEBANG


def test_lists_are_kept_in_order() -> None:
    spec = parse(
        {
            "output": "a.pex",
            "script": "app",
            "sources": ["src", "extra"],
            "platforms": ["manylinux_2_28_x86_64", "macosx"],
            "python": ["3.12", "3.11"],
        }
    )
    assert spec.sources == ("src", "extra")
    assert spec.platforms == ("manylinux_2_28_x86_64", "macosx")
    assert spec.python == ("3.12", "3.11")


def test_a_shebang_without_hash_bang_gets_one() -> None:
    spec = parse({"output": "a.pex", "script": "app", "shebang": "/usr/bin/python3.12"})
    assert spec.shebang == "#!/usr/bin/python3.12"


def test_with_several_lockfiles_the_spec_must_name_one() -> None:
    with pytest.raises(
        ConfigError, match=r"\[tool.wh.pex.app\] lockfile: name one of a.txt, b.txt"
    ):
        parse({"output": "a.pex", "script": "app"}, ("a.txt", "b.txt"))
    spec = parse({"output": "a.pex", "script": "app", "lockfile": "b.txt"}, ("a.txt", "b.txt"))
    assert spec.lockfile == "b.txt"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"output": "a.pex", "script": "app", "colour": 1}, r"colour: unknown key"),
        ({"script": "app"}, r"output: a path is required"),
        ({"output": "", "script": "app"}, r"output: a path is required"),
        ({"output": "a.pex"}, r"give exactly one of entry-point or script"),
        (
            {"output": "a.pex", "script": "app", "entry-point": "app:main"},
            r"give exactly one of entry-point or script",
        ),
        ({"output": "a.pex", "entry-point": "app.main"}, r"entry-point: expected module:function"),
        ({"output": "a.pex", "script": 3}, r"script: expected a console script name"),
        ({"output": "a.pex", "script": "app", "shebang": "#!a\nb"}, r"shebang: expected one line"),
        ({"output": "a.pex", "script": "app", "shebang": "  "}, r"shebang: expected one line"),
        ({"output": "a.pex", "script": "app", "sources": []}, r"sources: expected a non-empty"),
        ({"output": "a.pex", "script": "app", "python": "3.12"}, r"python: expected a non-empty"),
        (
            {"output": "a.pex", "script": "app", "platforms": [1]},
            r"platforms: expected a non-empty",
        ),
    ],
)
def test_a_bad_spec_is_a_config_error_naming_the_key(spec: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        parse(spec)
    assert "pex.app" in str(caught.value)


def test_an_unknown_key_error_lists_the_known_ones() -> None:
    with pytest.raises(ConfigError) as caught:
        parse({"output": "a.pex", "script": "app", "colour": 1})
    assert "entry-point" in str(caught.value.hint) and "shebang" in str(caught.value.hint)


@pytest.mark.parametrize("table", [[], "app", {"app": "a.pex"}])
def test_the_pex_table_must_hold_tables(table: Any) -> None:
    with pytest.raises(ConfigError, match="expected"):
        parse_pex_specs(table, ONE_LOCK)


def test_module_paths_are_the_module_the_package_and_an_extension_prefix() -> None:
    assert module_paths("a.b:main") == ("a/b.py", "a/b/__init__.py", "a/b.")
    assert module_paths(" app : main") == ("app.py", "app/__init__.py", "app.")


@pytest.mark.parametrize(
    "files",
    [
        {"a/b.py"},
        {"a/b/__init__.py"},
        {"a/b.cpython-312-x86_64-linux-gnu.so"},
        {"a/b.cp312-win_amd64.pyd"},
    ],
)
def test_provides_a_module_as_file_package_or_extension(files: set[str]) -> None:
    assert provides("a.b:main", files)


@pytest.mark.parametrize(
    "files",
    [set(), {"a/bc.py"}, {"a/b.pyi"}, {"a/b.cpython-312.txt"}, {"b.py"}, {"a/b/c.py"}],
)
def test_provides_nothing_else(files: set[str]) -> None:
    assert not provides("a.b:main", files)
