"""Reading a push: the multipart form nuget.exe sends, the zip, the .nuspec and each bad
input (zip bombs, DTDs and entities, no or two manifests, bad ids and versions)."""

from __future__ import annotations

import io
import zipfile

import pytest

from packyard.domain.nuget import MAX_NUSPEC_SIZE, Dependency, DependencyGroup, NuGetInvalid
from packyard.registries.nuget.nupkg import package_of_push, parse_nuspec, read_nupkg
from tests.unit.registries.nuget.nupkg_builder import multipart, nupkg, nuspec


def test_the_package_part_of_nuget_exes_form_with_its_quoted_boundary() -> None:
    data = nupkg()
    body, content_type = multipart(data)
    assert package_of_push(content_type, body) == data
    unquoted = content_type.replace('"', "")
    assert package_of_push(unquoted, body) == data
    assert package_of_push("application/octet-stream", data) == data  # the file itself


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"--x\r\nno end of headers", 'multipart/form-data; boundary="x"'),
        (b"--x\r\n\r\nnever closed", 'multipart/form-data; boundary="x"'),
        (b"--x\r\n\r\ndata\r\n--x--", "multipart/form-data"),
    ],
    ids=["no-headers-end", "not-closed", "no-boundary"],
)
def test_a_broken_form_is_refused(body: bytes, content_type: str) -> None:
    with pytest.raises(NuGetInvalid):
        package_of_push(content_type, body)


def test_the_manifest_is_read_with_its_namespace_dropped() -> None:
    dependencies = """<dependencies>
      <group targetFramework="net8.0"><dependency id="Newtonsoft.Json" version="13.0.1" /></group>
      <group targetFramework=".NETStandard2.0" />
    </dependencies>"""
    spec, manifest = read_nupkg(
        nupkg(
            "Hello.World",
            "1.0.0.0+abc",
            repository="https://github.com/alice/tools",
            dependencies=dependencies,
        )
    )
    assert spec.id == "Hello.World" and spec.version == "1.0.0"
    assert spec.verbatim_version == "1.0.0.0+abc"
    assert spec.description == "A package for tests" and spec.authors == "Alice Liddell"
    assert spec.license == "MIT" and spec.tags == ("hello", "tests")
    assert spec.repository_url == "https://github.com/alice/tools"
    assert spec.dependency_groups == (
        DependencyGroup("net8.0", (Dependency("Newtonsoft.Json", "13.0.1"),)),
        DependencyGroup(".NETStandard2.0", ()),
    )
    assert manifest.startswith(b"<?xml")


def test_dependencies_without_groups_make_one_for_every_framework() -> None:
    spec = parse_nuspec(
        nuspec(dependencies='<dependencies><dependency id="A" /></dependencies>').encode()
    )
    assert spec.dependency_groups == (DependencyGroup("", (Dependency("A", ""),)),)


def test_a_license_file_is_not_an_expression() -> None:
    manifest = nuspec().replace(
        '<license type="expression">MIT</license>', '<license type="file">LICENSE.txt</license>'
    )
    assert parse_nuspec(manifest.encode()).license == ""


def _zip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


ENTITY_BOMB = """<?xml version="1.0"?>
<!DOCTYPE package [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
<package><metadata><id>Hello</id><version>1.0.0</version><authors>a</authors>
<description>&b;</description></metadata></package>"""
EXTERNAL = """<?xml version="1.0"?>
<!DOCTYPE package [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<package><metadata><id>Hello</id><version>1.0.0</version><authors>a</authors>
<description>&x;</description></metadata></package>"""


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"not a zip at all", "not a valid .nupkg"),
        (_zip({"lib/a.dll": b"MZ"}), "has no .nuspec"),
        (_zip({"a.nuspec": nuspec().encode(), "b.nuspec": nuspec().encode()}), "has 2 .nuspec"),
        (_zip({"lib/a.nuspec": nuspec().encode()}), "has no .nuspec"),  # not at the root
        (nupkg(manifest="<package><metadata>"), "not well-formed"),
        (nupkg(manifest="<nuget/>"), "<package><metadata>"),
        (nupkg(manifest=nuspec().replace("<authors>Alice Liddell</authors>", "")), "authors"),
        (nupkg(manifest=ENTITY_BOMB), "DTD"),
        (nupkg(manifest=EXTERNAL), "DTD"),
        (nupkg("Hello World"), "not a valid package id"),
        (nupkg("Hello", "1.0.0.0.0"), "not a valid version"),
        (nupkg("Hello", "latest"), "not a valid version"),
        (
            nupkg(manifest=nuspec(dependencies="<dependencies><dependency/></dependencies>")),
            "no id",
        ),
    ],
    ids=[
        "not-a-zip",
        "no-nuspec",
        "two-nuspecs",
        "nuspec-not-at-root",
        "not-xml",
        "not-a-package",
        "no-authors",
        "entity-bomb",
        "external-entity",
        "bad-id",
        "five-numbers",
        "not-a-version",
        "dependency-without-id",
    ],
)
def test_bad_packages_are_refused_with_what_is_wrong(data: bytes, words: str) -> None:
    with pytest.raises(NuGetInvalid, match=words):
        read_nupkg(data)


def test_a_manifest_over_the_cap_is_refused_without_inflating_it_whole() -> None:
    padding = f"<!-- {'x' * MAX_NUSPEC_SIZE} -->"
    bomb = nupkg(manifest=nuspec(extra=padding))
    assert len(bomb) < MAX_NUSPEC_SIZE // 100  # deflate makes it small: a bomb
    with pytest.raises(NuGetInvalid, match="larger than"):
        read_nupkg(bomb)
