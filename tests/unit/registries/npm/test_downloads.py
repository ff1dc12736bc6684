"""npm counts a tarball's GET as a download and its HEAD as none, as `/v2/` counts a
manifest's GET and not its HEAD."""

from __future__ import annotations

import base64

from starlette.testclient import TestClient

from tests.conftest import ALICE
from tests.unit.registries.conftest import rest

NAME = "@alice/counted"
TARBALL = b"\x1f\x8b a tarball"


def test_a_tarball_head_is_no_download_and_a_get_is_one(client: TestClient) -> None:
    auth = {"Authorization": f"Bearer {ALICE}"}
    document = {
        "name": NAME,
        "versions": {"1.0.0": {"name": NAME, "version": "1.0.0"}},
        "dist-tags": {"latest": "1.0.0"},
        "_attachments": {"counted-1.0.0.tgz": {"data": base64.b64encode(TARBALL).decode()}},
    }
    published = client.put("/_registry/npm/@alice%2fcounted", json=document, headers=auth)
    assert published.status_code == 201, published.text
    url = "/_registry/npm/@alice/counted/-/counted-1.0.0.tgz"
    assert client.head(url, headers=auth).status_code == 200
    assert client.head(url, headers=auth).status_code == 200
    assert client.get(url, headers=auth).content == TARBALL
    report = rest(client, "GET", "/_packyard/user/packages/npm/counted/downloads?since=2000-01-01")
    assert report.status_code == 200, report.text
    assert [(v["name"], v["downloads"]) for v in report.json()["versions"]] == [("1.0.0", 1)]
