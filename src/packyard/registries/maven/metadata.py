"""`maven-metadata.xml`, written by the server from what the database holds, never stored
as uploaded; and the check of what a client uploads.

The same rows always give the same bytes, so a version deleted and restored brings the
metadata back byte for byte (its checksums with it).
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from xml.sax.saxutils import escape

from packyard.domain.maven import Coordinates, MavenInvalid, is_snapshot
from packyard.domain.maven_versions import ordered

# Uploaded metadata is a few kilobytes; anything far larger is not metadata.
MAX_UPLOADED_METADATA = 1024 * 1024
XML_TYPE = "text/xml"


@dataclass(frozen=True, slots=True)
class SnapshotFile:
    """One file of a SNAPSHOT build, as its version-level metadata lists it."""

    classifier: str | None
    extension: str
    value: str  # `1.1.0-20261130.101500-2`
    number: int  # the build's number: the newest build wins
    updated: datetime


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%d%H%M%S")


def _element(name: str, value: str, indent: str) -> str:
    return f"{indent}<{name}>{escape(value)}</{name}>\n"


def artifact_metadata(coordinates: Coordinates, versions: Iterable[tuple[str, datetime]]) -> bytes:
    """Artifact-level metadata: every live version in Maven's order, `latest` (the
    highest) and `release` (the highest that is not a SNAPSHOT)."""
    times = dict(versions)
    names = ordered(times)
    releases = [v for v in names if not is_snapshot(v)]
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n<metadata>\n']
    out.append(_element("groupId", coordinates.group_id, "  "))
    out.append(_element("artifactId", coordinates.artifact_id, "  "))
    out.append("  <versioning>\n")
    if names:
        out.append(_element("latest", names[-1], "    "))
    if releases:
        out.append(_element("release", releases[-1], "    "))
    out.append("    <versions>\n")
    out.extend(_element("version", name, "      ") for name in names)
    out.append("    </versions>\n")
    if times:
        out.append(_element("lastUpdated", _stamp(max(times.values())), "    "))
    out.append("  </versioning>\n</metadata>\n")
    return "".join(out).encode()


def snapshot_metadata(
    coordinates: Coordinates,
    version: str,
    timestamp: str,
    build_number: int,
    files: Iterable[SnapshotFile],
) -> bytes:
    """Version-level metadata of a SNAPSHOT: its newest build, and for each classifier and
    extension the newest build that has one."""
    newest: dict[tuple[str, str], SnapshotFile] = {}
    for file in files:
        key = (file.classifier or "", file.extension)
        if key not in newest or file.number > newest[key].number:
            newest[key] = file
    chosen = [newest[key] for key in sorted(newest)]
    last = max((f.updated for f in chosen), default=None)
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n<metadata modelVersion="1.1.0">\n']
    out.append(_element("groupId", coordinates.group_id, "  "))
    out.append(_element("artifactId", coordinates.artifact_id, "  "))
    out.append(_element("version", version, "  "))
    out.append("  <versioning>\n    <snapshot>\n")
    out.append(_element("timestamp", timestamp, "      "))
    out.append(_element("buildNumber", str(build_number), "      "))
    out.append("    </snapshot>\n")
    if last is not None:
        out.append(_element("lastUpdated", _stamp(last), "    "))
    out.append("    <snapshotVersions>\n")
    for file in chosen:
        out.append("      <snapshotVersion>\n")
        if file.classifier:
            out.append(_element("classifier", file.classifier, "        "))
        out.append(_element("extension", file.extension, "        "))
        out.append(_element("value", file.value, "        "))
        out.append(_element("updated", _stamp(file.updated), "        "))
        out.append("      </snapshotVersion>\n")
    out.append("    </snapshotVersions>\n  </versioning>\n</metadata>\n")
    return "".join(out).encode()


def check_uploaded(data: bytes, coordinates: Coordinates, version: str | None) -> None:
    """An uploaded `maven-metadata.xml` must be metadata, and about what its path names
    (a plugin group's metadata names no artifact, and passes)."""
    if len(data) > MAX_UPLOADED_METADATA:
        raise MavenInvalid("maven-metadata.xml is too large")
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as error:
        raise MavenInvalid(f"maven-metadata.xml is not well-formed XML: {error}") from None
    except (LookupError, ValueError) as error:
        # The XML declaration names an encoding Python has no codec for (`utf-4`), one
        # that is no text encoding (`hex`), or a multi-byte one expat cannot use (`cp932`):
        # the client's mistake, not the server's.
        raise MavenInvalid(f"maven-metadata.xml names an unusable encoding: {error}") from None
    if root.tag != "metadata" and not root.tag.endswith("}metadata"):
        raise MavenInvalid("maven-metadata.xml has no <metadata> root")
    said = {
        "groupId": coordinates.group_id,
        "artifactId": coordinates.artifact_id,
        **({"version": version} if version else {}),
    }
    for child in root:
        name = child.tag.rpartition("}")[2]
        if name in said and (child.text or "").strip() != said[name]:
            raise MavenInvalid(
                f"maven-metadata.xml names {name} {(child.text or '').strip()!r} "
                f"where its path says {said[name]!r}"
            )
