from __future__ import annotations

from typing import Any

import pytest
from click.testing import CliRunner

from packyard.cli.main import main
from tests.conftest import Api

COMMANDS = [
    [],
    ["serve"],
    ["seed"],
    ["users"],
    ["users", "create"],
    ["orgs"],
    ["orgs", "create"],
    ["tokens"],
    ["tokens", "create"],
    ["tokens", "revoke"],
    ["gc"],
    ["db"],
    ["db", "upgrade"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "packyard")
def test_help_everywhere(command: list[str]) -> None:
    result = CliRunner().invoke(main, [*command, "--help"])
    assert result.exit_code == 0 and "Usage:" in result.output


def test_accounts_and_tokens(cli: Any, api: Api) -> None:
    assert cli("users", "create", "alice").exit_code == 0
    duplicate = cli("users", "create", "ALICE")
    assert duplicate.exit_code != 0 and "already taken" in duplicate.output
    assert cli("users", "create", "bad_login").exit_code != 0
    created = cli("orgs", "create", "acme", "--owner", "alice")
    assert created.exit_code == 0, created.output
    assert cli("orgs", "create", "acme2", "--owner", "nobody").exit_code != 0

    classic = cli("tokens", "create", "alice", "--scopes", "read:packages,delete:packages")
    assert classic.exit_code == 0
    token = classic.output.strip()
    assert token.startswith("ghp_") and len(token) == 40
    oauth = cli("tokens", "create", "alice", "--kind", "oauth", "--expires", "2099-01-01")
    assert oauth.output.strip().startswith("gho_")
    assert cli("tokens", "create", "alice", "--scopes", "sudo").exit_code != 0

    me = api.get("/user", token)
    assert me.status_code == 200 and me.json()["login"] == "alice"
    assert me.headers["x-oauth-scopes"] == "delete:packages, read:packages"
    assert api.get("/orgs/acme/packages?package_type=npm", token).json() == []

    assert cli("tokens", "revoke", token).exit_code == 0
    assert api.get("/user", token).status_code == 401
    assert cli("tokens", "revoke", token).exit_code != 0


def test_gc_and_db(cli: Any) -> None:
    assert cli("db", "upgrade").output.strip() == "database is up to date"
    assert "purged 0 packages and 0 versions; reclaimed 0 blobs" in cli("gc").output
