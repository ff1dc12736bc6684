"""A package's download generation, bumped with every batch of downloads written

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-08 01:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The web's versions page showed each version's download count by joining its 30 rows
    # on every page (a tenth of the page's cost); with this it reads the counts again only
    # when a download was written since it kept them.
    op.add_column(
        "packages",
        sa.Column("download_generation", sa.BigInteger(), nullable=False, server_default="0"),
    )


def downgrade() -> None:
    # In place (SQLite 3.35 and later drop a column): a batch copy of `packages` would drop
    # the table its versions' rows cascade from.
    op.drop_column("packages", "download_generation")
