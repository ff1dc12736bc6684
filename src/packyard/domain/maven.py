"""Maven's repository layout and version order, as pure rules.

A path under a repository URL names one of: an artifact file
(`com/example/hello/1.0.0/hello-1.0.0-sources.jar`, or for a SNAPSHOT a timestamped build's
`hello-1.1.0-20261130.101500-2.jar`), a `maven-metadata.xml` (artifact level, or version
level for a SNAPSHOT), or a checksum of either (`.md5`, `.sha1`, `.sha256`, `.sha512`).
GitHub names the package `groupId.artifactId`; its version is the Maven version, a SNAPSHOT
being one version whose deploys are its builds.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from packyard.domain.errors import BadRequest, Unprocessable

METADATA = "maven-metadata.xml"
SNAPSHOT = "SNAPSHOT"
SNAPSHOT_SUFFIX = "-" + SNAPSHOT
# Checksum extensions Maven and Gradle upload and fetch, each named as hashlib names it.
CHECKSUMS = ("md5", "sha1", "sha256", "sha512")
# Files that are never a version's primary artifact: the build's description, Gradle's
# module metadata, and signatures.
SECONDARY_EXTENSIONS = frozenset({"pom", "module"})
SIGNATURE_SUFFIX = ".asc"
# The properties Packyard keeps on each Maven file row.
BUILD_PROPERTY = "build"  # `20261130.101500-2`, for a SNAPSHOT build's file
CLASSIFIER_PROPERTY = "classifier"
EXTENSION_PROPERTY = "extension"
# A timestamped SNAPSHOT build: `yyyyMMdd.HHmmss-buildNumber`, as Maven's deployer writes it.
_BUILD = re.compile(r"(?P<timestamp>\d{8}\.\d{6})-(?P<number>[1-9]\d{0,8})")
_SEGMENT = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-+~]*")
MAX_SEGMENT = 255


class MavenInvalid(BadRequest):
    """A path or upload that is not Maven's layout."""


@dataclass(frozen=True, slots=True)
class Coordinates:
    group_id: str
    artifact_id: str

    @property
    def package_name(self) -> str:
        """GitHub's name for the package: `com.example.hello`."""
        return f"{self.group_id}.{self.artifact_id}"

    @property
    def label(self) -> str:
        return f"{self.group_id}:{self.artifact_id}"


@dataclass(frozen=True, slots=True)
class Build:
    """A timestamped SNAPSHOT build: `20261130.101500-2`."""

    timestamp: str
    number: int

    @property
    def name(self) -> str:
        return f"{self.timestamp}-{self.number}"


@dataclass(frozen=True, slots=True)
class ArtifactFile:
    coordinates: Coordinates
    version: str  # the package version: `1.0.0`, or `1.1.0-SNAPSHOT` for all its builds
    filename: str
    classifier: str | None
    extension: str  # `jar`, `pom`, `tar.gz`, `jar.asc`
    build: Build | None  # for a timestamped SNAPSHOT file

    @property
    def primary_candidate(self) -> bool:
        """Whether a GET of this file may count as a download of its version: the
        classifier-less artifact (the pom only when the version has nothing else)."""
        return (
            self.classifier is None
            and not self.extension.endswith(SIGNATURE_SUFFIX)
            and self.extension != "module"
        )


@dataclass(frozen=True, slots=True)
class MetadataFile:
    coordinates: Coordinates
    version: str | None  # None: artifact level; a SNAPSHOT version: version level


@dataclass(frozen=True, slots=True)
class MavenPath:
    target: ArtifactFile | MetadataFile
    checksum: str | None  # the algorithm, for `<file>.sha1` and the like

    @property
    def coordinates(self) -> Coordinates:
        return self.target.coordinates


def is_snapshot(version: str) -> bool:
    return version.endswith(SNAPSHOT_SUFFIX)


def check_artifact_id(artifact_id: str) -> None:
    """GitHub refuses upper-case artifact names with 422."""
    if artifact_id != artifact_id.lower():
        raise Unprocessable(
            f"artifactId {artifact_id!r} has upper-case letters, which GitHub Packages "
            "does not accept: use lower-case letters, digits and hyphens"
        )


def parse_path(segments: Sequence[str]) -> MavenPath:
    """What a path below the repository URL names (its segments, percent-decoded)."""
    if not segments or any(
        len(s) > MAX_SEGMENT or not _SEGMENT.fullmatch(s) or ".." in s for s in segments
    ):
        raise MavenInvalid("not a path of a Maven repository")
    last, checksum = _checksum(segments[-1])
    if last == METADATA:
        return MavenPath(_metadata(segments[:-1]), checksum)
    if len(segments) < 4:
        raise MavenInvalid("a Maven artifact's path is group/artifactId/version/file")
    *group, artifact_id, version = segments[:-1]
    coordinates = _coordinates(group, artifact_id)
    return MavenPath(_artifact(coordinates, version, last), checksum)


def _coordinates(group: Sequence[str], artifact_id: str) -> Coordinates:
    coordinates = Coordinates(".".join(group), artifact_id)
    if len(coordinates.package_name) > MAX_SEGMENT:
        raise MavenInvalid(f"groupId.artifactId may have at most {MAX_SEGMENT} characters")
    return coordinates


def _checksum(name: str) -> tuple[str, str | None]:
    stem, dot, extension = name.rpartition(".")
    if dot and extension in CHECKSUMS and stem:
        return stem, extension
    return name, None


def _metadata(segments: Sequence[str]) -> MetadataFile:
    # `g/a/1.0-SNAPSHOT/maven-metadata.xml` is version level; anything else is taken as
    # artifact level, since Maven asks for version-level metadata of SNAPSHOTs only.
    if len(segments) >= 3 and is_snapshot(segments[-1]):
        *group, artifact_id, version = segments
        return MetadataFile(_coordinates(group, artifact_id), version)
    if len(segments) < 2:
        raise MavenInvalid("maven-metadata.xml sits below a groupId and artifactId")
    *group, artifact_id = segments
    return MetadataFile(_coordinates(group, artifact_id), None)


def _artifact(coordinates: Coordinates, version: str, filename: str) -> ArtifactFile:
    prefix = coordinates.artifact_id + "-"
    if not filename.startswith(prefix):
        raise MavenInvalid(f"{filename} is not a file of {coordinates.artifact_id} {version}")
    rest = filename[len(prefix) :]
    build = None
    if is_snapshot(version) and not rest.startswith(version):
        base = version[: -len(SNAPSHOT_SUFFIX)] + "-"
        found = _BUILD.match(rest, len(base)) if rest.startswith(base) else None
        if found is None:
            raise MavenInvalid(f"{filename} is not a file of {coordinates.artifact_id} {version}")
        build = Build(found["timestamp"], int(found["number"]))
        tail = rest[found.end() :]
    elif rest.startswith(version):
        tail = rest[len(version) :]
    else:
        raise MavenInvalid(f"{filename} is not a file of {coordinates.artifact_id} {version}")
    classifier: str | None = None
    if tail.startswith("-"):
        classifier, dot, extension = tail[1:].partition(".")
        if not classifier or not dot:
            raise MavenInvalid(f"{filename} has no classifier and extension after its version")
    elif tail.startswith("."):
        extension = tail[1:]
    else:
        raise MavenInvalid(f"{filename} is not a file of {coordinates.artifact_id} {version}")
    if not extension:
        raise MavenInvalid(f"{filename} has no extension")
    return ArtifactFile(coordinates, version, filename, classifier, extension, build)


def file_name(coordinates: Coordinates, version: str, classifier: str | None, ext: str) -> str:
    """A file's name for a version or a build's value (`1.1.0-20261130.101500-2`)."""
    suffix = f"-{classifier}" if classifier else ""
    return f"{coordinates.artifact_id}-{version}{suffix}.{ext}"


def build_value(version: str, build: Build) -> str:
    """`1.1.0-SNAPSHOT` built at `20261130.101500-2` → `1.1.0-20261130.101500-2`."""
    return f"{version[: -len(SNAPSHOT_SUFFIX)]}-{build.name}"
