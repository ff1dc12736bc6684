"""A package's readme on its page: npm's, from the version's published document, rendered
from Markdown with nothing of the publisher's able to run."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import pytest

from packyard.web.markdown import MAX_README_CHARS, link_allowed, render_readme
from tests.conftest import ALICE
from tests.web.conftest import Browser

NAME = "@alice/hello"
PAGE = "/users/alice/packages/npm/package/hello"
HOSTILE = """# hello

<script>alert(1)</script>
<img src=x onerror=alert(1)>
<a href="javascript:alert(1)">raw</a>
[x](javascript:alert(1))
[tab](java\tscript:alert(1))
[entity](java&#x09;script:alert(1))
[data](data:text/html;base64,PHNjcmlwdD4=)
![pic](data:image/svg+xml;base64,PHN2Zz4=)
<javascript:alert(1)>
[ok](https://example.com/docs) [mail](mailto:a@example.com) [rel](docs/usage.md)
"""


def _publish(browser: Browser, readme: str, version: str = "1.0.0") -> None:
    manifest = {"name": NAME, "version": version, "readme": readme}
    document = {
        "_id": NAME,
        "name": NAME,
        "versions": {version: manifest},
        "dist-tags": {"latest": version},
        "_attachments": {
            f"hello-{version}.tgz": {"data": base64.b64encode(b"bytes").decode(), "length": 5}
        },
    }
    answer = browser.client.put(
        "/_registry/npm/@alice%2fhello",
        content=json.dumps(document).encode(),
        headers={"Authorization": f"Bearer {ALICE}", "Content-Type": "application/json"},
    )
    assert answer.status_code in (200, 201), answer.text


def _readme_html(page: str) -> str:
    found = re.search(r'<section aria-labelledby="readme-title".*?</section>', page, re.S)
    assert found, "no readme section"
    return found.group(0)


def test_a_hostile_readme_renders_inert(browser: Browser, world: Any) -> None:
    _publish(browser, HOSTILE)
    browser.sign_in(ALICE)  # npm packages are private by default
    html = _readme_html(browser.get(PAGE).text)
    assert "<h1>hello</h1>" in html
    assert "<script" not in html and '<img src="x"' not in html
    assert not re.search(r"<[^>]+\son\w+=", html)  # no event-handler attribute on any tag
    hrefs = re.findall(r'(?:href|src)="([^"]*)"', html)
    assert hrefs == ["https://example.com/docs", "mailto:a@example.com", "docs/usage.md"]
    assert 'rel="nofollow ugc noopener"' in html


def test_the_readme_follows_the_latest_version(browser: Browser, world: Any) -> None:
    _publish(browser, "# first")
    _publish(browser, "# second", "1.1.0")
    browser.sign_in(ALICE)
    assert "<h1>second</h1>" in _readme_html(browser.get(PAGE).text)


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://example.com", True),
        ("HTTP://example.com", True),
        ("mailto:a@example.com", True),
        ("docs/a.md", True),
        ("#usage", True),
        ("?tab=x", True),
        ("javascript:alert(1)", False),
        ("JavaScript:alert(1)", False),
        (" javascript:alert(1)", False),
        ("java\tscript:alert(1)", False),
        ("data:image/png;base64,AAAA", False),
        ("vbscript:x", False),
        ("file:///etc/passwd", False),
        ("//evil.example/x", False),
    ],
)
def test_link_allowed(url: str, allowed: bool) -> None:
    assert link_allowed(url) is allowed


def test_a_long_readme_is_cut_and_none_is_none() -> None:
    assert render_readme(None) is None and render_readme("") is None
    rendered = render_readme("a" * (MAX_README_CHARS + 10))
    assert rendered is not None and rendered.count("a") == MAX_README_CHARS
