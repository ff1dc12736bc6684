"""Maven registry: coordinates, uploaded metadata's hashes, SNAPSHOT builds

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 05:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _package_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["package_id"],
        ["packages.id"],
        name=op.f(f"fk_{table}_package_id_packages"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "maven_packages",
        sa.Column("package_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.String(length=255), nullable=False),
        sa.Column("artifact_id", sa.String(length=255), nullable=False),
        _package_fk("maven_packages"),
        sa.PrimaryKeyConstraint("package_id", name=op.f("pk_maven_packages")),
    )
    op.create_table(
        "maven_metadata",
        sa.Column("package_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=255), nullable=False),
        sa.Column("hashes", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _package_fk("maven_metadata"),
        sa.PrimaryKeyConstraint("package_id", "version", name=op.f("pk_maven_metadata")),
    )
    op.create_table(
        "maven_builds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("package_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        _package_fk("maven_builds"),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["package_versions.id"],
            name=op.f("fk_maven_builds_version_id_package_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_maven_builds")),
        sa.UniqueConstraint("version_id", "name", name="uq_maven_builds_version_name"),
    )


def downgrade() -> None:
    op.drop_table("maven_builds")
    op.drop_table("maven_metadata")
    op.drop_table("maven_packages")
