"""The container registry's use cases: blobs, uploads, manifests and tags.

Each is one transaction on the store plus blob-store work done before it (bytes are written
and checked first; a row that names them is committed only after), so a crash leaves at
worst unreferenced bytes, which garbage collection reclaims — never a row without its bytes.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from packyard.domain.digests import DigestMismatch, InvalidDigest, parse_digest
from packyard.domain.errors import Unauthenticated
from packyard.domain.oci import (
    BlobUnknown,
    Denied,
    DigestInvalid,
    ManifestBlobUnknown,
    ManifestInvalid,
    ManifestRejected,
    ManifestUnknown,
    NameInvalid,
    NameUnknown,
    ParsedManifest,
    TagInvalid,
    UploadOffsetInvalid,
    UploadUnknown,
    is_valid_repository_name,
    is_valid_tag,
    parse_manifest,
    source_repository,
    split_repository,
)
from packyard.domain.permissions import (
    AccessFacts,
    Denial,
    Operation,
    authorize,
    package_role,
)
from packyard.domain.rules import (
    VERSION_DOWNLOAD_LIMIT_MESSAGE,
    exceeds_public_download_limit,
    normalize_name,
)
from packyard.domain.types import Account, Package, PackageType, Role, Scope, Visibility
from packyard.services.access import access_facts
from packyard.services.containers import check_not_held, delete_orphaned_children
from packyard.services.context import Context
from packyard.services.ports import BlobStore, ManifestRecord, ReferrerRecord, Transaction

REQUIRES_AUTHENTICATION = "authentication required"
PUSH_SCOPES = (Scope.READ_PACKAGES, Scope.WRITE_PACKAGES)


@dataclass(frozen=True)
class Repository:
    """`/v2/OWNER/NAME...` resolved: the owner, the package name, the package if it exists."""

    owner: Account
    name: str
    package: Package | None


def resolve(tx: Transaction, name: str) -> Repository:
    if not is_valid_repository_name(name):
        raise NameInvalid(f"invalid repository name: {name!r}")
    try:
        owner_login, package_name = split_repository(name)
    except ValueError:
        raise NameInvalid(f"repository names are OWNER/NAME: {name!r}") from None
    owner = tx.find_account_by_login(owner_login)
    if owner is None:
        raise NameUnknown(f"repository {name} is not known")
    return Repository(
        owner, package_name, tx.find_package(owner.id, PackageType.CONTAINER, package_name)
    )


def check_read(tx: Transaction, ctx: Context, repo: Repository, name: str) -> Package:
    if repo.package is None:
        if ctx.actor.anonymous:
            raise Unauthenticated(REQUIRES_AUTHENTICATION)
        raise NameUnknown(f"repository {name} is not known")
    decision = authorize(
        ctx.actor, repo.package, access_facts(tx, ctx.actor, repo.package), Operation.READ
    )
    if decision.allowed:
        return repo.package
    if ctx.actor.anonymous:
        # Anonymous clients learn to authenticate; they learn nothing about existence.
        raise Unauthenticated(REQUIRES_AUTHENTICATION)
    if decision.denial is Denial.MISSING_SCOPES:
        raise Denied("the token lacks read:packages")
    raise NameUnknown(f"repository {name} is not known")


def check_push(tx: Transaction, ctx: Context, repo: Repository, name: str) -> None:
    actor = ctx.actor
    if actor.anonymous:
        raise Unauthenticated(REQUIRES_AUTHENTICATION)
    if any(scope not in actor.scopes for scope in PUSH_SCOPES):
        raise Denied("pushing needs a token with read:packages and write:packages")
    if repo.package is None:
        user = actor.user
        may_create = user is not None and (
            user.id == repo.owner.id
            or (repo.owner.is_org and tx.org_role(repo.owner.id, user.id) is not None)
        )
        if not may_create:
            raise Denied(f"you may not create packages in {repo.owner.login}'s namespace")
        return
    facts: AccessFacts = access_facts(tx, actor, repo.package)
    role = package_role(actor, repo.package, facts)
    if role >= Role.WRITE:
        return
    if role >= Role.READ:
        raise Denied(f"you may read {name} but not push to it")
    raise NameUnknown(f"repository {name} is not known")


def _digest(value: str) -> str:
    try:
        return str(parse_digest(value))
    except InvalidDigest as error:
        raise DigestInvalid(str(error)) from None


# blobs and uploads ---------------------------------------------------------------------


def blob_size(ctx: Context, blobs: BlobStore, name: str, digest: str) -> int:
    digest = _digest(digest)
    with ctx.store.read() as tx:
        repo = resolve(tx, name)
        if repo.package is None:
            check_push(tx, ctx, repo, name)  # a pusher asking before it uploads
        else:
            check_read(tx, ctx, repo, name)
        size = tx.linked_blob_size(repo.owner.id, repo.name, digest)
    if size is None or not blobs.exists(digest):
        raise BlobUnknown(f"blob {digest} is not in {name}")
    return size


def start_upload(ctx: Context, blobs: BlobStore, name: str) -> str:
    with ctx.store.write() as tx:
        repo = resolve(tx, name)
        check_push(tx, ctx, repo, name)
        upload_id = blobs.start_upload()
        tx.create_upload(upload_id, repo.owner.id, repo.name, ctx.now)
    return upload_id


def _upload_of(tx: Transaction, ctx: Context, name: str, upload_id: str) -> Repository:
    repo = resolve(tx, name)
    check_push(tx, ctx, repo, name)
    found = tx.find_upload(upload_id) if len(upload_id) == 32 else None
    if found is None or found != (repo.owner.id, normalize_name(repo.name)):
        raise UploadUnknown(f"no upload {upload_id} in {name}")
    return repo


def upload_size(ctx: Context, blobs: BlobStore, name: str, upload_id: str) -> int:
    with ctx.store.read() as tx:
        _upload_of(tx, ctx, name, upload_id)
    return blobs.upload_size(upload_id)


def append_upload(
    ctx: Context, blobs: BlobStore, name: str, upload_id: str, data: bytes, offset: int | None
) -> int:
    with ctx.store.read() as tx:
        _upload_of(tx, ctx, name, upload_id)
    current = blobs.upload_size(upload_id)
    if offset is not None and offset != current:
        raise UploadOffsetInvalid(f"the upload continues at byte {current}", current)
    return blobs.append(upload_id, data, current)


def finish_upload(
    ctx: Context, blobs: BlobStore, name: str, upload_id: str, digest: str, data: bytes
) -> int:
    """The last chunk (possibly empty), the digest check, and the blob linked to the
    repository, or nothing at all."""
    digest = _digest(digest)
    with ctx.store.read() as tx:
        repo = _upload_of(tx, ctx, name, upload_id)
    if data:
        blobs.append(upload_id, data)
    try:
        size = blobs.commit(upload_id, digest)
    except DigestMismatch as mismatch:  # the bytes stay out of the store
        blobs.cancel(upload_id)
        raise DigestInvalid(str(mismatch)) from None
    with ctx.store.write() as tx:
        tx.link_blob(repo.owner.id, repo.name, digest, size, ctx.now)
        tx.delete_upload(upload_id)
    return size


def cancel_upload(ctx: Context, blobs: BlobStore, name: str, upload_id: str) -> None:
    with ctx.store.write() as tx:
        _upload_of(tx, ctx, name, upload_id)
        tx.delete_upload(upload_id)
    blobs.cancel(upload_id)


def mount_blob(ctx: Context, blobs: BlobStore, name: str, digest: str, source: str) -> int | None:
    """Link a blob the caller can read in `source` into `name`; None if it cannot be."""
    digest = _digest(digest)
    with ctx.store.write() as tx:
        repo = resolve(tx, name)
        check_push(tx, ctx, repo, name)
        try:
            origin = resolve(tx, source)
            if origin.package is None:
                check_push(tx, ctx, origin, source)  # blobs pushed before any manifest
            else:
                check_read(tx, ctx, origin, source)
        except (NameUnknown, NameInvalid, Unauthenticated, Denied):
            return None
        size = tx.linked_blob_size(origin.owner.id, origin.name, digest)
        if size is None or not blobs.exists(digest):
            return None
        tx.link_blob(repo.owner.id, repo.name, digest, size, ctx.now)
        return size


# manifests and tags --------------------------------------------------------------------


def put_manifest(
    ctx: Context,
    blobs: BlobStore,
    name: str,
    reference: str,
    content: bytes,
    content_type: str | None,
) -> ManifestRecord:
    try:
        parsed = parse_manifest(content, content_type)
    except ManifestInvalid as error:
        raise ManifestRejected(str(error)) from None
    if ":" in reference:
        wanted = parse_digest(_digest(reference))
        digest = f"{wanted.algorithm}:{hashlib.new(wanted.algorithm, content).hexdigest()}"
        if digest != reference:
            raise DigestInvalid(f"the manifest's digest is {digest}, not {reference}")
        tag = None
    else:
        if not is_valid_tag(reference):
            raise TagInvalid(f"invalid tag {reference!r}")
        digest, tag = "sha256:" + hashlib.sha256(content).hexdigest(), reference
    if not blobs.exists(digest):
        blobs.put(content, digest)
    labels = _config_labels(blobs, parsed)
    with ctx.store.write() as tx:
        repo = resolve(tx, name)
        check_push(tx, ctx, repo, name)
        for blob in parsed.required_blobs:
            if tx.linked_blob_size(repo.owner.id, repo.name, blob.digest) is None:
                raise ManifestBlobUnknown(f"blob {blob.digest} is not in {name}", blob.digest)
        package = repo.package
        for child in parsed.children:
            if package is None or tx.find_manifest(package.id, child.digest) is None:
                raise ManifestBlobUnknown(f"manifest {child.digest} is not in {name}", child.digest)
        if package is None:
            package = _create_package(tx, ctx, repo, {**labels, **parsed.annotations})
        else:
            tx.lock_package(package.id)
        existing = tx.find_manifest(package.id, digest)
        if existing is None:
            version_id = tx.create_version(package.id, digest, ctx.now)
            tx.save_manifest(version_id, package.id, parsed, len(content))
            record = ManifestRecord(
                version_id,
                digest,
                parsed.media_type,
                len(content),
                parsed.subject.digest if parsed.subject else None,
            )
        else:
            record = existing
        if tag is not None:
            tx.move_tag(package.id, tag, record.version_id, ctx.now)
        tx.link_blob(repo.owner.id, repo.name, digest, len(content), ctx.now)
    return record


MAX_CONFIG_READ = 1024 * 1024


def _config_labels(blobs: BlobStore, parsed: ParsedManifest) -> dict[str, str]:
    """An image config's `Labels`, where docker builds put org.opencontainers.image.source."""
    config = next((r for r in parsed.blobs if r.kind == "config"), None)
    if config is None or config.size > MAX_CONFIG_READ or not blobs.exists(config.digest):
        return {}
    try:
        document = json.loads(blobs.read_all(config.digest))
        labels = (document.get("config") or {}).get("Labels") or {}
    except (ValueError, AttributeError):
        return {}  # an artifact's config need not be an image config
    return {str(k): str(v) for k, v in labels.items()} if isinstance(labels, dict) else {}


def _create_package(
    tx: Transaction, ctx: Context, repo: Repository, annotations: dict[str, str]
) -> Package:
    """The first push creates the package, private, the pusher its admin, linked to the
    repository the image names as its source if the owner has one by that name."""
    repository_id = None
    source = source_repository(annotations, repo.owner.login)
    if source is not None:
        found = tx.find_repository(repo.owner.id, source.split("/", 1)[1])
        repository_id = found.id if found else None
    package = tx.create_package(
        repo.owner.id, PackageType.CONTAINER, repo.name, Visibility.PRIVATE, repository_id, ctx.now
    )
    user = ctx.actor.user
    if user is not None and user.id != repo.owner.id:
        tx.set_package_grant(package.id, user.id, None, Role.ADMIN)
    return package


def get_manifest(
    ctx: Context,
    blobs: BlobStore,
    name: str,
    reference: str,
    *,
    count_download: bool,
    accepted: list[str] | None = None,
) -> tuple[ManifestRecord, bytes]:
    """A manifest by tag or digest; a GET counts one download of its version, a HEAD none.

    Packyard serves manifests as they were pushed, never converted: a client whose Accept
    headers exclude the stored type is told the manifest is unknown in a form it reads, as
    distribution does.
    """
    with ctx.store.write() if count_download else ctx.store.read() as tx:
        repo = resolve(tx, name)
        package = check_read(tx, ctx, repo, name)
        record = tx.find_manifest(package.id, reference)
        if record is None:
            raise ManifestUnknown(f"manifest {reference} is not in {name}")
        if not accepts(accepted or [], record.media_type):
            raise ManifestUnknown(
                f"{reference} is a {record.media_type}, which the request does not accept"
            )
        if count_download:
            tx.record_download(record.version_id, ctx.now.strftime("%Y-%m-%d"))
    return record, blobs.read_all(record.digest)


def accepts(accepted: list[str], media_type: str) -> bool:
    """No Accept header, a wildcard, or the type itself."""
    if not accepted:
        return True
    return any(a in (media_type, "*/*", "application/*") for a in accepted)


def list_tags(ctx: Context, name: str, last: str | None, n: int | None) -> list[str]:
    with ctx.store.read() as tx:
        repo = resolve(tx, name)
        package = check_read(tx, ctx, repo, name)
        return tx.list_tags(package.id, last, n)


def _check_delete(tx: Transaction, ctx: Context, repo: Repository, name: str) -> Package:
    package = check_read(tx, ctx, repo, name)
    decision = authorize(ctx.actor, package, access_facts(tx, ctx.actor, package), Operation.DELETE)
    if decision.allowed:
        tx.lock_package(package.id)
        return package
    if decision.denial is Denial.MISSING_SCOPES:
        raise Denied("deleting needs a token with read:packages and delete:packages")
    raise Denied(f"deleting from {name} needs the admin role on it")


def delete_manifest(ctx: Context, name: str, reference: str) -> None:
    """By digest: delete that version (a REST-visible delete, restorable, under the
    download rule; the REST API's last-tagged-version rule does not apply). By tag: only
    the tag goes."""
    with ctx.store.write() as tx:
        repo = resolve(tx, name)
        package = _check_delete(tx, ctx, repo, name)
        if ":" not in reference:
            if not tx.untag(package.id, reference):
                raise ManifestUnknown(f"no tag {reference} in {name}")
            return
        record = tx.find_manifest(package.id, _digest(reference))
        version = tx.find_version(package.id, record.version_id) if record else None
        if version is None:
            raise ManifestUnknown(f"manifest {reference} is not in {name}")
        if exceeds_public_download_limit(package.visibility, version.download_count):
            raise Denied(VERSION_DOWNLOAD_LIMIT_MESSAGE)
        check_not_held(tx, ctx, package, version)
        tx.soft_delete_version(version, ctx.now)
        orphans = delete_orphaned_children(tx, ctx, package, version)
        tx.audit(
            "version.delete",
            at=ctx.now,
            actor_id=ctx.actor.user_id,
            token_id=ctx.actor.token_id,
            request_id=ctx.request_id,
            package_id=package.id,
            version_id=version.id,
            before={"deleted_at": None, "tags": list(version.tags)},
            after={"deleted_at": ctx.now, "children_deleted": orphans, "via": "registry"},
        )


def delete_blob(ctx: Context, name: str, digest: str) -> None:
    """Unlink a blob from the repository; its bytes go when nothing references them."""
    digest = _digest(digest)
    with ctx.store.write() as tx:
        repo = resolve(tx, name)
        if repo.package is None:
            check_push(tx, ctx, repo, name)  # the pusher, before any manifest made a package
        else:
            _check_delete(tx, ctx, repo, name)
        if not tx.unlink_blob(repo.owner.id, repo.name, digest):
            raise BlobUnknown(f"blob {digest} is not in {name}")


def referrers(
    ctx: Context, name: str, digest: str, artifact_type: str | None
) -> list[ReferrerRecord]:
    digest = _digest(digest)
    with ctx.store.read() as tx:
        repo = resolve(tx, name)
        if repo.package is None and not ctx.actor.anonymous:
            return []  # nothing refers to anything in a repository with no manifests yet
        package = check_read(tx, ctx, repo, name)
        found = tx.referrers(package.id, digest)
    if artifact_type:
        found = [r for r in found if r.artifact_type == artifact_type]
    return found
