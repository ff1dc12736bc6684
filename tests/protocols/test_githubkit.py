"""githubkit, unchanged but for its base URL, against a running Packyard.

githubkit parses every response into its generated pydantic models of GitHub's schemas,
so a shape we get wrong fails here as it would for its users.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

import pytest
from githubkit import GitHub
from githubkit.exception import RequestFailed

from tests.conftest import ALICE, ALICE_FINE_GRAINED, BOB_READ
from tests.protocols.conftest import LiveServer

CLI = quote("tools/cli", safe="")  # githubkit puts names into paths as given
WEB_UI = "web-ui"  # GitHub names npm packages without their scope (the owner)


@pytest.fixture(scope="module")
def carol(live_server: LiveServer) -> str:
    created = live_server.packyard(
        "tokens",
        "create",
        "carol",
        "--scopes",
        "read:packages,write:packages,delete:packages",
    )
    assert created.returncode == 0, created.stderr
    return created.stdout.strip()


@pytest.fixture
def github(live_server: LiveServer) -> Iterator[Callable[[str | None], GitHub[Any]]]:
    clients: list[GitHub[Any]] = []

    def make(token: str | None) -> GitHub[Any]:
        client: GitHub[Any] = GitHub(token, base_url=live_server.api + "/")
        clients.append(client)
        return client

    yield make


def status_of(call: Callable[[], Any]) -> int:
    try:
        return int(call().status_code)
    except RequestFailed as failure:
        return int(failure.response.status_code)


def test_user_scope(github: Callable[[str | None], GitHub[Any]]) -> None:
    packages = github(ALICE).rest.packages
    at_alice = {"package_type": "container", "package_name": CLI, "username": "alice"}
    mine = {"package_type": "container", "package_name": CLI}
    listed = packages.list_packages_for_user(username="alice", package_type="container")
    assert [p.name for p in listed.parsed_data] == ["tools/cli"]
    package = listed.parsed_data[0]
    assert package.repository is not None and package.repository.full_name == "alice/tools"
    own = packages.list_packages_for_authenticated_user(package_type="container").parsed_data
    assert [p.id for p in own] == [package.id]
    # Three images; the multi-platform one brings two platforms and an attestation.
    assert packages.get_package_for_user(**at_alice).parsed_data.version_count == 6
    assert packages.get_package_for_authenticated_user(**mine).parsed_data.id == package.id
    versions = packages.get_all_package_versions_for_package_owned_by_user(**at_alice).parsed_data
    assert len(versions) == 6
    # The newest image is the multi-platform one: its index carries the tags.
    index = next(
        v for v in versions if v.metadata and v.metadata.container and v.metadata.container.tags
    )
    assert index.metadata is not None and index.metadata.container is not None
    assert index.metadata.container.tags == ["1.0.0", "latest"]
    own_versions = packages.get_all_package_versions_for_package_owned_by_authenticated_user(
        **mine, state="active"
    ).parsed_data
    assert [v.id for v in own_versions] == [v.id for v in versions]
    untagged = versions[-1].id  # the oldest: the build nobody tagged, which nothing lists
    got = packages.get_package_version_for_user(**at_alice, package_version_id=untagged)
    assert got.parsed_data.name.startswith("sha256:")
    assert (
        packages.get_package_version_for_authenticated_user(
            **mine, package_version_id=untagged
        ).parsed_data.id
        == untagged
    )

    # The seed operation, then its undo, through both scopes.
    for delete, restore, where in [
        (
            packages.delete_package_version_for_user,
            packages.restore_package_version_for_user,
            at_alice,
        ),
        (
            packages.delete_package_version_for_authenticated_user,
            packages.restore_package_version_for_authenticated_user,
            mine,
        ),
    ]:
        assert delete(**where, package_version_id=untagged).status_code == 204
        assert restore(**where, package_version_id=untagged).status_code == 204

    # GitHub's refusal: this public version was downloaded 6,000 times.
    tagged = index.id
    assert (
        status_of(
            lambda: packages.delete_package_version_for_user(**at_alice, package_version_id=tagged)
        )
        == 400
    )
    assert (
        packages.list_docker_migration_conflicting_packages_for_user(username="alice").parsed_data
        == []
    )
    assert (
        packages.list_docker_migration_conflicting_packages_for_authenticated_user().parsed_data
        == []
    )
    # Deleting the whole package is refused for the same reason; nothing to restore.
    assert status_of(lambda: packages.delete_package_for_authenticated_user(**mine)) == 400
    assert status_of(lambda: packages.restore_package_for_authenticated_user(**mine)) == 404


def test_org_scope(github: Callable[[str | None], GitHub[Any]], carol: str) -> None:
    packages = github(carol).rest.packages
    at_acme = {"package_type": "npm", "package_name": WEB_UI, "org": "acme"}
    listed = packages.list_packages_for_organization(org="acme", package_type="npm")
    assert [p.name for p in listed.parsed_data] == ["web-ui"]
    assert packages.get_package_for_organization(**at_acme).parsed_data.id == (
        listed.parsed_data[0].id
    )
    versions = packages.get_all_package_versions_for_package_owned_by_org(**at_acme).parsed_data
    assert [v.name for v in versions] == ["1.1.0", "1.0.0"]
    first = versions[1].id
    assert (
        packages.get_package_version_for_organization(
            **at_acme, package_version_id=first
        ).parsed_data.name
        == "1.0.0"
    )
    assert (
        packages.delete_package_version_for_org(**at_acme, package_version_id=first).status_code
        == 204
    )
    assert (
        packages.restore_package_version_for_org(**at_acme, package_version_id=first).status_code
        == 204
    )
    assert packages.delete_package_for_org(**at_acme).status_code == 204
    assert status_of(lambda: packages.get_package_for_organization(**at_acme)) == 404
    assert packages.restore_package_for_org(**at_acme).status_code == 204
    assert (
        packages.list_docker_migration_conflicting_packages_for_organization(org="acme").parsed_data
        == []
    )
    # The org's package through /users/, as GitHub's cleanup action sends it.
    at_user = {"package_type": "npm", "package_name": WEB_UI, "username": "acme"}
    assert packages.delete_package_for_user(**at_user).status_code == 204
    assert packages.restore_package_for_user(**at_user).status_code == 204


def test_errors(github: Callable[[str | None], GitHub[Any]]) -> None:
    at_alice = {"package_type": "container", "package_name": CLI, "username": "alice"}
    anonymous = github(None).rest.packages
    assert (
        status_of(
            lambda: anonymous.delete_package_version_for_user(**at_alice, package_version_id=3)
        )
        == 401
    )
    assert (
        status_of(lambda: github("ghp_wrong").rest.packages.get_package_for_user(**at_alice)) == 401
    )
    reader = github(BOB_READ).rest.packages
    assert (
        status_of(lambda: reader.delete_package_version_for_user(**at_alice, package_version_id=3))
        == 403
    )
    fine = github(ALICE_FINE_GRAINED).rest.packages
    assert status_of(lambda: fine.get_package_for_user(**at_alice)) == 403
    alice = github(ALICE).rest.packages
    assert (
        status_of(
            lambda: alice.get_package_for_user(
                package_type="container", package_name="nope", username="alice"
            )
        )
        == 404
    )
    assert (
        status_of(
            lambda: alice.delete_package_version_for_user(**at_alice, package_version_id=999999)
        )
        == 404
    )
    assert (
        status_of(
            lambda: alice.list_packages_for_user(
                username="alice",
                package_type="container",
                visibility="secret",  # type: ignore[arg-type]
            )
        )
        == 422
    )


def test_users_and_rate_limit(github: Callable[[str | None], GitHub[Any]]) -> None:
    client = github(ALICE)
    me = client.rest.users.get_authenticated().parsed_data
    assert me.login == "alice"
    org = client.rest.users.get_by_username(username="acme").parsed_data
    assert org.type == "Organization"
    assert client.rest.rate_limit.get().parsed_data.resources.core.limit == 5000


def test_root_and_meta(github: Callable[[str | None], GitHub[Any]]) -> None:
    client = github(None)
    root = client.rest.meta.root().parsed_data
    assert root.current_user_url.endswith("/api/v3/user")
    assert client.rest.meta.get().parsed_data.verifiable_password_authentication is False
