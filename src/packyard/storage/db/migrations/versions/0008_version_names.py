"""Versions found by name within their package, deleted ones included (the seed's match)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 02:40:00
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Not unique: a deleted version's name may be published again, so a name may have
    # several rows (uq_package_versions_live_name keeps one of them live).
    op.create_index("ix_package_versions_package_name", "package_versions", ["package_id", "name"])


def downgrade() -> None:
    op.drop_index("ix_package_versions_package_name", table_name="package_versions")
