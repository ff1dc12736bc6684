"""The versions page keeps versions by their package's version generation, rows and pages of
rows rendered (`web.rows`) and the page around them (`web.render.Frames`): whatever changes
what a row shows — a download, a tag moved, a delete, who looks — in this process or another
sharing the database, the next page shows it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any

import jinja2
import pytest
from sqlalchemy import Engine
from starlette.testclient import TestClient

from packyard.config import Settings
from packyard.domain.types import ANONYMOUS, PackageType, Visibility
from packyard.server import create_app
from packyard.web import render, rows
from tests.conftest import ALICE, APP_VERSIONS, Api, Clock, seed_app
from tests.web.conftest import Browser

PAGE = "/users/alice/packages/container/package/app/versions"
API = "/users/alice/packages/container/app"
A, B, C = APP_VERSIONS


@pytest.fixture
def ids(store: Any, clock: Clock) -> dict[str, int]:
    return seed_app(store, clock.now, "public")


@pytest.fixture
def other(settings: Settings, engine: Engine, clock: Clock) -> Iterator[Browser]:
    """A browser on a second server process sharing the database, with caches of its own."""
    with TestClient(create_app(settings, engine, clock=clock)) as client:
        yield Browser(client)


def row(page: str, name: str) -> str:
    """The table row naming the version `name`."""
    found = re.search(r"<tr>((?:(?!</tr>).)*" + re.escape(name) + r".*?)</tr>", page, re.S)
    assert found, f"no row for {name}"
    return found.group(1)


def downloads(page: str, name: str) -> int:
    cells = re.findall(r"<td>([\d,]+)</td>", row(page, name))
    assert len(cells) == 1, cells
    return int(cells[0].replace(",", ""))


def test_a_download_shows_on_the_next_page(
    browser: Browser, store: Any, ids: dict[str, int]
) -> None:
    assert downloads(browser.get(PAGE).text, B) == 0
    # Downloads change no version generation: the page reads them with every page.
    with store.write() as tx:
        tx.versions.record_download(ids[B], date.today().isoformat(), times=1234)
    page = browser.get(PAGE).text
    assert downloads(page, B) == 1234 and downloads(page, A) == 0


@pytest.mark.parametrize("times", [1, 3])
def test_a_download_in_another_process_shows(
    browser: Browser, other: Browser, store: Any, ids: dict[str, int], times: int
) -> None:
    """A page's counts are kept under its package's version and download generations
    (`PageIndex.counts`): a batch of downloads written, of one (its own statement) or of
    several, bumps the download generation for every process."""
    for person in (browser, other):
        assert downloads(person.get(PAGE).text, B) == 0
    with store.write() as tx:
        tx.versions.record_download(ids[B], date.today().isoformat(), times=times)
    for person in (browser, other):
        page = person.get(PAGE).text
        assert downloads(page, B) == times and downloads(page, A) == 0


def test_a_deleted_versions_download_shows(
    browser: Browser, api: Api, store: Any, ids: dict[str, int]
) -> None:
    """The deleted listing's counts: its page is planned from the package's counters, not
    read with them (`VersionPages._plan`)."""
    browser.sign_in(ALICE)
    assert api.delete(f"{API}/versions/{ids[C]}", ALICE).status_code == 204
    assert downloads(browser.get(f"{PAGE}?state=deleted").text, C) == 0
    with store.write() as tx:
        tx.versions.record_download(ids[C], date.today().isoformat())
    assert downloads(browser.get(f"{PAGE}?state=deleted").text, C) == 1


def test_a_tag_moved_in_another_process_shows(
    browser: Browser, other: Browser, store: Any, clock: Clock, ids: dict[str, int]
) -> None:
    assert "latest" in row(other.get(PAGE).text, A)
    with store.write() as tx:  # what a registry push of `latest` onto C does
        owner = tx.accounts.find_account_by_login("alice")
        package = tx.packages.find_package(owner.id, PackageType.CONTAINER, "app")
        tx.versions.move_tag(package.id, "latest", ids[C], clock.now)
    page = other.get(PAGE).text
    assert "latest" in row(page, C) and "latest" not in row(page, A)
    assert "untagged" in row(page, A)


def test_deleted_and_restored_in_another_process_show(
    browser: Browser, other: Browser, api: Api, ids: dict[str, int]
) -> None:
    other.sign_in(ALICE)
    assert other.get(PAGE).text.count('class="version-name"') == 3
    assert api.delete(f"{API}/versions/{ids[C]}", ALICE).status_code == 204
    page = other.get(PAGE).text
    assert page.count('class="version-name"') == 2 and C not in page
    assert C in row(other.get(f"{PAGE}?state=deleted").text, C)
    assert api.post(f"{API}/versions/{ids[C]}/restore", ALICE).status_code == 204
    assert C in other.get(PAGE).text
    assert C not in other.get(f"{PAGE}?state=deleted").text


def test_rows_offer_only_what_the_viewer_may_take(
    browser: Browser, stranger: Browser, ids: dict[str, int]
) -> None:
    browser.sign_in(ALICE)
    assert f"/versions/{ids[B]}/delete" in row(browser.get(PAGE).text, B)
    # The same rows, seen by someone who may not delete them: no Delete in them.
    assert "/delete" not in stranger.get(PAGE).text


def test_a_restore_form_carries_its_own_sessions_token(
    browser: Browser, stranger: Browser, api: Api, ids: dict[str, int]
) -> None:
    assert api.delete(f"{API}/versions/{ids[C]}", ALICE).status_code == 204
    tokens = []
    for person in (browser, stranger):
        person.sign_in(ALICE)
        page = person.get(f"{PAGE}?state=deleted").text
        forms = re.findall(r'name="csrf" value="([^"]*)"', page)
        # Sign-out's and the restore form's: this session's token, in both.
        assert len(forms) == 2 and len(set(forms)) == 1 and forms[0], forms
        tokens.append(forms[0])
    assert tokens[0] != tokens[1]
    restored = stranger.post(f"{PAGE}/{ids[C]}/restore", {"csrf": tokens[1]})
    assert restored.status_code == 303


def test_the_kept_rows_are_bounded(
    browser: Browser, app: Any, ids: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rows, "MAX_KEPT_ROWS", 2)
    monkeypatch.setattr(rows, "MAX_KEPT_VERSIONS", 2)
    first = browser.get(PAGE).text
    assert browser.get(PAGE).text == first
    assert first.count('class="version-name"') == 3


def test_a_kept_page_is_each_sessions_own(
    browser: Browser, stranger: Browser, ids: dict[str, int]
) -> None:
    """The page around the rows is kept too (`render.Frames`), by who looks and their
    session's token: a session never gets another's sign-out form, nor one signed out."""
    tokens = []
    for person in (browser, stranger):
        person.sign_in(ALICE)
        for _ in range(2):  # the first page keeps the frame; the second is made from it
            page = person.get(PAGE).text
            assert "Signed in as <strong>alice</strong>" in page
            forms = set(re.findall(r'name="csrf" value="([^"]*)"', page))
            assert len(forms) == 1, forms
        tokens.append(forms.pop())
    assert tokens[0] != tokens[1]
    browser.sign_out()
    page = browser.get(PAGE).text
    assert "Signed in as" not in page and 'href="/login"' in page
    assert page.count('class="version-name"') == 3


def test_a_package_changed_shows_on_its_kept_page(
    browser: Browser, store: Any, clock: Clock, ids: dict[str, int]
) -> None:
    browser.sign_in(ALICE)
    assert 'class="badge public">public<' in browser.get(PAGE).text
    with store.write() as tx:
        owner = tx.accounts.find_account_by_login("alice")
        package = tx.packages.find_package(owner.id, PackageType.CONTAINER, "app")
        tx.packages.set_visibility(package.id, Visibility.PRIVATE, clock.now)
    page = browser.get(PAGE).text
    assert 'class="badge private">private<' in page and "badge public" not in page


def test_the_kept_pages_are_bounded(
    browser: Browser, api: Api, ids: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(render, "MAX_KEPT_FRAMES", 1)
    monkeypatch.setattr(rows, "MAX_KEPT_BLOCKS", 1)
    browser.sign_in(ALICE)
    assert api.delete(f"{API}/versions/{ids[C]}", ALICE).status_code == 204
    first = browser.get(PAGE).text
    deleted = browser.get(f"{PAGE}?state=deleted").text
    assert first.count('class="version-name"') == 2 and C not in first
    assert deleted.count('class="version-name"') == 1 and C in deleted
    assert browser.get(PAGE).text == first
    assert browser.get(f"{PAGE}?state=deleted").text == deleted


def test_a_frame_is_kept_only_around_one_slot() -> None:
    frames = render.Frames()
    slot = render.SLOT.encode()
    assert frames.keep("none", b"<p>no slot</p>") is None
    assert frames.keep("twice", b"<p>" + slot + slot + b"</p>") is None
    assert frames.keep("once", b"<p>" + slot + b"</p>") == (b"<p>", b"</p>")
    assert frames.get("once") == (b"<p>", b"</p>") and frames.get("twice") is None


def test_a_page_showing_its_slot_twice_is_not_kept_and_shows_it() -> None:
    env = jinja2.Environment(
        loader=jinja2.DictLoader({"twice.html": "{{ slot }}|{{ slot }}"}), autoescape=True
    )
    page = render.Page(env, ANONYMOUS, "t", None, None, render.Frames())  # type: ignore[arg-type]
    for _ in range(2):
        assert page.render_around("twice.html", b"<tr>", n=1).content == b"<tr>|<tr>"
