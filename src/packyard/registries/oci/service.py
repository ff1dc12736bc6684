"""The container registry's manifests: push, pull, tags, deletes and referrers.

A manifest is a version of its package; its bytes, config and layers are the version's
files. Bytes are stored after the caller is authorized and before the rows that name them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

from packyard.core.access import (
    Target,
    readable_package,
    writable_package,
)
from packyard.core.context import Context
from packyard.core.delete import delete_version
from packyard.core.files import Download, open_file, stored
from packyard.core.ports import BlobStore, NewFile, Transaction
from packyard.core.publish import package_for_publish, publish_version
from packyard.domain.digests import parse_digest
from packyard.domain.oci import (
    Denied,
    DigestInvalid,
    ManifestBlobUnknown,
    ManifestInvalid,
    ManifestRecord,
    ManifestRejected,
    ManifestUnknown,
    ParsedManifest,
    ReferrerRecord,
    TagInvalid,
    is_valid_tag,
    parse_manifest,
    source_repository,
)
from packyard.domain.rules import (
    VERSION_DOWNLOAD_LIMIT_MESSAGE,
    exceeds_public_download_limit,
)
from packyard.domain.types import Package
from packyard.registries.oci.naming import RepoName, link_name
from packyard.registries.oci.ports import OCI_ROWS
from packyard.registries.oci.targets import deletable, digest_param, readable_or_pushable, resolve


def put_manifest(
    ctx: Context,
    blobs: BlobStore,
    name: RepoName,
    reference: str,
    body: bytes | Callable[[], bytes],
    content_type: str | None,
) -> ManifestRecord:
    """`body` is the manifest, or reads it (bounded by MAX_MANIFEST_SIZE): it is read only
    once the caller may push here, so that nobody else's manifest costs the server work."""
    if ":" in reference:
        wanted = parse_digest(digest_param(reference))
        tag = None
    elif not is_valid_tag(reference):
        raise TagInvalid(f"invalid tag {reference[:200]!r}")
    else:
        wanted, tag = None, reference
    # Authorize, then read and parse, then write bytes, then write rows: nobody else's bytes
    # reach the store.
    with ctx.store.read() as tx:
        writable_package(tx, ctx.actor, resolve(tx, ctx, name))
    content = body() if callable(body) else body
    try:
        parsed = parse_manifest(content, content_type)
    except ManifestInvalid as error:
        raise ManifestRejected(str(error)) from None
    if wanted is not None:
        digest = f"{wanted.algorithm}:{hashlib.new(wanted.algorithm, content).hexdigest()}"
        if digest != reference:
            raise DigestInvalid(f"the manifest's digest is {digest}, not {reference}")
    else:
        digest = "sha256:" + hashlib.sha256(content).hexdigest()
    if not blobs.touch(digest):
        blobs.put(content, digest)
    files = [stored_or_none(blobs, digest, len(content), "manifest", parsed.media_type)]
    for blob in parsed.required_blobs:
        files.append(stored_or_none(blobs, blob.digest, blob.size, blob.kind, blob.media_type))
    labels = _config_labels(blobs, parsed)
    with ctx.store.write() as tx:
        target = resolve(tx, ctx, name)
        # The package first (locked, or created): a collector purging its versions locks it
        # before the links below, so both take their locks in one order.
        package = package_for_publish(
            tx, ctx, target, _source_repository(tx, target, {**labels, **parsed.annotations})
        )
        # Relinked now, so a collector sweeping old, unreferenced links concurrently spares
        # them (it re-reads each link's age as it deletes it).
        linked = tx.rows(OCI_ROWS).relink_blobs(
            target.owner.id, link_name(target), [b.digest for b in parsed.required_blobs], ctx.now
        )
        for blob, file in zip(parsed.required_blobs, files[1:], strict=True):
            if blob.digest not in linked or file is None:
                raise ManifestBlobUnknown(f"blob {blob.digest} is not in {name}", blob.digest)
        for child in parsed.children:
            if tx.rows(OCI_ROWS).find_manifest(package.id, child.digest) is None:
                raise ManifestBlobUnknown(f"manifest {child.digest} is not in {name}", child.digest)
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
        tx.rows(OCI_ROWS).link_blob(
            target.owner.id, link_name(target), digest, len(content), ctx.now
        )
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
    name: RepoName,
    reference: str,
    *,
    count_download: bool,
    accepted: list[str] | None = None,
) -> tuple[ManifestRecord, bytes, Download | None]:
    """A manifest by tag or digest, and with `count_download` (a GET, a HEAD never) the
    download of its version, which the response counts as it goes out.

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

    with ctx.store.read() as tx:
        _package, record, download = open_file(
            tx, ctx, resolve(tx, ctx, name), find, count_download=count_download
        )
    try:
        content = blobs.read_all(record.digest)
    except FileNotFoundError:
        # Its row is there, its bytes are not (lost from the store): distribution says
        # MANIFEST_UNKNOWN for a manifest whose blob is gone; nothing was downloaded.
        raise ManifestUnknown(f"manifest {reference} is not in {name}") from None
    return record, content, download


def accepts(accepted: list[str], media_type: str) -> bool:
    """No Accept header, a wildcard, or the type itself."""
    if not accepted:
        return True
    return any(a in (media_type, "*/*", "application/*") for a in accepted)


def list_tags(ctx: Context, name: RepoName, last: str | None, n: int | None) -> list[str]:
    with ctx.store.read() as tx:
        package = readable_package(tx, ctx.actor, resolve(tx, ctx, name))
        return tx.versions.list_tags(package.id, last, n)


def delete_manifest(ctx: Context, name: RepoName, reference: str) -> None:
    """By digest: delete that version (a REST-visible delete, restorable, under the
    download rule; the REST API's last-tagged-version rule does not apply). By tag: only
    the tag goes."""
    with ctx.store.write() as tx:
        package = deletable(tx, ctx, resolve(tx, ctx, name))
        if ":" not in reference:
            if not tx.versions.untag(package.id, reference):
                raise ManifestUnknown(f"no tag {reference} in {name}")
            return
        record = tx.rows(OCI_ROWS).find_manifest(package.id, digest_param(reference))
        version = tx.versions.find_version(package.id, record.version_id) if record else None
        if version is None:
            raise ManifestUnknown(f"manifest {reference} is not in {name}")
        if exceeds_public_download_limit(package.visibility, version.download_count):
            raise Denied(VERSION_DOWNLOAD_LIMIT_MESSAGE)
        delete_version(tx, ctx, package, version, via="registry")


def referrers(
    ctx: Context, name: RepoName, digest: str, artifact_type: str | None
) -> list[ReferrerRecord]:
    digest = digest_param(digest)
    with ctx.store.read() as tx:
        target = resolve(tx, ctx, name)
        if not readable_or_pushable(tx, ctx, target) or target.package is None:
            return []  # nothing refers to anything in a repository with no manifests yet
        found = tx.rows(OCI_ROWS).referrers(target.package.id, digest)
    if artifact_type:
        found = [r for r in found if r.artifact_type == artifact_type]
    return found
