from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from packyard.storage.db import tables
from tests.conftest import WORLD_FILE


def snapshot(store: Any) -> dict[str, list[tuple[Any, ...]]]:
    with store.engine.connect() as conn:
        return {
            table.name: sorted(
                tuple(
                    str(v)
                    for k, v in row._mapping.items()
                    if k not in ("last_used_at", "version_generation")
                )
                for row in conn.execute(select(table))
            )
            for table in tables.metadata.sorted_tables
        }


def test_seed_is_idempotent(cli: Any, store: Any) -> None:
    first = cli("seed", str(WORLD_FILE))
    assert first.exit_code == 0, first.output
    assert "seeded 4 users, 1 org, 2 repositories" in first.output  # one org, not "1 orgs"
    state = snapshot(store)
    assert cli("seed", str(WORLD_FILE)).exit_code == 0
    assert snapshot(store) == state  # the images and tarballs too: nothing published twice
    # Five versions in the file; the multi-platform image brings its two platforms and its
    # attestation.
    assert len(state["package_versions"]) == 8
    assert "2 packages, 8 versions" in first.output


def test_every_error_with_its_path_and_nothing_changes(
    cli: Any, store: Any, tmp_path: Path
) -> None:
    document = yaml.safe_load(WORLD_FILE.read_text())
    document["packages"][1]["versions"][0]["tagz"] = ["x"]
    document["users"].append({"login": "-bad-"})
    document["tokens"][0]["kind"] = "platinum"
    document["repositories"][0]["owner"] = "nobody"
    document["packages"][0]["versions"][1]["created_at"] = "yesterday"
    document["surprise"] = 1
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(document))
    before = snapshot(store)
    result = cli("seed", str(path))
    assert result.exit_code != 0
    for expected in [
        "packages[1].versions[0].tagz: unknown key",
        "users[4].login: not a valid login",
        "tokens[0].kind: must be one of",
        "repositories[0].owner: no user or organization 'nobody'",
        "packages[0].versions[1].created_at: must be an RFC 3339 timestamp",
        "surprise: unknown key",
    ]:
        assert expected in result.output, expected
    assert "nothing was loaded" in result.output
    assert snapshot(store) == before


def test_token_of_another_user_is_an_error(cli: Any, tmp_path: Path) -> None:
    assert cli("seed", str(WORLD_FILE)).exit_code == 0
    path = tmp_path / "steal.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "tokens": [
                    {
                        "user": "bob",
                        "token": "ghp_alice_full_0000000000000000000000000",
                        "kind": "classic",
                    }
                ]
            }
        )
    )
    result = cli("seed", str(path))
    assert result.exit_code != 0
    assert "tokens[0].token: this token already belongs to another user" in result.output


@pytest.mark.parametrize(
    ("package", "message"),
    [
        (
            {"owner": "alice", "package_type": "npm", "name": "x", "visibility": "internal"},
            "packages[0].visibility: internal is for org-owned packages",
        ),
        (
            {"owner": "alice", "package_type": "maven", "name": "x", "inherit_access": False},
            "packages[0].inherit_access",
        ),
        (
            {
                "owner": "alice",
                "package_type": "npm",
                "name": "x",
                "versions": [{"name": "1", "tags": ["a"]}],
            },
            "packages[0].versions[0].tags: tags are for container and docker versions only",
        ),
        (
            {
                "owner": "alice",
                "package_type": "container",
                "name": "x",
                "versions": [{"name": "a", "tags": ["t"]}, {"name": "b", "tags": ["t"]}],
            },
            "packages[0].versions[1].tags: tag 't' is already on a",
        ),
        (
            {
                "owner": "alice",
                "package_type": "npm",
                "name": "x",
                "versions": [{"name": "1", "download_count": -1}],
            },
            "packages[0].versions[0].download_count: must be a non-negative integer",
        ),
        (
            {"owner": "alice", "package_type": "pip", "name": "x"},
            "packages[0].package_type: must be one of",
        ),
        (
            {"owner": "alice", "package_type": "npm", "name": "@bob/x"},
            "packages[0].name: the scope @bob is not the owner alice: "
            "npm packages are scoped to their owner",
        ),
    ],
)
def test_package_rules(cli: Any, tmp_path: Path, package: dict[str, Any], message: str) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump({"users": [{"login": "alice"}], "packages": [package]}))
    result = cli("seed", str(path))
    assert result.exit_code != 0 and message in result.output, result.output


def test_npm_names_lose_their_owners_scope(cli: Any, store: Any, tmp_path: Path) -> None:
    """The world names its npm package `@acme/web-ui`, as npm does; GitHub's name for it is
    `web-ui`, and the same package given either way is one package."""
    assert cli("seed", str(WORLD_FILE)).exit_code == 0
    path = tmp_path / "short.yaml"
    path.write_text(
        yaml.safe_dump({"packages": [{"owner": "acme", "package_type": "npm", "name": "web-ui"}]})
    )
    assert cli("seed", str(path)).exit_code == 0
    p = tables.packages.c
    with store.engine.connect() as conn:
        rows = conn.execute(select(p.name, p.name_norm).where(p.package_type == "npm")).all()
    assert [tuple(r) for r in rows] == [("web-ui", "web-ui")]


def test_json_is_yaml(cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "world.json"
    path.write_text('{"users": [{"login": "zed"}]}')
    assert cli("seed", str(path)).exit_code == 0


def test_not_yaml(cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("users: [\n")
    result = cli("seed", str(path))
    assert result.exit_code != 0 and "not valid YAML" in result.output
