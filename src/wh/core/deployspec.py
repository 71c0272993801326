"""``[tool.wh.deploy.<name>]``: where a PEX ships, described in one place.

    [tool.wh.deploy.prod]
    pex = "app"                 # a [tool.wh.pex.*] name; its output is what ships
    hosts = ["deploy@web1", "deploy@web2:2222", { host = "deploy@web3", root = "/opt/app" }]
    root = "/srv/deploys/app"   # on each host: <root>/<release>/<file>.pex and <root>/latest
    keep = 5                    # releases kept per host (the live one always among them)
    check = ["--version"]       # run with the new PEX on the host before the flip

A host is an SSH destination as ``ssh`` takes it (``user@host[:port]`` or an alias of the
user's ssh config), or ``local`` (this machine, no SSH).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from wh.core.tables import named_tables
from wh.errors import ConfigError

LOCAL = "local"
_KEYS = {"pex", "hosts", "root", "keep", "check"}
_HOST_KEYS = {"host", "root"}


@dataclass(frozen=True, slots=True)
class HostSpec:
    destination: str  # as configured: user@host[:port], an ssh-config alias, or "local"
    root: str

    @property
    def local(self) -> bool:
        return self.destination == LOCAL


@dataclass(frozen=True, slots=True)
class DeploySpec:
    name: str
    pex: str
    hosts: tuple[HostSpec, ...]
    root: str | None = None
    keep: int = 5
    check: tuple[str, ...] = ()


def _root(key: str, value: Any) -> str:
    if not isinstance(value, str) or not value.startswith(("/", "~")):
        raise ConfigError(f"[tool.wh.{key}] root: expected an absolute path, got {value!r}")
    return value.rstrip("/") or "/"


def _destination(key: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip() or any(c.isspace() for c in value):
        raise ConfigError(
            f"[tool.wh.{key}] hosts: {value!r} is not an SSH destination",
            hint='write "user@host", "user@host:port", an ssh config alias, or "local"',
        )
    return value


def _hosts(key: str, value: Any, root: str | None) -> tuple[HostSpec, ...]:
    if not isinstance(value, list) or not value:
        raise ConfigError(f"[tool.wh.{key}] hosts: expected a non-empty list")
    hosts: list[HostSpec] = []
    for item in value:
        if isinstance(item, dict):
            unknown = sorted(set(item) - _HOST_KEYS)
            if unknown:
                raise ConfigError(f"[tool.wh.{key}] hosts: {unknown[0]}: unknown key")
            destination = _destination(key, item.get("host"))
            host_root = _root(key, item["root"]) if "root" in item else root
        else:
            destination, host_root = _destination(key, item), root
        if host_root is None:
            raise ConfigError(
                f"[tool.wh.{key}] root: {destination} has no root",
                hint='set root = "/srv/deploys/app" (or { host = ..., root = ... })',
            )
        hosts.append(HostSpec(destination, host_root))
    seen = [h.destination for h in hosts]
    doubled = sorted({d for d in seen if seen.count(d) > 1})
    if doubled:
        raise ConfigError(f"[tool.wh.{key}] hosts: {doubled[0]} is listed twice")
    return tuple(hosts)


def parse_deploy_specs(table: Any, pex_names: Mapping[str, object]) -> Mapping[str, DeploySpec]:
    specs: dict[str, DeploySpec] = {}
    for name, key, spec in named_tables(table, "deploy", _KEYS):
        pex = spec.get("pex")
        if not isinstance(pex, str) or pex not in pex_names:
            known = ", ".join(pex_names) or "none configured"
            raise ConfigError(f"[tool.wh.{key}] pex: name a [tool.wh.pex.*] table ({known})")
        root = _root(key, spec["root"]) if "root" in spec else None
        keep = spec.get("keep", 5)
        if not isinstance(keep, int) or isinstance(keep, bool) or keep < 2:
            raise ConfigError(
                f"[tool.wh.{key}] keep: expected a whole number of at least 2, got {keep!r}",
                hint="the live release and the one a rollback flips to are always kept",
            )
        check = spec.get("check", [])
        if not isinstance(check, list) or not all(isinstance(a, str) for a in check):
            raise ConfigError(f"[tool.wh.{key}] check: expected a list of arguments")
        specs[name] = DeploySpec(
            name=name,
            pex=pex,
            hosts=_hosts(key, spec.get("hosts"), root),
            root=root,
            keep=keep,
            check=tuple(check),
        )
    return specs
