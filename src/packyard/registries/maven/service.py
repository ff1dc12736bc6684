"""The Maven registry's use cases: deploy a file, read a file, a checksum or metadata.

A Maven package is `groupId.artifactId` of type `maven`, in the repository its URL names
(repository-scoped: access is that repository's). A version is created by the first file
deployed to it; each later file joins it, and a file already there is a conflict (releases
are immutable). A SNAPSHOT version holds builds, one per `mvn deploy`, each a set of
timestamped files. Metadata is generated from live rows; uploaded metadata and checksums
are checked against what the server computes and never stored.
"""

from __future__ import annotations

import contextlib
import hmac
import re
from collections.abc import Callable
from dataclasses import dataclass

from packyard.core.access import (
    Target,
    check_scopes,
    find_owner,
    readable_package,
    sees_repository,
    writable_package,
)
from packyard.core.context import Context
from packyard.core.files import Download, download_of, hash_bytes, ingest
from packyard.core.ports import BlobStore, FileRecord, Transaction
from packyard.core.publish import add_new_file, package_for_publish, version_for
from packyard.domain.errors import BadRequest, Conflict, NotFound
from packyard.domain.files import BuildRecord
from packyard.domain.maven import (
    BUILD_PROPERTY,
    CLASSIFIER_PROPERTY,
    EXTENSION_PROPERTY,
    ArtifactFile,
    Build,
    MavenPath,
    MetadataFile,
    build_value,
    check_artifact_id,
)
from packyard.domain.permissions import Operation
from packyard.domain.types import Actor, Package, PackageType, Version
from packyard.registries.maven.metadata import (
    SnapshotFile,
    artifact_metadata,
    check_uploaded,
    snapshot_metadata,
)
from packyard.registries.maven.ports import MAVEN_ROWS

ANY_REPOSITORY = "*"  # `/OWNER/*/…` reads across the owner's repositories, as on GitHub
TOKEN_NEEDED = "authentication required: a token is needed, even to read"
# A checksum file holds a hex digest (and, from `sha1sum`, a file name after it).
MAX_CHECKSUM_BODY = 1024
HEX = re.compile(r"[0-9a-f]{32,128}")
CHECKSUM_MISMATCH = "{name}.{algorithm} does not match the {algorithm} of {name} as stored"


@dataclass(frozen=True, slots=True)
class Address:
    owner: str
    repository: str  # a repository's name, or `*`
    path: MavenPath


@dataclass(frozen=True, slots=True)
class Served:
    """What a GET answers: a stored file's bytes, or generated text."""

    file: FileRecord | None = None
    content: bytes = b""
    download: Download | None = None  # a GET of a primary file's, counted once it is served


def _target(tx: Transaction, address: Address, writer: Actor | None = None) -> Target:
    """The package the address names; for a deploy (`writer`), a repository the writer
    cannot see is refused as one that does not exist, as reads refuse its packages."""
    coordinates = address.path.coordinates
    owner = find_owner(tx, address.owner)  # nobody's: no repository, no package
    label = f"{coordinates.label} in {address.owner}/{address.repository}"
    repository = None
    if address.repository != ANY_REPOSITORY:
        repository = tx.accounts.find_repository(owner.id, address.repository)
        if repository is None or (writer and not sees_repository(tx, writer, repository)):
            raise NotFound(f"{label} is not known")
    name = coordinates.package_name
    package = tx.packages.find_package(owner.id, PackageType.MAVEN, name)
    return Target(owner, PackageType.MAVEN, name, package, label, repository)


def _readable(tx: Transaction, ctx: Context, address: Address) -> tuple[Target, Package]:
    target = _target(tx, address)
    package = readable_package(tx, ctx.actor, target)
    stored = tx.rows(MAVEN_ROWS).coordinates(package.id)
    if stored is not None and stored != address.path.coordinates:
        raise NotFound(f"{target.label} is not known")
    return target, package


def _version(tx: Transaction, target: Target, package: Package, name: str) -> Version:
    version = tx.versions.find_version_by_name(package.id, name)
    if version is None:
        raise NotFound(f"{target.label} has no version {name}")
    return version


def _is_download(tx: Transaction, file: ArtifactFile, found: FileRecord) -> bool:
    """A GET of the version's primary file: its classifier-less artifact, or its pom when
    the version has no other (`pom` packaging)."""
    if not file.primary_candidate:
        return False
    if file.extension != "pom":
        return True
    # Its build's other files (the same build, so as live as the pom found).
    build = found.properties.get(BUILD_PROPERTY)
    files = tx.files.files_of(found.version_id)
    return not any(
        f.properties.get(BUILD_PROPERTY) == build
        and f.properties.get(CLASSIFIER_PROPERTY) is None
        and f.properties.get(EXTENSION_PROPERTY) not in (None, "pom", "module")
        and not str(f.properties.get(EXTENSION_PROPERTY)).endswith(".asc")
        for f in files
    )


# reading ------------------------------------------------------------------------------


def read(ctx: Context, address: Address, *, head: bool) -> Served:
    """A file, a checksum or metadata. A GET of a version's primary file counts one
    download; checksums, metadata and HEAD don't."""
    check_scopes(ctx.actor, Operation.READ, anonymous=TOKEN_NEEDED)
    target = address.path.target
    if isinstance(target, MetadataFile):
        with ctx.store.read() as tx:
            content = _generated_metadata(tx, ctx, address, target)
        return _checksummed(content, address.path.checksum)
    with ctx.store.read() as tx:
        found = _stored_file(tx, ctx, address, target)
        counted = not head and address.path.checksum is None and _is_download(tx, target, found)
    algorithm = address.path.checksum
    if algorithm is not None:
        return Served(content=found.hashes[algorithm].encode())
    # Reading never writes: the response counts the download once the file goes out (in
    # memory), so the pom and checksum reads that make up most of a resolve never wait for
    # a write lock, and a file whose bytes are gone counts nothing.
    return Served(file=found, download=download_of(ctx, found.version_id) if counted else None)


def _stored_file(tx: Transaction, ctx: Context, address: Address, file: ArtifactFile) -> FileRecord:
    target, package = _readable(tx, ctx, address)
    version = _version(tx, target, package, file.version)
    found = tx.files.find_file(version.id, file.filename)
    build = found.properties.get(BUILD_PROPERTY) if found else None
    if found is None or (build and tx.rows(MAVEN_ROWS).build_deleted(version.id, build)):
        raise NotFound(f"{target.label} {file.version} has no file {file.filename}")
    return found


def _generated_metadata(
    tx: Transaction, ctx: Context, address: Address, metadata: MetadataFile
) -> bytes:
    target, package = _readable(tx, ctx, address)
    coordinates = metadata.coordinates
    if metadata.version is None:
        times = tx.rows(MAVEN_ROWS).version_times(package.id)
        if not times:
            raise NotFound(f"{target.label} has no versions")
        return artifact_metadata(coordinates, times)
    version = _version(tx, target, package, metadata.version)
    builds = tx.rows(MAVEN_ROWS).builds(version.id, False)
    if not builds:
        raise NotFound(f"{target.label} {metadata.version} has no timestamped builds")
    newest = builds[0]
    return snapshot_metadata(
        coordinates,
        metadata.version,
        newest.properties["timestamp"],
        newest.number,
        _snapshot_files(metadata.version, builds),
    )


def _snapshot_files(version: str, builds: list[BuildRecord]) -> list[SnapshotFile]:
    files = []
    for build in builds:
        value = build_value(version, Build(build.properties["timestamp"], build.number))
        for file in build.files:
            files.append(
                SnapshotFile(
                    file.properties.get(CLASSIFIER_PROPERTY),
                    str(file.properties[EXTENSION_PROPERTY]),
                    value,
                    build.number,
                    build.created_at,
                )
            )
    return files


def _checksummed(content: bytes, algorithm: str | None) -> Served:
    if algorithm is None:
        return Served(content=content)
    return Served(content=hash_bytes(content)[algorithm].encode())


# deploying ----------------------------------------------------------------------------


def deploy(ctx: Context, blobs: BlobStore, address: Address, body: Callable[[], bytes]) -> None:
    """A PUT: a file joins its version; a checksum or metadata is checked, not stored.
    The body is read only once the caller is known to be allowed to deploy here."""
    if address.repository == ANY_REPOSITORY:
        raise BadRequest("deploy to a repository's URL, not to OWNER/*")
    path = address.path
    check_artifact_id(path.coordinates.artifact_id)
    if path.checksum is not None:
        _check_checksum(ctx, address, body)
    elif isinstance(path.target, MetadataFile):
        _take_metadata(ctx, address, path.target, body)
    else:
        _add_file(ctx, blobs, address, path.target, body)


def _add_file(
    ctx: Context, blobs: BlobStore, address: Address, file: ArtifactFile, body: Callable[[], bytes]
) -> None:
    _authorize_deploy(ctx, address)
    data = body()
    properties: dict[str, object] = {EXTENSION_PROPERTY: file.extension}
    if file.classifier:
        properties[CLASSIFIER_PROPERTY] = file.classifier
    if file.build:
        properties[BUILD_PROPERTY] = file.build.name
    new = ingest(blobs, file.filename, data, properties=properties)
    with ctx.store.write() as tx:
        target = _target(tx, address, ctx.actor)
        package = package_for_publish(tx, ctx, target)
        rows = tx.rows(MAVEN_ROWS)
        stored = rows.coordinates(package.id)
        if stored is None:
            rows.save_coordinates(package.id, file.coordinates)
        elif stored != file.coordinates:
            raise Conflict(
                f"{package.name} is the package of {stored.label}, not of {file.coordinates.label}"
            )
        version_id = version_for(tx, ctx, package, file.version)
        if file.build is not None:
            _build_for(tx, ctx, package, version_id, file)
        add_new_file(
            tx,
            ctx,
            package,
            version_id,
            new,
            f"{file.filename} is already in {target.label} {file.version}: "
            "a published file cannot be replaced",
        )


def _build_for(
    tx: Transaction, ctx: Context, package: Package, version_id: int, file: ArtifactFile
) -> None:
    assert file.build is not None
    rows = tx.rows(MAVEN_ROWS)
    for build in rows.builds(version_id, None):
        if build.name == file.build.name:
            if build.deleted_at is not None:
                raise Conflict(f"build {build.name} was deleted: restore it or deploy a new one")
            return
    rows.create_build(version_id, package.id, file.build, ctx.now)


def _authorize_deploy(ctx: Context, address: Address) -> None:
    """Refuse a caller who may not deploy here before a byte of the body is read (and
    before any transaction is open while it arrives)."""
    with ctx.store.read() as tx:
        writable_package(tx, ctx.actor, _target(tx, address, ctx.actor))


def _check_checksum(ctx: Context, address: Address, body: Callable[[], bytes]) -> None:
    path = address.path
    algorithm = path.checksum
    assert algorithm is not None
    _authorize_deploy(ctx, address)
    # `sha1sum` writes `HEX  NAME`; Maven writes the bare hex.
    words = body()[:MAX_CHECKSUM_BODY].decode("ascii", "ignore").split()
    sent = words[0].lower() if words else ""
    with ctx.store.read() as tx:
        target = _target(tx, address, ctx.actor)
        package = writable_package(tx, ctx.actor, target)
        if package is None:
            if isinstance(path.target, MetadataFile):
                return  # a plugin group's metadata, or an artifact not yet deployed
            raise NotFound(f"{target.label} has no version {path.target.version}")
        if isinstance(path.target, MetadataFile):
            expected = _metadata_hashes(tx, ctx, address, path.target, package)
            name = "maven-metadata.xml"
        else:
            found = _stored_file(tx, ctx, address, path.target)
            expected = [found.hashes.get(algorithm, "")]
            name = path.target.filename
    if not HEX.fullmatch(sent) or not any(hmac.compare_digest(sent, e) for e in expected if e):
        raise BadRequest(CHECKSUM_MISMATCH.format(name=name, algorithm=algorithm))


def _metadata_hashes(
    tx: Transaction, ctx: Context, address: Address, metadata: MetadataFile, package: Package
) -> list[str]:
    """What a metadata checksum may be: that of the metadata last uploaded, or of what
    the server generates."""
    algorithm = address.path.checksum
    assert algorithm is not None
    uploaded = tx.rows(MAVEN_ROWS).metadata_hashes(package.id, metadata.version or "")
    accepted = [uploaded[algorithm]] if uploaded and algorithm in uploaded else []
    with contextlib.suppress(NotFound):  # nothing live to generate
        accepted.append(hash_bytes(_generated_metadata(tx, ctx, address, metadata))[algorithm])
    return accepted


def _take_metadata(
    ctx: Context, address: Address, metadata: MetadataFile, body: Callable[[], bytes]
) -> None:
    _authorize_deploy(ctx, address)
    data = body()
    check_uploaded(data, metadata.coordinates, metadata.version)
    with ctx.store.write() as tx:
        package = writable_package(tx, ctx.actor, _target(tx, address, ctx.actor))
        if package is not None and tx.packages.lock_package(package.id):
            # Under the package's lock: two deploys' metadata never race on the row.
            tx.rows(MAVEN_ROWS).save_metadata_hashes(
                package.id, metadata.version or "", hash_bytes(data), ctx.now
            )
