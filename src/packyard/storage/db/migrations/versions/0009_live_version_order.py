"""A package's live versions in listing order, for PostgreSQL's planner

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 03:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # ix_package_versions_package_order (package_id, deleted_at, created_at, id) serves
    # SQLite, whose planner takes `deleted_at IS NULL` as an equality; PostgreSQL's does not,
    # and sorted every live version of a package for each listing's first page.
    live = sa.text("deleted_at IS NULL")
    op.create_index(
        "ix_package_versions_live_order",
        "package_versions",
        ["package_id", "created_at", "id"],
        sqlite_where=live,
        postgresql_where=live,
    )


def downgrade() -> None:
    op.drop_index("ix_package_versions_live_order", table_name="package_versions")
