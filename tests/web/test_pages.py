"""The pages: what each shows, the 404 rule, security headers, escaping, paging."""

from __future__ import annotations

from typing import Any

import pytest

from packyard.web.app import SECURITY_HEADERS
from packyard.web.render import byte_size
from tests.conftest import ALICE, BOB_READ, Api, Clock, seed
from tests.web.conftest import MISSING, PRIVATE, PUBLIC, Browser

PAGES = [
    "/",
    "/login",
    PUBLIC,
    f"{PUBLIC}/versions",
    f"{PUBLIC}/versions?state=deleted",  # 401: the sign-in form
    "/alice?tab=packages",
    "/orgs/acme/packages",
    "/orgs/acme/packages?ecosystem=nonsense",  # 422
    PRIVATE,  # 404
    "/no/such/page",
    "/_static/packyard.css",
]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_carries_the_security_headers(browser: Browser, world: Any, path: str) -> None:
    response = browser.get(path)
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert response.headers["x-frame-options"] == "DENY"


def test_refused_posts_carry_them_too(browser: Browser, world: Any) -> None:
    response = browser.post("/logout", {})
    assert response.status_code == 403
    assert response.headers["x-content-type-options"] == "nosniff"
    too_large = browser.post("/login", {"token": "x" * 20_000})
    assert too_large.status_code == 413
    assert too_large.headers["x-frame-options"] == "DENY"


def test_head_answers_as_get_without_a_body(browser: Browser, world: Any) -> None:
    response = browser.client.head(PUBLIC)
    assert response.status_code == 200 and response.content == b""
    assert int(response.headers["content-length"]) == len(browser.get(PUBLIC).content)


def test_a_public_package_page(browser: Browser, world: Any) -> None:
    page = browser.get(PUBLIC)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    text = page.text
    assert "docker pull testserver/alice/tools/cli:latest" in text
    assert "6,012" in text  # every live version's downloads
    assert "alice/tools" in text and "public" in text
    assert "latest" in text and "0.9.0" in text
    assert f'href="{PUBLIC}/versions"' in text


def test_the_rest_apis_html_urls_open_these_pages(browser: Browser, api: Api, carol: str) -> None:
    browser.sign_in(carol)
    for path in ("/users/alice/packages/container/tools%2Fcli", "/orgs/acme/packages/npm/web-ui"):
        package = api.get(path, carol).json()
        versions = api.get(f"{path}/versions", carol).json()
        page = browser.get(package["html_url"].removeprefix("http://testserver"))
        assert page.status_code == 200 and package["name"] in page.text
        for listed in (versions[0]["package_html_url"], versions[-1]["html_url"]):
            found = browser.get(listed.removeprefix("http://testserver"))
            assert found.status_code == 200, listed
        assert versions[-1]["name"] in found.text


def test_a_version_page_and_what_it_hides(browser: Browser, world: Any, api: Api) -> None:
    listed = api.get("/users/alice/packages/container/tools%2Fcli/versions", ALICE).json()
    untagged = next(v for v in listed if not v["metadata"]["container"]["tags"])
    path = untagged["html_url"].removeprefix("http://testserver")
    page = browser.get(path)
    assert page.status_code == 200 and "untagged" in page.text and untagged["name"] in page.text
    assert api.delete(untagged["url"].split("/api/v3")[1], ALICE).status_code == 204
    gone = browser.get(path)
    assert gone.status_code == 404
    assert gone.content == browser.get(path.rsplit("/", 1)[0] + "/999999").content
    assert browser.get(path.rsplit("/", 1)[0] + "/not-an-id").status_code == 404
    private = "/orgs/acme/packages/npm/web-ui/1"
    assert browser.get(private).content == browser.get("/orgs/acme/packages/npm/nope/1").content


@pytest.mark.parametrize("suffix", ["", "/versions"])
def test_a_package_one_may_not_see_is_byte_for_byte_a_missing_one(
    browser: Browser, world: Any, suffix: str
) -> None:
    browser.get("/")  # one cookie for both requests, as one browser has
    hidden = browser.get(PRIVATE + suffix)
    missing = browser.get(MISSING + suffix)
    assert hidden.status_code == missing.status_code == 404
    assert hidden.content == missing.content
    browser.sign_in(BOB_READ)  # signed in, but a stranger to acme
    hidden = browser.get(PRIVATE + suffix)
    missing = browser.get(MISSING + suffix)
    assert hidden.status_code == missing.status_code == 404
    assert hidden.content == missing.content
    assert b"web-ui" not in hidden.content


def test_names_and_descriptions_are_escaped(
    browser: Browser, world: Any, store: Any, clock: Clock
) -> None:
    seed(
        store,
        {
            "packages": [
                {
                    "owner": "alice",
                    "package_type": "rubygems",
                    "name": "evil<script>alert(1)</script>",
                    "visibility": "public",
                    "versions": [
                        {
                            "name": "1.0.0",
                            "description": '<script>alert("x")</script><img src=x onerror=a()>',
                        }
                    ],
                }
            ]
        },
        clock.now,
    )
    listing = browser.get("/alice?tab=packages&q=evil")
    assert listing.status_code == 200
    assert "<script>" not in listing.text and "evil&lt;script&gt;" in listing.text
    page = browser.get(
        "/users/alice/packages/rubygems/package/evil%3Cscript%3Ealert(1)%3C%2Fscript%3E"
    )
    assert page.status_code == 200
    assert "<script>" not in page.text and "<img" not in page.text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page.text


def _many(count: int, prefix: str) -> list[dict[str, Any]]:
    return [
        {
            "owner": "alice",
            "package_type": "npm",
            "name": f"{prefix}-{i:02d}",
            "visibility": "public",
        }
        for i in range(count)
    ]


def test_package_lists_filter_search_and_page(
    browser: Browser, world: Any, store: Any, clock: Clock
) -> None:
    seed(store, {"packages": _many(32, "lib")}, clock.now)
    everything = browser.get("/alice?tab=packages")
    assert "33 packages" in everything.text and "Page 1 of 2" in everything.text
    second = browser.get("/alice?tab=packages&page=2")
    assert second.text.count('class="package-name"') == 3
    containers = browser.get("/alice?tab=packages&ecosystem=container")
    assert "1 package<" in containers.text and "tools/cli" in containers.text
    found = browser.get("/alice?tab=packages&q=LIB-3")
    assert "2 packages" in found.text and "lib-30" in found.text and "lib-31" in found.text
    assert 'href="/alice?tab=packages&amp;page=2"' in everything.text
    by_name = browser.get("/alice?tab=packages&sort=name&q=lib").text
    assert by_name.index("lib-00") < by_name.index("lib-01") < by_name.index("lib-29")
    assert 'href="/alice?tab=packages&amp;page=2&amp;q=lib&amp;sort=name"' in by_name
    assert "0 packages" in browser.get("/alice?tab=packages&visibility=private").text
    assert "33 packages" in browser.get("/alice?tab=packages&visibility=public").text
    assert browser.get("/alice?tab=packages&sort=stars").status_code == 422
    assert browser.get("/alice?tab=packages&visibility=secret").status_code == 422


def test_an_org_lists_only_what_the_actor_may_read(browser: Browser, carol: str) -> None:
    assert "0 packages" in browser.get("/orgs/acme/packages").text
    browser.sign_in(carol)
    assert "web-ui" in browser.get("/orgs/acme/packages").text
    assert browser.get("/orgs/alice/packages").status_code == 404  # a user, not an org


def test_versions_page_and_state(
    browser: Browser, world: Any, store: Any, clock: Clock, api: Api
) -> None:
    versions = [{"name": f"1.0.{i}"} for i in range(35)]
    seed(
        store,
        {
            "packages": [
                {
                    "owner": "alice",
                    "package_type": "npm",
                    "name": "big",
                    "visibility": "public",
                    "versions": versions,
                }
            ]
        },
        clock.now,
    )
    base = "/users/alice/packages/npm/package/big/versions"
    first = browser.get(base)
    assert "35 active versions" in first.text and "Page 1 of 2" in first.text
    assert browser.get(f"{base}?page=2").text.count('class="version-name"') == 5
    assert browser.get(f"{base}?page=junk").status_code == 200
    listed = api.get("/users/alice/packages/npm/big/versions", ALICE).json()
    assert (
        api.delete(f"/users/alice/packages/npm/big/versions/{listed[0]['id']}", ALICE).status_code
        == 204
    )
    anonymous = browser.get(f"{base}?state=deleted")
    assert anonymous.status_code == 401 and 'name="token"' in anonymous.text
    browser.sign_in(ALICE)
    deleted = browser.get(f"{base}?state=deleted")
    assert "1 deleted version<" in deleted.text and listed[0]["name"] in deleted.text
    assert "34 active versions" in browser.get(base).text


def test_a_containers_versions_filter_tagged_and_untagged(browser: Browser, world: Any) -> None:
    base = f"{PUBLIC}/versions"
    everything = browser.get(base).text
    assert "6 active versions" in everything
    # The filter is GitHub's (`filters[version_type]`), kept by the pager's links.
    assert 'href="' + base + '?filters%5Bversion_type%5D=untagged"' in everything
    tagged = browser.get(f"{base}?filters%5Bversion_type%5D=tagged").text
    assert "2 tagged versions" in tagged and tagged.count('class="version-name"') == 2
    assert "untagged</span>" not in tagged
    untagged = browser.get(f"{base}?filters[version_type]=untagged").text
    assert "4 untagged versions" in untagged and untagged.count('class="version-name"') == 4
    assert 'class="badge tag"' not in untagged
    assert browser.get(f"{base}?filters[version_type]=signed").status_code == 422
    # Readers are not offered the administrators' listing of deleted versions.
    assert "?state=deleted" not in everything
    browser.sign_in(ALICE)
    assert f"{base}?state=deleted" in browser.get(base).text


def test_only_tagged_formats_offer_the_tag_filter(browser: Browser, carol: str) -> None:
    browser.sign_in(carol)
    page = browser.get(f"{PRIVATE}/versions").text
    assert "2 active versions" in page and 'aria-label="Tagged or untagged"' not in page


def test_a_version_page_lists_its_files_and_sizes(
    browser: Browser, carol: str, api: Api, store: Any
) -> None:
    listed = api.get("/orgs/acme/packages/npm/web-ui/versions", carol).json()
    newest = listed[0]
    with store.read() as tx:
        (tarball,) = tx.files.files_of(newest["id"])
    browser.sign_in(carol)
    page = browser.get(newest["html_url"].removeprefix("http://testserver")).text
    assert '<h3 id="files-title">Files</h3>' in page
    assert f'<code class="file-name">{tarball.name}</code>' in page
    assert tarball.name.endswith(".tgz") and tarball.digest in page
    assert f"<td>{byte_size(tarball.size)}</td>" in page
