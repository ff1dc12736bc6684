"""Code written for githubkit's models runs unchanged on the SDK's.

Each check is one function body applied to githubkit's pydantic model of a real Packyard
response and to the SDK's object from the same response (`.raw` is the body as received).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from githubkit.utils import UNSET
from githubkit_schemas.latest import models as gk
from pydantic import BaseModel

from packyard.client import Client, Package, PackageVersion
from tests.conftest import ALICE, Clock, seed

CLI = {"username": "alice", "package_type": "container", "package_name": "tools/cli"}
# minimal-repository's nested objects that packages never carry; the SDK keeps them in .raw
NESTED_ONLY_IN_RAW = {"permissions", "license_", "code_of_conduct", "security_and_analysis"}
NESTED_ONLY_IN_RAW |= {"custom_properties"}


@pytest.fixture
def alice(client_for: Any, world: Any, store: Any, clock: Clock) -> Client:
    seed(
        store,
        {
            "packages": [
                {
                    "owner": "alice",
                    "package_type": "npm",
                    "name": "@alice/hello",
                    "visibility": "public",
                    "versions": [{"name": "1.0.0", "license": "MIT"}],
                },
                {
                    "owner": "alice",
                    "package_type": "docker",
                    "name": "old/app",
                    "visibility": "public",
                    "versions": [{"name": "sha256:" + "d" * 64, "tags": ["v1"]}],
                },
            ]
        },
        clock.now,
    )
    client: Client = client_for(ALICE)
    return client


def both(ours: PackageVersion | Package) -> tuple[Any, Any]:
    model = gk.PackageVersion if isinstance(ours, PackageVersion) else gk.Package
    return model.model_validate(ours.raw), ours


def same(body: Callable[[Any], Any], ours: PackageVersion | Package) -> Any:
    theirs, mine = both(ours)
    assert body(theirs) == body(mine)
    return body(mine)


def tags_of(v: Any) -> Any:
    return v.metadata.container.tags


def tags_or_none(v: Any) -> Any:
    return v.metadata.container.tags if v.metadata and v.metadata.container else None


def test_a_container_version(alice: Client) -> None:
    versions = alice.rest.packages.get_all_package_versions_for_package_owned_by_user(**CLI)
    # The newest versions are the multi-platform image: its index is the tagged one.
    first = next(v for v in versions if v.tags)
    assert same(tags_of, first) == ["1.0.0", "latest"] == first.tags
    assert same(lambda v: v.metadata.package_type, first) == "container"
    assert same(lambda v: (v.license_, v.description), first) == ("MIT", "the first release")
    assert same(lambda v: isinstance(v.created_at, datetime), first)
    same(lambda v: (v.id, v.name, v.url, v.html_url, v.package_html_url, v.updated_at), first)
    assert same(lambda v: bool(v.metadata.docker), first) is False
    untagged = versions[-1]  # the oldest: the build nobody tagged
    assert same(tags_of, untagged) == []
    assert same(lambda v: bool(v.deleted_at), untagged) is False


def test_an_npm_version_has_no_container_block(alice: Client) -> None:
    npm = {"username": "alice", "package_type": "npm", "package_name": "hello"}
    (version,) = alice.rest.packages.get_all_package_versions_for_package_owned_by_user(**npm)
    assert same(tags_or_none, version) is None
    assert same(lambda v: (bool(v.metadata.container), bool(v.metadata.docker)), version) == (
        False,
        False,
    )
    assert same(lambda v: v.metadata.package_type, version) == "npm"
    assert version.metadata is not None and version.metadata.container is None  # not UNSET
    assert version.tags == [] and version.license_ == "MIT"


def test_a_docker_version(alice: Client) -> None:
    docker = {"username": "alice", "package_type": "docker", "package_name": "old/app"}
    (version,) = alice.rest.packages.get_all_package_versions_for_package_owned_by_user(**docker)
    assert same(tags_or_none, version) is None
    assert same(lambda v: v.metadata.package_type, version) == "docker"
    # GitHub's schema names the list `tag` and requires `tags`; Packyard sends both, so
    # githubkit's model (which reads `tag`) and the SDK (which reads either) see the tags.
    assert same(lambda v: v.metadata.docker.tag, version) == ["v1"]
    assert version.metadata is not None and version.metadata.docker is not None
    assert version.metadata.docker.tag == version.metadata.docker.tags == ["v1"] == version.tags


def test_a_package_with_owner_and_repository(alice: Client) -> None:
    package = alice.rest.packages.get_package_for_user(**CLI)
    assert same(lambda p: (p.owner.login, p.owner.type), package) == ("alice", "User")
    assert same(lambda p: p.repository.full_name, package) == "alice/tools"
    assert same(lambda p: (p.repository.name, p.repository.owner.login), package) == (
        "tools",
        "alice",
    )
    assert same(lambda p: (p.version_count, p.visibility, p.package_type), package) == (
        6,  # three images; the multi-platform one's two platforms and attestation
        "public",
        "container",
    )
    same(lambda p: (p.id, p.name, p.url, p.html_url, p.created_at, p.updated_at), package)
    same(lambda p: (p.owner.id, p.owner.html_url, p.owner.site_admin), package)
    same(lambda p: (p.repository.private, p.repository.html_url, p.repository.visibility), package)
    # and the shortcuts stay
    assert package.owner is not None and not package.owner.is_org


def test_every_field_githubkit_reads_reads_the_same(alice: Client) -> None:
    """Field by field, recursively: whatever githubkit parsed, the SDK has under that name."""
    versions = alice.rest.packages.get_all_package_versions_for_package_owned_by_user(**CLI)
    package = alice.rest.packages.get_package_for_user(**CLI)
    for ours in (*versions, package):
        theirs, _ = both(ours)
        compare(theirs, ours, type(ours).__name__)


def compare(theirs: BaseModel, ours: Any, where: str) -> None:
    for name in type(theirs).model_fields:
        if name in NESTED_ONLY_IN_RAW and where.endswith("repository"):
            continue
        value = getattr(theirs, name)
        assert hasattr(ours, name), f"{where}.{name}"
        mine = getattr(ours, name)
        if value is UNSET:
            assert not mine, f"{where}.{name}: UNSET there, {mine!r} here"
        elif isinstance(value, BaseModel):
            compare(value, mine, f"{where}.{name}")
        else:
            assert mine == value, f"{where}.{name}"
