"""The pages in a real browser: Playwright driving Debian's chromium against a live
`packyard serve` seeded with examples/world.yaml.

Playwright's own browser download cannot work here (and is never run): it is pointed at
/usr/bin/chromium, with the flags that keep chromium off the network it would otherwise
call home on.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import ALICE
from tests.protocols.conftest import LiveServer, live_database, live_server
from tests.requirements import AXE_CORE, CHROMIUM, PLAYWRIGHT
from tests.web.chromium import CHROMIUM_FLAGS

__all__ = ["live_database", "live_server"]  # the live server's fixtures, used here

PUBLIC = "/users/alice/packages/container/package/tools%2Fcli"
PRIVATE = "/orgs/acme/packages/npm/package/web-ui"
TIMEOUT_MS = 10_000
AXE = Path(__file__).parents[1] / "js" / "node_modules" / "axe-core" / "axe.min.js"
# The pages axe checks, signed in (the header's sign-out form) and out.
MAIN_PAGES = [
    "/",
    "/login",
    PUBLIC,
    f"{PUBLIC}/versions",
    f"{PUBLIC}/versions/3/delete",  # the confirmation (signed in; the sign-in form otherwise)
    f"{PUBLIC}/settings",  # likewise
    "/users/alice/packages/container/tools%2Fcli/1",  # the index: platforms, referrers
    "/users/alice/packages/container/tools%2Fcli/2",  # an image: layers
    "/alice/tools/packages",
    "/alice?tab=packages",
    PRIVATE,
]


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    executable = CHROMIUM.command("chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        PLAYWRIGHT.missing("the playwright package is not installed")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, args=CHROMIUM_FLAGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def page(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context()
    context.set_default_timeout(TIMEOUT_MS)
    opened = context.new_page()
    problems: list[str] = []
    # A CSP violation or a failed load shows in the console: a page must raise none.
    opened.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    opened.problems = problems
    yield opened
    context.close()


def test_a_signed_out_person_sees_public_packages_only(page: Any, live_server: LiveServer) -> None:
    from playwright.sync_api import expect

    response = page.goto(live_server.url + PUBLIC)
    assert response.status == 200
    expect(page.get_by_role("heading", level=1)).to_have_text("tools/cli")
    port = live_server.url.rsplit(":", 1)[1]
    expect(page.locator("pre code").first).to_have_text(
        f"docker pull 127.0.0.1:{port}/alice/tools/cli:latest"
    )
    expect(page.get_by_role("link", name="Sign in", exact=True)).to_be_visible()
    assert page.problems == []
    hidden = page.goto(live_server.url + PRIVATE)
    assert hidden.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("404: page not found")


def test_sign_in_open_a_package_and_see_its_versions(page: Any, live_server: LiveServer) -> None:
    from playwright.sync_api import expect

    page.goto(live_server.url + "/login")
    page.get_by_label("Personal access token").fill(ALICE)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".who")).to_have_text("Signed in as alice")
    page.get_by_role("link", name="Your packages", exact=True).click()
    # Find it through the search form: the listing keeps only what matches.
    listed = page.locator(".package-name")
    page.get_by_label("Search").fill("web")
    page.get_by_role("button", name="Filter").click()
    expect(listed).to_have_count(0)
    page.get_by_label("Search").fill("CLI")
    page.get_by_label("Type").select_option("container")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"[?&]q=CLI(&|$)"))
    expect(listed).to_have_count(1)
    page.get_by_role("link", name="tools/cli").click()
    expect(page).to_have_url(re.compile(re.escape(PUBLIC) + "$"))
    # The index, its two platforms and attestation, 0.9.0 and the untagged build.
    page.get_by_role("link", name="View all 6 versions").click()
    expect(page.get_by_role("heading", level=2)).to_have_text("6 active versions")
    rows = page.locator("table.list tbody tr")
    expect(rows).to_have_count(6)
    expect(rows.filter(has_text="latest")).to_have_count(1)
    expect(rows.filter(has_text="untagged")).to_have_count(4)
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in", exact=True)).to_be_visible()
    assert page.problems == []


def _sign_in(page: Any, live_server: LiveServer) -> None:
    page.goto(live_server.url + "/login")
    page.get_by_label("Personal access token").fill(ALICE)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(live_server.url + "/")


def test_delete_a_version_restore_it_and_meet_githubs_rules(
    page: Any, live_server: LiveServer
) -> None:
    from playwright.sync_api import expect

    rest = f"{live_server.api}/users/alice/packages/container/tools%2Fcli/versions"
    listed = httpx.get(rest, headers={"Authorization": f"Bearer {ALICE}"}).json()
    build = next(v for v in listed if v["id"] == 3)["name"]  # the world's untagged build
    _sign_in(page, live_server)
    page.goto(live_server.url + PUBLIC + "/versions")
    page.get_by_role("link", name=f"Delete {build}").click()
    page.get_by_label("Type tools/cli to confirm").fill("tools/cli")
    page.get_by_role("button", name="I understand the consequences, delete this version").click()
    expect(page.get_by_role("heading", level=2)).to_have_text("1 deleted version")
    page.get_by_role("button", name=f"Restore {build}").click()
    expect(page.get_by_role("heading", level=2)).to_have_text("6 active versions")
    # The tagged index has 6,000 downloads: GitHub's rule, in GitHub's words.
    page.goto(live_server.url + PUBLIC + "/versions/1/delete")
    page.get_by_label("Type tools/cli to confirm").fill("tools/cli")
    page.get_by_role("button", name="I understand the consequences, delete this version").click()
    expect(page.get_by_role("alert")).to_contain_text("more than 5000 downloads cannot be deleted")
    # With 0.9.0 deleted, the index is the last tagged version: that rule comes first.
    page.goto(live_server.url + PUBLIC + "/versions/2/delete")
    page.get_by_label("Type tools/cli to confirm").fill("tools/cli")
    page.get_by_role("button", name="I understand the consequences, delete this version").click()
    expect(page.get_by_role("heading", level=2)).to_have_text("1 deleted version")
    page.goto(live_server.url + PUBLIC + "/versions/1/delete")
    page.get_by_label("Type tools/cli to confirm").fill("tools/cli")
    page.get_by_role("button", name="I understand the consequences, delete this version").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "You cannot delete the last tagged version of a package."
    )
    page.goto(live_server.url + PUBLIC + "/versions?state=deleted")
    page.get_by_role("button", name="Restore sha256:").click()
    expect(page.get_by_role("heading", level=2)).to_have_text("6 active versions")
    assert [p for p in page.problems if "status of 400" not in p] == []


NOTES = "/users/alice/packages/npm/package/notes"
NOTES_SEED = """
packages:
  - {owner: alice, package_type: npm, name: notes, visibility: private, versions: [{name: 1.0.0}]}
"""


def _make_public(page: Any) -> None:
    page.get_by_label("Public").check()
    page.get_by_label("Type notes to confirm").first.fill("notes")
    page.get_by_role(
        "button", name="I understand the consequences, change package visibility"
    ).click()


def test_change_visibility_with_the_typed_name_and_csrf(
    page: Any, chromium: Any, live_server: LiveServer, tmp_path: Path
) -> None:
    """alice's private notes become public; a public package cannot go back (GitHub's rule),
    so the package is one of this test's own."""
    from playwright.sync_api import expect

    seed_file = tmp_path / "notes.yaml"
    seed_file.write_text(NOTES_SEED)
    seeded = live_server.packyard("seed", str(seed_file))
    assert seeded.returncode == 0, seeded.stderr
    _sign_in(page, live_server)
    page.goto(live_server.url + NOTES)
    page.get_by_role("link", name="Package settings").click()
    stranger = chromium.new_context()
    try:
        assert stranger.new_page().goto(live_server.url + NOTES).status == 404
        # The form without its CSRF token (removed from the page): refused, nothing changes.
        page.locator("input[name=csrf]").evaluate_all("inputs => inputs.forEach(i => i.remove())")
        _make_public(page)
        expect(page.get_by_role("alert")).to_contain_text("did not come from this site")
        assert stranger.new_page().goto(live_server.url + NOTES).status == 404
        page.goto(live_server.url + NOTES + "/settings")
        _make_public(page)
        expect(page.get_by_role("status")).to_have_text("The package is now public.")
        expect(page.get_by_text("you cannot make it private again")).to_be_visible()
        assert stranger.new_page().goto(live_server.url + NOTES).status == 200
    finally:
        stranger.close()
    assert [p for p in page.problems if "status of 403" not in p] == []


def test_phone_width_and_dark_scheme(chromium: Any, live_server: LiveServer) -> None:
    context = chromium.new_context(viewport={"width": 360, "height": 740}, color_scheme="dark")
    try:
        phone = context.new_page()
        for path in (PUBLIC, PUBLIC + "/versions", "/users/alice/packages/container/tools%2Fcli/1"):
            phone.goto(live_server.url + path)
            overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, path
        background = phone.evaluate("getComputedStyle(document.body).backgroundColor")
        assert background == "rgb(13, 17, 23)"
    finally:
        context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_serious_accessibility_violations(
    chromium: Any, live_server: LiveServer, scheme: str
) -> None:
    """axe-core, run in each main page, finds nothing serious or critical (contrast in both
    schemes among it). Our policy forbids every script, axe's too: this context bypasses it."""
    if not AXE.exists():
        AXE_CORE.missing(f"{AXE} is not there")
    context = chromium.new_context(bypass_csp=True, color_scheme=scheme)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        found: dict[str, list[str]] = {}
        for signed_in in (False, True):
            if signed_in:
                _sign_in(page, live_server)
            for path in MAIN_PAGES:
                page.goto(live_server.url + path)
                page.add_script_tag(path=str(AXE))
                violations = page.evaluate("async () => (await axe.run(document)).violations")
                serious = [
                    f"{v['id']} ({v['impact']}): {v['help']}"
                    for v in violations
                    if v["impact"] in ("serious", "critical")
                ]
                if serious:
                    found[f"{path} signed {'in' if signed_in else 'out'}"] = serious
        assert found == {}
    finally:
        context.close()
