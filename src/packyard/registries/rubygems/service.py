"""The RubyGems registry's use cases: push, yank, and what every index is generated from.

A gem is a package of type `rubygems` owned by the URL's OWNER, named by the gem's name; a
version is the gem's version, and each platform's `.gem` (`foo-1.0.0.gem`,
`foo-1.0.0-x86_64-linux.gem`) is one file of it, whose stored properties hold the gem's
spec. Every index (compact, full, quick specs) is generated from the live files a caller
may read, so a REST delete removes a version from all of them and a restore brings it back.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Collection
from dataclasses import dataclass

from packyard.core.access import (
    Target,
    check_scopes,
    deletable_package,
    find_owner,
    find_target,
    readable_package,
    readable_packages,
    sees_repository,
    writable_package,
)
from packyard.core.context import Context
from packyard.core.delete import delete_version_by_rules
from packyard.core.files import Download, ingest, open_file
from packyard.core.ports import BlobStore, FileRecord, Transaction
from packyard.core.publish import add_new_file, package_for_publish, version_for
from packyard.domain.errors import Conflict, NotFound, Unauthenticated
from packyard.domain.links import repository_path
from packyard.domain.permissions import Operation
from packyard.domain.rubygems import (
    GemInvalid,
    GemSpec,
    gem_names_of_filename,
)
from packyard.domain.types import PackageType
from packyard.registries.rubygems.gemfile import read_gem
from packyard.registries.rubygems.indexes import IndexedGem

GEMS = PackageType.RUBYGEMS
SPEC_PROPERTY = "spec"  # a .gem file's properties: {"spec": GemSpec.to_json()}
# rubygems.org's words, which `gem push` prints.
REPUSH = (
    "Repushing of gem versions is not allowed.\nPlease use `gem yank` to remove bad gem releases."
)


@dataclass(frozen=True, slots=True)
class Pushed:
    spec: GemSpec
    version_id: int


def indexed(file: FileRecord) -> IndexedGem:
    return IndexedGem(
        GemSpec.from_json(file.properties[SPEC_PROPERTY]), file.hashes["sha256"], file.created_at
    )


# reading ------------------------------------------------------------------------------


def catalog(
    ctx: Context, owner_login: str, names: Collection[str] | None = None
) -> list[IndexedGem]:
    """Every live gem file of the owner's that the caller may read, in publish order;
    only those of `names` when given (the dependency API's question)."""
    check_scopes(ctx.actor, Operation.READ, anonymous=None)
    with ctx.store.read() as tx:
        owner = find_owner(tx, owner_login)  # nobody's: no gems, as if none were readable
        packages = tx.packages.list_packages(owner.id, GEMS)
        if names is not None:
            wanted = {n.lower() for n in names}
            packages = [p for p in packages if p.name.lower() in wanted]
        visible = readable_packages(tx, ctx.actor, packages)
        return [indexed(f) for f in tx.files.live_files([p.id for p in visible])]


def gem_info(ctx: Context, owner_login: str, name: str) -> list[IndexedGem]:
    """One gem's live files (the compact index's `info/NAME`): what a caller may not read
    is refused as what does not exist."""
    check_scopes(ctx.actor, Operation.READ, anonymous=None)
    with ctx.store.read() as tx:
        target = find_target(tx, owner_login, GEMS, name)
        package = readable_package(tx, ctx.actor, target)
        files = tx.files.live_files([package.id])
    if not files:
        raise NotFound(f"{name} is not known")
    return [indexed(f) for f in files]


def gem_file(
    ctx: Context, owner_login: str, filename: str, *, count_download: bool
) -> tuple[FileRecord, Download | None]:
    """A `.gem` (or, for the quick index, the `.gem` a gemspec is of) by its file name,
    `NAME-VERSION[-PLATFORM].gem`, and for a GET of the gem the download of its version,
    which the response counts once served.
    The name is found by trying each place the file name may split (names hold `-`)."""
    check_scopes(ctx.actor, Operation.READ, anonymous=None)
    with ctx.store.read() as tx:
        for name in gem_names_of_filename(filename):
            target = find_target(tx, owner_login, GEMS, name)
            if target.package is None:
                continue
            with contextlib.suppress(NotFound):
                _package, file, download = open_file(
                    tx,
                    ctx,
                    target,
                    lambda p: tx.files.find_live_file(p.id, filename),
                    count_download=count_download,
                )
                return file, download
    if ctx.actor.anonymous:
        raise Unauthenticated("authentication required")
    raise NotFound(f"{filename} is not known")


# pushing ------------------------------------------------------------------------------


def _target(tx: Transaction, owner_login: str, name: str) -> Target:
    return find_target(tx, owner_login, GEMS, name)


def _linked_repository(tx: Transaction, ctx: Context, target: Target, spec: GemSpec) -> int | None:
    """The repository `metadata["github_repo"]` names (`ssh://github.com/OWNER/REPO`, any
    host; the path decides), which the first push links the package to."""
    link = spec.github_repo
    if not link:
        return None
    named = repository_path(link)
    if named is None:
        raise GemInvalid(f"github_repo {link!r} does not name a repository as OWNER/REPOSITORY")
    owner_login, repository_name = named
    if owner_login.lower() != target.owner.login.lower():
        raise GemInvalid(
            f"Source owner {target.owner.login} does not match repo owner {owner_login} "
            f"(github_repo {link})"
        )
    repository = tx.accounts.find_repository(target.owner.id, repository_name)
    if repository is None or not sees_repository(tx, ctx.actor, repository):
        raise GemInvalid(f"github_repo names {owner_login}/{repository_name}, which is not known")
    return repository.id


def push(ctx: Context, blobs: BlobStore, owner_login: str, body: Callable[[], bytes]) -> Pushed:
    """`gem push`: authorize, read and check the gem, store its bytes, then the rows."""
    # Before a byte of the body is read: who may not push anywhere is told so.
    check_scopes(ctx.actor, Operation.PUBLISH)
    data = body()
    spec = read_gem(data)
    with ctx.store.read() as tx:
        target = _target(tx, owner_login, spec.name)
        package = writable_package(tx, ctx.actor, target)
        repository_id = None if package else _linked_repository(tx, ctx, target, spec)
        if package is not None:
            found = tx.files.find_live_file(package.id, spec.filename)
            if found is not None:
                raise Conflict(REPUSH)
    file = ingest(blobs, spec.filename, data, properties={SPEC_PROPERTY: spec.to_json()})
    with ctx.store.write() as tx:
        package = package_for_publish(tx, ctx, _target(tx, owner_login, spec.name), repository_id)
        version_id = version_for(
            tx,
            ctx,
            package,
            spec.version,
            spec.description or spec.summary or None,
            ", ".join(spec.licenses) or None,
        )
        add_new_file(tx, ctx, package, version_id, file, REPUSH)
    return Pushed(spec, version_id)


# yanking ------------------------------------------------------------------------------


def yank(ctx: Context, owner_login: str, name: str, version: str, platform: str | None) -> None:
    """`gem yank`: the REST API's version delete, with its rules (admin and
    delete:packages, the download rule, the last version taking the package with it);
    restorable like any delete. A version goes whole, with every platform's gem."""
    with ctx.store.write() as tx:
        target = _target(tx, owner_login, name)
        package = deletable_package(tx, ctx.actor, target)
        tx.packages.lock_package(package.id)
        found = tx.versions.find_version_by_name(package.id, version)
        if found is None or found.deleted_at is not None:
            raise NotFound(f"{name} has no version {version}")
        if platform:
            platforms = sorted(
                GemSpec.from_json(f.properties[SPEC_PROPERTY]).platform
                for f in tx.files.files_of(found.id)
            )
            if platform not in platforms:
                raise NotFound(f"{name} {version} has no gem for the platform {platform}")
            if len(platforms) > 1:
                # A version is deleted and restored whole: saying one platform was yanked
                # while all went would not be honest.
                raise Conflict(
                    f"{name} {version} has gems for {', '.join(platforms)}: a yank deletes the "
                    "whole version, so yank it without --platform"
                )
        delete_version_by_rules(tx, ctx, package, found, via="rubygems")
