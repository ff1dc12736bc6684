"""A Maven package's page names it by the coordinates it was deployed with
(`Format.coordinates`), even where the artifactId holds a dot."""

from __future__ import annotations

import hashlib
from typing import Any

from markupsafe import escape

from tests.conftest import ALICE
from tests.web.conftest import Browser

REPO = "/_registry/maven/alice/tools"
POM = b"<project><modelVersion>4.0.0</modelVersion></project>"


def test_an_artifact_id_with_a_dot_keeps_it(browser: Browser, world: Any) -> None:
    base = f"{REPO}/com/example/hello.core/1.0.0/hello.core-1.0.0.pom"
    for path, body in ((base, POM), (f"{base}.sha1", hashlib.sha1(POM).hexdigest().encode())):
        deployed = browser.client.put(path, content=body, auth=("someone", ALICE))
        assert deployed.status_code == 200, deployed.text
    browser.sign_in(ALICE)
    page = browser.get("/users/alice/packages/maven/package/com.example.hello.core")
    assert page.status_code == 200
    dependency = (
        "<dependency>\n  <groupId>com.example</groupId>\n"
        "  <artifactId>hello.core</artifactId>\n  <version>1.0.0</version>\n</dependency>"
    )
    assert str(escape(dependency)) in page.text
