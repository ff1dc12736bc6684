"""The version listings' statements: a page's ids newest first (from an offset or from a
checkpoint), the counters a page is keyed by, and the checkpoints themselves."""

from __future__ import annotations

from functools import cache

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    bindparam,
    func,
    select,
    true,
    tuple_,
)

from packyard.domain.types import VersionFilter
from packyard.storage.db import tables as t
from packyard.storage.db.columns import VERSION_COLUMNS
from packyard.storage.db.compiled import Query

p, v, vt = t.packages, t.versions, t.version_tags

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
def version_page_ids(shown: VersionFilter, anchored: bool) -> Query:
    """A page's ids, paged from the index alone (skipped rows never read from the table)."""
    return Query(_page_ids(shown, anchored))


# The counters a page is keyed by: the live count, the version and download generations.
_COUNTERS = (p.c.version_count, p.c.version_generation, p.c.download_generation)
PAGE_COUNTERS = Query(select(*_COUNTERS).where(p.c.id == bindparam("id")))


@cache
def counters_and_page_ids(anchored: bool, downloads: bool) -> Query:
    """A page of live versions with the counters it is keyed by, read at one snapshot in one
    statement: the package's row joined to the page's ids (a NULL id on an empty page), and
    with `downloads` the package's download generation. A shallow page is paged from the
    listing's start; an `anchored` (deep) one from a checkpoint, which is the page's only if
    the generation read with it is the one the checkpoint was taken at. Rows: (version
    count, version generation, id[, download generation]); a column more on every row
    costs the REST API's list ~25k instructions (a driver call per value)."""
    page = _page_ids(VersionFilter.ACTIVE, anchored).add_columns(v.c.created_at).subquery()
    columns = [p.c.version_count, p.c.version_generation, page.c.id]
    if downloads:
        columns.append(p.c.download_generation)
    return Query(
        select(*columns)
        .select_from(p.outerjoin(page, true()))
        .where(p.c.id == bindparam("package_id"))
        .order_by(page.c.created_at.desc(), page.c.id.desc())
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
