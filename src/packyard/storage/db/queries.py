"""The hot reads, prebuilt as `Query` objects, and the converters from their rows."""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cache
from operator import itemgetter
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    bindparam,
    delete,
    func,
    insert,
    select,
    text,
    true,
    tuple_,
    update,
)

from packyard.domain.types import (
    Account,
    AccountType,
    Package,
    PackageType,
    Version,
    VersionFilter,
    Visibility,
)
from packyard.storage.db import tables as t
from packyard.storage.db.compiled import Positions, Query, timestamp

a, p, v, vt, tk = t.accounts, t.packages, t.versions, t.version_tags, t.tokens

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

ACCOUNT_BY_LOGIN = Query(select(*ACCOUNT_COLUMNS).where(a.c.login_norm == bindparam("login")))
ACCOUNT_BY_ID = Query(select(*ACCOUNT_COLUMNS).where(a.c.id == bindparam("id")))
TOKEN_WITH_USER = Query(
    select(*TOKEN_COLUMNS, *ACCOUNT_COLUMNS)
    .select_from(tk.outerjoin(a, a.c.id == tk.c.user_id))
    .where(tk.c.token_hash == bindparam("token_hash"))
)
# The token's hash last: OCI tokens are verified with it.
TOKEN_WITH_USER_AND_HASH_BY_ID = Query(
    select(*TOKEN_COLUMNS, *ACCOUNT_COLUMNS, tk.c.token_hash)
    .select_from(tk.outerjoin(a, a.c.id == tk.c.user_id))
    .where(tk.c.id == bindparam("id"))
)
LIVE_PACKAGE = Query(
    select(*PACKAGE_COLUMNS).where(
        p.c.owner_id == bindparam("owner_id"),
        p.c.package_type == bindparam("package_type"),
        p.c.live_name == bindparam("name"),
    )
)
OWNER_WITH_LIVE_PACKAGE = Query(
    select(*ACCOUNT_COLUMNS, *PACKAGE_COLUMNS)
    .select_from(
        a.outerjoin(
            p,
            (p.c.owner_id == a.c.id)
            & (p.c.package_type == bindparam("package_type"))
            & (p.c.live_name == bindparam("name")),
        )
    )
    .where(a.c.login_norm == bindparam("login"))
)
VERSION_WITH_TAGS = Query(
    select(*VERSION_COLUMNS, vt.c.tag)
    .select_from(v.outerjoin(vt, vt.c.version_id == v.c.id))
    .where(v.c.id == bindparam("id"), v.c.package_id == bindparam("package_id"))
    .order_by(vt.c.tag)
)
LIVE_VERSION_WITH_TAGS = Query(
    select(*VERSION_COLUMNS, vt.c.tag)
    .select_from(v.outerjoin(vt, vt.c.version_id == v.c.id))
    .where(v.c.package_id == bindparam("package_id"), v.c.live_name == bindparam("name"))
    .order_by(vt.c.tag)
)
TAGS_OF_VERSION = Query(
    select(vt.c.tag).where(vt.c.version_id == bindparam("version_id")).order_by(vt.c.tag)
)
PACKAGE_COUNTERS = Query(
    select(p.c.version_count, p.c.version_generation).where(p.c.id == bindparam("id"))
)
TAGGED_UP_TO_TWO = Query(
    select(func.count()).select_from(
        select(vt.c.version_id)
        .where(vt.c.package_id == bindparam("package_id"))
        .group_by(vt.c.version_id)
        .limit(2)
        .subquery()
    )
)
SOFT_DELETE_VERSION = Query(
    update(v)
    .where(v.c.id == bindparam("id"), v.c.deleted_at.is_(None))
    .values(deleted_at=bindparam("now"), live_name=None, deleted_tags=bindparam("tags"))
)
# A deleted version keeps the tags it had (to restore them): taken and read in one statement.
TAKE_TAGS_OF_VERSION = Query(
    delete(vt).where(vt.c.version_id == bindparam("version_id")).returning(vt.c.tag)
)
VERSIONS_CHANGED = Query(
    update(p)
    .where(p.c.id == bindparam("id"))
    .values(
        version_count=p.c.version_count + bindparam("delta", type_=Integer),
        version_generation=p.c.version_generation + 1,
    )
)
# A pull: the version's total and its day's count (a row per version per day).
COUNT_DOWNLOAD = Query(
    update(v).where(v.c.id == bindparam("version_id")).values(download_count=v.c.download_count + 1)
)
COUNT_DOWNLOAD_DAY = Query(
    update(t.version_downloads)
    .where(
        t.version_downloads.c.version_id == bindparam("version_id"),
        t.version_downloads.c.day == bindparam("day"),
    )
    .values(count=t.version_downloads.c.count + 1)
)
FIRST_DOWNLOAD_OF_DAY = Query(
    insert(t.version_downloads).values(
        version_id=bindparam("version_id"), day=bindparam("day"), count=1
    )
)
AUDIT = Query(
    insert(t.audit_log).values(
        at=bindparam("at"),
        action=bindparam("action"),
        actor_id=bindparam("actor_id"),
        token_id=bindparam("token_id"),
        request_id=bindparam("request_id"),
        package_id=bindparam("package_id"),
        version_id=bindparam("version_id"),
        before=bindparam("before"),
        after=bindparam("after"),
    )
)
ORG_ROLE = Query(
    select(t.org_memberships.c.role).where(
        t.org_memberships.c.org_id == bindparam("org_id"),
        t.org_memberships.c.user_id == bindparam("user_id"),
    )
)
REPOSITORY_COLUMNS = (
    t.repositories.c.id,
    t.repositories.c.owner_id,
    t.repositories.c.name,
    t.repositories.c.visibility,
    t.repositories.c.description,
)
R = Positions(REPOSITORY_COLUMNS)
REPOSITORY_BY_ID = Query(select(*REPOSITORY_COLUMNS).where(t.repositories.c.id == bindparam("id")))
REPOSITORY_BY_NAME = Query(
    select(*REPOSITORY_COLUMNS).where(
        t.repositories.c.owner_id == bindparam("owner_id"),
        t.repositories.c.name_norm == bindparam("name"),
    )
)
COLLABORATOR_PERMISSION = Query(
    select(t.collaborators.c.permission).where(
        t.collaborators.c.repository_id == bindparam("repository_id"),
        t.collaborators.c.user_id == bindparam("user_id"),
    )
)
USER_GRANT = Query(
    select(t.package_access.c.role).where(
        t.package_access.c.package_id == bindparam("package_id"),
        t.package_access.c.user_id == bindparam("user_id"),
    )
)
REPOSITORY_GRANT = Query(
    select(t.package_access.c.role).where(
        t.package_access.c.package_id == bindparam("package_id"),
        t.package_access.c.repository_id == bindparam("repository_id"),
        t.package_access.c.user_id.is_(None),
    )
)
_refs = t.oci_references
PARENTS_OF = Query(
    select(v.c.id, v.c.name)
    .join(_refs, _refs.c.version_id == v.c.id)
    .where(
        _refs.c.package_id == bindparam("package_id"),
        _refs.c.digest == bindparam("digest"),
        _refs.c.kind == "manifest",
        v.c.deleted_at.is_(None),
    )
    .distinct()
)
CHILDREN_OF = Query(
    select(_refs.c.digest)
    .where(_refs.c.version_id == bindparam("version_id"), _refs.c.kind == "manifest")
    .order_by(_refs.c.position)
)
LOCK_PACKAGE = Query(select(p.c.deleted_at).where(p.c.id == bindparam("id")).with_for_update())


TAGGED_VERSIONS = Query(
    select(func.count(vt.c.version_id.distinct())).where(vt.c.package_id == bindparam("package_id"))
)


def _listed(shown: VersionFilter) -> list[ColumnElement[bool]]:
    """Which of a package's versions a listing holds (tags are live versions' only)."""
    if shown is VersionFilter.DELETED:
        return [v.c.package_id == bindparam("package_id"), v.c.deleted_at.is_not(None)]
    where = [v.c.package_id == bindparam("package_id"), v.c.deleted_at.is_(None)]
    if shown is not VersionFilter.ACTIVE:
        has_tag = select(vt.c.tag).where(vt.c.version_id == v.c.id).exists()
        where.append(has_tag if shown is VersionFilter.TAGGED else ~has_tag)
    return where


def _page_ids(shown: VersionFilter, anchored: bool) -> Select[tuple[int]]:
    """The ids of a page of versions, newest first."""
    where = _listed(shown)
    if anchored:
        where.append(
            tuple_(v.c.created_at, v.c.id)
            <= tuple_(
                bindparam("anchor_created", type_=v.c.created_at.type),
                bindparam("anchor_id", type_=Integer),
            )
        )
    return (
        select(v.c.id)
        .where(*where)
        .order_by(v.c.created_at.desc(), v.c.id.desc())
        .limit(bindparam("limit", type_=Integer))
        .offset(bindparam("offset", type_=Integer))
    )


@cache
def version_page_ids(shown: VersionFilter, anchored: bool, downloads: bool = False) -> Query:
    """A page's ids, and with `downloads` each version's download count: what a copy of a
    version kept by its package's version generation lacks. The ids are paged alone (from
    the index, skipped rows never read from the table), then joined to their rows."""
    if not downloads:
        return Query(_page_ids(shown, anchored))
    ids = _page_ids(shown, anchored).add_columns(v.c.created_at).subquery()
    return Query(
        select(ids.c.id, _counted.c.download_count)
        .join_from(ids, _counted, _counted.c.id == ids.c.id)
        .order_by(ids.c.created_at.desc(), ids.c.id.desc())
    )


_counted = v.alias("counted")
_first_pages = _page_ids(VersionFilter.ACTIVE, False).add_columns(v.c.created_at).subquery()
# A shallow page of live versions with the counters it is keyed by, read at one snapshot in
# one statement: the package's row, joined to the page's ids (a NULL id on an empty page).
COUNTERS_AND_PAGE_IDS = Query(
    select(p.c.version_count, p.c.version_generation, _first_pages.c.id)
    .select_from(p.outerjoin(_first_pages, true()))
    .where(p.c.id == bindparam("package_id"))
    .order_by(_first_pages.c.created_at.desc(), _first_pages.c.id.desc())
)
# The same with each version's download count.
COUNTERS_PAGE_IDS_AND_DOWNLOADS = Query(
    select(p.c.version_count, p.c.version_generation, _first_pages.c.id, _counted.c.download_count)
    .select_from(
        p.outerjoin(_first_pages, true()).outerjoin(_counted, _counted.c.id == _first_pages.c.id)
    )
    .where(p.c.id == bindparam("package_id"))
    .order_by(_first_pages.c.created_at.desc(), _first_pages.c.id.desc())
)


@cache
def version_page(shown: VersionFilter, anchored: bool) -> tuple[Query, Query]:
    """The page's versions, and the tags of exactly those versions, sharing one subquery."""
    ids = _page_ids(shown, anchored).scalar_subquery()
    versions = select(*VERSION_COLUMNS).where(v.c.id.in_(ids))
    versions = versions.order_by(v.c.created_at.desc(), v.c.id.desc())
    tags = select(vt.c.version_id, vt.c.tag).where(vt.c.version_id.in_(ids)).order_by(vt.c.tag)
    return Query(versions), Query(tags)


@cache
def checkpoints(shown: VersionFilter, every: int) -> Query:
    ordered = (
        select(
            v.c.created_at,
            v.c.id,
            func.row_number()
            .over(order_by=(v.c.created_at.desc(), v.c.id.desc()))
            .label("position"),
        )
        .where(*_listed(shown))
        .subquery()
    )
    return Query(
        select(ordered.c.created_at, ordered.c.id)
        .where((ordered.c.position - 1) % every == 0)
        .order_by(ordered.c.position)
    )


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


# Garbage collection's leader lock, held by one session (PostgreSQL only).
GC_LOCK_TRY = text("SELECT pg_try_advisory_lock(:key)")
GC_LOCK_RELEASE = text("SELECT pg_advisory_unlock(:key)")

# Pending downloads (core.files): a shared hold per process and batch, waited on by deletes.
# The two-key form's space is apart from the GC lock's; 0x50594443 is "PYDC".
# The holds run on the driver's cursor (psycopg's placeholders).
DOWNLOADS_HOLD_SQL = "SELECT pg_try_advisory_lock_shared(1348027459, %s)"
DOWNLOADS_RELEASE_SQL = "SELECT pg_advisory_unlock_shared(1348027459, %s)"
# Both slots in one statement each way: a delete pays two round trips when nothing is pending.
DOWNLOADS_AWAIT = text("SELECT pg_advisory_lock(1348027459, 0), pg_advisory_lock(1348027459, 1)")
DOWNLOADS_AWAITED = text(
    "SELECT pg_advisory_unlock(1348027459, 0), pg_advisory_unlock(1348027459, 1)"
)
