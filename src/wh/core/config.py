"""The ``[tool.wh]`` table: validated into a :class:`Config`, and turned into targets.

Pure: the caller reads pyproject.toml; this module only checks keys and values. A wrong key
or value is a :class:`ConfigError` naming the key (exit 2).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from packaging.utils import canonicalize_name

from wh.core.lockfile import inside_project
from wh.core.targets import Target, TargetError, make_target, parse_platform, parse_python
from wh.errors import ConfigError

if TYPE_CHECKING:  # imported where the tables are parsed: a project without them never does
    from wh.core.deployspec import DeploySpec
    from wh.core.pexspec import PexSpec

# Documented defaults for [tool.wh.platforms]: the newest tag each kind of machine supports.
DEFAULT_PLATFORMS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "linux": ("manylinux_2_28_x86_64", "manylinux_2_28_aarch64"),
        "macosx": ("macosx_14_0_arm64", "macosx_13_0_x86_64"),
        "musllinux": ("musllinux_1_2_x86_64", "musllinux_1_2_aarch64"),
        "windows": ("win_amd64",),
    }
)
DEFAULT_PYTHON = ("3.11", "3.12")
DEFAULT_LOCKFILES = ("lockfiles/requirements.txt",)
READ_TIMEOUT = 30.0  # seconds a transfer may send no byte before it is abandoned and retried

_KEYS = {
    "lockfiles",
    "wheelhouse",
    "python",
    "index-url",
    "extra-index-urls",
    "platforms",
    "inputs",
    "allow-sdist",
    "pex",
    "deploy",
    "build",
}
_BUILD_KEYS = {"python", "headers", "timeout"}


@dataclass(frozen=True, slots=True)
class BuildConfig:
    """``[tool.wh.build]``: how ``wh build`` finds interpreters and how long a build may run."""

    python: Mapping[str, str] = field(default_factory=dict)  # "3.12" -> interpreter path
    headers: Mapping[str, str] = field(default_factory=dict)  # "3.12" -> a pyconfig.h dir
    timeout: float = 900.0  # seconds per build


@dataclass(frozen=True, slots=True)
class Config:
    lockfiles: tuple[str, ...] = DEFAULT_LOCKFILES
    wheelhouse: str = "wheelhouse"
    python: tuple[str, ...] = DEFAULT_PYTHON
    index_url: str | None = None
    extra_index_urls: tuple[str, ...] = ()
    platforms: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: DEFAULT_PLATFORMS)
    inputs: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # lockfile -> .in files
    allow_sdist: tuple[str, ...] = ()  # packages `wh lock --only-wheels` may take as sdists
    pex: Mapping[str, PexSpec] = field(default_factory=dict)
    deploy: Mapping[str, DeploySpec] = field(default_factory=dict)
    build: BuildConfig = field(default_factory=BuildConfig)

    def inputs_of(self, lockfile: str) -> tuple[str, ...]:
        """The requirement files a lockfile is compiled from: [tool.wh.inputs], else X.in."""
        if lockfile in self.inputs:
            return self.inputs[lockfile]
        stem = lockfile[: -len(".txt")] if lockfile.endswith(".txt") else lockfile
        return (f"{stem}.in",)

    def targets(
        self, platforms: Sequence[str] | None = None, python: Sequence[str] | None = None
    ) -> TargetSet:
        """The targets a command works on (families or tags in ``platforms``, None: all
        configured; ``python``, empty: the configured ones), and every configured target."""
        selected = make_targets(python or self.python, select_platforms(self, platforms))
        configured = make_targets(self.python, select_platforms(self, None))
        return TargetSet(selected, configured)


@dataclass(frozen=True, slots=True)
class TargetSet:
    selected: list[Target]  # what this run works on
    configured: list[Target]  # every target [tool.wh] names (their files are kept)

    @property
    def others(self) -> list[Target]:
        """Configured targets this run does not work on."""
        return [t for t in self.configured if t not in self.selected]


def _strings(key: str, value: Any, *, empty: bool = False) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ConfigError(f"[tool.wh] {key}: expected a list of strings, got {value!r}")
    if not value and not empty:
        raise ConfigError(f"[tool.wh] {key}: the list is empty")
    return tuple(value)


def _string(key: str, value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ConfigError(f"[tool.wh] {key}: expected a non-empty string, got {value!r}")
    return value


def _url(key: str, value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise ConfigError(f"[tool.wh] {key}: {value!r} is not an http(s) URL")
    return value


def parse_config(table: Mapping[str, Any]) -> Config:
    """Validate a ``[tool.wh]`` table (already parsed from TOML)."""
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise ConfigError(
            f"[tool.wh] {unknown[0]}: unknown key",
            hint=f"known keys: {', '.join(sorted(_KEYS))}",
        )
    kwargs: dict[str, Any] = {}
    if "lockfiles" in table:
        kwargs["lockfiles"] = _inside("lockfiles", _strings("lockfiles", table["lockfiles"]))
    if "wheelhouse" in table:
        kwargs["wheelhouse"] = _string("wheelhouse", table["wheelhouse"])
    if "python" in table:
        kwargs["python"] = _strings("python", table["python"])
        for p in kwargs["python"]:
            _check(f"python: {p!r}", parse_python, p)
    if "index-url" in table:
        kwargs["index_url"] = _url("index-url", _string("index-url", table["index-url"]))
    if "extra-index-urls" in table:
        urls = _strings("extra-index-urls", table["extra-index-urls"], empty=True)
        kwargs["extra_index_urls"] = tuple(_url("extra-index-urls", u) for u in urls)
    if "platforms" in table:
        kwargs["platforms"] = MappingProxyType(_platforms(table["platforms"]))
    if "inputs" in table:
        kwargs["inputs"] = MappingProxyType(_inputs(table["inputs"]))
    if "pex" in table:
        from wh.core.pexspec import parse_pex_specs

        kwargs["pex"] = parse_pex_specs(table["pex"], kwargs.get("lockfiles", DEFAULT_LOCKFILES))
    if "allow-sdist" in table:
        names = _strings("allow-sdist", table["allow-sdist"], empty=True)
        kwargs["allow_sdist"] = tuple(canonicalize_name(n) for n in names)
    if "deploy" in table:
        from wh.core.deployspec import parse_deploy_specs

        kwargs["deploy"] = parse_deploy_specs(table["deploy"], kwargs.get("pex", {}))
    if "build" in table:
        kwargs["build"] = _build(table["build"])
    return Config(**kwargs)


def _build(value: Any) -> BuildConfig:
    if not isinstance(value, dict):
        raise ConfigError("[tool.wh.build]: expected a table (python, headers, timeout)")
    unknown = sorted(set(value) - _BUILD_KEYS)
    if unknown:
        raise ConfigError(
            f"[tool.wh.build] {unknown[0]}: unknown key",
            hint="known keys: headers, python, timeout",
        )
    paths: dict[str, Mapping[str, str]] = {}
    for key in ("python", "headers"):
        table = value.get(key, {})
        if not isinstance(table, dict) or not all(isinstance(v, str) and v for v in table.values()):
            raise ConfigError(f'[tool.wh.build] {key}: expected a table of "3.12" = "path"')
        for version in table:
            _check(f"build.{key}: {version!r}", parse_python, version)
        paths[key] = MappingProxyType(dict(table))
    timeout = value.get("timeout", 900)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        raise ConfigError(f"[tool.wh.build] timeout: expected seconds > 0, got {timeout!r}")
    return BuildConfig(paths["python"], paths["headers"], float(timeout))


def _platforms(value: Any) -> Mapping[str, tuple[str, ...]]:
    if not isinstance(value, dict) or not value:
        raise ConfigError("[tool.wh.platforms]: expected a table of family = [platform tags]")
    families: dict[str, tuple[str, ...]] = {}
    for family, tags in value.items():
        families[family] = _strings(f"platforms.{family}", tags)
        for tag in families[family]:
            _check(f"platforms.{family}", parse_platform, tag)
    return families


def _inputs(value: Any) -> dict[str, tuple[str, ...]]:
    if not isinstance(value, dict):
        raise ConfigError('[tool.wh.inputs]: expected a table of "lockfile" = [input files]')
    return {
        lockfile: _inside(f"inputs.{lockfile}", _strings(f"inputs.{lockfile}", files))
        for lockfile, files in value.items()
    }


def _inside(key: str, paths: tuple[str, ...]) -> tuple[str, ...]:
    """Requirement files are read and quoted in errors: only files of the project."""
    for path in paths:
        if not inside_project(path):
            raise ConfigError(
                f"[tool.wh] {key}: {path!r} is outside the project",
                hint="name requirement files by paths inside the project directory",
            )
    return paths


def _check(key: str, parse: Any, value: str) -> None:
    try:
        parse(value)
    except TargetError as exc:
        raise ConfigError(f"[tool.wh] {key}: {exc}", hint=exc.hint) from None


def split_list(text: str) -> list[str]:
    """``"a, b,,c"`` -> ``["a", "b", "c"]``: the comma-separated CLI lists."""
    return [part.strip() for part in text.split(",") if part.strip()]


def select_platforms(config: Config, spec: Sequence[str] | None) -> list[str]:
    """Platform tags for families and bare tags (``["macosx", "manylinux_2_17_x86_64"]``).

    ``None`` means every configured family. Order is kept, duplicates dropped.
    """
    names = list(config.platforms) if spec is None else list(spec)
    if not names:
        raise ConfigError("--platforms: no platform named")
    tags: list[str] = []
    for name in names:
        if name in config.platforms:
            tags.extend(config.platforms[name])
        elif name in DEFAULT_PLATFORMS:
            tags.extend(DEFAULT_PLATFORMS[name])
        else:
            try:
                tags.append(parse_platform(name).tag)
            except TargetError as exc:
                families = ", ".join(dict.fromkeys([*config.platforms, *DEFAULT_PLATFORMS]))
                if "_" in name:  # meant as a platform tag: say what is wrong with it
                    raise ConfigError(f"--platforms: {exc}", hint=exc.hint) from None
                raise ConfigError(
                    f"--platforms: {name!r} is neither a family ({families}) nor a platform tag",
                    hint=exc.hint,
                ) from None
    return list(dict.fromkeys(tags))


def make_targets(pythons: Sequence[str], platform_tags: Sequence[str]) -> list[Target]:
    """Every Python x every platform tag, in that order."""
    targets: list[Target] = []
    for python in dict.fromkeys(pythons):
        for tag in platform_tags:
            try:
                targets.append(make_target(python, tag))
            except TargetError as exc:
                raise ConfigError(str(exc), hint=exc.hint) from None
    return targets
