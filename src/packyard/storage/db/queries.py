"""The hot reads and writes, prebuilt as `Query` objects (their columns and the converters
from their rows are `columns`'), and the advisory locks' SQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Integer,
    Select,
    bindparam,
    cast,
    delete,
    func,
    insert,
    null,
    select,
    text,
    union_all,
    update,
)

from packyard.storage.db import tables as t
from packyard.storage.db.columns import (
    ACCOUNT_COLUMNS,
    PACKAGE_COLUMNS,
    REPOSITORY_COLUMNS,
    TOKEN_COLUMNS,
    VERSION_COLUMNS,
)
from packyard.storage.db.compiled import Query

a, p, v, vt, tk = t.accounts, t.packages, t.versions, t.version_tags, t.tokens


def _by_tag(query: Select[Any]) -> Query:
    """A read with a row per live tag (the version's columns on each), in tag order.
    PostgreSQL sorts them by its collation. SQLite sorted the rows through a temporary
    b-tree on every run (14k of a version read's 47k instructions), so it reads them as they
    come and `columns.live_tags` sorts the tags: in code point order, which is the order of
    SQLite's BINARY collation over UTF-8."""
    return Query(query.order_by(vt.c.tag), sqlite=query)


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
# get-version's one read: the owner, its live package, and the version asked for with a row
# per tag (a NULL package or version where there is none).
OWNER_PACKAGE_AND_VERSION = _by_tag(
    select(*ACCOUNT_COLUMNS, *PACKAGE_COLUMNS, *VERSION_COLUMNS, vt.c.tag)
    .select_from(
        a.outerjoin(
            p,
            (p.c.owner_id == a.c.id)
            & (p.c.package_type == bindparam("package_type"))
            & (p.c.live_name == bindparam("name")),
        )
        .outerjoin(v, (v.c.package_id == p.c.id) & (v.c.id == bindparam("version_id")))
        .outerjoin(vt, vt.c.version_id == v.c.id)
    )
    .where(a.c.login_norm == bindparam("login"))
)
VERSION_WITH_TAGS = _by_tag(
    select(*VERSION_COLUMNS, vt.c.tag)
    .select_from(v.outerjoin(vt, vt.c.version_id == v.c.id))
    .where(v.c.id == bindparam("id"), v.c.package_id == bindparam("package_id"))
)
LIVE_VERSION_WITH_TAGS = _by_tag(
    select(*VERSION_COLUMNS, vt.c.tag)
    .select_from(v.outerjoin(vt, vt.c.version_id == v.c.id))
    .where(v.c.package_id == bindparam("package_id"), v.c.live_name == bindparam("name"))
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
# ... and its package's download generation, once per version a batch counts.
DOWNLOADS_CHANGED = Query(
    update(p)
    .where(
        p.c.id == select(v.c.package_id).where(v.c.id == bindparam("version_id")).scalar_subquery()
    )
    .values(download_generation=p.c.download_generation + 1)
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
_PARENTS = (
    select(v.c.id, v.c.name)
    .join(_refs, _refs.c.version_id == v.c.id)
    .where(
        _refs.c.package_id == bindparam("package_id"),
        _refs.c.digest == bindparam("digest"),
        _refs.c.kind == "manifest",
        v.c.deleted_at.is_(None),
    )
)
PARENTS_OF = Query(_PARENTS.distinct())
# A container delete's reads of the manifest graph in one statement: the live indexes that
# list the version (position NULL), then the manifests the version lists (id NULL). Not
# DISTINCT: SQLite builds a temporary b-tree for that on every run (30k of this statement's
# 45k instructions); the reader drops an index listing the version twice.
PARENTS_AND_CHILDREN = Query(
    union_all(
        _PARENTS.add_columns(cast(null(), Integer).label("position")),
        select(cast(null(), Integer), _refs.c.digest, _refs.c.position).where(
            _refs.c.version_id == bindparam("version_id"), _refs.c.kind == "manifest"
        ),
    )
)
CHILDREN_OF = Query(
    select(_refs.c.digest)
    .where(_refs.c.version_id == bindparam("version_id"), _refs.c.kind == "manifest")
    .order_by(_refs.c.position)
)
LOCK_PACKAGE = Query(select(p.c.deleted_at).where(p.c.id == bindparam("id")).with_for_update())


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
