from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from packyard.cli.main import main
from tests.conftest import Api


def command_paths(group: click.Group = main, path: tuple[str, ...] = ()) -> list[list[str]]:
    """Every command and group under `packyard`, itself included: a new one is tested too."""
    paths = [list(path)]
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            paths.extend(command_paths(command, (*path, name)))
        else:
            paths.append([*path, name])
    return paths


COMMANDS = command_paths()


def examples(help_text: str) -> list[str]:
    """The lines of the help's `Examples:` section, continued lines joined."""
    assert "Examples:" in help_text, "no Examples: section"
    section = help_text.split("Examples:", 1)[1].split("\n\n", 1)[0]
    return section.replace("\\\n", " ").strip().splitlines()


def resolve(words: list[str]) -> tuple[click.Command, list[str]]:
    """The command an example names and the words after its name."""
    command: click.Command = main
    rest = words[1:]
    while isinstance(command, click.Group) and rest and rest[0] in command.commands:
        command, rest = command.commands[rest[0]], rest[1:]
    return command, rest


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "packyard")
def test_help_everywhere_with_examples_that_parse(command: list[str]) -> None:
    """Every --help answers with examples; each example names this command (or one below
    it) and only options that command has."""
    result = CliRunner().invoke(main, [*command, "--help"])
    assert result.exit_code == 0 and "Usage:" in result.output
    for example in examples(result.output):
        found = re.search(r"packyard( [^)]*)?", example)
        assert found is not None, example
        words = shlex.split(found.group(0))
        assert words[: len(command) + 1] == ["packyard", *command], example
        named, rest = resolve(words)
        accepted = {opt for param in named.params for opt in (*param.opts, *param.secondary_opts)}
        for word in rest:
            if word.startswith("-"):
                assert word.split("=")[0] in accepted, f"{example}: {word} is not an option"


def test_the_walk_finds_every_command() -> None:
    names = {" ".join(c) for c in COMMANDS}
    assert {"", "serve", "seed", "users create", "orgs create", "tokens create"} <= names
    assert {"tokens revoke", "gc", "db upgrade", "migrate docker"} <= names
    assert {"prune", "prune plan", "prune apply", "prune undo"} <= names


def test_accounts_and_tokens(cli: Any, api: Api) -> None:
    assert cli("users", "create", "alice").exit_code == 0
    duplicate = cli("users", "create", "ALICE")
    assert duplicate.exit_code != 0 and "already taken" in duplicate.output
    assert cli("users", "create", "bad_login").exit_code != 0
    reserved = cli("orgs", "create", "login", "--owner", "alice")  # the sign-in page's path
    assert reserved.exit_code != 0 and "the server's own pages" in reserved.output
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


def test_a_blob_store_that_cannot_be_used_stops_the_command(
    database_url: str, tmp_path: Path
) -> None:
    """A malformed `PACKYARD_BLOB_STORE`, or a bucket no S3 server answers for, is one line
    and exit status 1, never a traceback."""
    env = {"PACKYARD_DATABASE_URL": database_url, "PACKYARD_DATA_DIR": str(tmp_path)}
    malformed = CliRunner().invoke(main, ["gc"], env={**env, "PACKYARD_BLOB_STORE": "s3:/x"})
    assert malformed.exit_code == 1
    assert malformed.output.startswith("Error: PACKYARD_BLOB_STORE='s3:/x': expected s3://")
    unreachable = {
        **env,
        "PACKYARD_BLOB_STORE": "s3://packyard/blobs",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",  # the discard port: nothing answers
        "AWS_ACCESS_KEY_ID": "x",
        "AWS_SECRET_ACCESS_KEY": "x",
        "AWS_REGION": "us-east-1",
        "AWS_MAX_ATTEMPTS": "1",
    }
    refused = CliRunner().invoke(main, ["gc"], env=unreachable)
    assert refused.exit_code == 1
    assert refused.output.startswith("Error: s3://packyard cannot be used: Could not connect")
