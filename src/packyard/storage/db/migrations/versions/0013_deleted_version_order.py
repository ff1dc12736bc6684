"""A package's versions in listing order in two partial indexes, live and deleted

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 18:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

LIVE = sa.text("deleted_at IS NULL")
DELETED = sa.text("deleted_at IS NOT NULL")


def upgrade() -> None:
    # ix_package_versions_package_order (package_id, deleted_at, created_at, id) held every
    # version: a soft delete moved its entry (out of the live ones, into the deleted ones)
    # besides taking it out of the live order. Each listing reads live or deleted versions
    # only, so the deleted ones get an index of their own; deleted_at closes both, so that
    # SQLite reads a listing from the index alone (its planner takes a partial index as
    # covering only when every column the query names is in it).
    op.drop_index("ix_package_versions_package_order", table_name="package_versions")
    op.drop_index("ix_package_versions_live_order", table_name="package_versions")
    op.create_index(
        "ix_package_versions_live_order",
        "package_versions",
        ["package_id", "created_at", "id", "deleted_at"],
        sqlite_where=LIVE,
        postgresql_where=LIVE,
    )
    op.create_index(
        "ix_package_versions_deleted_order",
        "package_versions",
        ["package_id", "created_at", "id", "deleted_at"],
        sqlite_where=DELETED,
        postgresql_where=DELETED,
    )


def downgrade() -> None:
    op.drop_index("ix_package_versions_deleted_order", table_name="package_versions")
    op.drop_index("ix_package_versions_live_order", table_name="package_versions")
    op.create_index(
        "ix_package_versions_live_order",
        "package_versions",
        ["package_id", "created_at", "id"],
        sqlite_where=LIVE,
        postgresql_where=LIVE,
    )
    op.create_index(
        "ix_package_versions_package_order",
        "package_versions",
        ["package_id", "deleted_at", "created_at", "id"],
    )
