"""packyard.client over real HTTP against a running `packyard serve`."""

from __future__ import annotations

import pytest

from packyard.client import Client, DownloadLimitError, NotFound, ScopeError, Unauthorized
from tests.conftest import ALICE, BOB_READ
from tests.protocols.conftest import LiveServer

CLI = {"package_type": "container", "package_name": "tools/cli"}


def test_sdk_against_a_live_server(live_server: LiveServer) -> None:
    with Client(token=ALICE, base_url=live_server.api) as client:
        packages = client.rest.packages
        versions = list(
            client.paginate(
                packages.get_all_package_versions_for_package_owned_by_user,
                username="alice",
                per_page=1,
                **CLI,
            )
        )
        assert len(versions) == 6  # six pages of one
        assert [v.id for v in client.iter_versions("alice", "container", "tools/cli")] == [
            v.id for v in versions
        ]
        untagged = versions[-1].id
        packages.delete_package_version_for_user(
            username="alice", package_version_id=untagged, **CLI
        )
        with pytest.raises(NotFound):
            packages.get_package_version_for_user(
                username="alice", package_version_id=untagged, **CLI
            )
        packages.restore_package_version_for_user(
            username="alice", package_version_id=untagged, **CLI
        )
        with pytest.raises(DownloadLimitError):
            packages.delete_package_version_for_user(
                username="alice", package_version_id=next(v.id for v in versions if v.tags), **CLI
            )
        assert client.registry_url == live_server.url
    with Client(token=BOB_READ, base_url=live_server.api) as reader, pytest.raises(ScopeError):
        reader.rest.packages.delete_package_version_for_user(
            username="alice", package_version_id=untagged, **CLI
        )
    with (
        Client(token="ghp_nope", base_url=live_server.api) as stranger,
        pytest.raises(Unauthorized),
    ):
        stranger.rest.users.get_authenticated()
