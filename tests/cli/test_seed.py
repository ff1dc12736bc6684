from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import event, select

from packyard.domain.types import PackageType
from packyard.services.seed import load_seed
from packyard.storage.db import tables
from packyard.storage.db import versions as versions_module
from packyard.storage.db.versions import SEED_NAMES_PER_READ
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


def _versions_of(name: str, count: int, start: int = 0) -> dict[str, Any]:
    return {
        "packages": [
            {
                "owner": "alice",
                "package_type": "container",
                "name": name,
                "versions": [
                    {
                        "name": f"v{i}",
                        "tags": [f"t{i}"] if i % 3 == 0 else [],
                        "deleted_at": "2026-02-01T00:00:00Z" if i % 7 == 6 else None,
                        "download_count": i,
                    }
                    for i in range(start, start + count)
                ],
            }
        ]
    }


@pytest.mark.parametrize("names_per_read", [SEED_NAMES_PER_READ, 50])
def test_statements_do_not_grow_with_the_versions(
    store: Any, monkeypatch: pytest.MonkeyPatch, names_per_read: int
) -> None:
    """Row by row, a seed was quadratic (a lookup and a recount of the package per version);
    now loading 2N versions, or loading them again, takes as many statements as N, whether
    the versions are matched by name or by reading the package."""
    monkeypatch.setattr(versions_module, "SEED_NAMES_PER_READ", names_per_read)
    now = datetime(2026, 3, 1, tzinfo=UTC)
    load_seed(store, {"users": [{"login": "alice"}]}, now)
    statements = 0

    def count(*_args: Any) -> None:
        nonlocal statements
        statements += 1

    def measure(document: dict[str, Any]) -> int:
        nonlocal statements
        statements = 0
        event.listen(store.engine, "before_cursor_execute", count)
        try:
            load_seed(store, document, now)
        finally:
            event.remove(store.engine, "before_cursor_execute", count)
        return statements

    small, large = _versions_of("small", 60), _versions_of("large", 120)
    first, again = measure(small), measure(small)
    assert (measure(large), measure(large)) == (first, again)


def test_versions_are_matched_and_tagged_as_one_by_one(store: Any) -> None:
    """The bulk load leaves what seeding the versions one after another did: a tag moves to
    the version the file gives it, `tags: []` strips a version, a deleted version keeps its
    tags aside, a name matches its live row before its deleted ones, new ids follow the
    file."""
    now = datetime(2026, 3, 1, tzinfo=UTC)

    def package(*versions: dict[str, Any]) -> dict[str, Any]:
        return {
            "users": [{"login": "alice"}],
            "packages": [
                {
                    "owner": "alice",
                    "package_type": "container",
                    "name": "app",
                    "versions": list(versions),
                }
            ],
        }

    gone = "2026-02-01T00:00:00Z"
    load_seed(
        store,
        package(
            {"name": "a", "tags": ["x", "y"]},
            {"name": "b", "tags": ["z"]},
            {"name": "c", "tags": ["w"], "deleted_at": gone},
            {"name": "n", "deleted_at": gone},
        ),
        now,
    )
    with store.write() as tx:  # `n` published again after its deletion: two rows
        package_id = tx.packages.find_package(1, PackageType.CONTAINER, "app").id
        republished = tx.versions.create_version(package_id, "n", now)
    load_seed(
        store,
        package(
            {"name": "b", "tags": ["x"]},
            {"name": "a", "tags": []},
            {"name": "d", "tags": ["y"]},
            {"name": "c", "tags": ["w"]},
            {"name": "n", "description": "the live one"},
            {"name": "e", "tags": ["z"], "deleted_at": gone},
        ),
        now,
    )
    v, vt = tables.versions.c, tables.version_tags.c
    with store.engine.connect() as conn:
        ids = dict(conn.execute(select(v.name, v.id).where(v.name != "n")).all())
        tags = dict(conn.execute(select(vt.tag, vt.version_id)).all())
        named_n = conn.execute(select(v.id, v.description).where(v.name == "n")).all()
        aside = dict(
            conn.execute(select(v.name, v.deleted_tags).where(v.deleted_at.is_not(None))).all()
        )
        count = conn.execute(select(tables.packages.c.version_count)).scalar_one()
    assert ids == {"a": 1, "b": 2, "c": 3, "d": republished + 1, "e": republished + 2}
    assert tags == {"x": ids["b"], "y": ids["d"], "w": ids["c"]}
    assert sorted(tuple(row) for row in named_n) == [(4, None), (republished, "the live one")]
    assert aside == {"n": "[]", "e": '["z"]'}
    assert count == 5  # a, b, c, d and the live n
