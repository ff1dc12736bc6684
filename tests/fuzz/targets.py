"""What the parser fuzzers call: one target per parser, each taking raw bytes.

A target turns the bytes into what the parser takes (a first byte picks a Content-Type or a
variant where the parser takes more than the body) and calls it. The parser must return or
raise its format's own error; anything else escapes `check` and is a finding. Each target
has a few valid seeds, built here; tests/fuzz/corpus/TARGET/ holds them as files (written by
`python -m tests.fuzz.corpus`), and the fuzzer starts from them.

KNOWN lists findings that lie in other people's code and are being fixed there (issue 17):
`check` lets them pass, counted, so a run goes on past them; drop an entry once its fix lands.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from packyard import semver
from packyard.domain import oci
from packyard.domain.maven import Coordinates, MavenInvalid, parse_path
from packyard.domain.npm import NpmInvalid
from packyard.domain.nuget import NuGetInvalid
from packyard.domain.rubygems import GemInvalid
from packyard.registries.maven.metadata import check_uploaded
from packyard.registries.npm.documents import parse_publish
from packyard.registries.nuget.nupkg import package_of_push, parse_nuspec, read_nupkg
from packyard.registries.rubygems.gemfile import read_gem, spec_of_yaml
from tests.unit.registries.nuget.nupkg_builder import multipart, nupkg, nuspec
from tests.unit.registries.rubygems.gem_builder import gem_from_yaml, gemspec_yaml


@dataclass(frozen=True)
class Target:
    name: str
    call: Callable[[bytes], object]
    allowed: type[Exception]  # the format's own error
    seeds: Callable[[], list[bytes]]


@dataclass(frozen=True)
class Known:
    """A finding in someone else's code: the target, the exception, and the innermost
    function of Packyard's that it came through (`module.function`)."""

    target: str
    error: type[BaseException] | tuple[type[BaseException], ...]
    raised_in: str
    owner: str

    def matches(self, target: str, error: BaseException) -> bool:
        if target != self.target or not isinstance(error, self.error):
            return False
        innermost = None
        tb = error.__traceback__
        while tb is not None:
            module = tb.tb_frame.f_globals.get("__name__", "")
            if module.startswith("packyard."):
                innermost = f"{module}.{tb.tb_frame.f_code.co_name}"
            tb = tb.tb_next
        return innermost == self.raised_in


KNOWN: list[Known] = []  # none open: each listed finding has been fixed
known_hits: Counter[Known] = Counter()


def check(target: Target, data: bytes) -> None:
    """Call the target: its own error passes, a known finding passes counted, the rest raise."""
    try:
        target.call(data)
    except target.allowed:
        pass
    except Exception as error:
        for known in KNOWN:
            if known.matches(target.name, error):
                if not known_hits[known]:
                    # Said once per process, with the input, so a long run shows it.
                    print(
                        f"known finding ({known.owner}): {type(error).__name__}: {error}\n"
                        f"  input (base64): {base64.b64encode(data).decode()[:500]}",
                        file=sys.stderr,
                    )
                known_hits[known] += 1
                return
        raise


def _pick(data: bytes, choices: tuple[str | None, ...]) -> tuple[str | None, bytes]:
    return (choices[data[0] % len(choices)], data[1:]) if data else (None, b"")


# OCI manifests and indexes -----------------------------------------------------------------

_MANIFEST_TYPES: tuple[str | None, ...] = (
    None,
    oci.OCI_MANIFEST,
    oci.OCI_INDEX,
    oci.DOCKER_MANIFEST,
    oci.DOCKER_LIST,
    "application/json; charset=utf-8",
)


def _oci_manifest(data: bytes) -> object:
    content_type, content = _pick(data, _MANIFEST_TYPES)
    return oci.parse_manifest(content, content_type)


def _descriptor(media_type: str, content: bytes, **extra: object) -> dict[str, object]:
    digest = "sha256:" + hashlib.sha256(content).hexdigest()
    return {"mediaType": media_type, "digest": digest, "size": len(content), **extra}


def _oci_seeds() -> list[bytes]:
    config = _descriptor("application/vnd.oci.image.config.v1+json", b"{}")
    layer = _descriptor("application/vnd.oci.image.layer.v1.tar+gzip", b"layer")
    image = {
        "schemaVersion": 2,
        "mediaType": oci.OCI_MANIFEST,
        "config": config,
        "layers": [layer],
        "annotations": {oci.SOURCE_ANNOTATION: "https://github.com/alice/tools"},
    }
    image_bytes = json.dumps(image).encode()
    index = {
        "schemaVersion": 2,
        "mediaType": oci.OCI_INDEX,
        "manifests": [
            _descriptor(
                oci.OCI_MANIFEST, image_bytes, platform={"os": "linux", "architecture": "amd64"}
            )
        ],
    }
    artifact = {
        "schemaVersion": 2,
        "mediaType": oci.OCI_MANIFEST,
        "artifactType": "application/vnd.example.sbom",
        "config": _descriptor(oci.EMPTY_CONFIG, b"{}"),
        "layers": [],
        "subject": _descriptor(oci.OCI_MANIFEST, image_bytes),
    }
    docker = {**image, "mediaType": oci.DOCKER_MANIFEST}
    return [
        bytes([1]) + image_bytes,
        bytes([2]) + json.dumps(index).encode(),
        bytes([0]) + json.dumps(artifact).encode(),
        bytes([3]) + json.dumps(docker).encode(),
    ]


# npm publish bodies, and what a packument then does with what was accepted --------------

NPM_NAME = "@alice/hello"


def _npm_publish(data: bytes) -> object:
    # As the registry reads a body (registries/npm/app.py, Call.document): a JSON object, or
    # NpmInvalid.
    try:
        document = json.loads(data or b"{}")
    except ValueError:
        raise NpmInvalid("the request body is not JSON") from None
    if not isinstance(document, dict):
        raise NpmInvalid("the request body must be a JSON object")
    versions = parse_publish(NPM_NAME, document)
    for version in versions:
        # A packument sorts, labels and re-reads every stored version: an accepted version
        # that breaks any of these breaks every later GET of the package.
        semver.sort_key(version.version)
        semver.is_prerelease(version.version)
        json.loads(version.document)
    return versions


def _npm_seeds() -> list[bytes]:
    tarball = b"a tarball's bytes"
    manifest = {
        "name": NPM_NAME,
        "version": "1.0.0-rc.1",
        "dist": {
            "shasum": hashlib.sha1(tarball).hexdigest(),
            "integrity": "sha512-" + base64.b64encode(hashlib.sha512(tarball).digest()).decode(),
        },
        "deprecated": "use 2",
    }
    document = {
        "name": NPM_NAME,
        "dist-tags": {"latest": "1.0.0-rc.1"},
        "versions": {"1.0.0-rc.1": manifest},
        "_attachments": {"hello-1.0.0-rc.1.tgz": {"data": base64.b64encode(tarball).decode()}},
    }
    return [json.dumps(document).encode()]


# Maven paths and uploaded metadata ---------------------------------------------------------


def _maven_path(data: bytes) -> object:
    # The registry splits the path on `/` and percent-decodes each segment: any text.
    return parse_path(data.decode("utf-8", errors="replace").split("/"))


def _maven_path_seeds() -> list[bytes]:
    return [
        b"com/example/hello/1.0.0/hello-1.0.0.jar",
        b"com/example/hello/1.0.0/hello-1.0.0-sources.jar.sha1",
        b"com/example/hello/1.1.0-SNAPSHOT/hello-1.1.0-20261130.101500-2.pom",
        b"com/example/hello/1.1.0-SNAPSHOT/maven-metadata.xml.md5",
        b"com/example/hello/maven-metadata.xml",
    ]


_COORDINATES = Coordinates("com.example", "hello")


def _maven_metadata(data: bytes) -> object:
    version, content = _pick(data, (None, "1.1.0-SNAPSHOT"))
    return check_uploaded(content, _COORDINATES, version)


def _maven_metadata_seeds() -> list[bytes]:
    artifact = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<metadata>'
        b"<groupId>com.example</groupId><artifactId>hello</artifactId>"
        b"<versioning><latest>1.0.0</latest><versions><version>1.0.0</version></versions>"
        b"</versioning></metadata>"
    )
    snapshot = (
        b'<metadata modelVersion="1.1.0"><groupId>com.example</groupId>'
        b"<artifactId>hello</artifactId><version>1.1.0-SNAPSHOT</version><versioning>"
        b"<snapshot><timestamp>20261130.101500</timestamp><buildNumber>2</buildNumber>"
        b"</snapshot></versioning></metadata>"
    )
    return [bytes([0]) + artifact, bytes([1]) + snapshot]


# RubyGems: whole .gem files, and the gemspec YAML inside them ------------------------------


def _gem_seeds() -> list[bytes]:
    return [
        gem_from_yaml(gemspec_yaml("hello", "1.0.0")),
        gem_from_yaml(
            gemspec_yaml(
                "hello",
                "2.0.0.pre",
                platform="x86_64-linux",
                dependencies=(("rake", ">=", "13.0", "development"),),
                github_repo="ssh://github.com/alice/tools",
            )
        ),
    ]


def _gemspec_seeds() -> list[bytes]:
    return [
        gemspec_yaml("hello", "1.0.0").encode(),
        gemspec_yaml(
            "hello", "2.0.0.pre", dependencies=(("json", "~>", "2.6", "runtime"),)
        ).encode(),
    ]


# NuGet: the push's body, the .nupkg, the .nuspec -------------------------------------------


def _nuget_push(data: bytes) -> object:
    # Everything up to the first newline is the Content-Type; the rest is the body.
    content_type, _, body = data.partition(b"\n")
    return package_of_push(content_type.decode("latin-1"), body)


def _nuget_push_seeds() -> list[bytes]:
    body, content_type = multipart(nupkg())
    return [content_type.encode("latin-1") + b"\n" + body]


def _nupkg_seeds() -> list[bytes]:
    dependencies = (
        '<dependencies><group targetFramework="net6.0">'
        '<dependency id="Newtonsoft.Json" version="13.0.1" /></group></dependencies>'
    )
    return [nupkg(), nupkg("Hello.Deps", "2.0.0-beta.1", dependencies=dependencies)]


def _nuspec_seeds() -> list[bytes]:
    return [
        nuspec().encode(),
        nuspec(
            "Hello.Old",
            "1.0",
            repository="https://github.com/alice/tools",
            dependencies='<dependencies><dependency id="A" version="[1.0,2.0)" /></dependencies>',
        ).encode(),
    ]


TARGETS = {
    target.name: target
    for target in (
        Target("oci_manifest", _oci_manifest, oci.ManifestInvalid, _oci_seeds),
        Target("npm_publish", _npm_publish, NpmInvalid, _npm_seeds),
        Target("maven_path", _maven_path, MavenInvalid, _maven_path_seeds),
        Target("maven_metadata", _maven_metadata, MavenInvalid, _maven_metadata_seeds),
        Target("rubygems_gem", read_gem, GemInvalid, _gem_seeds),
        Target("rubygems_gemspec", spec_of_yaml, GemInvalid, _gemspec_seeds),
        Target("nuget_push", _nuget_push, NuGetInvalid, _nuget_push_seeds),
        Target("nuget_nupkg", read_nupkg, NuGetInvalid, _nupkg_seeds),
        Target("nuget_nuspec", parse_nuspec, NuGetInvalid, _nuspec_seeds),
    )
}
