"""Rate limits shared by the processes of a PostgreSQL deployment

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 05:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_limit_windows",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("window_start", sa.BigInteger(), nullable=False),
        sa.Column("used", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_rate_limit_windows")),
    )
    op.create_table(
        "rate_limit_points",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.Column("cost", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rate_limit_points")),
    )
    op.create_index("ix_rate_limit_points_key_at", "rate_limit_points", ["key", "at"])


def downgrade() -> None:
    op.drop_index("ix_rate_limit_points_key_at", table_name="rate_limit_points")
    op.drop_table("rate_limit_points")
    op.drop_table("rate_limit_windows")
