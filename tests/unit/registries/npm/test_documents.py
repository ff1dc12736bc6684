"""npm's publish document, parsed with no store: every refusal, and what is kept."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import pytest

from packyard.domain.npm import NpmInvalid
from packyard.registries.npm.documents import parse_publish

NAME = "@alice/hello"
TARBALL = b"a tarball's bytes"


def document(**changes: Any) -> dict[str, Any]:
    manifest = {
        "name": NAME,
        "version": "1.0.0",
        "main": "index.js",
        "_id": "@alice/hello@1.0.0",
        "dist": {
            "shasum": hashlib.sha1(TARBALL).hexdigest(),
            "integrity": "sha512-" + base64.b64encode(hashlib.sha512(TARBALL).digest()).decode(),
            "tarball": "http://elsewhere/hello-1.0.0.tgz",
        },
    }
    doc: dict[str, Any] = {
        "name": NAME,
        "versions": {"1.0.0": manifest},
        "_attachments": {"hello-1.0.0.tgz": {"data": base64.b64encode(TARBALL).decode()}},
    }
    doc.update(changes)
    return doc


def test_a_version_keeps_its_document_without_dist_and_private_keys() -> None:
    [parsed] = parse_publish(NAME, document())
    assert parsed.version == "1.0.0"
    assert json.loads(parsed.document) == {"name": NAME, "version": "1.0.0", "main": "index.js"}
    assert parsed.tarball == TARBALL
    assert parsed.hashes["sha256"] == hashlib.sha256(TARBALL).hexdigest()
    assert parsed.deprecated is None


def test_the_body_names_the_package_in_any_case_and_deprecations_are_kept() -> None:
    doc = document(name="@Alice/Hello")
    doc["versions"]["1.0.0"]["deprecated"] = "use 2"
    [parsed] = parse_publish(NAME, doc)
    assert parsed.deprecated == "use 2"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": "@alice/other"}, "does not match the URL"),
        ({"versions": {}}, "at least one version"),
        ({"versions": {"v1": {}}}, "'v1' is not a valid semver version"),
        ({"_attachments": {}}, "no tarball hello-1.0.0.tgz attached for 1.0.0"),
        ({"_attachments": {"hello-1.0.0.tgz": {"data": "not base64!"}}}, "is not base64"),
    ],
)
def test_refusals(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(NpmInvalid, match=message):
        parse_publish(NAME, document(**changes))


@pytest.mark.parametrize("field", ["shasum", "integrity"])
def test_a_tarball_must_match_what_its_dist_says(field: str) -> None:
    doc = document()
    doc["versions"]["1.0.0"]["dist"][field] = "sha512-AAAA" if field == "integrity" else "0" * 40
    with pytest.raises(NpmInvalid, match=f"{field} mismatch for hello-1.0.0.tgz"):
        parse_publish(NAME, doc)
