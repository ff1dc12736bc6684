"""A container version's page: its platforms (an index's manifests), its layers with their
sizes, and its referrers, from the manifest graph the /v2/ registry keeps."""

from __future__ import annotations

import re
from typing import Any

from packyard.web.render import environment
from tests.conftest import ALICE, Api
from tests.web.conftest import Browser

REST = "/users/alice/packages/container/tools%2Fcli/versions"
PAGES = "/users/alice/packages/container/tools%2Fcli"


def _versions(api: Api) -> dict[int, dict[str, Any]]:
    return {v["id"]: v for v in api.get(REST, ALICE).json()}


def test_an_index_shows_its_platforms_and_its_attestation(
    browser: Browser, world: Any, api: Api
) -> None:
    versions = _versions(api)
    page = browser.get(f"{PAGES}/1").text  # the world's multi-platform index
    assert "Platforms" in page and "linux/amd64" in page and "linux/arm64" in page
    linked = {int(i) for i in re.findall(rf'href="{re.escape(PAGES)}/(\d+)"', page)}
    children = linked - {1}
    assert len(children) == 3  # two platforms and the attestation, each a version's page
    assert all(versions[i]["metadata"]["container"]["tags"] == [] for i in children)
    assert "Referrers" in page and "No signatures" not in page


def test_an_image_shows_its_layers_with_sizes(browser: Browser, world: Any) -> None:
    page = browser.get(f"{PAGES}/2").text  # 0.9.0, a single-platform image
    assert "Layers" in page and "Platforms" not in page
    kinds = re.findall(r"<tr><td>(config|layer)</td>", page)
    assert kinds[0] == "config" and "layer" in kinds
    assert re.search(r"<td>[\d,.]+ (B|kB)</td>", page)
    assert "No signatures, attestations or SBOMs" in page


def test_other_formats_show_no_contents(browser: Browser, world: Any, carol: str) -> None:
    browser.sign_in(carol)
    listing = browser.get("/orgs/acme/packages/npm/package/web-ui/versions").text
    version = re.search(r'href="(/orgs/acme/packages/npm/web-ui/\d+)"', listing)
    assert version
    assert "Layers" not in browser.get(version.group(1)).text


def test_sizes_read_as_docker_prints_them() -> None:
    size = environment().filters["size"]
    assert [size(n) for n in (0, 999, 1000, 1_234_567, 5 * 10**9, 7 * 10**15)] == [
        "0 B",
        "999 B",
        "1.0 kB",
        "1.2 MB",
        "5.0 GB",
        "7,000.0 TB",
    ]
