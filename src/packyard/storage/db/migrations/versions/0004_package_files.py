"""package core: every version's files in one table

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 02:40:00

npm tarballs and container manifests, configs and layers become rows of `package_files`, so
garbage collection asks one table what is live. npm's tarball columns move there.
"""

from __future__ import annotations

import base64
import json

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# Raw SQL hands SQLite's timestamps back as text: read them as the tables' type.
_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    files = op.create_table(
        "package_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("package_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("blob_digest", sa.String(length=140), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("hashes", sa.Text(), nullable=True),
        sa.Column("properties", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["package_id"],
            ["packages.id"],
            name=op.f("fk_package_files_package_id_packages"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["package_versions.id"],
            name=op.f("fk_package_files_version_id_package_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_package_files")),
        sa.UniqueConstraint("version_id", "name", name="uq_package_files_version_name"),
    )
    op.create_index("ix_package_files_blob", "package_files", ["blob_digest"], unique=False)
    op.create_index(
        "ix_package_files_package_name", "package_files", ["package_id", "name"], unique=False
    )
    conn = op.get_bind()
    rows: list[dict[str, object]] = []
    for r in conn.execute(
        sa.text(
            "SELECT n.version_id, n.package_id, p.name AS package, v.name AS version,"
            " v.created_at, n.tarball_digest, n.tarball_size, n.integrity, n.shasum"
            " FROM npm_versions n JOIN package_versions v ON v.id = n.version_id"
            " JOIN packages p ON p.id = n.package_id"
        ).columns(created_at=_TS)
    ).mappings():
        sha512 = base64.b64decode(str(r["integrity"]).removeprefix("sha512-")).hex()
        rows.append(
            {
                "version_id": r["version_id"],
                "package_id": r["package_id"],
                # npm's tarball name: the unscoped name (lowercased: names match in any
                # case), then the version
                "name": f"{str(r['package']).split('/', 1)[-1].lower()}-{r['version']}.tgz",
                "blob_digest": r["tarball_digest"],
                "size": r["tarball_size"],
                "hashes": json.dumps({"sha1": r["shasum"], "sha512": sha512}),
                "properties": None,
                "created_at": r["created_at"],
            }
        )
    for r in conn.execute(
        sa.text(
            "SELECT m.version_id, m.package_id, v.name, v.created_at, m.media_type, m.size"
            " FROM oci_manifests m JOIN package_versions v ON v.id = m.version_id"
        ).columns(created_at=_TS)
    ).mappings():
        rows.append(_oci_file(r, r["name"], "manifest"))
    seen = {(row["version_id"], row["name"]) for row in rows}
    for r in conn.execute(
        sa.text(
            "SELECT r.version_id, r.package_id, r.digest AS name, v.created_at, r.kind,"
            " r.media_type, r.size FROM oci_references r"
            " JOIN package_versions v ON v.id = r.version_id"
            " WHERE r.kind IN ('config', 'layer') ORDER BY r.version_id, r.position"
        ).columns(created_at=_TS)
    ).mappings():
        if (r["version_id"], r["name"]) not in seen:
            seen.add((r["version_id"], r["name"]))
            rows.append(_oci_file(r, r["name"], r["kind"]))
    if rows:
        op.bulk_insert(files, rows)
    with op.batch_alter_table("npm_versions", schema=None) as batch_op:
        batch_op.drop_column("tarball_digest")
        batch_op.drop_column("tarball_size")
        batch_op.drop_column("integrity")
        batch_op.drop_column("shasum")


def _oci_file(r: sa.RowMapping, name: str, kind: str) -> dict[str, object]:
    return {
        "version_id": r["version_id"],
        "package_id": r["package_id"],
        "name": name,
        "blob_digest": name,
        "size": r["size"],
        "hashes": None,
        "properties": json.dumps({"kind": kind, "media_type": r["media_type"]}),
        "created_at": r["created_at"],
    }


def downgrade() -> None:
    """npm's tarball columns come back filled from the files, before those go."""
    with op.batch_alter_table("npm_versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("tarball_digest", sa.String(length=140), nullable=True))
        batch_op.add_column(sa.Column("tarball_size", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("integrity", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("shasum", sa.String(length=40), nullable=True))
    conn = op.get_bind()
    tarballs = conn.execute(
        sa.text(
            "SELECT f.version_id, f.blob_digest, f.size, f.hashes FROM package_files f"
            " JOIN npm_versions n ON n.version_id = f.version_id"
        )
    ).all()
    for version_id, digest, size, hashes_json in tarballs:
        hashes = json.loads(hashes_json or "{}")
        conn.execute(
            sa.text(
                "UPDATE npm_versions SET tarball_digest = :digest, tarball_size = :size,"
                " integrity = :integrity, shasum = :shasum WHERE version_id = :version_id"
            ),
            {
                "version_id": version_id,
                "digest": digest,
                "size": size,
                "integrity": "sha512-" + base64.b64encode(bytes.fromhex(hashes["sha512"])).decode(),
                "shasum": hashes["sha1"],
            },
        )
    with op.batch_alter_table("npm_versions", schema=None) as batch_op:
        batch_op.alter_column("tarball_digest", existing_type=sa.String(length=140), nullable=False)
        batch_op.alter_column("tarball_size", existing_type=sa.BigInteger(), nullable=False)
        batch_op.alter_column("integrity", existing_type=sa.String(length=255), nullable=False)
        batch_op.alter_column("shasum", existing_type=sa.String(length=40), nullable=False)
    op.drop_index("ix_package_files_package_name", table_name="package_files")
    op.drop_index("ix_package_files_blob", table_name="package_files")
    op.drop_table("package_files")
