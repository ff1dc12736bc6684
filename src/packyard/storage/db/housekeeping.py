"""The audit log, and purging what the restore window no longer holds."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import delete, select, update

from packyard.core.ports import (
    PurgeCounts,
)
from packyard.storage.db import queries as q
from packyard.storage.db import tables as t
from packyard.storage.db.base import Rows

# Timestamps written as `str()` writes them ("2026-01-02 00:00:00+00:00"), as the audit
# log's rows always had them; orjson for the rest: the standard library's encoder was a
# twentieth of a REST delete.
_AUDIT_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME


def audit_json(value: dict[str, Any]) -> str:
    return orjson.dumps(value, default=str, option=_AUDIT_OPTIONS).decode()


class SqlHousekeeping(Rows):
    def audit(
        self,
        action: str,
        *,
        at: datetime,
        actor_id: int | None,
        token_id: int | None,
        request_id: str | None,
        package_id: int | None,
        version_id: int | None,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
    ) -> None:
        q.AUDIT.execute(
            self.conn,
            at=at,
            action=action,
            actor_id=actor_id,
            token_id=token_id,
            request_id=request_id,
            package_id=package_id,
            version_id=version_id,
            before=audit_json(before) if before is not None else None,
            after=audit_json(after) if after is not None else None,
        )

    def purge_deleted(self, cutoff: datetime) -> PurgeCounts:
        v = t.versions
        p = t.packages
        purged = v.c.deleted_at.is_not(None) & (v.c.deleted_at < cutoff)
        self.conn.execute(
            update(p)
            .where(p.c.id.in_(select(v.c.package_id).where(purged)))
            .values(version_generation=p.c.version_generation + 1)
        )
        versions = self.conn.execute(
            delete(v).where(v.c.deleted_at.is_not(None), v.c.deleted_at < cutoff)
        ).rowcount
        packages = self.conn.execute(
            delete(p).where(p.c.deleted_at.is_not(None), p.c.deleted_at < cutoff)
        ).rowcount
        return PurgeCounts(packages=int(packages), versions=int(versions))
