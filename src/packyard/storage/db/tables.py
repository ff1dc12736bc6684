"""The schema, portable between SQLite and PostgreSQL.

Case-insensitive matching uses `*_norm` columns holding the lowered spelling, so both
engines use a plain unique index. "Only one live X per name" uses a `live_name` column that
is the normalized name while live and NULL once deleted: NULLs never collide in a unique
index on either engine, so deleted rows keep their names without a partial index.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

TS = DateTime(timezone=True)

accounts = Table(
    "accounts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("login", String(39), nullable=False),
    Column("login_norm", String(39), nullable=False, unique=True),
    Column("type", String(16), nullable=False),  # User | Organization
    Column("name", String(255)),
    Column("site_admin", Boolean, nullable=False, default=False),
    Column("created_at", TS, nullable=False),
)

org_memberships = Table(
    "org_memberships",
    metadata,
    Column("org_id", ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True),
    Column("role", String(16), nullable=False),  # admin | member
)

repositories = Table(
    "repositories",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("owner_id", ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("name_norm", String(100), nullable=False),
    Column("visibility", String(16), nullable=False),
    Column("description", Text),
    Column("created_at", TS, nullable=False),
    UniqueConstraint("owner_id", "name_norm", name="uq_repositories_owner_name"),
)

collaborators = Table(
    "collaborators",
    metadata,
    Column("repository_id", ForeignKey("repositories.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True),
    Column("permission", String(16), nullable=False),
)

tokens = Table(
    "tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", ForeignKey("accounts.id", ondelete="CASCADE")),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("token_prefix", String(16), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("scopes", Text, nullable=False, default=""),  # comma-joined
    Column("repository_id", ForeignKey("repositories.id", ondelete="CASCADE")),
    Column("packages_permission", String(8)),  # actions tokens: read | write
    Column("note", String(255)),
    Column("created_at", TS, nullable=False),
    Column("expires_at", TS),
    Column("last_used_at", TS),
    Column("revoked_at", TS),
)

packages = Table(
    "packages",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("owner_id", ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("package_type", String(16), nullable=False),
    Column("name", String(255), nullable=False),
    Column("name_norm", String(255), nullable=False),
    Column("live_name", String(255)),
    Column("visibility", String(16), nullable=False),
    Column("repository_id", ForeignKey("repositories.id", ondelete="SET NULL")),
    Column("inherit_access", Boolean, nullable=False, default=True),
    # Live versions, kept in step by every change to them: GitHub's `version_count`, and the
    # total behind a listing's `Link: rel="last"` without counting 100,000 rows per page.
    Column("version_count", Integer, nullable=False, default=0),
    # Bumped by every change to the package's versions: page indexes built for one
    # generation are valid until the next, in every process sharing the database.
    Column("version_generation", Integer, nullable=False, default=0),
    # Bumped with every batch of downloads written to the package's versions (migration
    # 0014). Every other change to a download count comes with a version generation, so
    # the two fix every version's count: a page's counts kept under both are still its
    # counts (`PageIndex.counts`).
    # The database's default, not SQLAlchemy's: an insert leaves the column out, as the
    # migration tests' inserts into older schemas must.
    Column("download_generation", BigInteger, nullable=False, server_default="0"),
    Column("created_at", TS, nullable=False),
    Column("updated_at", TS, nullable=False),
    Column("deleted_at", TS),
    UniqueConstraint("owner_id", "package_type", "live_name", name="uq_packages_live_name"),
    Index("ix_packages_owner_type_name", "owner_id", "package_type", "name_norm"),
    Index("ix_packages_owner_created", "owner_id", "created_at", "id"),
)

package_access = Table(
    "package_access",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("package_id", ForeignKey("packages.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", ForeignKey("accounts.id", ondelete="CASCADE")),
    Column("repository_id", ForeignKey("repositories.id", ondelete="CASCADE")),
    Column("role", String(8), nullable=False),  # read | write | admin
    UniqueConstraint("package_id", "user_id", "repository_id", name="uq_package_access_grantee"),
)

versions = Table(
    "package_versions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("package_id", ForeignKey("packages.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(255), nullable=False),
    Column("live_name", String(255)),
    Column("description", Text),
    Column("license", String(255)),
    Column("download_count", BigInteger, nullable=False, default=0),
    # Tags a deleted version held, so restore can give back those not taken since.
    Column("deleted_tags", Text),
    Column("created_at", TS, nullable=False),
    Column("updated_at", TS, nullable=False),
    Column("deleted_at", TS),
    UniqueConstraint("package_id", "live_name", name="uq_package_versions_live_name"),
    # A package's live versions in listing order, and its deleted ones (migration 0013): a
    # soft delete moves one entry. deleted_at closes each, so SQLite's planner counts them
    # covering; PostgreSQL's cannot read an index of all versions in created_at order under
    # `deleted_at IS NULL` (it sorted every live version, 53 ms at 100,000).
    Index(
        "ix_package_versions_live_order",
        *("package_id", "created_at", "id", "deleted_at"),
        sqlite_where=text("deleted_at IS NULL"),
        postgresql_where=text("deleted_at IS NULL"),
    ),
    Index(
        "ix_package_versions_deleted_order",
        *("package_id", "created_at", "id", "deleted_at"),
        sqlite_where=text("deleted_at IS NOT NULL"),
        postgresql_where=text("deleted_at IS NOT NULL"),
    ),
    # The seed matches a file's versions by name, deleted ones too: live_name's constraint
    # cannot serve it, and a name may have several rows (deleted, then published again).
    Index("ix_package_versions_package_name", "package_id", "name"),
)

# Live tags only: one row per (package, tag), so a tag names at most one version.
version_tags = Table(
    "version_tags",
    metadata,
    Column("package_id", ForeignKey("packages.id", ondelete="CASCADE"), primary_key=True),
    Column("tag", String(255), primary_key=True),
    Column("version_id", ForeignKey("package_versions.id", ondelete="CASCADE"), nullable=False),
    Index("ix_version_tags_version", "version_id"),
)

# Downloads per version per day, for retention rules ("downloaded within 14 days").
version_downloads = Table(
    "version_downloads",
    metadata,
    Column("version_id", ForeignKey("package_versions.id", ondelete="CASCADE"), primary_key=True),
    Column("day", String(10), primary_key=True),  # YYYY-MM-DD, UTC
    Column("count", BigInteger, nullable=False),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", TS, nullable=False),
    Column("action", String(32), nullable=False),
    Column("actor_id", Integer),
    Column("token_id", Integer),
    Column("request_id", String(64)),
    Column("package_id", Integer),
    Column("version_id", Integer),
    Column("before", Text),
    Column("after", Text),
)

# --- the package core: every format's versions hold files ----------------------------------

# A version's files: npm's tarball, a container manifest with its config and layers, a Maven
# jar and pom. The bytes are the blob store's, by digest, shared by every file with the same
# content; GC keeps a blob while any row here (of a live or restorable version) names it.
# Written only by `core.files.add_file`.
package_files = Table(
    "package_files",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("version_id", ForeignKey("package_versions.id", ondelete="CASCADE"), nullable=False),
    Column("package_id", ForeignKey("packages.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(255), nullable=False),
    Column("blob_digest", String(140), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("hashes", Text),  # JSON: {"sha1": hex, "sha512": hex, ...}, as computed at ingest
    Column("properties", Text),  # JSON: what the format keeps about the file
    Column("created_at", TS, nullable=False),
    UniqueConstraint("version_id", "name", name="uq_package_files_version_name"),
    Index("ix_package_files_package_name", "package_id", "name"),
    Index("ix_package_files_blob", "blob_digest"),
)

# Blobs garbage collection is reclaiming, for a blob store that cannot judge a blob's age
# atomically with a publish's touch (S3): marked `pending` before their ages are read, held
# (locked) while deleted, then `reclaimed` or gone. A publish that touched bytes checks here
# and vetoes a pending mark (core/reclaims.py draws the protocol).
blob_reclaims = Table(
    "blob_reclaims",
    metadata,
    Column("digest", String(140), primary_key=True),
    Column("state", String(16), nullable=False),  # "pending" or "reclaimed"
    Column("at", TS, nullable=False),
)

# Blob uploads whose state the blob store keeps in the database: an S3 bucket's, each an S3
# multipart upload (storage/blobs/s3_uploads.py draws the protocol). Not `oci_uploads`, which
# says whose an upload is: these say how far its bytes have come, so any process continues it.
blob_uploads = Table(
    "blob_uploads",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("size", BigInteger, nullable=False),  # bytes appended: where the next append starts
    Column("multipart_id", String(1024)),  # S3's UploadId, from the first part on
    Column("parts_claimed", Integer, nullable=False),  # part numbers handed out so far
    Column("created_at", TS, nullable=False),
)

# The parts uploaded, in order: together they hold bytes [0, size - pending).
blob_upload_parts = Table(
    "blob_upload_parts",
    metadata,
    Column("upload_id", ForeignKey("blob_uploads.id", ondelete="CASCADE"), primary_key=True),
    Column("number", Integer, primary_key=True),
    Column("start", BigInteger, nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("etag", String(255), nullable=False),
)

# Chunks too small to be a part yet (S3 refuses parts under 5 MiB but the last), gathered
# until one is full: the bytes from the end of the last part to `size`.
blob_upload_pending = Table(
    "blob_upload_pending",
    metadata,
    Column("upload_id", ForeignKey("blob_uploads.id", ondelete="CASCADE"), primary_key=True),
    Column("start", BigInteger, primary_key=True),
    Column("data", LargeBinary, nullable=False),
)

# --- the container registry ---------------------------------------------------------------

# Blobs a repository may serve: pushed to it or mounted into it. Keyed by the repository's
# name rather than its package, because blobs arrive before the manifest that creates the
# package.
oci_blobs = Table(
    "oci_blobs",
    metadata,
    Column("owner_id", ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True),
    Column("repository", String(255), primary_key=True),  # the package name, normalized
    Column("digest", String(140), primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("created_at", TS, nullable=False),
)

# Uploads in progress; their bytes are in the blob store under the same id.
oci_uploads = Table(
    "oci_uploads",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("owner_id", ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("repository", String(255), nullable=False),
    Column("created_at", TS, nullable=False),
)

# A version of a container package is a manifest: its exact bytes live in the blob store
# under the version's name (its digest); this row says what they are.
oci_manifests = Table(
    "oci_manifests",
    metadata,
    Column("version_id", ForeignKey("package_versions.id", ondelete="CASCADE"), primary_key=True),
    Column("package_id", ForeignKey("packages.id", ondelete="CASCADE"), nullable=False),
    Column("media_type", String(255), nullable=False),
    Column("artifact_type", String(255)),
    Column("subject_digest", String(140)),
    Column("size", BigInteger, nullable=False),
    Column("annotations", Text),  # JSON: the referrers API returns them
    Index("ix_oci_manifests_subject", "package_id", "subject_digest"),
)

# What each manifest references (config, layers, an index's children, its subject): the
# graph deletes, referrers and garbage collection follow.
oci_references = Table(
    "oci_references",
    metadata,
    Column("version_id", ForeignKey("package_versions.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("package_id", ForeignKey("packages.id", ondelete="CASCADE"), nullable=False),
    Column("digest", String(140), nullable=False),
    Column("kind", String(16), nullable=False),  # config | layer | manifest | subject
    Column("media_type", String(255), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("platform", Text),  # JSON
    Index("ix_oci_references_digest", "package_id", "digest"),
)

# Legacy Docker images (`package_type=docker`) and their move to the container registry:
# one row per image a migration tried, keyed by the legacy name's repository and image.
# `migrated`: the package is now the container package of the same id, and the legacy name
# still reaches it; otherwise its container name was taken (GitHub's "docker conflicts").
docker_migrations = Table(
    "docker_migrations",
    metadata,
    Column("repository_id", ForeignKey("repositories.id", ondelete="CASCADE"), primary_key=True),
    Column("image", String(255), primary_key=True),  # normalized
    Column("package_id", ForeignKey("packages.id", ondelete="CASCADE"), nullable=False),
    Column("migrated", Boolean, nullable=False),
    Column("attempted_at", TS, nullable=False),
)

# --- the npm registry ---------------------------------------------------------------------

# An npm version: its package.json as published; its tarball is the version's file.
# Dist-tags are the package's `version_tags`, as container tags are.
npm_versions = Table(
    "npm_versions",
    metadata,
    Column("version_id", ForeignKey("package_versions.id", ondelete="CASCADE"), primary_key=True),
    Column("package_id", ForeignKey("packages.id", ondelete="CASCADE"), nullable=False),
    Column("manifest", Text, nullable=False),  # JSON: the version document, minus `dist`
    Column("deprecated", Text),
)

# --- the Maven registry -------------------------------------------------------------------

# A Maven package's coordinates: GitHub's name `groupId.artifactId` cannot tell
# `com.example` + `a.b` from `com.example.a` + `b`, so the split is kept.
maven_packages = Table(
    "maven_packages",
    metadata,
    Column("package_id", ForeignKey("packages.id", ondelete="CASCADE"), primary_key=True),
    Column("group_id", String(255), nullable=False),
    Column("artifact_id", String(255), nullable=False),
)

# The hashes of the last maven-metadata.xml a client uploaded (artifact level: version ""),
# so the checksums it uploads next can be checked; the metadata served is generated.
maven_metadata = Table(
    "maven_metadata",
    metadata,
    Column("package_id", ForeignKey("packages.id", ondelete="CASCADE"), primary_key=True),
    Column("version", String(255), primary_key=True),
    Column("hashes", Text, nullable=False),  # JSON: {"md5": hex, "sha1": hex, ...}
    Column("updated_at", TS, nullable=False),
)

# A SNAPSHOT version's timestamped deploys; their files are the version's files whose
# properties name the build. Deleted on their own, restorable for the window, then purged.
maven_builds = Table(
    "maven_builds",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("version_id", ForeignKey("package_versions.id", ondelete="CASCADE"), nullable=False),
    Column("package_id", ForeignKey("packages.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(64), nullable=False),  # `20261130.101500-2`
    Column("number", Integer, nullable=False),
    Column("created_at", TS, nullable=False),
    Column("deleted_at", TS),
    UniqueConstraint("version_id", "name", name="uq_maven_builds_version_name"),
)

# Rate limits shared by the processes of one PostgreSQL deployment (storage.db.ratelimits):
# each token's (or address's) current fixed window, one row per key, reused window after
# window...
rate_limit_windows = Table(
    "rate_limit_windows",
    metadata,
    Column("key", String(100), primary_key=True),  # `token:ID` or `ip:ADDRESS`
    Column("window_start", BigInteger, nullable=False),  # Unix seconds
    Column("used", BigInteger, nullable=False),
)

# ...and the secondary limit's sliding window: a row per spending, the expired ones of a
# key deleted as it spends again.
rate_limit_points = Table(
    "rate_limit_points",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(100), nullable=False),
    Column("at", Float, nullable=False),  # Unix seconds
    Column("cost", Integer, nullable=False),
    Index("ix_rate_limit_points_key_at", "key", "at"),
)
