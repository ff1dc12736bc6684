"""Maven's layout and version order, with no store."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from packyard.domain.errors import Unprocessable
from packyard.domain.maven import (
    ArtifactFile,
    Build,
    Coordinates,
    MavenInvalid,
    MetadataFile,
    build_value,
    check_artifact_id,
    parse_path,
)
from packyard.domain.maven_versions import compare, ordered
from tests.requirements import MAVEN

HELLO = Coordinates("com.example", "hello")


def test_a_release_file_names_its_coordinates_version_classifier_and_extension() -> None:
    path = parse_path(["com", "example", "hello", "1.0.0", "hello-1.0.0-sources.jar"])
    assert path.checksum is None
    assert path.target == ArtifactFile(
        HELLO, "1.0.0", "hello-1.0.0-sources.jar", "sources", "jar", None
    )
    assert HELLO.package_name == "com.example.hello"


def test_extensions_may_have_dots_and_checksums_are_suffixes() -> None:
    path = parse_path(["com", "example", "hello", "1.0.0", "hello-1.0.0-dist.tar.gz.sha512"])
    assert path.checksum == "sha512"
    assert isinstance(path.target, ArtifactFile)
    assert (path.target.classifier, path.target.extension) == ("dist", "tar.gz")


def test_a_snapshot_file_names_its_build() -> None:
    name = "hello-1.1.0-20261130.101500-12.jar"
    path = parse_path(["com", "example", "hello", "1.1.0-SNAPSHOT", name])
    target = path.target
    assert isinstance(target, ArtifactFile)
    assert target.version == "1.1.0-SNAPSHOT"
    assert target.build == Build("20261130.101500", 12)
    assert build_value("1.1.0-SNAPSHOT", Build("20261130.101500", 12)) == "1.1.0-20261130.101500-12"


def test_a_non_unique_snapshot_file_has_no_build() -> None:
    path = parse_path(["com", "example", "hello", "1.1.0-SNAPSHOT", "hello-1.1.0-SNAPSHOT.pom"])
    assert isinstance(path.target, ArtifactFile)
    assert path.target.build is None and path.target.extension == "pom"


def test_metadata_is_artifact_level_unless_below_a_snapshot_version() -> None:
    artifact = parse_path(["com", "example", "hello", "maven-metadata.xml.sha1"])
    assert artifact == parse_path(["com", "example", "hello", "maven-metadata.xml.sha1"])
    assert artifact.target == MetadataFile(HELLO, None) and artifact.checksum == "sha1"
    version = parse_path(["com", "example", "hello", "1.1.0-SNAPSHOT", "maven-metadata.xml"])
    assert version.target == MetadataFile(HELLO, "1.1.0-SNAPSHOT")


@pytest.mark.parametrize(
    "path",
    [
        "com/example/hello/1.0.0/other-1.0.0.jar",  # another artifact's file
        "com/example/hello/1.0.0/hello-1.0.1.jar",  # another version's
        "com/example/hello/1.0.0/hello-1.0.0",  # no extension
        "com/example/hello/1.0.0/hello-1.0.0-.jar",  # empty classifier
        "com/example/hello/1.1.0-SNAPSHOT/hello-1.1.0-2026.jar",  # not a build
        "hello/1.0.0/hello-1.0.0.jar",  # no groupId
        "com/../hello/1.0.0/hello-1.0.0.jar",
        "com/example/hello/1.0.0/.hidden",
        "maven-metadata.xml",
    ],
)
def test_what_is_not_maven_layout_is_refused(path: str) -> None:
    with pytest.raises(MavenInvalid):
        parse_path(path.split("/"))


def test_upper_case_artifact_ids_are_unprocessable() -> None:
    check_artifact_id("hello-world2")
    with pytest.raises(Unprocessable):
        check_artifact_id("Hello")


@pytest.mark.parametrize(
    ("lower", "higher"),
    [
        ("1.0-alpha-1", "1.0-beta"),
        ("1.0-beta", "1.0-rc1"),
        ("1.0-rc1", "1.0-SNAPSHOT"),
        ("1.0-SNAPSHOT", "1.0"),
        ("1.0", "1.0-sp"),
        ("1.0-sp", "1.0.1"),
        ("1.0", "1.0-foo"),
        ("1.9", "1.10"),
        ("1.0a1", "1.0b1"),
        ("2.0-milestone-1", "2.0-cr1"),
    ],
)
def test_versions_order_as_maven_orders_them(lower: str, higher: str) -> None:
    assert compare(lower, higher) < 0
    assert compare(higher, lower) > 0


@pytest.mark.parametrize(("a", "b"), [("1.0", "1.0.0"), ("1.0", "1.0-ga"), ("1-final", "1.0.0")])
def test_release_aliases_and_trailing_zeros_are_equal(a: str, b: str) -> None:
    assert compare(a, b) == 0


def test_ordered_lists_lowest_first() -> None:
    assert ordered(["1.10", "1.2", "1.2-SNAPSHOT", "1.0"]) == ["1.0", "1.2-SNAPSHOT", "1.2", "1.10"]


# Versions as projects write them, ordered by the machine's own Maven below.
REAL_VERSIONS = [
    "1-alpha2snapshot", "1-alpha2", "1-alpha-123", "1-beta-2", "1-beta123", "1-m2", "1-m11",
    "1-rc", "1-cr2", "1-rc123", "1-SNAPSHOT", "1", "1-sp", "1-sp2", "1-sp123", "1-abc",
    "1-def", "1-pom-1", "1-1-snapshot", "1-1", "1-2", "1-123", "2.0", "2-1", "2.0.a",
    "2.0.0.a", "2.0.2", "2.0.123", "2.1.0", "2.1-a", "2.1b", "2.1-c", "2.1-1", "2.1.0.1",
    "2.2", "2.123", "11.a2", "11.a11", "11.b2", "11.b11", "11.m2", "11.m11", "11", "11.a",
    "11b", "11c", "11m", "1.0.0-alpha", "1.0-beta", "2.0.0-M1", "2.0-M2", "1.0-alpha",
    "1-alpha", "1.0.0.RELEASE", "1.0.0.Final", "3.8.7", "3.9.0-rc-1", "1.2.3-SNAPSHOT",
    "1.2.3-20261130.101500-2", "5.10.0", "5.9.3", "1.0.0.alpha",
]  # fmt: skip
MAVEN_ARTIFACT_JARS = sorted(Path("/usr/share/maven/lib").glob("maven-artifact*.jar"))


def test_the_order_is_the_machines_mavens() -> None:
    """Maven's ComparableVersion (the jar Debian's Maven ships) prints how each version
    compares with the next; ours must say the same."""
    java = shutil.which("java")
    if not MAVEN_ARTIFACT_JARS or java is None:
        MAVEN.missing("Maven's maven-artifact jar (and java) to compare versions against")
    main = "org.apache.maven.artifact.versioning.ComparableVersion"
    printed = subprocess.run(
        [java, "-cp", str(MAVEN_ARTIFACT_JARS[0]), main, *REAL_VERSIONS],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    said = re.findall(r"^   (\S+) (<|>|==) (\S+)$", printed, re.M)
    assert len(said) == len(REAL_VERSIONS) - 1
    expected = {"<": -1, ">": 1, "==": 0}
    wrong = [(a, op, b) for a, op, b in said if _sign(compare(a, b)) != expected[op]]
    assert wrong == []


def _sign(value: int) -> int:
    return (value > 0) - (value < 0)


@pytest.mark.parametrize(
    ("a", "b"), [("1.0-alpha", "1-alpha"), ("1.0.0-alpha", "1.0-beta"), ("2.0.0-M1", "2.0-M2")]
)
def test_trailing_zeros_before_a_qualifier_do_not_count(a: str, b: str) -> None:
    assert compare(a, b) <= 0 and compare(b, a) >= 0
