"""The NuGet registry's use cases: push, delete, and what every document is made from.

A NuGet package is a package of type `nuget` owned by the feed's OWNER, named by its id as
first pushed and found case-insensitively; a version is named by its normalized version and
holds two files: `{lowerid}.{lowerversion}.nupkg`, whose stored properties hold the
manifest, and the manifest itself, `{lowerid}.{lowerversion}.nuspec`. Every document is
made from the live files a caller may read, so a REST delete removes a version from the
registration, the flat container and search, and a restore brings it back.
"""

from __future__ import annotations

from collections.abc import Callable
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
from packyard.domain.errors import Conflict, NotFound
from packyard.domain.links import repository_path
from packyard.domain.nuget import (
    NUPKG_SUFFIX,
    NuGetInvalid,
    Nuspec,
    matches_query,
    nupkg_filename,
    nuspec_filename,
    parse_version,
    shown_in_search,
    version_key,
)
from packyard.domain.permissions import Operation
from packyard.domain.types import Package, PackageType, Version
from packyard.registries.nuget.documents import Found, Listed
from packyard.registries.nuget.nupkg import read_nupkg

NUGET = PackageType.NUGET
SPEC_PROPERTY = "nuspec"  # a .nupkg file's properties: {"nuspec": Nuspec.to_json()}
# Every download a version has had: the day before any.
ALL_TIME = "0001-01-01"


def duplicate_message(spec: Nuspec) -> str:
    """GitHub's words for a version pushed twice, which the client prints."""
    return f'Version {spec.version} of "{spec.id}" has already been pushed.'


@dataclass(frozen=True, slots=True)
class SearchPage:
    total: int
    found: list[Found]


def listed(file: FileRecord, downloads: int = 0) -> Listed:
    return Listed(Nuspec.from_json(file.properties[SPEC_PROPERTY]), file.created_at, downloads)


# reading ------------------------------------------------------------------------------


def feed_owner(ctx: Context, owner_login: str) -> str:
    """The feed's owner as it spells its login; a feed nobody owns is not found (it names
    no package: an account's existence is public, as GitHub's REST API shows). Routes that
    name a package answer a login nobody has as an owner whose packages are hidden."""
    check_scopes(ctx.actor, Operation.READ)
    with ctx.store.read() as tx:
        owner = tx.accounts.find_account_by_login(owner_login)
    if owner is None:
        raise NotFound(f"{owner_login} has no NuGet feed here")
    return owner.login


def _in_order(files: list[FileRecord], downloads: dict[int, int] | None = None) -> list[Listed]:
    """The versions' manifests, in NuGet's version order."""
    counts = downloads or {}
    found = [listed(f, counts.get(f.version_id, 0)) for f in files if _is_nupkg(f)]
    return sorted(found, key=lambda entry: version_key(entry.spec.verbatim_version))


def _is_nupkg(file: FileRecord) -> bool:
    return file.name.endswith(NUPKG_SUFFIX)


def versions(ctx: Context, owner_login: str, package_id: str) -> list[Listed]:
    """The package's live versions (a registration, the flat container's list); what a
    caller may not read is refused as what does not exist."""
    check_scopes(ctx.actor, Operation.READ)
    with ctx.store.read() as tx:
        package = readable_package(tx, ctx.actor, find_target(tx, owner_login, NUGET, package_id))
        found = _in_order(tx.files.live_files([package.id]))
    if not found:
        raise NotFound(f"{package_id} is not known")
    return found


def version(ctx: Context, owner_login: str, package_id: str, version_text: str) -> Listed:
    """One live version (a registration leaf)."""
    wanted = _normalized(package_id, version_text)
    for entry in versions(ctx, owner_login, package_id):
        if entry.spec.version.lower() == wanted:
            return entry
    raise NotFound(f"{package_id} has no version {version_text}")


def _normalized(package_id: str, version_text: str) -> str:
    """The lowered normalized version a URL names; one that is no version names nothing."""
    try:
        return parse_version(version_text).normalized.lower()
    except NuGetInvalid:
        raise NotFound(f"{package_id} has no version {version_text}") from None


def package_file(
    ctx: Context,
    owner_login: str,
    package_id: str,
    version_text: str,
    filename: str,
    *,
    count_download: bool,
) -> tuple[FileRecord, Download | None]:
    """The flat container's `{lowerid}.{lowerversion}.nupkg` (and for a GET the download of
    its version, which the response counts once served) or `{lowerid}.nuspec` of a version."""
    lowered = _normalized(package_id, version_text)
    if filename.lower() == nupkg_filename(package_id, lowered):
        stored = nupkg_filename(package_id, lowered)
    elif filename.lower() == f"{package_id.lower()}.nuspec":
        stored, count_download = nuspec_filename(package_id, lowered), False
    else:
        raise NotFound(f"{package_id} {version_text} has no file {filename}")
    check_scopes(ctx.actor, Operation.READ)
    with ctx.store.read() as tx:
        target = find_target(tx, owner_login, NUGET, package_id)
        _package, file, download = open_file(
            tx,
            ctx,
            target,
            lambda p: tx.files.find_live_file(p.id, stored),
            count_download=count_download,
        )
    return file, download


def search(
    ctx: Context,
    owner_login: str,
    query: str,
    page: slice,
    *,
    prerelease: bool,
    semver2: bool,
) -> SearchPage:
    """The owner's packages the caller may read with a version the client may be shown,
    whose newest such version matches `query`; by id."""
    check_scopes(ctx.actor, Operation.READ)
    with ctx.store.read() as tx:
        owner = find_owner(tx, owner_login)
        packages = readable_packages(tx, ctx.actor, tx.packages.list_packages(owner.id, NUGET))
        files = tx.files.live_files([p.id for p in packages])
        by_package: dict[int, list[FileRecord]] = {}
        for file in files:
            by_package.setdefault(file.package_id, []).append(file)
        matching: list[tuple[Package, list[Listed]]] = []
        for package in sorted(packages, key=lambda p: p.name.lower()):
            shown = [
                entry
                for entry in _in_order(by_package.get(package.id, []))
                if shown_in_search(
                    entry.spec.parsed_version, prerelease=prerelease, semver2=semver2
                )
            ]
            if shown and matches_query(query, shown[-1].spec):
                matching.append((package, shown))
        found = [
            Found(package.name, owner.login, _with_downloads(tx, package, shown))
            for package, shown in matching[page]
        ]
    return SearchPage(len(matching), found)


def _with_downloads(tx: Transaction, package: Package, shown: list[Listed]) -> list[Listed]:
    """The versions with their downloads: only for the page a search answers."""
    counts = {name: count for _id, name, count in tx.versions.downloads_since(package.id, ALL_TIME)}
    return [Listed(e.spec, e.published, counts.get(e.spec.version, 0)) for e in shown]


# pushing ------------------------------------------------------------------------------


def _repository_of(
    tx: Transaction, ctx: Context, target: Target, spec: Nuspec, link: bool
) -> int | None:
    """The repository `<repository url=…>` names, by its `OWNER/REPO` path, whatever the
    host (github.com as users write it, or Packyard's own URL). Another owner's repository
    is refused on every push, as GitHub refuses it; the first push links the package to
    one of the owner's. A URL whose path is not `OWNER/REPO` (another forge's) links
    nothing."""
    named = repository_path(spec.repository_url)
    if named is None:
        return None
    owner_login, repository_name = named
    if owner_login.lower() != target.owner.login.lower():
        raise NuGetInvalid(
            f"Source owner '{target.owner.login}' does not match repo owner "
            f"'{owner_login}' in repository element."
        )
    if not link:
        return None
    repository = tx.accounts.find_repository(target.owner.id, repository_name)
    if repository is None or not sees_repository(tx, ctx.actor, repository):
        raise NuGetInvalid(
            f"The repository element names {owner_login}/{repository_name}, which is not known."
        )
    return repository.id


def push(ctx: Context, blobs: BlobStore, owner_login: str, body: Callable[[], bytes]) -> Nuspec:
    """`nuget push`: authorize, read and check the package, store its bytes, then rows."""
    # Before a byte of the body is read: who may not push anywhere is told so.
    check_scopes(ctx.actor, Operation.PUBLISH)
    data = body()
    spec, manifest = read_nupkg(data)
    filename = nupkg_filename(spec.id, spec.version)
    with ctx.store.read() as tx:
        target = find_target(tx, owner_login, NUGET, spec.id)
        package = writable_package(tx, ctx.actor, target)
        repository_id = _repository_of(tx, ctx, target, spec, link=package is None)
        if package is not None and tx.files.find_live_file(package.id, filename) is not None:
            raise Conflict(duplicate_message(spec))
    nupkg = ingest(blobs, filename, data, properties={SPEC_PROPERTY: spec.to_json()})
    nuspec = ingest(blobs, nuspec_filename(spec.id, spec.version), manifest)
    with ctx.store.write() as tx:
        target = find_target(tx, owner_login, NUGET, spec.id)
        package = package_for_publish(tx, ctx, target, repository_id)
        # Under the package's lock: a push that raced this one is seen now. The file is
        # named by the lowered version, so `1.0.0-Beta` after `1.0.0-beta` is found too.
        if tx.files.find_live_file(package.id, filename) is not None:
            raise Conflict(duplicate_message(spec))
        version_id = version_for(
            tx, ctx, package, spec.version, spec.description, spec.rest_license
        )
        add_new_file(tx, ctx, package, version_id, nupkg, duplicate_message(spec))
        add_new_file(tx, ctx, package, version_id, nuspec, duplicate_message(spec))
    return spec


# deleting -----------------------------------------------------------------------------


def delete(ctx: Context, owner_login: str, package_id: str, version_text: str) -> None:
    """`nuget delete`: the REST API's version delete, with its rules (admin and
    delete:packages, the download rule, the last version taking the package with it);
    restorable like any delete."""
    with ctx.store.write() as tx:
        target = find_target(tx, owner_login, NUGET, package_id)
        package = deletable_package(tx, ctx.actor, target)
        tx.packages.lock_package(package.id)
        found = _live_version(tx, package, package_id, version_text)
        delete_version_by_rules(tx, ctx, package, found, via="nuget")


def _live_version(tx: Transaction, package: Package, package_id: str, version_text: str) -> Version:
    lowered = _normalized(package_id, version_text)
    file = tx.files.find_live_file(package.id, nupkg_filename(package_id, lowered))
    found = tx.versions.find_version(package.id, file.version_id) if file else None
    if found is None or found.deleted_at is not None:
        raise NotFound(f"{package_id} has no version {version_text}")
    return found
