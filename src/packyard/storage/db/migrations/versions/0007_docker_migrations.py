"""Legacy Docker images moved to the container registry, and those that conflicted

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 23:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "docker_migrations",
        sa.Column("repository_id", sa.Integer(), nullable=False),
        sa.Column("image", sa.String(length=255), nullable=False),
        sa.Column("package_id", sa.Integer(), nullable=False),
        sa.Column("migrated", sa.Boolean(), nullable=False),
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["repository_id"],
            ["repositories.id"],
            name=op.f("fk_docker_migrations_repository_id_repositories"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["package_id"],
            ["packages.id"],
            name=op.f("fk_docker_migrations_package_id_packages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("repository_id", "image", name=op.f("pk_docker_migrations")),
    )


def downgrade() -> None:
    op.drop_table("docker_migrations")
