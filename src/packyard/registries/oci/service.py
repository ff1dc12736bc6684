"""The container registry's use cases: blobs, uploads, manifests and tags.

Each is one transaction on the store plus blob-store work done before it (bytes are written
and checked first; a row that names them is committed only after), so a crash leaves at
worst unreferenced bytes, which garbage collection reclaims — never a row without its bytes.
"""

from __future__ import annotations

import hashlib
import json

from packyard.core.access import (
    Target,
    deletable_package,
    find_target,
    readable_package,
    writable_package,
)
from packyard.core.context import Context
from packyard.core.delete import delete_version
from packyard.core.files import open_file, stored
from packyard.core.ports import BlobStore, NewFile, OffsetMismatch, Transaction, UnknownUpload
from packyard.core.publish import package_for_publish, publish_version
from packyard.domain.digests import DigestMismatch, InvalidDigest, parse_digest
from packyard.domain.errors import DomainError
from packyard.domain.oci import (
    BlobUnknown,
    Denied,
    DigestInvalid,
    ManifestBlobUnknown,
    ManifestInvalid,
    ManifestRecord,
    ManifestRejected,
    ManifestUnknown,
    NameInvalid,
    ParsedManifest,
    ReferrerRecord,
    TagInvalid,
    UploadOffsetInvalid,
    UploadUnknown,
    is_valid_repository_name,
    is_valid_tag,
    parse_manifest,
    source_repository,
    split_repository,
)
from packyard.domain.rules import (
    VERSION_DOWNLOAD_LIMIT_MESSAGE,
    exceeds_public_download_limit,
    normalize_name,
)
from packyard.domain.types import Package, PackageType
from packyard.registries.oci.ports import OCI_ROWS


def resolve(tx: Transaction, name: str) -> Target:
    """`/v2/OWNER/NAME...` resolved: the owner, the package name, the package if it exists."""
    if not is_valid_repository_name(name):
        raise NameInvalid(f"invalid repository name: {name!r}")
    try:
        owner_login, package_name = split_repository(name)
    except ValueError:
        raise NameInvalid(f"repository names are OWNER/NAME: {name!r}") from None
    return find_target(tx, owner_login, PackageType.CONTAINER, package_name, f"repository {name}")


def _readable_or_pushable(tx: Transaction, ctx: Context, target: Target) -> None:
    """Blobs of a repository with no manifest yet belong to whoever is pushing them."""
    if target.package is None:
        writable_package(tx, ctx.actor, target)
    else:
        readable_package(tx, ctx.actor, target)


def _digest(value: str) -> str:
    try:
        return str(parse_digest(value))
    except InvalidDigest as error:
        raise DigestInvalid(str(error)) from None


# blobs and uploads ---------------------------------------------------------------------


def blob_size(ctx: Context, blobs: BlobStore, name: str, digest: str) -> int:
    digest = _digest(digest)
    with ctx.store.read() as tx:
        target = resolve(tx, name)
        _readable_or_pushable(tx, ctx, target)  # a pusher asks before it uploads
        size = tx.rows(OCI_ROWS).linked_blob_size(target.owner.id, target.name, digest)
    if size is None or not blobs.exists(digest):
        raise BlobUnknown(f"blob {digest} is not in {name}")
    return size


def start_upload(ctx: Context, blobs: BlobStore, name: str) -> str:
    with ctx.store.write() as tx:
        target = resolve(tx, name)
        writable_package(tx, ctx.actor, target)
        upload_id = blobs.start_upload()
        tx.rows(OCI_ROWS).create_upload(upload_id, target.owner.id, target.name, ctx.now)
    return upload_id


def _upload_of(tx: Transaction, ctx: Context, name: str, upload_id: str) -> Target:
    target = resolve(tx, name)
    writable_package(tx, ctx.actor, target)
    found = tx.rows(OCI_ROWS).find_upload(upload_id) if len(upload_id) == 32 else None
    if found is None or found != (target.owner.id, normalize_name(target.name)):
        raise UploadUnknown(f"no upload {upload_id} in {name}")
    return target


def _gone(upload_id: str, name: str) -> UploadUnknown:
    # The row outlived its bytes: cancelled elsewhere, or swept as abandoned.
    return UploadUnknown(f"no upload {upload_id} in {name}")


def upload_size(ctx: Context, blobs: BlobStore, name: str, upload_id: str) -> int:
    with ctx.store.read() as tx:
        _upload_of(tx, ctx, name, upload_id)
    try:
        return blobs.upload_size(upload_id)
    except UnknownUpload:
        raise _gone(upload_id, name) from None


def append_upload(
    ctx: Context, blobs: BlobStore, name: str, upload_id: str, data: bytes, offset: int | None
) -> int:
    with ctx.store.read() as tx:
        _upload_of(tx, ctx, name, upload_id)
    try:
        current = blobs.upload_size(upload_id)
        if offset is not None and offset != current:
            raise UploadOffsetInvalid(f"the upload continues at byte {current}", current)
        return blobs.append(upload_id, data, current)
    except UnknownUpload:
        raise _gone(upload_id, name) from None
    except OffsetMismatch as mismatch:  # a concurrent PATCH moved it on
        raise UploadOffsetInvalid(str(mismatch), mismatch.expected) from None


def finish_upload(
    ctx: Context, blobs: BlobStore, name: str, upload_id: str, digest: str, data: bytes
) -> int:
    """The last chunk (possibly empty), the digest check, and the blob linked to the
    repository, or nothing at all."""
    digest = _digest(digest)
    with ctx.store.read() as tx:
        target = _upload_of(tx, ctx, name, upload_id)
    try:
        if data:
            blobs.append(upload_id, data)
        size = blobs.commit(upload_id, digest)
    except UnknownUpload:
        raise _gone(upload_id, name) from None
    except DigestMismatch as mismatch:  # the bytes stay out of the store
        blobs.cancel(upload_id)
        raise DigestInvalid(str(mismatch)) from None
    with ctx.store.write() as tx:
        tx.rows(OCI_ROWS).link_blob(target.owner.id, target.name, digest, size, ctx.now)
        tx.rows(OCI_ROWS).delete_upload(upload_id)
    return size


def cancel_upload(ctx: Context, blobs: BlobStore, name: str, upload_id: str) -> None:
    with ctx.store.write() as tx:
        _upload_of(tx, ctx, name, upload_id)
        tx.rows(OCI_ROWS).delete_upload(upload_id)
    blobs.cancel(upload_id)


def mount_blob(ctx: Context, blobs: BlobStore, name: str, digest: str, source: str) -> int | None:
    """Link a blob the caller can read in `source` into `name`; None if it cannot be."""
    digest = _digest(digest)
    with ctx.store.write() as tx:
        target = resolve(tx, name)
        writable_package(tx, ctx.actor, target)
        try:
            origin = resolve(tx, source)
            _readable_or_pushable(tx, ctx, origin)
        except DomainError:
            return None  # mount refused: the client uploads instead, learning nothing
        size = tx.rows(OCI_ROWS).linked_blob_size(origin.owner.id, origin.name, digest)
        if size is None or not blobs.touch(digest):
            return None
        tx.rows(OCI_ROWS).link_blob(target.owner.id, target.name, digest, size, ctx.now)
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
    # Authorize, then write bytes, then write rows: nobody else's bytes reach the store.
    with ctx.store.read() as tx:
        writable_package(tx, ctx.actor, resolve(tx, name))
    if not blobs.touch(digest):
        blobs.put(content, digest)
    files = [stored_or_none(blobs, digest, len(content), "manifest", parsed.media_type)]
    for blob in parsed.required_blobs:
        files.append(stored_or_none(blobs, blob.digest, blob.size, blob.kind, blob.media_type))
    labels = _config_labels(blobs, parsed)
    with ctx.store.write() as tx:
        target = resolve(tx, name)
        writable_package(tx, ctx.actor, target)
        for blob, file in zip(parsed.required_blobs, files[1:], strict=True):
            linked = (
                tx.rows(OCI_ROWS).linked_blob_size(target.owner.id, target.name, blob.digest)
                is not None
            )
            if not linked or file is None:
                raise ManifestBlobUnknown(f"blob {blob.digest} is not in {name}", blob.digest)
        for child in parsed.children:
            if (
                target.package is None
                or tx.rows(OCI_ROWS).find_manifest(target.package.id, child.digest) is None
            ):
                raise ManifestBlobUnknown(f"manifest {child.digest} is not in {name}", child.digest)
        package = package_for_publish(
            tx, ctx, target, _source_repository(tx, target, {**labels, **parsed.annotations})
        )
        record = tx.rows(OCI_ROWS).find_manifest(package.id, digest)
        if record is None:
            unique = {f.name: f for f in files if f is not None}  # a layer may repeat
            version_id = publish_version(tx, ctx, package, digest, list(unique.values()))
            tx.rows(OCI_ROWS).save_manifest(version_id, package.id, parsed, len(content))
            record = ManifestRecord(
                version_id,
                digest,
                parsed.media_type,
                len(content),
                parsed.subject.digest if parsed.subject else None,
            )
        if tag is not None:
            tx.versions.move_tag(package.id, tag, record.version_id, ctx.now)
        tx.rows(OCI_ROWS).link_blob(target.owner.id, target.name, digest, len(content), ctx.now)
    return record


def stored_or_none(
    blobs: BlobStore, digest: str, size: int, kind: str, media_type: str
) -> NewFile | None:
    """A version's file for a blob the store holds: named by its digest."""
    return stored(blobs, digest, digest, size, {"kind": kind, "media_type": media_type})


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


def _source_repository(tx: Transaction, target: Target, annotations: dict[str, str]) -> int | None:
    """The owner's repository an image names as its source, which a first push links."""
    if target.package is not None:
        return None
    source = source_repository(annotations, target.owner.login)
    if source is None:
        return None
    found = tx.accounts.find_repository(target.owner.id, source.split("/", 1)[1])
    return found.id if found else None


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

    def find(package: Package) -> ManifestRecord:
        record = tx.rows(OCI_ROWS).find_manifest(package.id, reference)
        if record is None:
            raise ManifestUnknown(f"manifest {reference} is not in {name}")
        if not accepts(accepted or [], record.media_type):
            raise ManifestUnknown(
                f"{reference} is a {record.media_type}, which the request does not accept"
            )
        return record

    with ctx.store.write() if count_download else ctx.store.read() as tx:
        _package, record = open_file(
            tx, ctx, resolve(tx, name), find, count_download=count_download
        )
    return record, blobs.read_all(record.digest)


def accepts(accepted: list[str], media_type: str) -> bool:
    """No Accept header, a wildcard, or the type itself."""
    if not accepted:
        return True
    return any(a in (media_type, "*/*", "application/*") for a in accepted)


def list_tags(ctx: Context, name: str, last: str | None, n: int | None) -> list[str]:
    with ctx.store.read() as tx:
        package = readable_package(tx, ctx.actor, resolve(tx, name))
        return tx.versions.list_tags(package.id, last, n)


def _deletable(tx: Transaction, ctx: Context, target: Target) -> Package:
    package = deletable_package(tx, ctx.actor, target)
    tx.packages.lock_package(package.id)
    return package


def delete_manifest(ctx: Context, name: str, reference: str) -> None:
    """By digest: delete that version (a REST-visible delete, restorable, under the
    download rule; the REST API's last-tagged-version rule does not apply). By tag: only
    the tag goes."""
    with ctx.store.write() as tx:
        package = _deletable(tx, ctx, resolve(tx, name))
        if ":" not in reference:
            if not tx.versions.untag(package.id, reference):
                raise ManifestUnknown(f"no tag {reference} in {name}")
            return
        record = tx.rows(OCI_ROWS).find_manifest(package.id, _digest(reference))
        version = tx.versions.find_version(package.id, record.version_id) if record else None
        if version is None:
            raise ManifestUnknown(f"manifest {reference} is not in {name}")
        if exceeds_public_download_limit(package.visibility, version.download_count):
            raise Denied(VERSION_DOWNLOAD_LIMIT_MESSAGE)
        delete_version(tx, ctx, package, version, via="registry")


def delete_blob(ctx: Context, name: str, digest: str) -> None:
    """Unlink a blob from the repository; its bytes go when nothing references them."""
    digest = _digest(digest)
    with ctx.store.write() as tx:
        target = resolve(tx, name)
        if target.package is None:
            writable_package(tx, ctx.actor, target)  # the pusher, before any manifest
        else:
            _deletable(tx, ctx, target)
        if not tx.rows(OCI_ROWS).unlink_blob(target.owner.id, target.name, digest):
            raise BlobUnknown(f"blob {digest} is not in {name}")


def referrers(
    ctx: Context, name: str, digest: str, artifact_type: str | None
) -> list[ReferrerRecord]:
    digest = _digest(digest)
    with ctx.store.read() as tx:
        target = resolve(tx, name)
        if target.package is None and not ctx.actor.anonymous:
            return []  # nothing refers to anything in a repository with no manifests yet
        package = readable_package(tx, ctx.actor, target)
        found = tx.rows(OCI_ROWS).referrers(package.id, digest)
    if artifact_type:
        found = [r for r in found if r.artifact_type == artifact_type]
    return found
