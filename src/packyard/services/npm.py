"""The npm registry's use cases: publish, read packuments and tarballs, dist-tags.

An npm version is a package version of type `npm` named by its semver; its published
document and tarball hang off that row, so the REST API's deletes and restores govern what
npm sees, and npm's publishes are what the REST API lists.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from packyard.domain.errors import Unauthenticated
from packyard.domain.npm import (
    NpmConflict,
    NpmInvalid,
    NpmNotFound,
    is_valid_tag,
    is_valid_version,
    semver_key,
    split_name,
    tarball_filename,
)
from packyard.domain.types import Account, Package, PackageType, Role, Visibility
from packyard.services import packages
from packyard.services.access import OwnerScope
from packyard.services.context import Context
from packyard.services.packages import PackageAddress
from packyard.services.ports import BlobStore, NpmVersionRecord, Transaction
from packyard.services.registry import Repository, check_push, check_read

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


def _repository(tx: Transaction, name: str) -> tuple[Account, Repository]:
    owner_login, _short = split_name(name)
    owner = tx.find_account_by_login(owner_login)
    if owner is None:
        raise NpmNotFound(f"no owner {owner_login!r} for {name}")
    package = tx.find_package(owner.id, PackageType.NPM, name)
    return owner, Repository(owner, name, package)


def _readable(tx: Transaction, ctx: Context, name: str) -> Package:
    _owner, repo = _repository(tx, name)
    if repo.package is None:
        raise NpmNotFound(f"{name} is not in this registry")
    return check_read(tx, ctx, repo, name)


def publish(ctx: Context, blobs: BlobStore, name: str, document: dict[str, Any]) -> str:
    """`npm publish`: one or more new versions with their tarballs, and dist-tags."""
    if ctx.actor.anonymous:
        raise Unauthenticated("publishing needs a token")
    if str(document.get("name", "")).lower() != name.lower():
        raise NpmInvalid("the document's name does not match the URL")
    versions = document.get("versions")
    attachments = document.get("_attachments") or {}
    if not isinstance(versions, dict) or not versions:
        raise NpmInvalid("a publish carries at least one version")
    prepared = []
    for version, manifest in versions.items():
        if not is_valid_version(version) or not isinstance(manifest, dict):
            raise NpmInvalid(f"{version!r} is not a valid semver version")
        filename = tarball_filename(name, version)
        attachment = attachments.get(filename) or attachments.get(f"{name}-{version}.tgz")
        if not isinstance(attachment, dict) or "data" not in attachment:
            raise NpmInvalid(f"no tarball {filename} attached for {version}")
        data = base64.b64decode(attachment["data"])
        dist = manifest.get("dist") or {}
        shasum = hashlib.sha1(data).hexdigest()
        integrity = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
        if dist.get("shasum") and dist["shasum"] != shasum:
            raise NpmInvalid(f"shasum mismatch for {filename}")
        if dist.get("integrity") and dist["integrity"] != integrity:
            raise NpmInvalid(f"integrity mismatch for {filename}")
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        if not blobs.exists(digest):
            blobs.put(data, digest)
        stored = {k: v for k, v in manifest.items() if k != "dist" and not k.startswith("_")}
        prepared.append(
            (version, stored, digest, len(data), integrity, shasum, manifest.get("deprecated"))
        )
    tags = document.get("dist-tags") or {}
    with ctx.store.write() as tx:
        owner, repo = _repository(tx, name)
        check_push(tx, ctx, repo, name)
        package = repo.package
        if package is None:
            package = tx.create_package(
                owner.id, PackageType.NPM, name, Visibility.PRIVATE, None, ctx.now
            )
            user = ctx.actor.user
            if user is not None and user.id != owner.id:
                tx.set_package_grant(package.id, user.id, None, Role.ADMIN)
        else:
            tx.lock_package(package.id)
        for version, stored, digest, size, integrity, shasum, deprecated in prepared:
            if tx.find_version_by_name(package.id, version) is not None:
                raise NpmConflict(f"cannot publish over the previously published version {version}")
            version_id = tx.create_version(package.id, version, ctx.now)
            tx.save_npm_version(
                NpmVersionRecord(
                    version_id=version_id,
                    version=version,
                    manifest=json.dumps(stored),
                    tarball_digest=digest,
                    tarball_size=size,
                    integrity=integrity,
                    shasum=shasum,
                    deprecated=deprecated,
                ),
                package.id,
            )
        live = {r.version: r.version_id for r in tx.npm_versions(package.id)}
        if "latest" not in tags and "latest" not in tx.dist_tags(package.id):
            tags = {**tags, "latest": max(live, key=semver_key)}
        for tag, version in tags.items():
            if is_valid_tag(tag) and version in live:
                tx.move_tag(package.id, tag, live[version], ctx.now)
    return name


def packument(ctx: Context, name: str) -> Packument:
    with ctx.store.read() as tx:
        package = _readable(tx, ctx, name)
        versions = sorted(tx.npm_versions(package.id), key=lambda r: semver_key(r.version))
        return Packument(package, versions, tx.dist_tags(package.id))


def tarball(ctx: Context, blobs: BlobStore, name: str, filename: str) -> NpmVersionRecord:
    """A version's tarball by its file name; each GET counts one download."""
    with ctx.store.write() as tx:
        package = _readable(tx, ctx, name)
        for record in tx.npm_versions(package.id):
            if tarball_filename(name, record.version) == filename:
                tx.record_download(record.version_id, ctx.now.strftime("%Y-%m-%d"))
                return record
    raise NpmNotFound(f"no tarball {filename} in {name}")


def dist_tags(ctx: Context, name: str) -> dict[str, str]:
    with ctx.store.read() as tx:
        return tx.dist_tags(_readable(tx, ctx, name).id)


def set_dist_tag(ctx: Context, name: str, tag: str, version: str) -> dict[str, str]:
    if not is_valid_tag(tag):
        raise NpmInvalid(f"{tag!r} is not a valid dist-tag")
    with ctx.store.write() as tx:
        _owner, repo = _repository(tx, name)
        if repo.package is None:
            raise NpmNotFound(f"{name} is not in this registry")
        check_push(tx, ctx, repo, name)
        found = tx.find_version_by_name(repo.package.id, version)
        if found is None:
            raise NpmNotFound(f"{name} has no version {version}")
        tx.move_tag(repo.package.id, tag, found.id, ctx.now)
        return tx.dist_tags(repo.package.id)


def remove_dist_tag(ctx: Context, name: str, tag: str) -> dict[str, str]:
    if tag == "latest":
        raise NpmInvalid("the latest dist-tag cannot be removed")
    with ctx.store.write() as tx:
        _owner, repo = _repository(tx, name)
        if repo.package is None:
            raise NpmNotFound(f"{name} is not in this registry")
        check_push(tx, ctx, repo, name)
        if not tx.untag(repo.package.id, tag):
            raise NpmNotFound(f"{name} has no dist-tag {tag}")
        return tx.dist_tags(repo.package.id)


def update(ctx: Context, name: str, document: dict[str, Any], *, unpublish: bool) -> None:
    """A PUT of the whole packument without tarballs: `npm deprecate`, and with `-rev`,
    `npm unpublish NAME@VERSION` (the versions it leaves out are deleted, by the REST API's
    rules)."""
    versions = document.get("versions") or {}
    if not isinstance(versions, dict):
        raise NpmInvalid("versions must be an object")
    with ctx.store.write() as tx:
        _owner, repo = _repository(tx, name)
        if repo.package is None:
            raise NpmNotFound(f"{name} is not in this registry")
        check_push(tx, ctx, repo, name)
        live = tx.npm_versions(repo.package.id)
        for record in live:
            sent = versions.get(record.version)
            if isinstance(sent, dict) and sent.get("deprecated", None) != record.deprecated:
                tx.set_deprecated(record.version_id, sent.get("deprecated"))
        dropped = [r.version_id for r in live if r.version not in versions]
        owner_login = repo.owner.login
    if not unpublish or not dropped:
        return
    address = PackageAddress(OwnerScope.USERS, owner_login, PackageType.NPM.value, name)
    for version_id in dropped:
        packages.delete_version(ctx, address, version_id)


def unpublish_package(ctx: Context, name: str) -> None:
    """`npm unpublish NAME --force`: the REST API's package delete, with its rules."""
    owner_login, _short = split_name(name)
    packages.delete_package(
        ctx, PackageAddress(OwnerScope.USERS, owner_login, PackageType.NPM.value, name)
    )
