"""The npm registry's use cases: publish, read packuments and tarballs, dist-tags.

An npm version is a package version of type `npm` named by its semver, holding one file, its
tarball; its published document hangs off the version row. The REST API's deletes and
restores govern what npm sees, and npm's publishes are what the REST API lists.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from packyard.core.access import (
    Target,
    deletable_package,
    find_target,
    readable_package,
    writable_package,
)
from packyard.core.context import Context
from packyard.core.delete import delete_package, delete_version_by_rules
from packyard.core.files import Download, ingest, open_file
from packyard.core.ports import BlobStore, FileRecord, NewFile, Transaction
from packyard.core.publish import package_for_publish, publish_version
from packyard.domain.npm import (
    NpmInvalid,
    NpmNotFound,
    NpmVersionRecord,
    deprecation,
    integrity,
    is_valid_tag,
    is_valid_version,
    semver_key,
    split_name,
    stored_tarball_name,
    tarball_filename,
)
from packyard.domain.rules import VersionDeletion
from packyard.domain.types import Package, PackageType
from packyard.registries.npm.documents import parse_dist_tags, parse_publish
from packyard.registries.npm.ports import NPM_ROWS

# Keys of a version document the abbreviated ("corgi") packument keeps.
ABBREVIATED_KEYS = (
    "name",
    "version",
    "dependencies",
    "optionalDependencies",
    "devDependencies",
    "peerDependencies",
    "peerDependenciesMeta",
    "bundleDependencies",
    "bin",
    "directories",
    "engines",
    "cpu",
    "os",
    "_hasShrinkwrap",
    "hasInstallScript",
    "funding",
)


@dataclass(frozen=True)
class Packument:
    package: Package
    versions: list[NpmVersionRecord]  # semver order
    dist_tags: dict[str, str]


def _target(tx: Transaction, name: str) -> Target:
    """npm's `@owner/name` is the package `name` of `owner`, as GitHub stores and shows it;
    npm's own messages keep the scoped name.

    A scope no account has is answered as an owner's name nobody took (`find_target`)."""
    owner_login, _short = split_name(name)
    short = name.split("/", 1)[1]  # as sent: split_name's parts are lowercased
    return find_target(tx, owner_login, PackageType.NPM, short, name)


def _readable(tx: Transaction, ctx: Context, name: str) -> Package:
    return readable_package(tx, ctx.actor, _target(tx, name))


def _existing_writable(tx: Transaction, ctx: Context, name: str) -> tuple[Target, Package]:
    target = _target(tx, name)
    package = writable_package(tx, ctx.actor, target, creates=False)
    if package is None:
        raise NpmNotFound(f"{name} is not in this registry")
    return target, package


def tarball_hashes(file: FileRecord) -> tuple[str, str]:
    """(integrity, shasum) of a version's tarball, as npm's `dist` names them."""
    return integrity(file.hashes["sha512"]), file.hashes["sha1"]


def put_packument(
    ctx: Context,
    blobs: BlobStore,
    name: str,
    read: Callable[[], dict[str, Any]],
    *,
    unpublish: bool,
) -> None:
    """A PUT of a packument: `npm publish` (it carries tarballs), `npm deprecate`, and with
    `-rev`, `npm unpublish NAME@VERSION`. Who may write to `name` is asked before a byte of
    the body is `read`: nobody else's publish costs the server its reading and parsing.
    Until the body says whether it publishes, a name hidden from a caller who may create
    here is read as a free one would be; a publish is then told it is taken."""
    with ctx.store.read() as tx:
        writable_package(tx, ctx.actor, _target(tx, name), creates=False)
    document = read()
    if not unpublish and document.get("_attachments"):
        _publish(ctx, blobs, name, document)
    else:  # `npm deprecate` and `npm unpublish` PUT the packument back
        update(ctx, name, document, unpublish=unpublish)


def _publish(ctx: Context, blobs: BlobStore, name: str, document: dict[str, Any]) -> str:
    """`npm publish`: one or more new versions with their tarballs, and dist-tags; the
    caller was authorized before the body was read (`put_packument`), and is again when
    the rows are written."""
    # Decode and hash, then write bytes, then rows: nobody else's tarballs cost the server
    # work or reach the store.
    prepared = parse_publish(name, document)
    tags = parse_dist_tags(document)
    files: list[NewFile] = []
    for item in prepared:
        filename = stored_tarball_name(name, tarball_filename(name, item.version))
        files.append(ingest(blobs, filename, item.tarball, item.hashes))
    with ctx.store.write() as tx:
        package = package_for_publish(tx, ctx, _target(tx, name))
        for item, file in zip(prepared, files, strict=True):
            version_id = publish_version(tx, ctx, package, item.version, [file])
            tx.rows(NPM_ROWS).save_npm_version(
                version_id, package.id, item.document, item.deprecated
            )
        live = {r.version: r.version_id for r in tx.rows(NPM_ROWS).npm_versions(package.id)}
        if "latest" not in tags and "latest" not in tx.rows(NPM_ROWS).dist_tags(package.id):
            tags = {**tags, "latest": max(live, key=semver_key)}
        for tag, version in tags.items():
            if is_valid_tag(tag) and version in live:
                tx.versions.move_tag(package.id, tag, live[version], ctx.now)
    return name


def packument(ctx: Context, name: str) -> Packument:
    """The live versions and dist-tags. A stored version npm would refuse (published before
    Packyard refused them) is left out, and the tags naming it, so that npm can read the rest;
    the REST API still lists it, to be deleted."""
    with ctx.store.read() as tx:
        package = _readable(tx, ctx, name)
        rows = tx.rows(NPM_ROWS).npm_versions(package.id)
        tags = tx.rows(NPM_ROWS).dist_tags(package.id)
    versions = sorted(
        (r for r in rows if is_valid_version(r.version)), key=lambda r: semver_key(r.version)
    )
    shown = {r.version for r in versions}
    return Packument(package, versions, {t: v for t, v in tags.items() if v in shown})


def tarball(
    ctx: Context, name: str, filename: str, *, count_download: bool
) -> tuple[FileRecord, Download | None]:
    """A version's tarball by its file name, and for a GET (not a HEAD, as `/v2/` counts a
    manifest's GET and not its HEAD) the download its response counts once served."""

    def find(package: Package) -> FileRecord | None:
        return tx.files.find_live_file(package.id, stored_tarball_name(name, filename))

    with ctx.store.read() as tx:
        _package, file, download = open_file(
            tx, ctx, _target(tx, name), find, count_download=count_download
        )
    return file, download


def dist_tags(ctx: Context, name: str) -> dict[str, str]:
    with ctx.store.read() as tx:
        return tx.rows(NPM_ROWS).dist_tags(_readable(tx, ctx, name).id)


def set_dist_tag(ctx: Context, name: str, tag: str, version: str) -> dict[str, str]:
    if not is_valid_tag(tag):
        raise NpmInvalid(f"{tag!r} is not a valid dist-tag")
    with ctx.store.write() as tx:
        _, package = _existing_writable(tx, ctx, name)
        found = tx.versions.find_version_by_name(package.id, version)
        if found is None:
            raise NpmNotFound(f"{name} has no version {version}")
        tx.versions.move_tag(package.id, tag, found.id, ctx.now)
        return tx.rows(NPM_ROWS).dist_tags(package.id)


def remove_dist_tag(ctx: Context, name: str, tag: str) -> dict[str, str]:
    if tag == "latest":
        raise NpmInvalid("the latest dist-tag cannot be removed")
    with ctx.store.write() as tx:
        _, package = _existing_writable(tx, ctx, name)
        if not tx.versions.untag(package.id, tag):
            raise NpmNotFound(f"{name} has no dist-tag {tag}")
        return tx.rows(NPM_ROWS).dist_tags(package.id)


def update(ctx: Context, name: str, document: dict[str, Any], *, unpublish: bool) -> None:
    """A PUT of the whole packument without tarballs: `npm deprecate`, and with `-rev`,
    `npm unpublish NAME@VERSION` (the versions it leaves out are deleted, by the REST API's
    rules, in the same transaction)."""
    versions = document.get("versions") or {}
    if not isinstance(versions, dict):
        raise NpmInvalid("versions must be an object")
    with ctx.store.write() as tx:
        target = _target(tx, name)
        package = writable_package(tx, ctx.actor, target, creates=False)
        live = tx.rows(NPM_ROWS).npm_versions(package.id) if package else []
        known = {r.version for r in live}
        # npm's registry tells a publish from a packument put back by what it names: a
        # version it does not have is a publish, which needs its tarball.
        for version in versions:
            if version not in known:
                filename = tarball_filename(name, version[:300])
                raise NpmInvalid(f"no tarball {filename} attached for {version[:300]}")
        if package is None:
            raise NpmNotFound(f"{name} is not in this registry")
        wanted = {
            r.version_id: deprecation(sent.get("deprecated"))
            for r in live
            if isinstance(sent := versions.get(r.version), dict)
        }
        for record in live:
            if record.version_id in wanted and wanted[record.version_id] != record.deprecated:
                tx.rows(NPM_ROWS).set_deprecated(record.version_id, wanted[record.version_id])
        dropped = [r.version_id for r in live if r.version not in versions]
        if not unpublish or not dropped:
            return
        package = deletable_package(tx, ctx.actor, target)
        for version_id in dropped:
            version = tx.versions.find_version(package.id, version_id)
            if version is None or version.deleted_at is not None:
                continue
            if delete_version_by_rules(tx, ctx, package, version, via="npm") is (
                VersionDeletion.PACKAGE
            ):
                return


def unpublish_package(ctx: Context, name: str) -> None:
    """`npm unpublish NAME --force`: the package delete, with the REST API's rules."""
    with ctx.store.write() as tx:
        package = deletable_package(tx, ctx.actor, _target(tx, name))
        tx.packages.lock_package(package.id)
        delete_package(tx, ctx, package, via="npm")
