"""A push's `.nupkg` and its manifest, read safely.

`nuget push` PUTs a multipart form (`boundary="…"`, quoted) whose one part is the package;
a `.nupkg` is a zip with one `.nuspec` at its root, XML. Only that manifest is read:

- the zip's directory is read as the client wrote it, then only the `.nuspec`'s bytes are
  inflated, and no further than MAX_NUSPEC_SIZE, so a small zip bomb costs no more than a
  manifest at the cap;
- the XML is parsed by expat with a refusal for any DTD or entity declaration, so neither
  an external entity nor an entity expansion bomb is ever read;
- ids and versions are checked as NuGet checks them; the version is normalized.
"""

from __future__ import annotations

import io
import lzma
import zipfile
import zlib
from xml.etree import ElementTree
from xml.parsers import expat

from packyard.domain.nuget import (
    MAX_NUSPEC_SIZE,
    NUSPEC_SUFFIX,
    Dependency,
    DependencyGroup,
    NuGetInvalid,
    Nuspec,
    check_id,
    parse_version,
)

MULTIPART = "multipart/form-data"
# expat's separator between a namespace and a local name: no tag holds a space.
_NAMESPACE_SEPARATOR = " "
# What a broken or hostile zip can raise while its directory or member is read: a directory
# whose offsets point before the archive's start makes zipfile seek to a negative position
# (ValueError); an unknown "version needed" is NotImplementedError; a member said to be
# bzip2 or LZMA whose bytes are not is bz2's OSError("Invalid data stream") or LZMAError.
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    OSError,
    lzma.LZMAError,
    zlib.error,
    EOFError,
    NotImplementedError,
    RuntimeError,
    ValueError,
)
_REQUIRED = ("id", "version", "description", "authors")
_LICENSE_EXPRESSION = "expression"


# the push's body ------------------------------------------------------------------------


def package_of_push(content_type: str, body: bytes) -> bytes:
    """The `.nupkg` a push carries: the first part of its multipart form, or, for a
    client that PUTs the file itself, the whole body."""
    media_type, _, parameters = content_type.partition(";")
    if media_type.strip().lower() != MULTIPART:
        return body
    boundary = _parameter(parameters, "boundary")
    if not boundary:
        raise NuGetInvalid("The multipart form names no boundary.")
    delimiter = b"--" + boundary.encode("latin-1")
    start = body.find(delimiter)
    headers_end = body.find(b"\r\n\r\n", start) if start >= 0 else -1
    if headers_end < 0:
        raise NuGetInvalid("The multipart form holds no package.")
    content_start = headers_end + len(b"\r\n\r\n")
    content_end = body.find(b"\r\n" + delimiter, content_start)
    if content_end < 0:
        raise NuGetInvalid("The multipart form is not closed.")
    return body[content_start:content_end]


def _parameter(parameters: str, name: str) -> str:
    for parameter in parameters.split(";"):
        key, _, value = parameter.strip().partition("=")
        if key.strip().lower() == name:
            # NuGet quotes its boundary (`boundary="…"`), which RFC 2046 allows.
            return value.strip().strip('"')
    return ""


# the package ----------------------------------------------------------------------------


def read_nupkg(data: bytes) -> tuple[Nuspec, bytes]:
    """The package's manifest, and its bytes as they are in the package."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except _ZIP_ERRORS:
        raise NuGetInvalid("The package is not a valid .nupkg (zip) file.") from None
    with archive:
        manifests = [
            info
            for info in archive.infolist()
            if "/" not in info.filename and info.filename.lower().endswith(NUSPEC_SUFFIX)
        ]
        if len(manifests) != 1:
            found = "no" if not manifests else str(len(manifests))
            raise NuGetInvalid(
                f"The package has {found} .nuspec files at its root; it must have exactly one."
            )
        try:
            with archive.open(manifests[0]) as member:
                manifest = member.read(MAX_NUSPEC_SIZE + 1)
        except _ZIP_ERRORS as error:
            raise NuGetInvalid(f"The package's .nuspec cannot be read: {error}") from None
    if len(manifest) > MAX_NUSPEC_SIZE:
        raise NuGetInvalid(f"The package's .nuspec is larger than {MAX_NUSPEC_SIZE} bytes.")
    return parse_nuspec(manifest), manifest


def parse_nuspec(manifest: bytes) -> Nuspec:
    root = _parse_xml(manifest)
    metadata = root.find("metadata") if root.tag == "package" else None
    if metadata is None:
        raise NuGetInvalid("The .nuspec has no <package><metadata> element.")
    texts = {child.tag: (child.text or "").strip() for child in metadata}
    missing = [name for name in _REQUIRED if not texts.get(name)]
    if missing:
        raise NuGetInvalid(f"The .nuspec has no {', '.join(missing)}.")
    version = parse_version(texts["version"])
    license_element = metadata.find("license")
    repository = metadata.find("repository")
    return Nuspec(
        id=check_id(texts["id"]),
        version=version.normalized,
        verbatim_version=texts["version"],
        description=texts["description"],
        authors=texts["authors"],
        title=texts.get("title", ""),
        summary=texts.get("summary", ""),
        tags=tuple(texts.get("tags", "").split()),
        license=(
            texts.get("license", "")
            if license_element is not None
            and license_element.get("type", "").lower() == _LICENSE_EXPRESSION
            else ""
        ),
        license_url=texts.get("licenseUrl", ""),
        project_url=texts.get("projectUrl", ""),
        icon_url=texts.get("iconUrl", ""),
        release_notes=texts.get("releaseNotes", ""),
        copyright=texts.get("copyright", ""),
        language=texts.get("language", ""),
        min_client_version=metadata.get("minClientVersion", ""),
        require_license_acceptance=texts.get("requireLicenseAcceptance", "").lower() == "true",
        repository_url=(repository.get("url", "") if repository is not None else "").strip(),
        dependency_groups=_dependency_groups(metadata.find("dependencies")),
    )


def _dependency_groups(element: ElementTree.Element | None) -> tuple[DependencyGroup, ...]:
    """`<dependencies>`: `<group targetFramework=…>`s, or (the older form) dependencies
    that apply to every framework, which make one group without a framework."""
    if element is None:
        return ()
    groups = element.findall("group")
    if not groups:
        return (DependencyGroup("", _dependencies(element)),)
    return tuple(DependencyGroup(g.get("targetFramework", ""), _dependencies(g)) for g in groups)


def _dependencies(element: ElementTree.Element) -> tuple[Dependency, ...]:
    found = []
    for dependency in element.findall("dependency"):
        dependency_id = dependency.get("id", "").strip()
        if not dependency_id:
            raise NuGetInvalid("A dependency in the .nuspec has no id.")
        found.append(Dependency(dependency_id, dependency.get("version", "").strip()))
    return tuple(found)


def _parse_xml(manifest: bytes) -> ElementTree.Element:
    """The manifest's elements, named without their namespaces (nuspecs use several
    schema versions' namespaces for the same elements)."""
    builder = ElementTree.TreeBuilder()
    parser = expat.ParserCreate(namespace_separator=_NAMESPACE_SEPARATOR)

    def refuse(*_args: object) -> None:
        raise NuGetInvalid("The .nuspec may not declare a DTD or entities.")

    def start(tag: str, attributes: dict[str, str]) -> None:
        builder.start(_local(tag), {_local(k): v for k, v in attributes.items()})

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.StartElementHandler = start
    parser.EndElementHandler = lambda tag: builder.end(_local(tag))
    parser.CharacterDataHandler = builder.data
    try:
        parser.Parse(manifest, True)
        return builder.close()
    except (expat.ExpatError, AssertionError) as error:
        raise NuGetInvalid(f"The .nuspec is not well-formed XML: {error}") from None
    except (LookupError, ValueError) as error:
        # `<?xml … encoding="utf-4"?>` names a codec Python lacks (LookupError), and
        # `encoding="cp932"` one expat cannot read (ValueError: multi-byte encodings).
        raise NuGetInvalid(f"The .nuspec's encoding cannot be read: {error}") from None


def _local(name: str) -> str:
    return name.rpartition(_NAMESPACE_SEPARATOR)[2]
