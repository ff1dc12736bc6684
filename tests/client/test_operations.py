"""Every SDK method against the real app, and every error type from a real answer."""

from __future__ import annotations

from typing import Any

import pytest

from packyard.client import (
    Client,
    Conflict,
    DownloadLimitError,
    Forbidden,
    LastTaggedVersionError,
    LastVersionError,
    NotFound,
    ScopeError,
    Unauthorized,
    ValidationFailed,
)
from packyard.domain.types import PackageType, Visibility
from tests.conftest import ALICE, ALICE_FINE_GRAINED, ALICE_OAUTH, Clock, alice_with, seed

CLI = {"package_type": "container", "package_name": "tools/cli"}
WEB = {"package_type": "npm", "package_name": "web-ui"}


def carol(store: Any, clock: Clock) -> str:
    seed(
        store,
        {
            "tokens": [
                {
                    "user": "carol",
                    "token": "ghp_carol",
                    "kind": "classic",
                    "scopes": ["read:packages", "write:packages", "delete:packages"],
                }
            ]
        },
        clock.now,
    )
    return "ghp_carol"


def test_all_27_operations(client_for: Any, world: Any, store: Any, clock: Clock) -> None:
    alice: Client = client_for(ALICE)
    p = alice.rest.packages
    # /users/{username}
    assert [
        x.name for x in p.list_packages_for_user(username="alice", package_type="container")
    ] == ["tools/cli"]
    package = p.get_package_for_user(username="alice", **CLI)
    # Three images; the multi-platform one brings two platforms and an attestation.
    assert package.version_count == 6 and package.repository is not None
    versions = p.get_all_package_versions_for_package_owned_by_user(username="alice", **CLI)
    assert next(v for v in versions if v.tags).tags == ["1.0.0", "latest"]
    untagged = versions[-1].id  # the oldest: the build nobody tagged, nothing lists
    assert (
        p.get_package_version_for_user(username="alice", package_version_id=untagged, **CLI).tags
        == []
    )
    p.delete_package_version_for_user(username="alice", package_version_id=untagged, **CLI)
    p.restore_package_version_for_user(username="alice", package_version_id=untagged, **CLI)
    assert p.list_docker_migration_conflicting_packages_for_user(username="alice") == []
    # /user
    assert [x.id for x in p.list_packages_for_authenticated_user(package_type="container")] == [
        package.id
    ]
    assert p.get_package_for_authenticated_user(**CLI).id == package.id
    mine = p.get_all_package_versions_for_package_owned_by_authenticated_user(**CLI)
    assert [v.id for v in mine] == [v.id for v in versions]
    assert (
        p.get_package_version_for_authenticated_user(package_version_id=untagged, **CLI).id
        == untagged
    )
    p.delete_package_version_for_authenticated_user(package_version_id=untagged, **CLI)
    deleted = p.get_all_package_versions_for_package_owned_by_authenticated_user(
        state="deleted", **CLI
    )
    assert [v.id for v in deleted] == [untagged] and deleted[0].deleted_at is not None
    p.restore_package_version_for_authenticated_user(package_version_id=untagged, **CLI)
    assert p.list_docker_migration_conflicting_packages_for_authenticated_user() == []
    with pytest.raises(DownloadLimitError):
        p.delete_package_for_authenticated_user(**CLI)
    with pytest.raises(NotFound):
        p.restore_package_for_authenticated_user(**CLI)
    # /orgs/{org}, and the org through /users/
    o = client_for(carol(store, clock)).rest.packages
    assert [x.name for x in o.list_packages_for_organization(org="acme", package_type="npm")] == [
        "web-ui"
    ]
    web = o.get_package_for_organization(org="acme", **WEB)
    web_versions = o.get_all_package_versions_for_package_owned_by_org(org="acme", **WEB)
    first = web_versions[-1].id
    assert (
        o.get_package_version_for_organization(org="acme", package_version_id=first, **WEB).name
        == "1.0.0"
    )
    o.delete_package_version_for_org(org="acme", package_version_id=first, **WEB)
    o.restore_package_version_for_org(org="acme", package_version_id=first, **WEB)
    o.delete_package_for_org(org="acme", **WEB)
    o.restore_package_for_org(org="acme", **WEB)
    o.delete_package_for_user(username="acme", **WEB)
    o.restore_package_for_user(username="acme", **WEB)
    assert o.get_package_for_organization(org="acme", **WEB).id == web.id
    assert o.list_docker_migration_conflicting_packages_for_organization(org="acme") == []
    # users and rate limit
    assert alice.rest.users.get_authenticated().login == "alice"
    assert alice.rest.users.get_by_username(username="acme").is_org
    assert alice.rest.rate_limit.get()["core"].limit == 5000


def test_error_types(client_for: Any, world: Any, store: Any, clock: Clock) -> None:
    seed(
        store,
        alice_with(
            [
                {
                    "owner": "alice",
                    "package_type": "maven",
                    "name": "lib",
                    "visibility": "private",
                    "versions": [{"name": "1.0"}],
                },
                {
                    "owner": "alice",
                    "package_type": "container",
                    "name": "one",
                    "visibility": "private",
                    "versions": [{"name": "sha256:" + "a" * 64, "tags": ["latest"]}],
                },
            ]
        ),
        clock.now,
    )
    p = client_for(ALICE).rest.packages
    (lib,) = p.get_all_package_versions_for_package_owned_by_user(
        username="alice", package_type="maven", package_name="lib"
    )
    with pytest.raises(LastVersionError) as last:
        p.delete_package_version_for_user(
            username="alice", package_type="maven", package_name="lib", package_version_id=lib.id
        )
    assert last.value.status == 400
    (one,) = p.get_all_package_versions_for_package_owned_by_user(
        username="alice", package_type="container", package_name="one"
    )
    with pytest.raises(LastTaggedVersionError):
        p.delete_package_version_for_user(
            username="alice",
            package_type="container",
            package_name="one",
            package_version_id=one.id,
        )
    with pytest.raises(Unauthorized):
        client_for("ghp_wrong").rest.packages.get_package_for_user(username="alice", **CLI)
    with pytest.raises(ScopeError) as scopes:
        client_for(ALICE_OAUTH).rest.packages.restore_package_version_for_user(
            username="alice", package_version_id=3, **CLI
        )
    assert scopes.value.accepted_scopes == {"read:packages", "write:packages"}
    assert scopes.value.granted_scopes == {"read:packages", "delete:packages"}
    with pytest.raises(Forbidden) as fine:
        client_for(ALICE_FINE_GRAINED).rest.packages.get_package_for_user(username="alice", **CLI)
    assert not isinstance(fine.value, ScopeError)
    with pytest.raises(NotFound):
        p.get_package_for_user(username="alice", package_type="npm", package_name="nope")
    with pytest.raises(ValidationFailed):
        p.list_packages_for_user(username="alice", package_type="container", visibility="secret")
    # A live package has taken the deleted one's name (as a new push would): 409.
    p.delete_package_for_user(username="alice", package_type="maven", package_name="lib")
    with store.write() as tx:
        alice = tx.accounts.find_account_by_login("alice")
        tx.packages.create_package(
            alice.id, PackageType.MAVEN, "lib", Visibility.PRIVATE, None, clock.now
        )
    with pytest.raises(Conflict):
        p.restore_package_for_user(username="alice", package_type="maven", package_name="lib")


def test_rate_limited_and_server_errors_from_packyard_itself(
    settings: Any, engine: Any, clock: Clock, world: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Packyard with limits on answers 429 with Retry-After and its quota headers."""
    from dataclasses import replace

    from starlette.testclient import TestClient

    from packyard.client import RateLimited, RetryPolicy, ServerError
    from packyard.server import create_app
    from packyard.services import packages

    app = create_app(replace(settings, rate_limit=2), engine, clock=clock)
    slept: list[float] = []
    with TestClient(app, base_url="http://testserver") as http:
        client = Client(
            token=ALICE,
            base_url="http://testserver/api/v3",
            http_client=http,
            retry=RetryPolicy(retries=1, backoff=0.01, max_rate_limit_wait=0.5),
            sleep=slept.append,
        )
        p = client.rest.packages
        p.get_package_for_user(username="alice", **CLI)
        p.get_package_for_user(username="alice", **CLI)
        with pytest.raises(RateLimited) as limited:
            p.get_package_for_user(username="alice", **CLI)
        assert limited.value.status == 429 and limited.value.reset_at is not None
        assert slept == []  # longer than this client's patience: it says so instead of waiting

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("the disk is on fire")

    monkeypatch.setattr(packages, "get_package", broken)
    with TestClient(
        create_app(settings, engine, clock=clock), base_url="http://testserver"
    ) as http:
        client = Client(
            token=ALICE,
            base_url="http://testserver/api/v3",
            http_client=http,
            retry=RetryPolicy(retries=1, backoff=0.01),
            sleep=slept.append,
        )
        with pytest.raises(ServerError) as failed:
            client.rest.packages.get_package_for_user(username="alice", **CLI)
        assert failed.value.status == 500 and len(slept) == 1  # retried once, then raised
