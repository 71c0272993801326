"""[tool.wh.deploy.<name>] validation. Pure."""

from __future__ import annotations

from typing import Any

import pytest

from wh.core.config import parse_config
from wh.core.deployspec import HostSpec
from wh.errors import ConfigError

PEX = {"app": {"entry-point": "app:main", "output": "dist/app.pex"}}


def config(**deploy: Any) -> dict[str, Any]:
    table = {"pex": "app", "hosts": ["deploy@web1"], "root": "/srv/app", **deploy}
    return {"pex": PEX, "deploy": {"prod": table}}


def test_the_issue_example_parses() -> None:
    hosts = ["deploy@web1", "deploy@web2:2222", {"host": "deploy@web3", "root": "/opt/app"}]
    spec = parse_config(config(hosts=hosts, keep=5, check=["--version"])).deploy["prod"]

    assert spec.hosts == (
        HostSpec("deploy@web1", "/srv/app"),
        HostSpec("deploy@web2:2222", "/srv/app"),
        HostSpec("deploy@web3", "/opt/app"),
    )
    assert spec.keep == 5 and spec.check == ("--version",) and spec.pex == "app"
    local = parse_config(config(hosts=["local"])).deploy["prod"].hosts[0]
    assert local.local


@pytest.mark.parametrize(
    ("over", "message"),
    [
        ({"pex": "nope"}, r"pex: name a \[tool.wh.pex.\*\] table \(app\)"),
        ({"hosts": []}, "hosts: expected a non-empty list"),
        ({"hosts": ["a b"]}, "is not an SSH destination"),
        ({"hosts": ["web1", "web1"]}, "web1 is listed twice"),
        ({"hosts": [{"host": "web1", "port": 2}]}, "port: unknown key"),
        ({"root": "relative/dir"}, "root: expected an absolute path"),
        ({"keep": 1}, "keep: expected a whole number of at least 2"),
        ({"check": "--version"}, "check: expected a list"),
        ({"colour": "red"}, "colour: unknown key"),
    ],
)
def test_mistakes_name_the_key(over: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_config(config(**over))


def test_a_host_without_a_root_is_refused() -> None:
    table = {"pex": PEX, "deploy": {"prod": {"pex": "app", "hosts": ["web1"]}}}
    with pytest.raises(ConfigError, match="web1 has no root"):
        parse_config(table)
