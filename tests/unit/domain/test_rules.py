from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from packyard.domain.errors import BadRequest
from packyard.domain.rules import (
    DEFAULT_RESTORE_WINDOW,
    LAST_TAGGED_VERSION_MESSAGE,
    LAST_VERSION_MESSAGE,
    PUBLIC_DELETE_DOWNLOAD_LIMIT,
    VERSION_DOWNLOAD_LIMIT_MESSAGE,
    VersionDeletion,
    check_can_delete_package,
    check_can_delete_version,
    delete_counts_read,
    is_restorable,
    is_valid_login,
)
from packyard.domain.types import Account, AccountType, Package, PackageType, Version, Visibility

T0 = datetime(2026, 1, 1, tzinfo=UTC)
OWNER = Account(1, "alice", AccountType.USER)


def package(
    ptype: PackageType = PackageType.CONTAINER, visibility: Visibility = Visibility.PUBLIC
) -> Package:
    return Package(1, OWNER, ptype, "p", visibility, None, True, T0, T0)


def version(downloads: int = 0, tags: tuple[str, ...] = ()) -> Version:
    return Version(1, 1, "v", T0, T0, tags=tags, download_count=downloads)


@pytest.mark.parametrize(
    ("downloads", "visibility", "refused"),
    [
        (4_999, Visibility.PUBLIC, False),
        (5_000, Visibility.PUBLIC, False),
        (5_001, Visibility.PUBLIC, True),
        (4_999, Visibility.PRIVATE, False),
        (5_000, Visibility.PRIVATE, False),
        (5_001, Visibility.PRIVATE, False),
        (5_001, Visibility.INTERNAL, False),
    ],
)
def test_public_download_limit(downloads: int, visibility: Visibility, refused: bool) -> None:
    assert PUBLIC_DELETE_DOWNLOAD_LIMIT == 5_000
    p = package(PackageType.NPM, visibility)
    v = version(downloads)
    if refused:
        with pytest.raises(BadRequest) as raised:
            check_can_delete_version(p, v, active_version_count=2, tagged_version_count=0)
        assert raised.value.message == VERSION_DOWNLOAD_LIMIT_MESSAGE
        with pytest.raises(BadRequest):
            check_can_delete_package(p, downloads)
    else:
        deletion = check_can_delete_version(p, v, active_version_count=2, tagged_version_count=0)
        assert deletion is VersionDeletion.VERSION
        check_can_delete_package(p, downloads)


def test_container_last_tagged_version_is_refused_untagged_never() -> None:
    p = package(PackageType.CONTAINER, Visibility.PRIVATE)
    with pytest.raises(BadRequest) as raised:
        check_can_delete_version(
            p, version(tags=("latest",)), active_version_count=3, tagged_version_count=1
        )
    assert raised.value.message == LAST_TAGGED_VERSION_MESSAGE
    assert (
        check_can_delete_version(
            p, version(tags=("latest",)), active_version_count=3, tagged_version_count=2
        )
        is VersionDeletion.VERSION
    )
    assert (
        check_can_delete_version(p, version(), active_version_count=1, tagged_version_count=0)
        is VersionDeletion.VERSION
    )


@pytest.mark.parametrize("ptype", [PackageType.MAVEN, PackageType.DOCKER])
def test_repository_scoped_last_version_is_refused(ptype: PackageType) -> None:
    with pytest.raises(BadRequest) as raised:
        check_can_delete_version(
            package(ptype), version(), active_version_count=1, tagged_version_count=0
        )
    assert raised.value.message == LAST_VERSION_MESSAGE
    assert (
        check_can_delete_version(
            package(ptype), version(), active_version_count=2, tagged_version_count=0
        )
        is VersionDeletion.VERSION
    )


@pytest.mark.parametrize("ptype", [PackageType.NPM, PackageType.NUGET, PackageType.RUBYGEMS])
def test_last_version_takes_the_package(ptype: PackageType) -> None:
    assert (
        check_can_delete_version(
            package(ptype), version(), active_version_count=1, tagged_version_count=0
        )
        is VersionDeletion.PACKAGE
    )


def test_last_version_rule_comes_before_the_download_rule() -> None:
    with pytest.raises(BadRequest) as raised:
        check_can_delete_version(
            package(PackageType.MAVEN),
            version(9_999),
            active_version_count=1,
            tagged_version_count=0,
        )
    assert raised.value.message == LAST_VERSION_MESSAGE


def _outcome(p: Package, v: Version, active: int | None, tagged: int | None) -> str:
    try:
        return check_can_delete_version(
            p, v, active_version_count=active, tagged_version_count=tagged
        ).value
    except BadRequest as refused:
        return refused.message


@pytest.mark.parametrize("ptype", list(PackageType))
@pytest.mark.parametrize("tags", [(), ("latest",)])
@pytest.mark.parametrize(("active", "tagged"), [(1, 0), (1, 1), (2, 1), (3, 2)])
def test_counts_left_unread_change_no_outcome(
    ptype: PackageType, tags: tuple[str, ...], active: int, tagged: int
) -> None:
    """The delete counts only what `delete_counts_read` names: leaving out the rest gives
    every package type the outcome the full counts give (a count it reads but was told
    not to would raise AssertionError)."""
    p, v = package(ptype, Visibility.PRIVATE), version(tags=tags)
    reads_active, reads_tagged = delete_counts_read(p, v)
    assert _outcome(
        p, v, active if reads_active else None, tagged if reads_tagged else None
    ) == _outcome(p, v, active, tagged)


def test_an_untagged_container_version_needs_no_count() -> None:
    assert delete_counts_read(package(PackageType.CONTAINER), version()) == (False, False)
    assert delete_counts_read(package(PackageType.CONTAINER), version(tags=("a",))) == (
        False,
        True,
    )
    assert delete_counts_read(package(PackageType.NPM), version(tags=("a",))) == (True, False)


def test_restore_window_boundary() -> None:
    deleted = T0
    assert is_restorable(deleted, deleted + DEFAULT_RESTORE_WINDOW, DEFAULT_RESTORE_WINDOW)
    assert not is_restorable(
        deleted,
        deleted + DEFAULT_RESTORE_WINDOW + timedelta(microseconds=1),
        DEFAULT_RESTORE_WINDOW,
    )
    assert not is_restorable(None, deleted, DEFAULT_RESTORE_WINDOW)


@pytest.mark.parametrize(
    ("login", "valid"),
    [
        ("alice", True),
        ("a", True),
        ("a-b", True),
        ("a" * 39, True),
        ("a" * 40, False),
        ("-a", False),
        ("a-", False),
        ("a--b", False),
        ("a_b", False),
        ("", False),
        # The server's own pages' first segments: GitHub reserves them, whatever the case.
        ("login", False),
        ("Settings", False),
        ("orgs", False),
        ("users", False),
        ("logins", True),
    ],
)
def test_logins(login: str, valid: bool) -> None:
    assert is_valid_login(login) is valid
