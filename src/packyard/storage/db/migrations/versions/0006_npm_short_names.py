"""npm packages are named without their scope, as GitHub names them (`@alice/hello` → `hello`)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 06:15:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_packages = sa.table(
    "packages",
    sa.column("id", sa.Integer),
    sa.column("owner_id", sa.Integer),
    sa.column("package_type", sa.String),
    sa.column("name", sa.String),
    sa.column("name_norm", sa.String),
    sa.column("live_name", sa.String),
)
_accounts = sa.table("accounts", sa.column("id", sa.Integer), sa.column("login", sa.String))


def _rename(scoped: bool) -> None:
    """Every npm package's name, scope dropped (`scoped=False`) or the owner's scope put back.
    Row by row in Python: string surgery is spelled the same on both engines this way."""
    conn = op.get_bind()
    p, a = _packages, _accounts
    rows = conn.execute(
        sa.select(p.c.id, p.c.name, p.c.live_name, a.c.login)
        .join(a, a.c.id == p.c.owner_id)
        .where(p.c.package_type == "npm")
        .order_by(p.c.id)
    ).all()
    for row in rows:
        prefix = f"@{row.login.lower()}/"
        if scoped and not row.name.startswith("@"):
            name = f"@{row.login}/{row.name}"
        elif not scoped and row.name.lower().startswith(prefix):
            name = row.name[len(prefix) :]
        else:
            continue  # already in the wanted form, or scoped with another name than the owner
        # live_name stays NULL for a deleted package: NULLs are what let deleted rows share
        # names. A live name that collides fails on the unique index rather than merge two packages.
        conn.execute(
            sa.update(p)
            .where(p.c.id == row.id)
            .values(
                name=name,
                name_norm=name.lower(),
                live_name=None if row.live_name is None else name.lower(),
            )
        )


def upgrade() -> None:
    _rename(scoped=False)


def downgrade() -> None:
    _rename(scoped=True)
