from __future__ import annotations

from typing import Any

import pytest

from packyard.client import Client
from tests.conftest import ALICE, Clock, seed

NAME = "team/app"  # a '/' the SDK must send as %2F


def many(owner: str, count: int = 7) -> dict[str, Any]:
    return {
        "owner": owner,
        "package_type": "container",
        "name": NAME,
        "visibility": "private",
        "versions": [
            {"name": f"sha256:{i:064x}", "created_at": f"2026-01-01T00:00:{i:02d}Z"}
            for i in range(count)
        ],
    }


@pytest.fixture
def three_scopes(store: Any, clock: Clock) -> None:
    seed(
        store,
        {
            "users": [{"login": "alice"}, {"login": "bob"}],
            "orgs": [{"login": "acme", "members": [{"user": "alice", "role": "admin"}]}],
            "tokens": [
                {
                    "user": "alice",
                    "token": ALICE,
                    "kind": "classic",
                    "scopes": ["read:packages", "write:packages", "delete:packages"],
                }
            ],
            "packages": [
                many("alice"),
                {**many("bob"), "visibility": "public"},
                many("acme"),
                *(
                    {
                        "owner": "alice",
                        "package_type": "npm",
                        "name": f"p{i}",
                        "versions": [{"name": "1.0.0"}],
                    }
                    for i in range(5)
                ),
            ],
        },
        clock.now,
    )


@pytest.mark.parametrize(
    ("owner", "method", "where"),
    [
        ("alice", "get_all_package_versions_for_package_owned_by_authenticated_user", {}),
        ("bob", "get_all_package_versions_for_package_owned_by_user", {"username": "bob"}),
        ("acme", "get_all_package_versions_for_package_owned_by_org", {"org": "acme"}),
    ],
)
def test_three_pages_in_each_scope(
    client_for: Any, three_scopes: None, owner: str, method: str, where: dict[str, str]
) -> None:
    client: Client = client_for(ALICE)
    names = [
        v.name
        for v in client.paginate(
            getattr(client.rest.packages, method),
            package_type="container",
            package_name=NAME,
            per_page=3,
            **where,
        )
    ]
    assert names == [f"sha256:{i:064x}" for i in reversed(range(7))]
    # iter_versions finds the same through whichever scope fits the owner.
    assert [v.name for v in client.iter_versions(owner, "container", NAME)] == names


def test_package_lists_page_too(client_for: Any, three_scopes: None) -> None:
    client: Client = client_for(ALICE)
    listed = client.paginate(
        client.rest.packages.list_packages_for_authenticated_user, package_type="npm", per_page=2
    )
    assert [p.name for p in listed] == [f"p{i}" for i in range(5)]
    with pytest.raises(ValueError):
        list(client.paginate(client.rest.packages.get_package_for_user))


def test_delete_versions_reports_each_outcome(client_for: Any, three_scopes: None) -> None:
    client: Client = client_for(ALICE)
    ids = [v.id for v in client.iter_versions("acme", "container", NAME)][:3]
    first = client.delete_versions("acme", "container", NAME, ids[:2])
    assert [r.outcome for r in first] == ["deleted", "deleted"]
    again = client.delete_versions("acme", "container", NAME, ids)
    assert [(r.package_version_id, r.outcome) for r in again] == [
        (ids[0], "gone"),
        (ids[1], "gone"),
        (ids[2], "deleted"),
    ]
