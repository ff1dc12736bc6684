"""What the hot reads select, and the domain objects built from their rows.

The prebuilt statements (`queries`, `page_queries`) select these column lists; the fast path
reads plain driver tuples, so each list has its `Positions`, and the converters below turn
a row into an `Account`, a `Package` or a `Version` by those positions.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection

from packyard.domain.types import (
    Account,
    AccountType,
    Package,
    PackageType,
    Version,
    Visibility,
)
from packyard.kept import keep
from packyard.storage.db import tables as t
from packyard.storage.db.compiled import Positions, timestamp

a, p, v, tk = t.accounts, t.packages, t.versions, t.tokens

ACCOUNT_COLUMNS = (a.c.id, a.c.login, a.c.type, a.c.name, a.c.site_admin, a.c.created_at)
PACKAGE_COLUMNS = (
    p.c.id,
    p.c.owner_id,
    p.c.package_type,
    p.c.name,
    p.c.visibility,
    p.c.repository_id,
    p.c.inherit_access,
    p.c.version_count,
    p.c.created_at,
    p.c.updated_at,
    p.c.deleted_at,
)
VERSION_COLUMNS = (
    v.c.id,
    v.c.package_id,
    v.c.name,
    v.c.description,
    v.c.license,
    v.c.download_count,
    v.c.deleted_tags,
    v.c.created_at,
    v.c.updated_at,
    v.c.deleted_at,
)
TOKEN_COLUMNS = (
    tk.c.id,
    tk.c.kind,
    tk.c.scopes,
    tk.c.repository_id,
    tk.c.packages_permission,
    tk.c.expires_at,
    tk.c.revoked_at,
    tk.c.last_used_at,
)

A = Positions(ACCOUNT_COLUMNS)
P = Positions(PACKAGE_COLUMNS)
V = Positions(VERSION_COLUMNS)
T = Positions(TOKEN_COLUMNS)
REPOSITORY_COLUMNS = (
    t.repositories.c.id,
    t.repositories.c.owner_id,
    t.repositories.c.name,
    t.repositories.c.visibility,
    t.repositories.c.description,
)
R = Positions(REPOSITORY_COLUMNS)


_ACCOUNT = A.getter("id", "login", "type", "name", "site_admin", "created_at")
# A TOKEN_WITH_USER row: the token's columns, then its user's account's.
_TOKEN_ACCOUNT = A.getter("id", "login", "type", "name", "site_admin", "created_at", at=T.width)
# A TOKEN_WITH_USER row's token, and its user's id (NULL for a token of no user).
TOKEN_FIELDS = itemgetter(
    *(
        getattr(T, name)
        for name in (
            "id",
            "kind",
            "scopes",
            "repository_id",
            "packages_permission",
            "expires_at",
            "revoked_at",
            "last_used_at",
        )
    ),
    T.width + A.id,
)
_PACKAGE = P.getter(
    "id",
    "package_type",
    "name",
    "visibility",
    "repository_id",
    "inherit_access",
    "version_count",
    "created_at",
    "updated_at",
    "deleted_at",
)
_VERSION = V.getter(
    "id",
    "package_id",
    "name",
    "description",
    "license",
    "download_count",
    "deleted_tags",
    "created_at",
    "updated_at",
    "deleted_at",
)


def account_from(row: Sequence[Any], *, with_token: bool = False) -> Account:
    """An account from a row of ACCOUNT_COLUMNS, or of TOKEN_WITH_USER (`with_token`)."""
    id_, login, type_, name, site_admin, created_at = (
        _TOKEN_ACCOUNT(row) if with_token else _ACCOUNT(row)
    )
    return Account(
        id=id_,
        login=login,
        type=AccountType(type_),
        name=name,
        site_admin=bool(site_admin),
        created_at=timestamp(created_at),
    )


def package_from(row: Sequence[Any], owner: Account) -> Package:
    (
        id_,
        package_type,
        name,
        visibility,
        repository_id,
        inherit_access,
        version_count,
        created_at,
        updated_at,
        deleted_at,
    ) = _PACKAGE(row)
    created = timestamp(created_at)
    updated = timestamp(updated_at)
    assert created is not None and updated is not None
    return Package(
        id=id_,
        owner=owner,
        package_type=PackageType(package_type),
        name=name,
        visibility=Visibility(visibility),
        repository_id=repository_id,
        inherit_access=bool(inherit_access),
        version_count=int(version_count),
        created_at=created,
        updated_at=updated,
        deleted_at=timestamp(deleted_at),
    )


def live_tags(rows: Sequence[Sequence[Any]], conn: Connection) -> list[str]:
    """The live tags of a read with a row per tag (the tag last, NULL for none), in tag
    order: SQLite reads them unordered (see `queries._by_tag`)."""
    tags = [row[-1] for row in rows if row[-1] is not None]
    if len(tags) > 1 and conn.dialect.name == "sqlite":
        tags.sort()
    return tags


def version_from(row: Sequence[Any], live_tags: Sequence[str]) -> Version:
    (
        id_,
        package_id,
        name,
        description,
        license_,
        download_count,
        deleted_tags,
        created_at,
        updated_at,
        deleted_at_,
    ) = _VERSION(row)
    created = timestamp(created_at)
    updated = timestamp(updated_at)
    assert created is not None and updated is not None
    deleted_at = timestamp(deleted_at_)
    tags = tuple(live_tags) if deleted_at is None else tuple(json.loads(deleted_tags or "[]"))
    return Version(
        id=id_,
        package_id=package_id,
        name=name,
        description=description,
        license=license_,
        download_count=int(download_count),
        created_at=created,
        updated_at=updated,
        tags=tags,
        deleted_at=deleted_at,
    )


# Packages whose built objects are kept (an entry is a few hundred bytes).
MAX_KEPT_PACKAGES = 10_000
_AT_PACKAGE = len(ACCOUNT_COLUMNS)
_OWNER_AND_PACKAGE = len(ACCOUNT_COLUMNS) + len(PACKAGE_COLUMNS)
# In a kept row (the owner's columns, then the package's): the package's version count, and
# the package's other columns.
_COUNT = _AT_PACKAGE + P.version_count
_BUT_COUNT = itemgetter(*(i for i in range(_AT_PACKAGE, _OWNER_AND_PACKAGE) if i != _COUNT))


class KeptPackages:
    """Owners and packages kept by the very row they were built from (the owner's columns,
    then the package's), as token records are: each request still reads the row, so any
    change to either is seen at once in every process; only building the objects again
    (three timestamps parsed, three enums looked up) is spared when the row read is the row
    kept. The objects are frozen: requests may share them."""

    def __init__(self) -> None:
        self._kept: dict[int, tuple[tuple[Any, ...], Account, Package]] = {}

    def of(self, row: Sequence[Any]) -> tuple[Account, Package]:
        """The owner and package of a row holding both (the package's id not NULL)."""
        key = tuple(row[:_OWNER_AND_PACKAGE])
        package_id = row[_AT_PACKAGE + P.id]
        kept = self._kept.get(package_id)
        if kept is not None and kept[0] == key:
            return kept[1], kept[2]
        # A delete changes its package's row (its version count) every time; its owner's
        # columns stay as they were, and so do the package's others.
        if kept is not None and kept[0][:_AT_PACKAGE] == key[:_AT_PACKAGE]:
            owner = kept[1]
            if _BUT_COUNT(kept[0]) == _BUT_COUNT(key):
                package = recounted(kept[2], key[_COUNT])
            else:
                package = package_from(row[_AT_PACKAGE:], owner)
        else:
            owner = account_from(row)
            package = package_from(row[_AT_PACKAGE:], owner)
        keep(self._kept, package_id, (key, owner, package), MAX_KEPT_PACKAGES)
        return owner, package


def recounted(package: Package, version_count: Any) -> Package:
    """`package_from` of a row that differs from `package`'s only in its version count: the
    kept package's parsed timestamps and looked-up enums, with the new count (building it
    anew was 17k of a REST delete's 769k instructions under callgrind)."""
    return Package(
        id=package.id,
        owner=package.owner,
        package_type=package.package_type,
        name=package.name,
        visibility=package.visibility,
        repository_id=package.repository_id,
        inherit_access=package.inherit_access,
        version_count=int(version_count),
        created_at=package.created_at,
        updated_at=package.updated_at,
        deleted_at=package.deleted_at,
    )
